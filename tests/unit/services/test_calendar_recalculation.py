"""A year the calendar package does not cover: deadlines are recomputed when the administrator enters it."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from ticketing.models import Holiday
from ticketing.services.errors import InvalidTransition, ValidationFailed
from ticketing.services import administration, calendar, deadlines, tickets

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


def test_a_day_entered_in_a_confirmed_year_moves_the_deadlines_it_touches(db, users, reference, now):
    """An administrator review: a holiday entered in a year chinesecalendar confirms (a local closure) left every
    open ticket's deadline on the day now a holiday; one registered a minute later got the next day."""
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询报销比例", category_code="DY")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    assert ticket.calendar_confirmed and ticket.reply_due_at.astimezone(LOCAL).date() == date(2026, 3, 5)
    administration.add_calendar_day(db.session, date(2026, 3, 3), "holiday", "临时调整", actor=users["admin"], now=now)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2026, 3, 6) and ticket.calendar_confirmed
    assert ticket.events[-1].action == "recalculate_deadline" and "2026-03-06" in ticket.events[-1].note

    later = data.__class__(channel="hotline_12393", type="consult", content="咨询起付线", category_code="DY")
    untouched = tickets.register_ticket(db.session, later, actor=users["agent"], now=now + timedelta(days=10),
                                        route_now=False).ticket
    added = db.session.scalar(sa.select(Holiday).where(Holiday.day == date(2026, 3, 3)))
    administration.remove_calendar_day(db.session, added, actor=users["admin"], now=now)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2026, 3, 5)  # back, the day entered by mistake
    assert untouched.events[-1].action == "register"  # its deadlines are after the day: nothing to count


def test_a_holiday_removed_after_its_year_was_confirmed_brings_the_deadline_back(db, users, reference):
    """An administrator review: 元旦 2027 entered, the year confirmed, then 1 January deleted as a mistake: the
    deadline stayed a working day late, because only tickets on an unconfirmed calendar were counted again."""
    received = datetime(2026, 12, 30, 10, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received, route_now=False).ticket
    admin = users["admin"]
    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=admin, now=received)
    administration.set_year_confirmed(db.session, 2027, True, actor=admin, now=received)
    assert ticket.calendar_confirmed and ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 5)
    new_year = db.session.scalar(sa.select(Holiday).where(Holiday.day == date(2027, 1, 1)))
    administration.remove_calendar_day(db.session, new_year, actor=admin, now=received)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 4) and ticket.calendar_confirmed


def test_a_holiday_period_is_entered_at_once_and_the_deadlines_recomputed_once(db, users, reference):
    received = datetime(2026, 12, 30, 10, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received, route_now=False).ticket

    days = administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                              actor=users["admin"], now=received)
    assert [h.day for h in days] == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    assert {h.name for h in days} == {"元旦"} and {h.kind for h in days} == {"holiday"}
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 5)
    assert [e.action for e in ticket.events].count("recalculate_deadline") == 1


@pytest.mark.parametrize("first, last, field, words", [
    (date(2027, 1, 3), date(2027, 1, 1), "last_day", "结束日期不能早于开始日期"),
    (date(2027, 1, 1), date(2027, 2, 1), "last_day", "一次最多录入 31 天"),
    (date(2027, 1, 1), date(2127, 1, 1), "last_day", "日期超出范围"),
    (date(2026, 12, 31), date(2027, 1, 2), "last_day", "2027-01-01、2027-01-02 已录入"),
    (date(2027, 1, 2), None, "day", "2027-01-02 已录入"),
])
def test_a_period_that_cannot_be_taken_says_why_and_enters_nothing(db, users, first, last, field, words):
    from ticketing.services.errors import ValidationFailed

    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 2), "holiday", "元旦",
                                       actor=users["admin"])
    with pytest.raises(ValidationFailed) as refused:
        administration.add_calendar_period(db.session, first, last, "holiday", "", actor=users["admin"])
    assert words in refused.value.fields[field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Holiday)) == 2


@pytest.mark.parametrize("today, year", [
    (datetime(2026, 10, 31, 23, 0, tzinfo=LOCAL), None),   # next year's notice is not due yet
    (datetime(2026, 11, 1, 0, 30, tzinfo=LOCAL), 2027),    # from November it is
    (datetime(2027, 1, 4, 9, 0, tzinfo=LOCAL), 2027),      # and this year's, all year, until confirmed
    (datetime(2026, 6, 1, 9, 0, tzinfo=LOCAL), None),      # a year chinesecalendar covers needs nothing
])
def test_the_administrator_is_reminded_of_the_year_to_enter(db, today, year):
    reminder = calendar.calendar_reminder(db.session, now=today)
    assert (reminder.year if reminder else None) == year


def test_the_reminder_counts_the_open_tickets_waiting_and_ends_when_the_year_is_confirmed(db, users, reference):
    december = datetime(2026, 12, 30, 10, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    tickets.register_ticket(db.session, data, actor=users["agent"], now=december, route_now=False)
    reminder = calendar.calendar_reminder(db.session, now=december)
    assert reminder.open_tickets == 1 and "已有 1 件在办工单" in reminder.message and "2027 年" in reminder.message
    # a year-end review: the form's status defaults to 已确认, and 保存 with nothing entered took 1 January for a
    # working day with every 日历未确认 mark gone
    with pytest.raises(ValidationFailed, match="2027 年尚未录入任何放假日"):
        administration.set_year_confirmed(db.session, 2027, True, actor=users["admin"], now=december)
    administration.set_year_confirmed(db.session, 2026, True, actor=users["admin"], now=december)  # chinesecalendar's

    administration.add_calendar_day(db.session, date(2027, 10, 1), "holiday", "国庆节", actor=users["admin"], now=december)
    administration.set_year_confirmed(db.session, 2027, True, actor=users["admin"], now=december)
    assert calendar.calendar_reminder(db.session, now=december) is None


def test_an_accept_and_reply_judged_late_without_the_holidays_are_on_time_once_they_are_entered(db, users, reference):
    from ticketing.services import assessment

    received = datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL)  # Thursday; weekends only: 1 Jan counts as a working day
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    staff = next(u for u in users.values() if u.department_id == ticket.department_id)
    assert ticket.accept_due_at.astimezone(LOCAL).date() == date(2027, 1, 1)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 5)
    tickets.accept(db.session, ticket, actor=staff, now=datetime(2027, 1, 4, 9, 0, tzinfo=LOCAL))
    tickets.reply(db.session, ticket, "已答复", actor=staff, now=datetime(2027, 1, 6, 10, 0, tzinfo=LOCAL))
    accepted, replied = (e for e in ticket.events if e.action in ("accept", "reply"))
    assert accepted.data["on_time"] is False and replied.data["on_time"] is False

    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                       actor=users["admin"], now=datetime(2027, 1, 7, 9, 0, tzinfo=LOCAL))
    assert ticket.accept_due_at.astimezone(LOCAL).date() == date(2027, 1, 4)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 6)
    for event in (accepted, replied):
        assert event.data["on_time"] is True and event.data["late_before_recalculation"] is True
    recalculated = ticket.events[-1]
    assert recalculated.action == "recalculate_deadline" and recalculated.data["now_on_time"] == ["accept", "reply"]
    assert "签收、答复按重算后的时限为按时" in recalculated.note
    db.session.commit()

    row = {r.department_code: r for r in assessment.live_figures(
        db.session, "2026-12", datetime(2027, 1, 8, tzinfo=LOCAL), assessment.get_weights(db.session))}[
        ticket.department.code]
    assert (row.accept_on_time, row.accept_due, row.reply_on_time, row.reply_due) == (1, 1, 1, 1)


@pytest.mark.parametrize("moved_on", ["reassign", "reopen"])
def test_a_late_accept_or_reply_on_an_earlier_clock_is_on_time_once_the_holidays_are_entered(db, users, reference,
                                                                                            moved_on):
    """A 签收 before a later 改派, or a reply before 重办, stayed late: only events on the ticket's present clocks
    were counted again (an assessment review). Each now keeps the deadline it was judged by."""
    received = datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL)  # weekends only: accept by 1 Jan, reply by 5 Jan
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    staff = next(u for u in users.values() if u.department_id == ticket.department_id)
    tickets.accept(db.session, ticket, actor=staff, now=datetime(2027, 1, 4, 9, 0, tzinfo=LOCAL))
    if moved_on == "reassign":
        tickets.reassign(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"), actor=users["supervisor"],
                         now=datetime(2027, 1, 5, 9, 0, tzinfo=LOCAL), reason="应由参保征缴科办理")
        judged = next(e for e in ticket.events if e.action == "accept")
    else:
        tickets.reply(db.session, ticket, "已答复", actor=staff, now=datetime(2027, 1, 6, 10, 0, tzinfo=LOCAL))
        tickets.record_callback(db.session, ticket, reached=True, satisfaction="dissatisfied", solved=False,
                                actor=users["agent"], now=datetime(2027, 1, 6, 11, 0, tzinfo=LOCAL))
        tickets.reopen(db.session, ticket, "群众不满意", actor=users["supervisor"],
                       now=datetime(2027, 1, 6, 12, 0, tzinfo=LOCAL))
        judged = next(e for e in ticket.events if e.action == "reply")
    assert judged.data["on_time"] is False

    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                       actor=users["admin"], now=datetime(2027, 1, 7, 9, 0, tzinfo=LOCAL))
    assert judged.data["on_time"] is True and judged.data["late_before_recalculation"] is True
    recalculated = ticket.events[-1]
    assert recalculated.action == "recalculate_deadline" and judged.action in recalculated.data["now_on_time"]


def test_a_deadline_already_met_does_not_move_earlier_when_a_make_up_day_is_entered(db, users, reference):
    received = datetime(2027, 1, 29, 10, 0, tzinfo=LOCAL)  # Friday; 3 working days: Mon 1, Tue 2, Wed 3 February
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    staff = next(u for u in users.values() if u.department_id == ticket.department_id)
    tickets.accept(db.session, ticket, actor=staff, now=received)
    tickets.reply(db.session, ticket, "已答复", actor=staff, now=datetime(2027, 2, 3, 10, 0, tzinfo=LOCAL))

    administration.add_calendar_day(db.session, date(2027, 1, 30), "workday", "调休上班", actor=users["admin"],
                                    now=datetime(2027, 2, 4, 9, 0, tzinfo=LOCAL))
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 3)  # not 2 February: it was met
    assert ticket.calendar_confirmed is False  # 2027 itself is not confirmed yet
    replied = next(e for e in ticket.events if e.action == "reply")
    assert replied.data["on_time"] is True and "late_before_recalculation" not in replied.data

    open_ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    assert open_ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 2)  # Sat 30, Mon 1, Tue 2
    administration.add_calendar_day(db.session, date(2027, 1, 31), "workday", "调休上班", actor=users["admin"],
                                    now=datetime(2027, 1, 31, 9, 0, tzinfo=LOCAL))
    assert open_ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 1)  # one not yet answered moves


def test_an_open_deadline_does_not_move_to_a_moment_already_past(db, users, reference):
    """A year-end review: a ticket due Monday 1 February, and on that Monday at 09:00 Sunday 31 January is entered as
    a make-up working day. Counted again, the deadline is Sunday night, already past, and the overdue scan marked the
    ticket at once by a deadline the department was never shown. It keeps Monday; a later deadline still moves."""
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    due_monday = tickets.register_ticket(db.session, data, actor=users["agent"],
                                         now=datetime(2027, 1, 27, 10, 0, tzinfo=LOCAL)).ticket  # Thu, Fri, Mon 1
    due_tuesday = tickets.register_ticket(db.session, data, actor=users["agent"],
                                          now=datetime(2027, 1, 28, 10, 0, tzinfo=LOCAL)).ticket  # Fri, Mon, Tue 2
    assert due_monday.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 1)
    monday_morning = datetime(2027, 2, 1, 9, 0, tzinfo=LOCAL)
    administration.add_calendar_day(db.session, date(2027, 1, 31), "workday", "调休上班", actor=users["admin"],
                                    now=monday_morning)
    assert due_monday.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 1)
    assert not deadlines.is_overdue(due_monday.reply_due_at, monday_morning)
    assert due_tuesday.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 1)  # Fri, Sun, Mon: still ahead


def test_an_urgent_tickets_time_to_accept_still_counts_from_when_it_was_made_urgent(db, users, reference):
    dispatched = datetime(2026, 12, 30, 9, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉定点医院拒收医保卡",
                               category_code="DD")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=dispatched).ticket
    tickets.make_urgent(db.session, ticket, "来电人情绪激动", actor=users["supervisor"],
                        now=datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL))
    assert ticket.accept_due_at == datetime(2026, 12, 31, 12, 0, tzinfo=LOCAL)

    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=users["admin"],
                                    now=datetime(2026, 12, 31, 10, 30, tzinfo=LOCAL))
    assert ticket.accept_due_at == datetime(2026, 12, 31, 12, 0, tzinfo=LOCAL)  # not 30 December 11:00


def test_a_ticket_still_overdue_by_its_time_to_accept_keeps_its_overdue_mark(db, users, reference):
    from ticketing.services import scanning

    received = datetime(2026, 12, 31, 10, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉定点医院拒收医保卡",
                               category_code="DD")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    scanning.scan_deadlines(db.session, datetime(2027, 1, 5, 9, 0, tzinfo=LOCAL))
    marked = ticket.overdue_marked_at
    assert marked is not None  # not accepted by 1 January (weekends only)

    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=users["admin"],
                                    now=datetime(2027, 1, 5, 10, 0, tzinfo=LOCAL))
    assert ticket.accept_due_at.astimezone(LOCAL).date() == date(2027, 1, 4)  # still passed
    assert ticket.overdue_marked_at == marked  # so the scan does not mark and escalate it a second time


def test_a_help_request_deadline_counted_without_the_holidays_is_recomputed(db, users, reference):
    from ticketing.services import assists

    received = datetime(2026, 12, 30, 9, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉门诊慢特病待遇未落实",
                               category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    staff = next(u for u in users.values() if u.department_id == ticket.department_id)
    helper = next(d for code, d in reference.items() if code != ticket.department.code and d.active)
    tickets.accept(db.session, ticket, actor=staff, now=received)
    open_one = assists.request_assist(db.session, ticket, helper, "请核实结算记录", actor=staff,
                                      now=datetime(2026, 12, 30, 11, 0, tzinfo=LOCAL))
    assert open_one.due_at.astimezone(LOCAL).date() == date(2027, 1, 4) and open_one.calendar_confirmed is False

    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=users["admin"],
                                    now=datetime(2026, 12, 31, 9, 0, tzinfo=LOCAL))
    administration.set_year_confirmed(db.session, 2027, True, actor=users["admin"],
                                      now=datetime(2026, 12, 31, 9, 0, tzinfo=LOCAL))
    assert open_one.due_at.astimezone(LOCAL).date() == date(2027, 1, 5) and open_one.calendar_confirmed is True


def test_a_time_limit_edited_since_does_not_reach_tickets_counted_before_it(db, users, reference):
    """办理时限 applies to tickets dispatched after the edit; entering a holiday later recounted the older ones with
    the edited limit (15 working days became 5, overdue at once)."""
    received = datetime(2027, 3, 1, 9, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉门诊慢特病待遇未落实",
                               category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 3, 22)
    from ticketing.models import DeadlinePolicy

    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.ticket_type == "complaint", DeadlinePolicy.urgency == "normal", DeadlinePolicy.channel.is_(None)))
    administration.save_deadline_policy(db.session, policy, administration.PolicyInput(
        ticket_type="complaint", urgency="normal", channel=None, accept_amount=1, accept_unit="working_days",
        reply_amount=5, reply_unit="working_days"), actor=users["admin"])

    administration.add_calendar_day(db.session, date(2027, 3, 5), "holiday", "临时调整", actor=users["admin"],
                                    now=datetime(2027, 3, 2, 9, 0, tzinfo=LOCAL))
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 3, 23)  # 15 working days still, one a holiday
    new = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    assert new.reply_due_at.astimezone(LOCAL).date() == date(2027, 3, 9)  # the edited limit, for new tickets


def test_confirming_the_year_confirms_a_ticket_whose_deadlines_all_lie_before_it(db, users, reference):
    received = datetime(2026, 12, 28, 9, 0, tzinfo=LOCAL)  # 15 working days reach into 2027: unconfirmed
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉门诊慢特病待遇未落实",
                               category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    tickets.make_urgent(db.session, ticket, "来电人情绪激动", actor=users["supervisor"], now=received)
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2026, 12, 29) and ticket.calendar_confirmed is False
    administration.add_calendar_day(db.session, date(2027, 10, 1), "holiday", "国庆节", actor=users["admin"], now=received)
    administration.set_year_confirmed(db.session, 2027, True, actor=users["admin"], now=received)
    assert ticket.calendar_confirmed is True


def test_an_approved_extension_keeps_its_date_while_a_second_request_waits(db, users, reference):
    from datetime import timedelta

    received = datetime(2026, 12, 24, 9, 0, tzinfo=LOCAL)
    promised = datetime(2027, 1, 29, 23, 59, 59, tzinfo=LOCAL)
    ticket, staff = _accepted_with_an_extension(db, users, received, promised)
    tickets.request_extension(db.session, ticket, "仍需等待", promised + timedelta(days=10), actor=staff,
                              now=received + timedelta(hours=1))
    assert ticket.reply_due_at == promised
    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                       actor=users["admin"], now=received + timedelta(hours=2))
    assert ticket.reply_due_at == promised  # not moved as if it were working days from receipt


def test_holidays_entered_after_an_extension_never_leave_the_ticket_less_time_than_without_it(db, users, reference):
    """A year-end review: a complaint due 10 February 2027, extended to 12 February; then 春节 (5–13 February) was
    entered. Without the extension the deadline would be 18 February; the approved one kept 12 February, in the
    holiday, and a request still waiting could be approved, moving the deadline back to 12 February."""
    received = datetime(2027, 1, 20, 9, 0, tzinfo=LOCAL)  # Wednesday
    asked = datetime(2027, 2, 12, 23, 59, 59, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="complaint", content="投诉门诊慢特病待遇未落实",
                               category_code="MT")
    approved = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    waiting = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    assert approved.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 10)
    staff = next(u for u in users.values() if u.department_id == approved.department_id)
    asking = datetime(2027, 1, 25, 10, 0, tzinfo=LOCAL)
    for ticket in (approved, waiting):
        tickets.accept(db.session, ticket, actor=staff, now=received)
        tickets.request_extension(db.session, ticket, "需调取外地病历", asked, actor=staff, now=asking)
    tickets.approve_extension(db.session, approved, actor=users["supervisor"], now=asking)
    assert approved.reply_due_at == asked

    entered = datetime(2027, 1, 26, 9, 0, tzinfo=LOCAL)
    administration.add_calendar_period(db.session, date(2027, 2, 5), date(2027, 2, 13), "holiday", "春节",
                                       actor=users["admin"], now=entered)
    assert approved.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 18)  # what it had without the extension
    assert waiting.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 18)
    with pytest.raises(InvalidTransition, match="答复时限已是 2027-02-18"):
        tickets.approve_extension(db.session, waiting, actor=users["supervisor"], now=entered)
    assert waiting.reply_due_at.astimezone(LOCAL).date() == date(2027, 2, 18)
    assert tickets.Action.APPROVE_EXTENSION not in tickets.actions_open_now(db.session, users["supervisor"], waiting,
                                                                            entered)
    tickets.refuse_extension(db.session, waiting, actor=users["supervisor"], now=entered,
                             note="春节假期已顺延办理时限，无需延期")


def test_a_ticket_made_urgent_on_its_deadline_day_still_counts_from_receipt(db, users, reference):
    received = datetime(2026, 12, 30, 10, 0, tzinfo=LOCAL)
    data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询门诊慢特病认定", category_code="MT")
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 4)
    tickets.make_urgent(db.session, ticket, "来电人情绪激动", actor=users["supervisor"],
                        now=datetime(2027, 1, 4, 10, 0, tzinfo=LOCAL))
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 4)  # 24 h would be later: kept
    administration.add_calendar_day(db.session, date(2027, 1, 1), "holiday", "元旦", actor=users["admin"],
                                    now=datetime(2027, 1, 4, 11, 0, tzinfo=LOCAL))
    assert ticket.reply_due_at.astimezone(LOCAL).date() == date(2027, 1, 5)


def test_a_reply_judged_by_an_extensions_date_on_an_earlier_clock_stays_late(db, users, reference):
    """An approved extension's date is no count of working days: a reply after it, before a 重办, was made on time
    by entering 元旦 (a diff review). On the present clock the same was already so."""
    ticket, staff = _accepted_with_an_extension(db, users, datetime(2026, 12, 24, 9, 0, tzinfo=LOCAL),
                                                datetime(2027, 1, 5, 23, 59, 59, tzinfo=LOCAL))
    tickets.reply(db.session, ticket, "已答复", actor=staff, now=datetime(2027, 1, 6, 10, 0, tzinfo=LOCAL))
    tickets.record_callback(db.session, ticket, reached=True, satisfaction="dissatisfied", solved=False,
                            actor=users["agent"], now=datetime(2027, 1, 6, 11, 0, tzinfo=LOCAL))
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["supervisor"], now=datetime(2027, 1, 6, 12, 0, tzinfo=LOCAL))
    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                       actor=users["admin"], now=datetime(2027, 1, 7, 9, 0, tzinfo=LOCAL))
    assert next(e for e in ticket.events if e.action == "reply").data["on_time"] is False


def test_a_fresh_deadline_after_a_late_reassignment_of_an_extended_ticket_is_counted_again(db, users, reference):
    """The approved extension belonged to the clock before the 改派; the fresh deadline is working days."""
    ticket, _ = _accepted_with_an_extension(db, users, datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL),
                                            datetime(2026, 12, 24, 23, 59, 59, tzinfo=LOCAL), type="complaint",
                                            category="DY", content="住院报销比例")
    tickets.reassign(db.session, ticket, tickets.department_by_code(db.session, "CBZJ"), actor=users["supervisor"],
                     now=datetime(2026, 12, 28, 9, 0, tzinfo=LOCAL), reason="应由参保征缴科办理")
    fresh = ticket.reply_due_at
    administration.add_calendar_period(db.session, date(2027, 1, 1), date(2027, 1, 3), "holiday", "元旦",
                                       actor=users["admin"], now=datetime(2026, 12, 29, 9, 0, tzinfo=LOCAL))
    assert ticket.reply_due_at.date() == fresh.date() + timedelta(days=1)


def _accepted_with_an_extension(db, users, received, promised, *, type="consult", category="MT",
                                content="咨询门诊慢特病认定"):
    """A ticket registered and dispatched at ``received``, accepted at once, its reply extended to ``promised``."""
    data = tickets.TicketInput(channel="hotline_12393", type=type, content=content, category_code=category)
    ticket = tickets.register_ticket(db.session, data, actor=users["agent"], now=received).ticket
    staff = next(u for u in users.values() if u.department_id == ticket.department_id)
    tickets.accept(db.session, ticket, actor=staff, now=received)
    tickets.request_extension(db.session, ticket, "需调取外地病历", promised, actor=staff, now=received)
    tickets.approve_extension(db.session, ticket, actor=users["supervisor"], now=received)
    return ticket, staff


def test_a_make_up_working_day_on_a_weekday_is_refused(db, users):
    """An administrator review: 调休上班 on a Wednesday was taken, changing nothing, and nobody was told."""
    from ticketing.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        administration.add_calendar_day(db.session, date(2027, 2, 10), "workday", "春节调休", actor=users["admin"])
    assert "调休上班只能是周六或周日：2027-02-10 本来就是工作日" in refused.value.fields["day"]
    saturday = administration.add_calendar_day(db.session, date(2027, 2, 20), "workday", "春节调休",
                                               actor=users["admin"])
    assert saturday.kind == "workday"


def test_a_time_limit_longer_than_a_year_is_refused_in_its_unit(db, users):
    """An administrator review: a 签收时限 of 3,650 working days was taken (a deadline in 2040)."""
    from ticketing.models import DeadlinePolicy
    from ticketing.services.errors import ValidationFailed

    policy = db.session.scalars(sa.select(DeadlinePolicy)).first()
    data = administration.PolicyInput(ticket_type=policy.ticket_type, urgency=policy.urgency, channel=policy.channel,
                                      accept_amount=3650, accept_unit="working_days", reply_amount=15,
                                      reply_unit="working_days")
    with pytest.raises(ValidationFailed) as refused:
        administration.save_deadline_policy(db.session, policy, data, actor=users["admin"])
    assert refused.value.fields["accept_amount"] == "签收时限过长：最多 250 个工作日"


def test_a_holiday_recount_after_a_reopen_keeps_the_sources_date_to_its_own_clock(db, users, now):
    """A holiday entered after a 重办 cut the fresh deadline back to the date 12345 gave at registration: the
    source's date belongs to the clock it came with (a review)."""
    from datetime import date, timedelta

    from tests.factories import make_ticket
    from ticketing.models import TicketStatus
    from ticketing.services import administration, tickets

    def reopened(external_id, due_at=None):
        ticket = make_ticket(db, users, now, status=TicketStatus.REPLIED, channel="transfer_12345",
                             external_id=external_id, due_at=due_at)
        tickets.reopen(db.session, ticket, "回访不满意", actor=users["supervisor"], now=now + timedelta(days=1))
        return ticket

    plain = reopened("GD-1")
    source_date = plain.reply_due_at + timedelta(hours=1)  # later than the receipt's own deadline: not applied
    ordered = reopened("GD-2", due_at=source_date)
    assert ordered.reply_due_at == plain.reply_due_at
    administration.add_calendar_day(db.session, date(2026, 3, 10), "holiday", "临时调整", actor=users["admin"],
                                    now=now + timedelta(days=1, hours=1))
    assert plain.reply_due_at > source_date and ordered.reply_due_at == plain.reply_due_at
