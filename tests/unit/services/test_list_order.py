"""What lists show and in which order, where the database alone would leave it open."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import inbox

S = TicketStatus


@pytest.mark.parametrize("query", [inbox.returns_query, inbox.extension_requests_query])
def test_tickets_of_equal_deadline_keep_one_order_across_pages(query):
    """PostgreSQL returns rows of equal sort key in any order, so 退回审核's pages repeated some tickets and never
    showed others (a list review on PostgreSQL, 4 Dec 2026): the id decides between them."""
    order = [str(clause) for clause in query()._order_by_clauses]
    assert order == ["ticket.reply_due_at", "ticket.id"]


def test_a_dispatched_ticket_past_its_reply_deadline_shows_that_deadline(db, users, now):
    """Dispatched a day before its reply deadline: overdue once that passes, as the scan and 已超期 say, although
    the time to accept runs on; the lists and the ticket page showed time left and no red."""
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    assert ticket.current_due_at == ticket.accept_due_at and ticket.current_due_kind == "签收"
    ticket.reply_due_at = ticket.accept_due_at - timedelta(hours=5)
    assert ticket.current_due_at == ticket.reply_due_at and ticket.current_due_kind == "答复"
    ticket.status = S.ACCEPTED.value
    assert ticket.current_due_at == ticket.reply_due_at and ticket.current_due_kind == "答复"


def test_the_inbox_orders_a_dispatched_ticket_by_the_deadline_it_shows(db, users, now):
    """A ticket dispatched after its reply deadline shows that deadline and is overdue; the inbox sorted it by its
    time to accept, after tickets due later (found by a review of the day's changes)."""
    import sqlalchemy as sa

    from ticketing.models import Ticket

    late = make_ticket(db, users, now, status=S.DISPATCHED, title="答复已超期")
    soon = make_ticket(db, users, now, status=S.DISPATCHED, title="今天签收")
    late.reply_due_at = now - timedelta(days=1)
    late.accept_due_at = now + timedelta(days=1)
    soon.accept_due_at = now + timedelta(hours=8)
    db.session.flush()
    ordered = db.session.scalars(sa.select(Ticket).where(Ticket.id.in_((late.id, soon.id)))
                                 .order_by(inbox.due_expression(), Ticket.id)).all()
    assert [t.title for t in ordered] == ["答复已超期", "今天签收"]
    assert [t.current_due_at for t in ordered] == [late.reply_due_at, soon.accept_due_at]
