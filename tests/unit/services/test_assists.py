"""协办 through services/actions.perform_action (the pages' and the API's entry point): who may ask whom, the
deadline, who may answer and see what, withdrawal, and the queues and counts built on it."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.conftest import LOCAL, make_user
from tests.factories import make_ticket
from ticketing.models import AssistState, Role, TicketStatus
from ticketing.services import assists, inbox, permissions, privacy, settings, tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed

S = TicketStatus


def act(db, ticket, action, actor, now, **params):
    return perform_action(db.session, ticket, action, params, actor=actor, now=now)


@pytest.fixture()
def yyfw(db, users, reference):
    """A staff member of a third department (医药服务管理科), never asked."""
    user = make_user(db, "staff_yyfw", Role.STAFF, reference["YYFW"])
    db.session.commit()
    return user


def asked(db, users, now, **fields):
    """A ticket accepted by 待遇保障科, which asks 参保征缴科 to check the contributions."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, **fields)
    act(db, ticket, "request_assist", users["staff_dybz"], now + timedelta(hours=1), department="CBZJ",
        request="请核实该参保人 2025 年的缴费记录，电话 13912345678")
    db.session.commit()
    return ticket


def test_the_handling_department_asks_another_with_a_deadline_in_working_days(db, users, now):
    ticket = asked(db, users, now)
    [assist] = ticket.assists
    assert assist.state == AssistState.OPEN.value and assist.department.code == "CBZJ"
    assert assist.requested_by == users["staff_dybz"] and assist.request.startswith("请核实该参保人")
    # Monday 2 March 2026 10:00 + 3 working days: the end of Thursday 5 March, Beijing time
    assert assist.due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=LOCAL) and assist.calendar_confirmed
    event = ticket.events[-1]
    assert event.action == "request_assist" and event.actor == users["staff_dybz"]
    assert event.from_status == event.to_status == S.ACCEPTED.value  # the ticket stays with its department
    assert event.note.startswith("请参保征缴科协办，2026-03-05 23:59 前反馈：请核实")
    assert event.data == {"department": "CBZJ", "due_at": "2026-03-05T15:59:59+00:00"}  # stored in UTC, as make_urgent does


def test_the_answer_is_due_no_later_than_the_tickets_own_reply(db, users, now):
    settings.set_setting(db.session, "assist_working_days", 20)
    ticket = asked(db, users, now, type="consult")  # a consultation is answered within 3 working days
    assert ticket.assists[0].due_at == ticket.reply_due_at < datetime(2026, 3, 30, tzinfo=LOCAL)


def test_a_ticket_already_overdue_gives_the_assisting_department_its_working_days(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    later = ticket.reply_due_at + timedelta(days=1)  # Friday 6 March, the ticket overdue since Thursday
    act(db, ticket, "request_assist", users["staff_dybz"], later, department="CBZJ", request="请核实")
    assert ticket.assists[0].due_at == datetime(2026, 3, 11, 23, 59, 59, tzinfo=LOCAL)  # Wednesday after


@pytest.mark.parametrize(("params", "message"), [
    ({"department": "CBZJ", "request": "  "}, "请写明需要协办单位核实或答复的事项"),
    ({"department": "DYBZ", "request": "请核实"}, "不能请本单位协办"),
    ({"department": "NOPE", "request": "请核实"}, "承办单位无效"),
    ({"department": "CBZJ", "request": "查" * 2001}, "协办事项不超过 2000 字"),
])
def test_a_request_needs_another_department_and_what_to_check(db, users, now, params, message):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(ValidationFailed) as error:
        act(db, ticket, "request_assist", users["staff_dybz"], now, **params)
    assert error.value.message == message and ticket.assists == []


def test_one_open_request_per_department_until_it_is_withdrawn(db, users, now):
    ticket = asked(db, users, now)
    with pytest.raises(ValidationFailed, match="已请该单位协办"):
        act(db, ticket, "request_assist", users["staff_dybz"], now, department="CBZJ", request="再催一次")
    with pytest.raises(ValidationFailed, match="请填写撤回原因"):
        act(db, ticket, "withdraw_assist", users["staff_dybz"], now, department="CBZJ", reason="")
    act(db, ticket, "withdraw_assist", users["staff_dybz"], now + timedelta(hours=2), department="CBZJ",
        reason="已从系统查到缴费记录")
    assert ticket.assists[0].state == AssistState.WITHDRAWN.value
    assert ticket.events[-1].note == "撤回对参保征缴科的协办：已从系统查到缴费记录"
    with pytest.raises(NotFound):  # nothing left to answer
        act(db, ticket, "answer_assist", users["staff_cbzj"], now, opinion="已核实")
    act(db, ticket, "request_assist", users["staff_dybz"], now + timedelta(hours=3), department="CBZJ", request="另请核实 2024 年")
    assert [a.state for a in ticket.assists] == ["withdrawn", "open"]


@pytest.mark.parametrize(("username", "error"), [
    ("agent", NotAllowed), ("staff_cbzj", NotFound), ("staff_yyfw", NotFound),
])
def test_only_the_handling_department_or_a_supervisor_asks(db, users, yyfw, now, username, error):
    actor = yyfw if username == "staff_yyfw" else users[username]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(error):
        act(db, ticket, "request_assist", actor, now, department="YYFW" if username != "staff_yyfw" else "CBZJ",
            request="请核实")
    act(db, ticket, "request_assist", users["supervisor"], now, department="YYFW", request="请核实该药店的结算记录")
    assert ticket.assists[0].requested_by == users["supervisor"]


def test_a_request_only_while_a_department_has_the_ticket(db, users, now):
    for status in (S.REGISTERED, S.REPLIED):
        ticket = make_ticket(db, users, now, status=status)
        with pytest.raises(InvalidTransition):
            act(db, ticket, "request_assist", users["supervisor"], now, department="CBZJ", request="请核实")


def test_the_department_asked_sees_the_ticket_without_the_caller_and_answers_once(db, users, yyfw, now):
    ticket = asked(db, users, now)
    cbzj = users["staff_cbzj"]
    assert permissions.can_view_ticket(cbzj, ticket) and not permissions.can_view_ticket(yyfw, ticket)
    assert not privacy.may_see_caller(db.session, cbzj, ticket)  # the handling department contacts the citizen
    # the department asked may answer (with files of what it checked) and nothing else: no reply, note, return or
    # contact of its own
    from ticketing.services.workflow import Action, allowed_actions
    assert allowed_actions(cbzj, ticket) == [Action.ATTACH, Action.REMOVE_ATTACHMENT, Action.ANSWER_ASSIST]
    assert Action.ANSWER_ASSIST not in allowed_actions(users["staff_dybz"], ticket)
    with pytest.raises(NotFound):
        act(db, ticket, "answer_assist", users["staff_dybz"], now, opinion="自己答")
    with pytest.raises(NotFound):
        act(db, ticket, "answer_assist", yyfw, now, opinion="不是我们的")
    with pytest.raises(ValidationFailed, match="请填写协办意见"):
        act(db, ticket, "answer_assist", cbzj, now, opinion=" ")

    act(db, ticket, "answer_assist", cbzj, now + timedelta(days=1), opinion="经核实，2025 年 1–6 月已足额缴费")
    assist = ticket.assists[0]
    assert assist.state == "answered" and assist.answered_by == cbzj and assist.opinion.startswith("经核实")
    assert ticket.events[-1].note == "参保征缴科反馈协办意见：经核实，2025 年 1–6 月已足额缴费"
    assert ticket.events[-1].data == {"department": "CBZJ", "late": False}
    assert ticket.status == S.ACCEPTED.value
    with pytest.raises(NotFound):
        act(db, ticket, "answer_assist", cbzj, now + timedelta(days=1), opinion="再答一次")
    assert permissions.can_view_ticket(cbzj, ticket)  # what it answered stays readable


def test_a_late_answer_is_marked_in_the_history(db, users, now):
    ticket = asked(db, users, now)
    act(db, ticket, "answer_assist", users["staff_cbzj"], now + timedelta(days=7), opinion="已核实")
    assert ticket.events[-1].data["late"] is True and "（超过反馈时限）" in ticket.events[-1].note


def test_the_queue_and_the_counter_follow_the_tickets_work(db, users, now):
    ticket = asked(db, users, now)
    asked(db, users, now, title="第二件")
    department = users["staff_cbzj"].department_id
    queue = db.session.scalars(assists.department_queue(department)).all()
    assert [a.ticket.title for a in queue] == [ticket.title, "第二件"]  # the soonest due first, then by id
    counts = inbox.todo_counts(db.session, users["staff_cbzj"], now)
    assert counts["assists"] == 2 and counts["total"] == 2

    # answered by the handling department without waiting: the request ends unanswered and leaves the queue
    tickets.reply(db.session, ticket, "已办理", actor=users["staff_dybz"], now=now + timedelta(hours=2))
    assert assists.queue_count(db.session, department) == 1 and assists.awaited(ticket) == []
    assert ticket.assists[0].state == AssistState.LAPSED.value
    assert ticket.assists[0].closed_at == now + timedelta(hours=2)
    assert ticket.events[-1].action == "reply" and ticket.events[-1].data["assists_lapsed"] == ["CBZJ"]
    with pytest.raises(NotFound, match="本单位没有待反馈的协办"):
        act(db, ticket, "answer_assist", users["staff_cbzj"], now, opinion="晚了")
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["agent"], now=now + timedelta(hours=3))
    assert assists.queue_count(db.session, department) == 1  # worked again: it asks again if it still needs to
    act(db, ticket, "request_assist", users["staff_dybz"], now + timedelta(hours=4), department="CBZJ", request="再核实")
    assert assists.queue_count(db.session, department) == 2


@pytest.mark.parametrize("leave", ["merge", "transfer_out", "legal_channel"])
def test_every_way_out_of_the_departments_ends_open_requests(db, users, now, leave):
    ticket = asked(db, users, now)
    if leave == "merge":
        earlier = make_ticket(db, users, now - timedelta(days=1))
        tickets.merge(db.session, ticket, earlier, actor=users["agent"], now=now + timedelta(hours=2))
    elif leave == "transfer_out":
        tickets.reassign(db.session, ticket, tickets.department_by_code(db.session, "YYFW"), actor=users["supervisor"],
                         now=now + timedelta(hours=2), reason="改派")  # dispatched again: still with a department
        assert ticket.assists[0].is_open
        tickets.transfer_out(db.session, ticket, "12345-1", actor=users["agent"], now=now + timedelta(hours=3))
    else:
        tickets.tell_legal_channel(db.session, ticket, "请申请行政复议", actor=users["staff_dybz"],
                                   now=now + timedelta(hours=2))
    assert [r.state for r in ticket.assists] == ["lapsed"]
    assert ticket.events[-1].data["assists_lapsed"] == ["CBZJ"]


def test_the_supervisor_sees_requests_past_their_deadline(db, users, now):
    late = asked(db, users, now)
    answered = asked(db, users, now, title="已反馈的")
    act(db, answered, "answer_assist", users["staff_cbzj"], now + timedelta(days=1), opinion="已核实")
    db.session.commit()
    after = now + timedelta(days=5)
    assert [t.id for t in db.session.scalars(inbox.assists.late_tickets_query(after))] == [late.id]
    assert db.session.scalars(assists.late_tickets_query(now + timedelta(days=1))).all() == []
    sections = {s.key: s for s in inbox.supervision_sections(db.session, after, near_hours=24)}
    assert sections["assists"].total == 1 and sections["assists"].items == [late]


def test_the_handling_department_is_shown_opinions_on_its_tickets_still_worked(db, users, now):
    ticket = asked(db, users, now)
    act(db, ticket, "answer_assist", users["staff_cbzj"], now + timedelta(days=1), opinion="已核实")
    dybz = users["staff_dybz"].department_id
    assert assists.received_since(db.session, dybz, now) == ticket.assists
    assert assists.received_since(db.session, dybz, now + timedelta(days=2)) == []
    assert assists.received_since(db.session, users["staff_cbzj"].department_id, now) == []


def test_the_months_figures_per_department(db, users, now):
    """工单统计's 协办: by the month the request was made; on time over those not withdrawn."""
    on_time, late, withdrawn, waiting, ended, ended_late = (
        asked(db, users, now, title=t) for t in ("按时", "超时", "撤回", "未反馈", "先答复", "超时后答复"))
    cbzj, dybz = users["staff_cbzj"], users["staff_dybz"]
    act(db, on_time, "answer_assist", cbzj, now + timedelta(hours=25), opinion="已核实")  # 24 hours after the request
    act(db, late, "answer_assist", cbzj, now + timedelta(days=6, hours=1), opinion="已核实")  # 144 hours
    act(db, withdrawn, "withdraw_assist", dybz, now + timedelta(hours=2), department="CBZJ", reason="已查到")
    tickets.reply(db.session, ended, "已办理", actor=dybz, now=now + timedelta(days=1))  # before the opinion was due
    tickets.reply(db.session, ended_late, "已办理", actor=dybz, now=now + timedelta(days=7))  # after: it counts against
    theirs = make_ticket(db, users, now, status=S.ACCEPTED, department="CBZJ", category="CB")
    act(db, theirs, "request_assist", cbzj, now + timedelta(hours=1), department="DYBZ", request="请核实报销记录")
    april = make_ticket(db, users, now + timedelta(days=31), status=S.ACCEPTED)  # requested in April: not counted
    act(db, april, "request_assist", dybz, now + timedelta(days=31, hours=1), department="CBZJ", request="请核实")
    db.session.commit()

    start, end = datetime(2026, 3, 1, tzinfo=LOCAL), datetime(2026, 4, 1, tzinfo=LOCAL)
    rows = {m.department.code: m for m in assists.month_by_department(db.session, start, end)}
    cb = rows["CBZJ"]
    assert (cb.received, cb.answered, cb.on_time, cb.withdrawn, cb.lapsed, cb.waiting, cb.asked) == (6, 2, 1, 1, 2, 1, 1)
    assert cb.on_time_rate == 1 / 4 and cb.answer_hours == 84.0  # 6 − withdrawn − ended in time; (24 + 144) / 2
    dy = rows["DYBZ"]
    assert (dy.received, dy.answered, dy.waiting, dy.asked, dy.answer_hours, dy.on_time_rate) == (1, 0, 1, 6, None, 0.0)
    assert set(rows) == {"CBZJ", "DYBZ"}
    [only] = assists.month_by_department(db.session, start, end, department_id=cbzj.department_id)
    assert only.department.code == "CBZJ"


def test_a_supervisor_presses_the_department_asked(db, users, now):
    ticket = asked(db, users, now)
    with pytest.raises(NotAllowed):
        act(db, ticket, "urge_assist", users["staff_dybz"], now, department="CBZJ", note="请尽快")
    with pytest.raises(ValidationFailed, match="请填写督办意见"):
        act(db, ticket, "urge_assist", users["supervisor"], now, department="CBZJ", note="")
    with pytest.raises(ValidationFailed, match="该单位没有待反馈的协办"):
        act(db, ticket, "urge_assist", users["supervisor"], now, department="YYFW", note="请尽快")
    later = now + timedelta(days=4)
    act(db, ticket, "urge_assist", users["supervisor"], later, department="CBZJ", note="已超期，请今日反馈")
    assert (ticket.assists[0].urged_at, ticket.assists[0].urge_note) == (later, "已超期，请今日反馈")
    assert ticket.events[-1].note == "督办参保征缴科的协办：已超期，请今日反馈"
    assert ticket.urge_count == 0  # the handling department was not urged


@pytest.mark.parametrize("move", ["reassign", "approve_return"])
def test_a_request_ends_when_the_ticket_goes_to_the_department_asked(db, users, now, move):
    """It holds the ticket now: it would owe itself an opinion (and count it in its 协办 tab)."""
    ticket = asked(db, users, now)
    cbzj = tickets.department_by_code(db.session, "CBZJ")
    if move == "reassign":
        tickets.reassign(db.session, ticket, cbzj, actor=users["supervisor"], now=now + timedelta(hours=2),
                         reason="应由参保征缴科办理")
    else:
        act(db, ticket, "return", users["staff_dybz"], now + timedelta(hours=2), reason="属参保征缴科职责")
        act(db, ticket, "approve_return", users["agent"], now + timedelta(hours=3), department="CBZJ")
    assert [r.state for r in ticket.assists] == ["lapsed"]
    assert ticket.events[-1].data["assists_lapsed"] == ["CBZJ"]
    assert assists.queue_count(db.session, cbzj.id) == 0
    with pytest.raises(NotFound):
        act(db, ticket, "answer_assist", users["staff_cbzj"], now + timedelta(hours=4), opinion="本单位自己答")
