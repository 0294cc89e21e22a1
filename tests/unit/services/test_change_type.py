"""修改诉求类型: the type drives the deadline and the callback sample; a correction counts the deadlines again on
the new type's policy from their clocks' start, never into the past, and is recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import extend, make_ticket
from ticketing.models import TicketStatus
from ticketing.services import calendar, tickets
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed

S = TicketStatus


def policy_reply_due(db, ticket, type_):
    """What a ticket of ``type_`` received when this one was would be due by."""
    was, ticket.type = ticket.type, type_
    try:
        return calendar.reply_deadline(db.session, ticket, ticket.received_at).due_at
    finally:
        ticket.type = was


def test_a_consultation_that_was_a_complaint_gets_a_complaints_time(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    consult_due = ticket.reply_due_at
    assert consult_due == policy_reply_due(db, ticket, "consult")
    tickets.change_type(db.session, ticket, "complaint", "来电人实为投诉窗口态度", actor=users["agent"],
                        now=now + timedelta(hours=3))
    db.session.flush()
    assert ticket.type == "complaint" and ticket.reply_due_at == policy_reply_due(db, ticket, "complaint")
    assert ticket.reply_due_at > consult_due
    event = ticket.events[-1]
    assert event.action == "change_type" and event.data["from"] == "consult" and event.data["to"] == "complaint"
    assert event.data["reply_due_at"][0] != event.data["reply_due_at"][1] and "咨询 → 投诉" in event.note
    assert "答复时限" in event.note and ticket.updated_at == now + timedelta(hours=3)  # the citizen's view changed


def test_a_shorter_deadline_never_falls_into_the_past(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")
    complaint_due = ticket.reply_due_at
    tickets.change_type(db.session, ticket, "consult", "只是咨询", actor=users["agent"], now=now + timedelta(days=10))
    assert ticket.reply_due_at == complaint_due  # 3 working days from receipt passed long ago: the one shown stays
    assert "（按新类型计算的时限已过或相同，答复时限不变）" in ticket.events[-1].note  # and says why
    other = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")
    tickets.change_type(db.session, other, "consult", "只是咨询", actor=users["agent"], now=now + timedelta(hours=1))
    assert other.reply_due_at == policy_reply_due(db, other, "consult") < complaint_due  # still ahead: shortened


def test_what_stays_a_petitions_limits_and_an_approved_extension(db, users, now):
    petition = make_ticket(db, users, now, status=S.ACCEPTED, type="consult", channel="petition_bureau")
    due = petition.reply_due_at
    tickets.change_type(db.session, petition, "complaint", "信访人实为投诉", actor=users["supervisor"],
                        now=now + timedelta(hours=1))
    assert petition.reply_due_at == due and "（信访件按信访工作条例，答复时限不变）" in petition.events[-1].note
    extended = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED, type="consult"), now + timedelta(hours=1))
    promised = extended.reply_due_at
    tickets.change_type(db.session, extended, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=2))
    assert extended.reply_due_at == promised


def test_refusals(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="consult")
    with pytest.raises(ValidationFailed, match="已是咨询"):
        tickets.change_type(db.session, ticket, "consult", "无", actor=users["agent"], now=now)
    with pytest.raises(ValidationFailed, match="请选择诉求类型"):
        tickets.change_type(db.session, ticket, "rumour", "无", actor=users["agent"], now=now)
    with pytest.raises(ValidationFailed, match="请填写修改诉求类型的原因"):
        tickets.change_type(db.session, ticket, "complaint", " ", actor=users["agent"], now=now)
    with pytest.raises(NotAllowed):  # a department does not set its own deadline
        tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["staff_dybz"], now=now)
    answered = make_ticket(db, users, now, status=S.REPLIED, type="consult")
    with pytest.raises(InvalidTransition):
        tickets.change_type(db.session, answered, "complaint", "实为投诉", actor=users["agent"], now=now)
    report = make_ticket(db, users, now, status=S.DISPATCHED, type="report", category="JG")
    with pytest.raises(NotAllowed, match="举报人"):  # it would show the reporter to the department
        tickets.change_type(db.session, report, "complaint", "不是举报", actor=users["agent"], now=now)
    tickets.change_type(db.session, report, "complaint", "不是举报，是价格投诉", actor=users["supervisor"], now=now)
    assert report.type == "complaint" and report.events[-1].actor == users["supervisor"]


def test_an_overdue_mark_stays_with_the_deadline_that_passed(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    late = ticket.reply_due_at + timedelta(hours=1)
    ticket.overdue_marked_at = late
    tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["supervisor"], now=late)
    assert ticket.overdue_marked_at == late and ticket.reply_due_at < late


def test_an_extension_approved_on_this_clock_stays_whatever_followed(db, users, now):
    """A second extension refused cleared extension_state, and the approved date was dropped (a review)."""
    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED, type="consult"), now + timedelta(hours=1))
    promised = ticket.reply_due_at
    extend(db, users, ticket, now + timedelta(hours=2), days=3, approved=False)
    assert ticket.extension_state != "approved"
    tickets.change_type(db.session, ticket, "help", "实为求助", actor=users["agent"], now=now + timedelta(hours=3))
    assert ticket.reply_due_at == promised


def test_a_sources_earlier_limit_still_governs_and_a_later_one_gives_way(db, users, now):
    """12345's own 要求办结时间 stayed the deadline whatever the type (a review): it governs only while earlier."""
    def order(days, external_id):
        data = tickets.TicketInput(channel="transfer_12345", type="consult", content="12345 转来：住院报销问题",
                                   caller_phone="13800138000", category_code="DY", external_id=external_id,
                                   due_at=now + timedelta(days=days))
        return tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    later = order(10, "GD-10")  # later than consult's 3 working days: the centre's own governed
    assert later.reply_due_at == policy_reply_due(db, later, "consult")
    tickets.change_type(db.session, later, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=1))
    assert later.reply_due_at == now + timedelta(days=10)  # earlier than a complaint's 15: 12345's now governs
    sooner = order(2, "GD-2")
    tickets.change_type(db.session, sooner, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=1))
    assert sooner.reply_due_at == now + timedelta(days=2)


def test_a_deadline_already_passed_stays_and_the_lateness_with_it(db, users, now):
    """Changed after its deadline, consult → complaint gave the department 15 working days and its late reply counted
    on time (a review); a deadline passed stays, as an extension asked that late is refused."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    passed = ticket.reply_due_at
    late = passed + timedelta(hours=2)
    tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["supervisor"], now=late)
    assert ticket.reply_due_at == passed and "（已过答复时限，答复时限不变）" in ticket.events[-1].note
    tickets.reply(db.session, ticket, "已办理", actor=users["staff_dybz"], now=late + timedelta(hours=1))
    assert ticket.events[-1].data["on_time"] is False


def test_a_deadline_in_a_year_the_calendar_does_not_confirm_is_marked(db, users):
    """A consult received on 21 December 2026, made a complaint, falls due in 2027, which the calendar library does
    not confirm: the ticket says so (calendar_confirmed), as one registered a complaint would (a review)."""
    from datetime import datetime
    from ticketing.services.deadlines import LOCAL_TZ
    received = datetime(2026, 12, 21, 9, 0, tzinfo=LOCAL_TZ)
    ticket = make_ticket(db, users, received, status=S.ACCEPTED, type="consult")
    complaint = make_ticket(db, users, received, status=S.ACCEPTED, type="complaint")
    tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["agent"],
                        now=received + timedelta(hours=2))
    assert ticket.reply_due_at.year == 2027
    assert ticket.calendar_confirmed is complaint.calendar_confirmed


def test_the_form_is_not_offered_for_a_report_to_an_agent(db, users, now):
    from ticketing.services.workflow import Action
    report = make_ticket(db, users, now, status=S.DISPATCHED, type="report", category="JG")
    assert Action.CHANGE_TYPE not in tickets.actions_open_now(db.session, users["agent"], report, now)
    assert Action.CHANGE_TYPE in tickets.actions_open_now(db.session, users["supervisor"], report, now)


def test_a_12345_order_sent_back_with_a_new_limit_keeps_it_through_a_type_change(db, users, now):
    """12345 sent back an order the centre had returned, with a new 要求办结时间 of 2 days; a type change then gave
    it 15 working days (only the registration's date was read; a review)."""
    data = tickets.TicketInput(channel="transfer_12345", type="consult", content="12345 转来：住院报销问题",
                               caller_phone="13800138000", category_code="DY", external_id="GD-9")
    order = tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    tickets.transfer_out(db.session, order, "", actor=users["agent"], now=now + timedelta(hours=1),
                         note="不属于医保业务")
    again = now + timedelta(days=1)
    data.due_at, data.content = again + timedelta(days=2), "12345 退回：属医保业务，请办理住院报销问题"
    tickets.register_ticket(db.session, data, actor=None, now=again, route_now=False)
    assert order.status == "registered" and order.reply_due_at == again + timedelta(days=2)
    tickets.change_type(db.session, order, "complaint", "实为投诉", actor=users["agent"], now=again + timedelta(hours=1))
    assert order.reply_due_at == again + timedelta(days=2)


def test_a_type_change_kept_by_the_sources_date_says_so(db, users, now):
    data = tickets.TicketInput(channel="transfer_12345", type="consult", content="12345 转来：住院报销问题",
                               caller_phone="13800138000", category_code="DY", external_id="GD-20",
                               due_at=now + timedelta(days=2))
    order = tickets.register_ticket(db.session, data, actor=users["agent"], now=now, route_now=False).ticket
    tickets.change_type(db.session, order, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=1))
    assert "（按来源要求的办结时间，答复时限不变）" in order.events[-1].note
