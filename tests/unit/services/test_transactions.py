"""A request commits once: a rollback undoes a registered ticket, savepoint and all, on both engines."""
import sqlalchemy as sa

from ticketing.models import Ticket
from ticketing.services import tickets


def test_rollback_undoes_a_registration_made_inside_a_savepoint(db, users, now):
    data = tickets.TicketInput(channel="mailbox_mayor", type="consult", content="咨询异地就医备案", external_id="m-1")
    tickets.register_ticket(db.session, data, actor=users["agent"], now=now)
    db.session.rollback()  # e.g. a later step of the same request failed
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 0
