"""The state machine: every action from every state, legal or not, and who may take it."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_ticket
from ticketing.models import Role, Ticket, TicketEvent, TicketStatus
from ticketing.services import tickets
from ticketing.services.actions import perform_action
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound
from ticketing.services.workflow import RULES, Action, check

S = TicketStatus
BUILDABLE = [S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED, S.REPLIED, S.CALLED_BACK, S.CLOSED]

# a legal example of each action: (who, params, expected status after)
EXAMPLES = {
    Action.DISPATCH: ("agent", {"department": "DYBZ"}, S.DISPATCHED),
    Action.REASSIGN: ("supervisor", {"department": "CBZJ", "reason": "参保问题"}, S.DISPATCHED),
    Action.ACCEPT: ("staff_dybz", {}, S.ACCEPTED),
    Action.REPLY: ("staff_dybz", {"content": "已按政策报销"}, S.REPLIED),
    Action.RETURN: ("staff_dybz", {"reason": "属于参保征缴"}, S.RETURN_REQUESTED),
    Action.APPROVE_RETURN: ("agent", {"department": "CBZJ", "note": "同意"}, S.DISPATCHED),
    Action.REFUSE_RETURN: ("supervisor", {"note": "属于你单位"}, None),  # back to where it was
    Action.REQUEST_EXTENSION: ("staff_dybz", {"reason": "需调取病历", "until": "2026-05-29"}, S.ACCEPTED),
    Action.URGE: ("supervisor", {"note": "尽快办理"}, None),
    Action.CALLBACK: ("agent", {"reached": True, "satisfaction": "satisfied", "solved": True}, S.CALLED_BACK),
    Action.CLOSE: ("agent", {}, S.CLOSED),
    Action.ANSWER_ON_THE_SPOT: ("agent", {"answer": "起付线为 800 元"}, S.CLOSED),
    Action.LEGAL_CHANNEL: ("supervisor", {"advice": "请向法院起诉"}, S.CLOSED),
    Action.REOPEN: ("supervisor", {"reason": "群众不满意"}, S.DISPATCHED),
    Action.TRANSFER_OUT: ("agent", {"reference": "12345-2026-0001"}, S.TRANSFERRED_OUT),
    Action.RECATEGORISE: ("agent", {"category": "CB"}, None),
    Action.NOTE: ("supervisor", {"content": "内部备注"}, None),
}


def _build(db, users, now, status, **kw):
    kw.setdefault("type", "consult")
    ticket = make_ticket(db, users, now, status=status, **kw)
    if status is S.REPLIED:
        ticket.needs_callback = False
    db.session.flush()
    return ticket


CASES = [(action, status) for action in EXAMPLES for status in BUILDABLE]


@pytest.mark.parametrize(("action", "status"), CASES, ids=[f"{a.value}-from-{s.value}" for a, s in CASES])
def test_every_action_from_every_state(db, users, now, action, status):
    ticket = _build(db, users, now, status)
    who, params, expected = EXAMPLES[action]
    before_events = len(ticket.events)
    later = now + timedelta(hours=2)
    if status in RULES[action].sources:
        perform_action(db.session, ticket, action.value, params, actor=users[who], now=later)
        if expected is not None:
            assert ticket.status == expected.value
        elif action is Action.REFUSE_RETURN:
            assert ticket.status == S.DISPATCHED.value
        else:
            assert ticket.status == status.value
        event = ticket.events[-1]
        assert len(ticket.events) == before_events + 1
        assert event.action == action.value
        assert event.actor_id == users[who].id
        assert event.from_status == status.value and event.to_status == ticket.status
    else:
        with pytest.raises((InvalidTransition, NotFound)):
            perform_action(db.session, ticket, action.value, params, actor=users[who], now=later)
        assert ticket.status == status.value
        assert len(ticket.events) == before_events


@pytest.mark.parametrize("action", [a for a in EXAMPLES])
def test_roles_outside_the_rule_are_refused(db, users, now, action):
    rule = RULES[action]
    status = next(s for s in BUILDABLE if s in rule.sources)
    ticket = _build(db, users, now, status)
    for who in ("agent", "staff_dybz", "supervisor", "admin"):
        role = users[who].role_enum
        if role is Role.STAFF and ticket.department_id != users[who].department_id:
            with pytest.raises(NotFound):  # not their department's: as if it did not exist
                check(users[who], ticket, action)
        elif rule.allows_role(role):
            check(users[who], ticket, action)  # does not raise
        else:
            with pytest.raises(NotAllowed):
                check(users[who], ticket, action)


def test_staff_of_another_department_gets_not_found(db, users, now):
    ticket = _build(db, users, now, S.DISPATCHED)
    with pytest.raises(NotFound):
        tickets.accept(db.session, ticket, actor=users["staff_cbzj"], now=now)
    assert ticket.status == S.DISPATCHED.value


def test_system_may_dispatch_but_not_accept(db, users, now, reference):
    ticket = _build(db, users, now, S.REGISTERED)
    tickets.dispatch(db.session, ticket, reference["DYBZ"], actor=None, now=now, reason="自动派发")
    assert ticket.events[-1].actor_label == "系统"
    with pytest.raises(NotAllowed):
        tickets.accept(db.session, ticket, actor=None, now=now)


def test_close_needs_callback_when_sampled(db, users, now):
    ticket = _build(db, users, now, S.REPLIED, type="complaint")
    ticket.needs_callback = True
    with pytest.raises(InvalidTransition, match="回访"):
        tickets.close(db.session, ticket, actor=users["agent"], now=now)


def test_complaints_always_get_a_callback(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED, type="complaint")
    assert ticket.needs_callback is True


def test_merge_points_to_main_and_keeps_history(db, users, now):
    main = _build(db, users, now, S.DISPATCHED)
    duplicate = _build(db, users, now + timedelta(minutes=5), S.REGISTERED)
    perform_action(db.session, duplicate, "merge", {"into": main.number}, actor=users["agent"], now=now + timedelta(hours=1))
    assert duplicate.status == S.MERGED.value and duplicate.merged_into_id == main.id
    assert [e.action for e in duplicate.events] == ["register", "merge"]
    assert main.events[-1].data == {"merged": duplicate.number}


@pytest.mark.parametrize(("main_caller", "duplicate_caller", "refused"), [
    ({"caller_phone": "13911112222", "caller_name": "王五"}, {"caller_phone": "13833334444", "caller_name": "赵六"},
     "电话和姓名都不同"),
    ({"caller_id_number": "11010519491231002X"}, {"caller_id_number": "110105198001010016"}, "身份证号不同"),
    ({"caller_phone": "13911112222", "caller_name": "王五"}, {"caller_phone": "13833334444", "caller_name": "王五"}, None),
    ({"caller_phone": "13911112222", "caller_name": "王先生"}, {"caller_phone": "13911112222", "caller_name": "王五"}, None),
    ({"caller_phone": "13911112222", "caller_name": "王五"}, {"caller_phone": "", "caller_name": ""}, None),  # a letter
    ({"caller_phone": "04716612345", "caller_name": "王女士"}, {"caller_phone": "13904711234", "caller_name": "王秀兰"},
     None),  # a surname with a form of address, then the full name, from the landline and the mobile
    ({"caller_phone": "04716612345", "caller_name": "王女士"}, {"caller_phone": "13904711234", "caller_name": "李女士"},
     "电话和姓名都不同"),
    ({"caller_id_number": "11010519491231002x"}, {"caller_id_number": "11010519491231002X"}, None),
    ({"caller_phone": "13911112222", "caller_name": "王五", "caller_id_number": "11010519491231002X"},
     {"caller_phone": "13833334444", "caller_name": "王先生", "caller_id_number": "11010519491231002X"}, None),
])
def test_a_merge_is_one_persons_matter(db, users, now, main_caller, duplicate_caller, refused):
    """Two people's tickets are not merged: the second would get no reply or callback of their own (a domain review
    merged 赵六's ticket into 王五's). One person calling from another phone, or giving another form of name, is."""
    from ticketing.services.errors import ValidationFailed
    main = make_ticket(db, users, now, **main_caller)
    duplicate = make_ticket(db, users, now + timedelta(minutes=5), **duplicate_caller)
    if refused:
        with pytest.raises(ValidationFailed, match=refused):
            tickets.merge(db.session, duplicate, main, actor=users["agent"], now=now + timedelta(hours=1))
        assert duplicate.status == S.REGISTERED.value and [e.action for e in main.events] == ["register"]
    else:
        tickets.merge(db.session, duplicate, main, actor=users["agent"], now=now + timedelta(hours=1))
        assert duplicate.status == S.MERGED.value


def test_cannot_merge_into_a_later_ticket(db, users, now):
    first = _build(db, users, now, S.REGISTERED)
    later = _build(db, users, now + timedelta(hours=1), S.REGISTERED)
    from ticketing.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        tickets.merge(db.session, first, later, actor=users["agent"], now=now + timedelta(hours=2))


def test_designated_ticket_cannot_be_returned_again(db, users, now, reference):
    ticket = _build(db, users, now, S.RETURN_REQUESTED)
    tickets.approve_return(db.session, ticket, reference["CBZJ"], actor=users["agent"], now=now + timedelta(hours=1))
    assert ticket.designated and ticket.department.code == "CBZJ"
    with pytest.raises(InvalidTransition, match="不能再次退回"):
        tickets.return_ticket(db.session, ticket, "也不是我们的", actor=users["staff_cbzj"], now=now + timedelta(hours=2))


def test_return_window_is_five_working_days(db, users, now):
    ticket = _build(db, users, now, S.ACCEPTED)
    with pytest.raises(InvalidTransition, match="退回时限"):
        tickets.return_ticket(db.session, ticket, "不是我们的", actor=users["staff_dybz"], now=now + timedelta(days=9))


def test_events_are_committed_with_the_ticket(db, users, now):
    ticket = _build(db, users, now, S.CLOSED)
    db.session.commit()
    actions = db.session.scalars(sa.select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)
                                 .order_by(TicketEvent.id)).all()
    assert actions == ["register", "dispatch", "accept", "reply", "callback", "close"]
    assert db.session.get(Ticket, ticket.id).closed_at is not None


def test_role_titles_are_chinese():
    assert Role.STAFF.title == "承办人员"
