"""A year the calendar package does not cover: deadlines are recomputed when the administrator enters it."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ticketing.services import administration, tickets

LOCAL = ZoneInfo("Asia/Shanghai")


def test_entering_and_confirming_2027_recomputes_open_deadlines(db, users, reference):
    received = datetime(2026, 12, 30, 10, 0, tzinfo=LOCAL)  # Wednesday; 3 working days reach into 2027
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received, route_now=False).ticket
    before = ticket.reply_due_at
    assert ticket.calendar_confirmed is False
    assert before.astimezone(LOCAL).date() == date(2027, 1, 4)  # Thu 31, Fri 1 Jan, Mon 4: weekends only

    admin, now = users["admin"], datetime(2026, 12, 30, 12, 0, tzinfo=LOCAL)
    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=admin, now=now)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 5)  # 1 Jan is now a holiday
    assert ticket.calendar_confirmed is False
    event = ticket.events[-1]
    assert event.action == "recalculate_deadline" and event.actor_id is None and "2027-01-05" in event.note

    administration.set_year_confirmed(db.session, 2027, True, actor=admin, now=now)
    assert ticket.calendar_confirmed is True
    assert [e.action for e in ticket.events].count("recalculate_deadline") == 1  # the date did not move again


def test_tickets_on_a_confirmed_calendar_are_left_alone(db, users, reference, now):
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询报销比例", category_code="DY")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    due = ticket.reply_due_at
    administration.add_calendar_day(db.session, date(2026, 3, 3), "holiday", "临时调整", actor=users["admin"], now=now)
    assert ticket.reply_due_at == due and ticket.events[-1].action == "register"
