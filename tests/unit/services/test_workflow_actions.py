"""Inbox actions through services/actions.perform_action (the same entry point as the API):
accept, reply, notes, return (window, review, designated), extensions, callbacks and reopen (重办)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import make_user
from tests.factories import make_ticket
from ticketing.models import DeadlinePolicy, InternalNote, Role, TicketStatus
from ticketing.services import inbox, settings, tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed

S = TicketStatus


def act(db, ticket, action, actor, now, **params):
    return perform_action(db.session, ticket, action, params, actor=actor, now=now)


# ----------------------------------------------------------------------------- accept, reply, note

@pytest.mark.parametrize(("username", "error"), [
    ("agent", NotAllowed), ("supervisor", NotAllowed), ("admin", NotAllowed), ("staff_cbzj", NotFound),
])
def test_only_the_departments_staff_accept(db, users, now, username, error):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    with pytest.raises(error):
        act(db, ticket, "accept", users[username], now)
    assert ticket.status == S.DISPATCHED.value


def test_accept_then_reply(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    staff = users["staff_dybz"]
    act(db, ticket, "accept", staff, now + timedelta(hours=1))
    assert ticket.status == S.ACCEPTED.value and ticket.accepted_at == now + timedelta(hours=1)
    assert ticket.events[-1].data["on_time"] is True
    with pytest.raises(ValidationFailed) as error:
        act(db, ticket, "reply", staff, now, content="  ")
    assert error.value.fields == {"content": "请填写答复内容"}
    act(db, ticket, "reply", staff, now + timedelta(hours=2), content="已按规定报销，款项三日内到账")
    assert ticket.status == S.REPLIED.value and ticket.replies[-1].department_id == ticket.department_id
    assert ticket.needs_callback is True  # every complaint is called back


def test_internal_notes_for_the_department_and_supervisors(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    act(db, ticket, "note", users["staff_dybz"], now, content="已电话联系医院核实")
    act(db, ticket, "note", users["supervisor"], now, content="关注进度")
    assert [n.content for n in db.session.scalars(sa.select(InternalNote))] == ["已电话联系医院核实", "关注进度"]
    with pytest.raises(NotFound):
        act(db, ticket, "note", users["staff_cbzj"], now, content="看看")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "note", users["staff_dybz"], now, content="")


# ----------------------------------------------------------------------------- return

def test_return_needs_a_reason(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    with pytest.raises(ValidationFailed) as error:
        act(db, ticket, "return", users["staff_dybz"], now, reason="")
    assert "reason" in error.value.fields and ticket.status == S.DISPATCHED.value


def test_return_window_is_configurable(db, users, now):
    settings.set_setting(db.session, "return_window_working_days", 2)
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)  # dispatched Monday
    with pytest.raises(InvalidTransition) as error:
        act(db, ticket, "return", users["staff_dybz"], now + timedelta(days=3), reason="不属于本单位")  # Thursday: 3
    assert "2 个工作日" in error.value.message
    act(db, ticket, "return", users["staff_dybz"], now + timedelta(days=2), reason="不属于本单位")  # Wednesday: 2
    assert ticket.status == S.RETURN_REQUESTED.value and ticket.status_before_return == S.ACCEPTED.value


def test_return_window_counts_working_days_not_calendar_days(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)  # Monday
    act(db, ticket, "return", users["staff_dybz"], now + timedelta(days=7), reason="不属于本单位")  # next Monday: 5
    assert ticket.status == S.RETURN_REQUESTED.value


def test_approved_return_redispatches_designated_and_counts_against_nobody(db, users, reference, now):
    ticket = make_ticket(db, users, now, status=S.RETURN_REQUESTED, category="CB")
    with pytest.raises(NotAllowed):
        act(db, ticket, "approve_return", users["staff_dybz"], now, department="CBZJ")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "approve_return", users["supervisor"], now, department="DYBZ")  # the same department
    later = now + timedelta(days=1)
    act(db, ticket, "approve_return", users["supervisor"], later, department="CBZJ", note="属参保缴费")
    assert ticket.status == S.DISPATCHED.value and ticket.department.code == "CBZJ" and ticket.designated
    event = ticket.events[-1]
    assert {k: event.data[k] for k in ("from", "to", "counts_against")} == {"from": "DYBZ", "to": "CBZJ",
                                                                          "counts_against": None}
    assert {"accept_due_from", "reply_due_from"} <= event.data.keys()  # the deadlines it replaced
    assert ticket.dispatched_at == later and ticket.reply_due_at > later + timedelta(days=14)  # a fresh clock
    # the designated department cannot return it again
    with pytest.raises(InvalidTransition) as error:
        act(db, ticket, "return", users["staff_cbzj"], later, reason="也不是我们的")
    assert "指定承办" in error.value.message
    act(db, ticket, "accept", users["staff_cbzj"], later)
    with pytest.raises(InvalidTransition):
        act(db, ticket, "return", users["staff_cbzj"], later, reason="也不是我们的")


def test_a_reassignment_goes_to_another_department_which_may_return_it(db, users, reference, now):
    """改派 to the department that has it was taken, and a late one gave it a fresh deadline of its own; the
    department a refused return's ticket is moved to had no part in that dispute (a diff review)."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(ValidationFailed, match="另一个承办单位"):
        act(db, ticket, "reassign", users["supervisor"], ticket.reply_due_at + timedelta(days=3), department="DYBZ",
            reason="再办一次")
    act(db, ticket, "return", users["staff_dybz"], now + timedelta(hours=1), reason="不属于本单位")
    act(db, ticket, "refuse_return", users["supervisor"], now + timedelta(hours=2), note="属于待遇报销")
    assert ticket.designated
    act(db, ticket, "reassign", users["supervisor"], now + timedelta(hours=3), department="CBZJ", reason="应由参保征缴科办理")
    assert not ticket.designated
    act(db, ticket, "return", users["staff_cbzj"], now + timedelta(hours=4), reason="属异地就医结算中心职责")
    assert ticket.status == S.RETURN_REQUESTED.value


def test_an_urging_stays_with_the_department_it_was_addressed_to(db, users, reference, now):
    """After 改派 the next department's inbox pinned the old department's 督办 as its own (a supervisor's day)."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    act(db, ticket, "urge", users["supervisor"], now + timedelta(hours=1), note="全体超期件请今日答复")
    assert ticket.urge_count == 1 and ticket in db.session.scalars(inbox.urged_query(ticket.department_id)).all()
    act(db, ticket, "reassign", users["supervisor"], now + timedelta(hours=2), department="CBZJ", reason="应由参保征缴科办理")
    assert (ticket.urge_count, ticket.last_urged_at, ticket.last_urge_note) == (0, None, None)
    assert ticket not in db.session.scalars(inbox.urged_query(reference["CBZJ"].id)).all()
    assert [e.action for e in ticket.events].count("urge") == 1  # the history keeps it


@pytest.mark.parametrize("before", [S.DISPATCHED, S.ACCEPTED])
def test_refused_return_goes_back_to_the_department_as_it_was(db, users, now, before):
    ticket = make_ticket(db, users, now, status=before)
    act(db, ticket, "return", users["staff_dybz"], now, reason="不属于本单位")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "refuse_return", users["agent"], now, note="")
    act(db, ticket, "refuse_return", users["agent"], now, note="属于待遇报销，请办理")
    assert ticket.status == before.value and ticket.department.code == "DYBZ" and ticket.designated
    assert ticket.status_before_return is None
    # the dispute is decided: the department cannot send it back again while the window lasts
    with pytest.raises(InvalidTransition) as error:
        act(db, ticket, "return", users["staff_dybz"], now + timedelta(hours=1), reason="还是不属于本单位")
    assert "指定承办" in error.value.message and ticket.status == before.value


# ----------------------------------------------------------------------------- extension

def test_extension_request_and_approval(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    due = ticket.reply_due_at
    with pytest.raises(ValidationFailed):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调", until=due.isoformat())
    with pytest.raises(ValidationFailed):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="", until="2026-04-30")
    act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外地医院配合", until="2026-04-30")
    assert ticket.extension_state == "requested" and ticket in db.session.scalars(inbox.extension_requests_query()).all()
    with pytest.raises(InvalidTransition):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="再延", until="2026-05-30")
    for username, error in (("staff_dybz", NotAllowed), ("agent", NotAllowed)):
        with pytest.raises(error):
            act(db, ticket, "approve_extension", users[username], now)
    ticket.overdue_marked_at = now
    act(db, ticket, "approve_extension", users["supervisor"], now, note="同意")
    assert ticket.extension_state == "approved" and ticket.extension_count == 1 and ticket.overdue_marked_at is None
    assert ticket.reply_due_at == ticket.extension_until > due
    assert ticket.events[-1].data["tell_citizen"] is True
    with pytest.raises(InvalidTransition):
        act(db, ticket, "approve_extension", users["supervisor"], now)


def test_refused_extension_keeps_the_deadline(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    due = ticket.reply_due_at
    act(db, ticket, "request_extension", users["staff_dybz"], now, reason="人手不足", until="2026-04-30")
    act(db, ticket, "refuse_extension", users["supervisor"], now, note="按期办理")
    assert ticket.extension_state == "refused" and ticket.reply_due_at == due and ticket.extension_count == 0


def test_petitions_extend_once_by_at_most_30_days(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")
    too_far = (ticket.reply_due_at + timedelta(days=31)).isoformat()
    with pytest.raises(ValidationFailed):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="复杂", until=too_far)
    act(db, ticket, "request_extension", users["staff_dybz"], now, reason="复杂",
        until=(ticket.reply_due_at + timedelta(days=30)).isoformat())
    act(db, ticket, "approve_extension", users["supervisor"], now)
    with pytest.raises(InvalidTransition):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="还要",
            until=(ticket.reply_due_at + timedelta(days=5)).isoformat())


def test_a_petition_extension_of_thirty_days_and_some_hours_is_refused(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")
    almost_31 = ticket.reply_due_at + timedelta(days=30, hours=23, minutes=59)  # .days said 30
    with pytest.raises(ValidationFailed, match="不得超过 30 日"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="复杂", until=almost_31.isoformat())


def test_an_extension_is_asked_before_the_deadline_not_after(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    late = ticket.reply_due_at + timedelta(minutes=1)
    with pytest.raises(InvalidTransition, match="时限届满前"):
        act(db, ticket, "request_extension", users["staff_dybz"], late, reason="忘了申请",
            until=(ticket.reply_due_at + timedelta(days=10)).isoformat())
    assert ticket.extension_state is None
    act(db, ticket, "request_extension", users["staff_dybz"], ticket.reply_due_at, reason="需要外调",
        until=(ticket.reply_due_at + timedelta(days=10)).isoformat())
    assert ticket.extension_state == "requested"


def longest_extension_for_help(db, days: int) -> None:
    """系统管理 → 办理时限: 最长延期 on the normal 求助 policy."""
    policy = db.session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.ticket_type == "help", DeadlinePolicy.urgency == "normal", DeadlinePolicy.channel.is_(None)))
    policy.max_extension_days = days
    db.session.commit()


def test_a_policys_longest_extension_caps_each_request(db, users, now, reference):
    longest_extension_for_help(db, 5)
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="help")
    with pytest.raises(ValidationFailed, match="每次延期不得超过 5 日"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调",
            until=(ticket.reply_due_at + timedelta(days=5, minutes=1)).isoformat())
    act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调",
        until=(ticket.reply_due_at + timedelta(days=5)).isoformat())
    assert ticket.extension_state == "requested"
    other = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")  # its policy sets no limit
    act(db, other, "request_extension", users["staff_dybz"], now, reason="需要外调",
        until=(other.reply_due_at + timedelta(days=60)).isoformat())


def test_a_petition_policy_cannot_lift_the_regulations_thirty_days(db, users, now, reference):
    for policy in db.session.scalars(sa.select(DeadlinePolicy).where(DeadlinePolicy.channel == "petition_bureau")):
        policy.max_extension_days = 90
    db.session.commit()
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")
    with pytest.raises(ValidationFailed, match="不得超过 30 日"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="复杂",
            until=(ticket.reply_due_at + timedelta(days=31)).isoformat())


def test_a_petition_policy_cannot_be_longer_than_the_regulations_fifteen_and_sixty_days(db, users, reference):
    """A petition review: 15 / 90 working days was saved without a word, and the next petition was due in July."""
    from ticketing.services import administration

    policy = db.session.scalar(sa.select(DeadlinePolicy).where(DeadlinePolicy.channel == "petition_bureau",
                                                               DeadlinePolicy.urgency == "normal").limit(1))
    longer = administration.PolicyInput(ticket_type=policy.ticket_type, urgency="normal", channel="petition_bureau",
                                        accept_amount=15, accept_unit="working_days", reply_amount=90,
                                        reply_unit="calendar_days")
    with pytest.raises(ValidationFailed) as refused:
        administration.save_deadline_policy(db.session, policy, longer, actor=users["admin"])
    assert "按自然日计算" in refused.value.fields["accept_unit"] and "60 日" in refused.value.fields["reply_amount"]
    shorter = administration.PolicyInput(ticket_type=policy.ticket_type, urgency="normal", channel="petition_bureau",
                                         accept_amount=10, accept_unit="calendar_days", reply_amount=30,
                                         reply_unit="calendar_days")
    assert administration.save_deadline_policy(db.session, policy, shorter, actor=users["admin"]).reply_amount == 30


# ----------------------------------------------------------------------------- callbacks and reopen

def test_a_reply_puts_a_callback_in_the_agents_queue(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    assert ticket in db.session.scalars(inbox.callbacks_query()).all()
    act(db, ticket, "callback", users["agent"], now, reached="1", satisfaction="basically_satisfied", solved="1")
    assert ticket.status == S.CALLED_BACK.value and ticket.callbacks[-1].satisfaction_title == "基本满意"
    assert ticket not in db.session.scalars(inbox.callbacks_query()).all()
    act(db, ticket, "close", users["agent"], now)
    assert ticket.status == S.CLOSED.value


@pytest.mark.parametrize(("type", "channel", "share", "expected"), [
    ("complaint", "hotline_12393", None, True), ("report", "hotline_12393", None, True),
    ("consult", "petition_bureau", 0.0, True), ("consult", "hotline_12393", 0.0, False),
    ("consult", "hotline_12393", 1.0, True), ("praise", "hotline_12393", None, False),
])
def test_callback_sampling(db, users, now, type, channel, share, expected):
    if share is not None:
        settings.set_setting(db.session, "callback_share", dict(settings.DEFAULTS["callback_share"], consult=share))
    ticket = make_ticket(db, users, now, status=S.REPLIED, type=type, channel=channel)
    assert ticket.needs_callback is expected


def test_without_a_callback_due_the_ticket_closes_after_the_reply(db, users, now):
    settings.set_setting(db.session, "callback_share", dict(settings.DEFAULTS["callback_share"], consult=0.0))
    ticket = make_ticket(db, users, now, status=S.REPLIED, type="consult")
    act(db, ticket, "close", users["agent"], now)
    assert ticket.status == S.CLOSED.value


def test_callback_answers_are_required_when_reached(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    with pytest.raises(ValidationFailed):
        act(db, ticket, "callback", users["agent"], now, reached="1", solved="1")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "callback", users["agent"], now, reached="1", satisfaction="satisfied")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "callback", users["agent"], now)
    with pytest.raises(NotAllowed):
        act(db, ticket, "callback", users["staff_dybz"], now, reached="0")
    act(db, ticket, "callback", users["agent"], now, reached="0", satisfaction="dissatisfied", note="无人接听")
    callback = ticket.callbacks[-1]
    assert callback.reached is False and callback.satisfaction is None and callback.solved is None


@pytest.mark.parametrize(("satisfaction", "solved"), [("dissatisfied", "1"), ("satisfied", "0")])
def test_unhappy_callback_reopens_to_the_same_department(db, users, now, satisfaction, solved):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    later = now + timedelta(days=5)
    act(db, ticket, "callback", users["agent"], later, reached="1", satisfaction=satisfaction, solved=solved,
        reopen="1", note="群众表示仍未报销")
    assert ticket.status == S.DISPATCHED.value and ticket.department.code == "DYBZ"
    assert ticket.reopen_count == 1 and ticket.replied_at is None and ticket.dispatched_at == later
    assert ticket.reply_due_at > later and ticket.events[-1].action == "reopen"
    assert ticket in db.session.scalars(inbox.department_query(ticket.department_id)).all()


def test_unhappy_without_the_reopen_box_is_only_recorded_and_can_be_reopened_later(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    act(db, ticket, "callback", users["agent"], now, reached="1", satisfaction="dissatisfied", solved="0")
    assert ticket.status == S.CALLED_BACK.value and ticket.reopen_count == 0
    with pytest.raises(ValidationFailed):
        act(db, ticket, "reopen", users["agent"], now, reason="")
    with pytest.raises(NotAllowed):
        act(db, ticket, "reopen", users["staff_dybz"], now, reason="重办")
    act(db, ticket, "reopen", users["supervisor"], now, reason="群众不满意，重办")
    assert ticket.status == S.DISPATCHED.value and ticket.reopen_count == 1


def test_a_reopened_ticket_the_department_answered_is_not_returned(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    later = now + timedelta(days=2)
    act(db, ticket, "callback", users["agent"], later, reached="1", satisfaction="dissatisfied", solved="0",
        reopen="1", note="群众表示仍未报销")
    assert ticket.status == S.DISPATCHED.value  # within a fresh return window, but the matter is its own
    with pytest.raises(InvalidTransition, match="已答复过"):
        act(db, ticket, "return", users["staff_dybz"], later + timedelta(hours=1), reason="非本单位职责")
    assert ticket.status == S.DISPATCHED.value


def test_archiving_a_ticket_the_citizen_is_dissatisfied_with_needs_the_reason(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    now = now + timedelta(days=1)  # after the reply
    act(db, ticket, "callback", users["agent"], now, reached="1", satisfaction="dissatisfied", solved="0")
    assert ticket.left_unhappy
    with pytest.raises(ValidationFailed, match="不重办即归档的理由"):
        act(db, ticket, "close", users["agent"], now)
    act(db, ticket, "close", users["agent"], now, note="诉求超出政策规定，已解释清楚")
    assert ticket.status == S.CLOSED.value and ticket.events[-1].note == "诉求超出政策规定，已解释清楚"
    unsolved = make_ticket(db, users, now - timedelta(days=1), status=S.REPLIED)
    act(db, unsolved, "callback", users["agent"], now, reached="1", satisfaction="basically_satisfied", solved="0")
    with pytest.raises(ValidationFailed, match="不满意或未解决"):  # as the callback form's 重办 box says
        act(db, unsolved, "close", users["agent"], now)
    happy = make_ticket(db, users, now - timedelta(days=1), status=S.REPLIED)
    act(db, happy, "callback", users["agent"], now, reached="1", satisfaction="basically_satisfied", solved="1")
    act(db, happy, "close", users["agent"], now)
    assert happy.status == S.CLOSED.value


def test_a_satisfied_callback_does_not_reopen(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    act(db, ticket, "callback", users["agent"], now, reached="1", satisfaction="satisfied", solved="1", reopen="1")
    assert ticket.status == S.CALLED_BACK.value and ticket.reopen_count == 0


# ----------------------------------------------------------------------------- urge and reassign

def test_urge_and_reassign_are_for_supervisors(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(NotAllowed):
        act(db, ticket, "urge", users["agent"], now, note="快")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "urge", users["supervisor"], now, note="")
    act(db, ticket, "urge", users["supervisor"], now, note="请今日答复")
    assert ticket.urge_count == 1 and ticket.last_urge_note == "请今日答复"
    assert db.session.scalars(inbox.department_query(ticket.department_id)).first() is ticket
    with pytest.raises(NotAllowed):
        act(db, ticket, "reassign", users["staff_dybz"], now, department="CBZJ", reason="x")
    act(db, ticket, "reassign", users["supervisor"], now, department="CBZJ", reason="属参保缴费")
    assert ticket.status == S.DISPATCHED.value and ticket.department.code == "CBZJ" and ticket.accepted_at is None


# ----------------------------------------------------------------------------- 来电催办

def test_a_repeat_call_about_a_ticket_being_worked_is_recorded_on_it_and_shown_for_a_week(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    other = make_ticket(db, users, now, status=S.ACCEPTED)
    with pytest.raises(NotAllowed):  # the centre takes the calls, not the department
        act(db, ticket, "follow_up", users["staff_dybz"], now, note="问进度")
    with pytest.raises(ValidationFailed):
        act(db, ticket, "follow_up", users["agent"], now, note=" ")
    assert ticket.follow_up_count == 0 and ticket.events[-1].action == "dispatch"
    act(db, ticket, "follow_up", users["agent"], now + timedelta(hours=2), note="三天了没人联系")
    act(db, ticket, "follow_up", users["supervisor"], now + timedelta(days=1), note="再次来电，情绪激动")
    act(db, other, "follow_up", users["agent"], now + timedelta(days=1, hours=1), note="问什么时候答复")
    assert ticket.status == S.DISPATCHED.value  # the state does not change
    assert (ticket.follow_up_count, ticket.last_follow_up_at, ticket.last_follow_up_note) == (
        2, now + timedelta(days=1), "再次来电，情绪激动")
    assert [(e.action, e.note, e.data) for e in ticket.events[-2:]] == [
        ("follow_up", "三天了没人联系", {"follow_up": 1}), ("follow_up", "再次来电，情绪激动", {"follow_up": 2})]
    shown = lambda when, department=None: [  # noqa: E731
        t.number for t in db.session.scalars(inbox.followed_up_query(when, department))]
    # the most called about first, for the department and on 督办, for a week after the last call
    assert shown(now + timedelta(days=2)) == [ticket.number, other.number]
    assert shown(now + timedelta(days=2), users["staff_cbzj"].department_id) == []
    assert shown(now + timedelta(days=8, minutes=30)) == [other.number]
    act(db, other, "reply", users["staff_dybz"], now + timedelta(days=2), content="已答复")
    assert shown(now + timedelta(days=2)) == [ticket.number]  # answered: the callback takes over
    with pytest.raises(InvalidTransition):
        act(db, other, "follow_up", users["agent"], now + timedelta(days=3), note="还是不满意")


def test_a_callback_that_does_not_reach_the_citizen_is_tried_again_up_to_the_set_number(db, users, now):
    settings.set_setting(db.session, "callback_attempts", 3)
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    ticket.needs_callback = True
    other = make_ticket(db, users, now, status=S.REPLIED)  # answered at the same time, not yet tried
    other.needs_callback = True
    db.session.flush()
    queue = lambda: [t.number for t in db.session.scalars(inbox.callbacks_query())]  # noqa: E731
    for attempt in (1, 2):
        act(db, ticket, "callback", users["agent"], now + timedelta(days=attempt), reached="0", note="无人接听")
        assert ticket.status == S.REPLIED.value  # still in the queue, after the ones not tried yet
        assert queue() == [other.number, ticket.number]
        assert ticket.events[-1].note == f"未联系上（第 {attempt} 次，共 3 次）：无人接听"
        assert ticket.events[-1].data["final"] is False
    act(db, ticket, "callback", users["agent"], now + timedelta(days=3), reached="0")
    assert ticket.status == S.CALLED_BACK.value and ticket.events[-1].data == {
        "reached": False, "satisfaction": None, "solved": None, "attempt": 3, "final": True}
    assert len(ticket.callbacks) == 3 and queue() == [other.number]


def test_a_try_past_a_lowered_number_of_attempts_is_the_last_and_says_why(db, users, now):
    settings.set_setting(db.session, "callback_attempts", 3)
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    ticket.needs_callback = True
    for attempt in (1, 2):
        act(db, ticket, "callback", users["agent"], now + timedelta(days=attempt), reached="0")
    settings.set_setting(db.session, "callback_attempts", 1)
    act(db, ticket, "callback", users["agent"], now + timedelta(days=3), reached="0", note="无人接听")
    assert ticket.status == S.CALLED_BACK.value and ticket.events[-1].data["final"] is True
    assert ticket.events[-1].note == "未联系上（第 3 次，回访尝试次数已调整为 1 次，不再重拨）：无人接听"  # was 第 3 次，共 1 次


def test_a_failed_callback_waits_the_set_interval_before_it_is_due_again(db, users, now):
    settings.set_setting(db.session, "callback_retry_minutes", 120)
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    ticket.needs_callback = True
    waiting_longer = make_ticket(db, users, now, status=S.REPLIED)
    waiting_longer.needs_callback = True
    db.session.flush()
    tried = now + timedelta(hours=1)
    act(db, ticket, "callback", users["agent"], tried, reached="0", note="无人接听")
    act(db, waiting_longer, "callback", users["agent"], tried - timedelta(minutes=30), reached="0")

    def queue(at, later=False):
        cutoff = at - inbox.callback_retry_interval(db.session)
        return [t.number for t in db.session.scalars(inbox.callbacks_query(cutoff, later=later))]

    at = tried + timedelta(minutes=100)  # the other's 120 minutes are over, this one's are not
    assert queue(at) == [waiting_longer.number] and queue(at, later=True) == [ticket.number]
    assert inbox.callback_retry_at(db.session, ticket, at) == tried + timedelta(minutes=120)
    assert inbox.callback_retry_at(db.session, waiting_longer, at) is None
    assert inbox.todo_counts(db.session, users["agent"], at)["callbacks"] == 1
    at = tried + timedelta(minutes=120)
    assert queue(at) == [waiting_longer.number, ticket.number] and queue(at, later=True) == []
    assert inbox.todo_counts(db.session, users["agent"], at)["callbacks"] == 2
    settings.set_setting(db.session, "callback_retry_minutes", 0)  # 0: due again at once
    assert queue(tried) == [waiting_longer.number, ticket.number]
    assert inbox.callback_retry_at(db.session, ticket, tried) is None
    # a try that reached the citizen leaves the queue; the interval is only for numbers that did not answer
    act(db, ticket, "callback", users["agent"], tried + timedelta(minutes=5), reached="1", satisfaction="satisfied",
        solved="1")
    assert inbox.callback_retry_at(db.session, ticket, tried) is None and queue(at) == [waiting_longer.number]


def test_reaching_the_citizen_after_a_failed_try_ends_the_callback_and_a_reopen_starts_a_new_round(db, users, now):
    settings.set_setting(db.session, "callback_attempts", 2)
    ticket = make_ticket(db, users, now, status=S.REPLIED)
    act(db, ticket, "callback", users["agent"], now + timedelta(days=1), reached="0")
    act(db, ticket, "callback", users["agent"], now + timedelta(days=2), reached="1", satisfaction="dissatisfied",
        solved="0", reopen="1")
    assert ticket.status == S.DISPATCHED.value  # reached, unhappy: 重办
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=now + timedelta(days=3))
    tickets.reply(db.session, ticket, "重新核实后已补发", actor=users["staff_dybz"], now=now + timedelta(days=4))
    act(db, ticket, "callback", users["agent"], now + timedelta(days=5), reached="0")
    assert ticket.status == S.REPLIED.value  # the earlier round's failed try does not count against this one
    assert tickets.failed_callbacks(db.session, ticket) == 1


def test_without_a_policy_limit_an_extension_still_stops_at_a_year_and_a_page_note_at_2000(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")
    with pytest.raises(ValidationFailed, match="每次延期不得超过 365 日"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调", until="2027-12-31")
    with pytest.raises(ValidationFailed, match="日期超出范围"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调", until="9999-12-31")
    with pytest.raises(ValidationFailed, match="最多 20000 字"):
        act(db, ticket, "note", users["staff_dybz"], now, content="备" * 20001)
    with pytest.raises(ValidationFailed, match="最多 2000 字"):
        act(db, ticket, "urge", users["supervisor"], now, note="请" * 2001)
    assert ticket.urge_count == 0 and ticket.notes == []
    act(db, ticket, "urge", users["supervisor"], now, note="请" * 2000)
    assert ticket.urge_count == 1


def test_a_calendar_day_or_a_notice_end_beyond_the_years_taken_is_refused(db, users, now):
    from datetime import date

    from ticketing.services import administration, announcements

    with pytest.raises(ValidationFailed) as refused:
        administration.add_calendar_day(db.session, date(9999, 12, 31), "holiday", "很远的假日", actor=users["admin"])
    assert "超出范围" in refused.value.fields["day"]
    with pytest.raises(ValidationFailed) as refused:
        announcements.publish(db.session, title="系统升级", content="今晚升级", roles=["agent"], important=False,
                              expires_on=date(9999, 12, 31), actor=users["supervisor"], now=now)
    assert "超出范围" in refused.value.fields["expires_on"]


def test_the_last_day_a_policy_allows_is_allowed_whatever_the_deadlines_time_of_day(db, users, now, reference):
    from datetime import datetime

    from tests.conftest import LOCAL

    longest_extension_for_help(db, 3)
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="help")
    ticket.reply_due_at = datetime(2026, 3, 6, 11, 19, tzinfo=LOCAL)  # an urgent ticket's deadline has a time
    assert tickets.extension_allowance(db.session, ticket).latest.isoformat() == "2026-03-09"
    with pytest.raises(ValidationFailed, match="最晚延至 2026-03-09"):
        act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调", until="2026-03-10")
    act(db, ticket, "request_extension", users["staff_dybz"], now, reason="需要外调", until="2026-03-09")
    assert ticket.extension_state == "requested"


def test_a_petitions_sixty_days_run_from_its_acceptance(db, users, now):
    from tests.conftest import LOCAL

    ticket = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")
    from_receipt = ticket.reply_due_at
    accepted_at = now + timedelta(days=10)
    act(db, ticket, "accept", users["staff_dybz"], accepted_at)
    assert ticket.reply_due_at > from_receipt
    assert ticket.reply_due_at.astimezone(LOCAL).date() == (accepted_at + timedelta(days=60)).astimezone(LOCAL).date()
    assert ticket.events[-1].data["reply_due_from"] == from_receipt.isoformat()
    ordinary = make_ticket(db, users, now, status=S.DISPATCHED)
    due = ordinary.reply_due_at
    act(db, ordinary, "accept", users["staff_dybz"], accepted_at)
    assert ordinary.reply_due_at == due and "reply_due_from" not in ordinary.events[-1].data


@pytest.mark.parametrize("leave", ["reassign", "approve_return", "reply", "legal_channel"])
def test_an_extension_request_ends_when_the_ticket_leaves_the_department_that_asked(db, users, now, leave):
    """Else 改派 handed the next department a request it never made (approved, it moved that department's
    deadline), and an answered ticket kept a request nobody could decide, named at every month's issue."""
    staff = users["staff_dybz"]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    until = (ticket.reply_due_at + timedelta(days=3)).date().isoformat()
    act(db, ticket, "request_extension", staff, now, reason="需外地医院配合", until=until)
    later = now + timedelta(hours=2)
    if leave == "reassign":
        act(db, ticket, "reassign", users["supervisor"], later, department="CBZJ", reason="应由参保征缴科办理")
    elif leave == "approve_return":
        act(db, ticket, "return", staff, later, reason="属参保征缴科职责")
        act(db, ticket, "approve_return", users["agent"], later, department="CBZJ")
    elif leave == "reply":
        act(db, ticket, "reply", staff, later, content="已按政策答复")
    else:
        act(db, ticket, "legal_channel", staff, later, advice="请申请行政复议")
    assert ticket.extension_state is None and ticket.events[-1].data["extension_lapsed"].startswith(until)
    with pytest.raises(InvalidTransition):
        act(db, ticket, "approve_extension", users["supervisor"], later + timedelta(hours=1))
    if leave == "reassign":  # the department it went to may ask for its own
        act(db, ticket, "accept", users["staff_cbzj"], later + timedelta(hours=1))
        act(db, ticket, "request_extension", users["staff_cbzj"], later + timedelta(hours=1), reason="需核实缴费",
            until=until)
        assert ticket.extension_state == "requested"


def test_a_lapsed_request_leaves_an_earlier_approved_extension_standing(db, users, now):
    staff = users["staff_dybz"]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    first = (ticket.reply_due_at + timedelta(days=2)).date().isoformat()
    act(db, ticket, "request_extension", staff, now, reason="需外调", until=first)
    act(db, ticket, "approve_extension", users["supervisor"], now)
    approved_due = ticket.reply_due_at
    second = (ticket.reply_due_at + timedelta(days=2)).date().isoformat()
    act(db, ticket, "request_extension", staff, now + timedelta(hours=1), reason="仍需外调", until=second)
    act(db, ticket, "reply", staff, now + timedelta(hours=2), content="已答复")
    assert ticket.extension_state == "approved" and ticket.reply_due_at == approved_due


def test_a_petition_accepted_again_after_a_reassignment_or_a_return_keeps_its_sixty_days(db, users, now, reference):
    """改派 and a return approved are no new acceptance (信访工作条例: 60 days from 受理): a return approved used to
    start them again (a domain review: due 2 January became 19 January); 重办 starts a fresh clock."""
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")
    act(db, ticket, "accept", users["staff_dybz"], now + timedelta(hours=1))
    due = ticket.reply_due_at
    act(db, ticket, "reassign", users["supervisor"], now + timedelta(days=5), department="CBZJ", reason="应由参保征缴科办理")
    act(db, ticket, "accept", users["staff_cbzj"], now + timedelta(days=5, hours=1))
    assert ticket.reply_due_at == due and "reply_due_from" not in ticket.events[-1].data
    act(db, ticket, "return", users["staff_cbzj"], now + timedelta(days=5, hours=2), reason="属异地就医结算中心职责")
    act(db, ticket, "approve_return", users["agent"], now + timedelta(days=6), department="YDJS")
    assert ticket.reply_due_at == due
    ydjs = make_user(db, "staff_ydjs", Role.STAFF, reference["YDJS"])
    act(db, ticket, "accept", ydjs, now + timedelta(days=17))
    assert ticket.reply_due_at == due and "reply_due_from" not in ticket.events[-1].data
    act(db, ticket, "reply", ydjs, now + timedelta(days=18), content="已按规定办理")
    act(db, ticket, "callback", users["agent"], now + timedelta(days=19), reached=True, satisfaction="dissatisfied",
        solved=False)
    act(db, ticket, "reopen", users["supervisor"], now + timedelta(days=20), reason="信访人不满意")
    act(db, ticket, "accept", ydjs, now + timedelta(days=21))
    assert ticket.reply_due_at > due and ticket.events[-1].data["reply_due_from"]


def test_a_petition_not_yet_accepted_returned_and_sent_on_is_accepted_on_its_next_sixty_days(db, users, now):
    ticket = make_ticket(db, users, now, status=S.RETURN_REQUESTED, channel="petition_bureau")
    act(db, ticket, "approve_return", users["agent"], now + timedelta(days=2), department="CBZJ")
    act(db, ticket, "accept", users["staff_cbzj"], now + timedelta(days=3))
    assert ticket.reply_due_at.date() == (now + timedelta(days=63)).date()


def test_a_petitions_fifteen_days_to_accept_run_from_its_receipt(db, users, now, reference):
    """信访工作条例: 收到信访事项之日起 15 日内 decide on acceptance, however long it waited to be dispatched (a
    domain review: received on the 2nd, dispatched on the 12th, due on the 27th)."""
    from tests.conftest import LOCAL

    ticket = make_ticket(db, users, now, channel="petition_bureau")
    act(db, ticket, "dispatch", users["agent"], now + timedelta(days=10), department="DYBZ")
    assert ticket.accept_due_at.astimezone(LOCAL).date() == (now + timedelta(days=15)).date()
    # sent elsewhere before anyone accepted it: the department it goes to does not start out late (a diff review:
    # moved on the 20th, it was due on the 15th); the one that let the 15 days pass is counted late instead
    act(db, ticket, "reassign", users["supervisor"], now + timedelta(days=20), department="CBZJ", reason="参保问题")
    assert ticket.events[-1].data["left_accept_late"] is True
    assert ticket.accept_due_at.astimezone(LOCAL).date() == (now + timedelta(days=35)).date()
    # an urgent petition keeps the urgent two hours from its dispatch, and an ordinary ticket counts from dispatch
    urgent = make_ticket(db, users, now, channel="petition_bureau", urgency="urgent")
    act(db, urgent, "dispatch", users["agent"], now + timedelta(days=10), department="DYBZ")
    assert urgent.accept_due_at == now + timedelta(days=10, hours=2)
    letter = make_ticket(db, users, now, channel="mailbox_mayor")
    act(db, letter, "dispatch", users["agent"], now + timedelta(days=10), department="DYBZ")
    assert letter.accept_due_at.astimezone(LOCAL).date() == (now + timedelta(days=11)).date()


def test_a_petition_told_its_legal_channel_before_acceptance_is_judged_by_the_fifteen_days(db, users, now):
    """告知法定途径 on a petition not yet accepted is its decision not to accept, owed within the 15 days (a petition
    review: told on day 28, overdue since day 16, it was counted on time against the 60)."""
    late = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")
    act(db, late, "legal_channel", users["staff_dybz"], now + timedelta(days=28), advice="请依法申请行政复议")
    assert late.events[-1].data["on_time"] is False
    in_time = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")
    act(db, in_time, "legal_channel", users["staff_dybz"], now + timedelta(days=5), advice="请依法申请行政复议")
    assert in_time.events[-1].data["on_time"] is True
    accepted = make_ticket(db, users, now, status=S.ACCEPTED, channel="petition_bureau")  # accepted: the 60 days
    act(db, accepted, "legal_channel", users["staff_dybz"], now + timedelta(days=28), advice="请依法申请行政复议")
    assert accepted.events[-1].data["on_time"] is True
    # still at the centre, never dispatched: the same 15 days (a diff review)
    registered = make_ticket(db, users, now, channel="petition_bureau")
    act(db, registered, "legal_channel", users["agent"], now + timedelta(days=28), advice="请依法申请行政复议")
    assert registered.events[-1].data["on_time"] is False
    # a holiday entered later judges them by the 15 days again, not by the 60 (a diff review: the flag turned on time)
    from ticketing.services import administration

    administration.add_calendar_day(db.session, (now + timedelta(days=49)).date(), "holiday", "临时调整",
                                    actor=users["admin"], now=now + timedelta(days=30))
    assert late.events[-1].data["on_time"] is False and registered.events[-1].data["on_time"] is False


def test_a_decision_on_an_extension_request_changed_since_the_page_was_shown_is_refused(db, users, now):
    """A refused request asked again for a later date was approved from a colleague's stale page."""
    staff, supervisor = users["staff_dybz"], users["supervisor"]
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    first = (ticket.reply_due_at + timedelta(days=2)).date().isoformat()
    act(db, ticket, "request_extension", staff, now, reason="需外调", until=first)
    db.session.commit()
    shown = ticket.extension_until.isoformat()  # what the supervisor's page carries
    act(db, ticket, "refuse_extension", users["admin"], now, note="理由不足")
    later = (ticket.reply_due_at + timedelta(days=5)).date().isoformat()
    act(db, ticket, "request_extension", staff, now, reason="需外调，已补充材料", until=later)
    db.session.commit()
    with pytest.raises(InvalidTransition, match=f"延期申请已变更（现申请延至 {later}）"):
        act(db, ticket, "approve_extension", supervisor, now, until_shown=shown)
    assert ticket.extension_state == "requested"
    act(db, ticket, "approve_extension", supervisor, now, until_shown=ticket.extension_until.isoformat())
    assert ticket.extension_state == "approved" and ticket.reply_due_at.date().isoformat() <= later


def test_a_policy_cannot_allow_more_than_a_year_of_extension(db, reference, users):
    """3,000,000 days was saved, and every such ticket's page was then a 500 (a date past year 9999)."""
    from ticketing.services import administration

    policy = db.session.scalars(sa.select(DeadlinePolicy)).first()
    data = administration.PolicyInput(ticket_type=policy.ticket_type, urgency=policy.urgency, channel=policy.channel,
                                      accept_amount=1, accept_unit=policy.accept_unit, reply_amount=15,
                                      reply_unit=policy.reply_unit, max_extension_days=3_000_000)
    with pytest.raises(ValidationFailed) as refused:
        administration.save_deadline_policy(db.session, policy, data, actor=users["admin"])
    assert "1–365" in refused.value.fields["max_extension_days"]


def test_the_supervisors_badge_counts_a_ticket_once(db, users, now):
    """An overdue ticket with an extension request waiting counted 2 (a simulated quarter: 18 for 17 tickets)."""
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    late = ticket.reply_due_at + timedelta(hours=1)
    assert inbox.todo_counts(db.session, users["supervisor"], late)["supervise"] == 1  # overdue
    ticket.extension_state = "requested"  # asked before the deadline, not yet decided
    db.session.flush()
    assert inbox.todo_counts(db.session, users["supervisor"], late)["supervise"] == 1
    assert inbox.todo_counts(db.session, users["supervisor"], now)["supervise"] == 1  # the request alone


def test_the_supervisors_badge_selects_by_conditions_an_index_can_answer(db, users, now):
    """Every page a supervisor opens counts the badges (and /todo.json again each minute): the extension requests
    were selected by coalesce(status = 'accepted' AND extension_state = 'requested', false), which no index answers,
    and read a province's whole ticket table (0.1 s of every supervisor page, a scale review). A count may exclude by
    coalesce(), never select by it."""
    import re

    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    make_ticket(db, users, now, status=S.ACCEPTED).extension_state = "requested"
    db.session.flush()
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        counts = inbox.todo_counts(db.session, users["supervisor"], now)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert counts["supervise"] == 1
    assert statements and not [s for s in statements if re.search(r"where coalesce\(", s)]


@pytest.mark.parametrize("status", [S.ACCEPTED, S.DISPATCHED])
def test_the_supervisors_badge_counts_an_undecided_risk_prompt_with_no_extension_asked(db, users, now, status):
    """A review of the disjoint counts: with no extension asked (NULL) the risk count dropped accepted tickets."""
    from classifiers import risk

    ticket = make_ticket(db, users, now, status=status)
    ticket.risk_flags = risk.KINDS[0].code
    db.session.flush()
    assert ticket.extension_state is None
    assert inbox.todo_counts(db.session, users["supervisor"], now + timedelta(hours=2))["supervise"] == 1


def test_a_ticket_dispatched_hours_before_its_reply_deadline_gets_the_departments_own_time(db, users):
    """A consultation received Thu 5 March (reply due Tue 10 March), left in 待派发 and dispatched Tue at 20:00: the
    time to sign ran to Wednesday, after the time to answer, and the department that signed and answered Wednesday
    morning was counted overdue; dispatched four hours later it would have had three days (a domain audit)."""
    from datetime import datetime

    from tests.conftest import LOCAL
    from ticketing.services import assessment

    def at(day, hour):
        return datetime(2026, 3, day, hour, 0, tzinfo=LOCAL)

    ticket = make_ticket(db, users, at(5, 10), status=S.REGISTERED, type="consult")
    passing = ticket.reply_due_at
    tickets.dispatch(db.session, ticket, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=at(10, 20))
    assert ticket.reply_due_at > ticket.accept_due_at and ticket.reply_due_at > passing
    assert ticket.events[-1].data["reply_due_from"]  # the deadline it had, kept
    tickets.accept(db.session, ticket, actor=users["staff_dybz"], now=at(11, 9))
    tickets.reply(db.session, ticket, "答复", actor=users["staff_dybz"], now=at(11, 10))
    db.session.flush()
    weights = {"accept": 20, "on_time": 30, "satisfaction": 30, "resolution": 20}
    row = {r.department_code: r for r in assessment.live_figures(db.session, "2026-03", at(31, 12), weights)}["DYBZ"]
    assert (row.accept_on_time, row.overdue) == (1, 0)

    early = make_ticket(db, users, at(5, 10), status=S.REGISTERED, type="consult")  # with days to spare: unchanged
    due = early.reply_due_at
    tickets.dispatch(db.session, early, tickets.department_by_code(db.session, "DYBZ"), actor=users["agent"],
                     now=at(6, 10))
    assert early.reply_due_at == due
