"""One mark and one escalation per missed deadline (a review of the change that clears the 签收 deadline's mark on
签收 and on a move: it cleared the mark of a reply deadline that had passed, and the scan marked and escalated it
again)."""
from datetime import datetime, timedelta

import sqlalchemy as sa

from tests.conftest import LOCAL
from ticketing.models import TicketEvent
from ticketing.services import tickets
from ticketing.services.scanning import scan_deadlines


def _events(db, ticket, action):
    return [(e.note, e.data.get("due_at")) for e in db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == action)
        .order_by(TicketEvent.id))]


def _scan(db, moment):
    scan_deadlines(db.session, moment)
    db.session.commit()


def _dispatched_on_its_reply_day(db, users, reference):
    """A 12345 order received Mon 2 March at 09:00 that 12345 wants answered by 18:00 the same day, dispatched at
    once: its own 办理时限 governs however near it is (a department gets its own time only against the centre's), so
    the reply deadline passes before the 签收 one."""
    received = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="transfer_12345", type="consult", content="住院报销比例是多少",
                               caller_phone="13800138000", caller_name="王女士", category_code="DY", received_at=received,
                               due_at=datetime(2026, 3, 2, 18, 0, tzinfo=LOCAL), transfer_reference="SZ-0302-1")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received, route_now=False).ticket
    tickets.dispatch(db.session, ticket, reference["DYBZ"], actor=users["agent"], now=received)
    assert ticket.reply_due_at == datetime(2026, 3, 2, 18, 0, tzinfo=LOCAL) < ticket.accept_due_at
    db.session.commit()
    return ticket


def test_a_12345_orders_own_time_limit_is_kept_when_dispatched_or_moved_near_it(db, users, reference):
    ticket = _dispatched_on_its_reply_day(db, users, reference)
    tickets.reassign(db.session, ticket, reference["CBZJ"], actor=users["supervisor"],
                     now=datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL), reason="属参保征缴")
    assert ticket.reply_due_at == datetime(2026, 3, 2, 18, 0, tzinfo=LOCAL)  # 12345's, not 15 working days


def test_a_reply_deadline_missed_before_the_accept_is_marked_once(db, users, reference):
    ticket = _dispatched_on_its_reply_day(db, users, reference)
    _scan(db, datetime(2026, 3, 3, 10, 0, tzinfo=LOCAL))
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=datetime(2026, 3, 3, 15, 0, tzinfo=LOCAL))
    db.session.commit()
    for day in (3, 4, 5, 6, 9):
        _scan(db, datetime(2026, 3, day, 16, 0, tzinfo=LOCAL))
    assert len(_events(db, ticket, "mark_overdue")) == 1


def test_an_urged_ticket_is_not_escalated_again_for_the_same_deadline_after_its_accept(db, users, reference):
    ticket = _dispatched_on_its_reply_day(db, users, reference)
    _scan(db, datetime(2026, 3, 3, 9, 0, tzinfo=LOCAL))  # marked: the reply deadline was missed
    tickets.urge(db.session, ticket, "请尽快签收答复", actor=users["supervisor"], now=datetime(2026, 3, 3, 9, 30, tzinfo=LOCAL))
    db.session.commit()
    _scan(db, datetime(2026, 3, 3, 10, 0, tzinfo=LOCAL))  # escalated: urged and still overdue
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=datetime(2026, 3, 3, 11, 0, tzinfo=LOCAL))
    db.session.commit()
    _scan(db, datetime(2026, 3, 3, 11, 5, tzinfo=LOCAL))
    assert len(_events(db, ticket, "escalate")) == 1


def test_a_petition_moved_after_its_deadline_is_not_marked_and_escalated_again(db, users, reference):
    """A petition keeps its statutory deadline on 改派: its mark stays."""
    received = datetime(2026, 1, 5, 9, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="petition_bureau", type="complaint", content="医保报销被拒，请求复查",
                               caller_phone="13800138000", caller_name="王女士", category_code="DY", received_at=received)
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received, route_now=False).ticket
    tickets.dispatch(db.session, ticket, reference["DYBZ"], actor=users["agent"], now=received + timedelta(hours=1))
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=received + timedelta(hours=2))
    db.session.commit()
    due = ticket.reply_due_at
    late = due + timedelta(days=5)
    _scan(db, late)
    assert _events(db, ticket, "escalate")  # 5 days late: escalated once
    tickets.reassign(db.session, ticket, reference["CBZJ"], actor=users["supervisor"], now=late + timedelta(hours=1),
                     reason="职责调整")
    assert ticket.reply_due_at == due  # the statutory deadline is kept
    db.session.commit()
    _scan(db, late + timedelta(hours=2))
    assert len(_events(db, ticket, "mark_overdue")) == 1 and len(_events(db, ticket, "escalate")) == 1
