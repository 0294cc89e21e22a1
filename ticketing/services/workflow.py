"""The ticket lifecycle as one explicit state machine.

`RULES` says, for every action of domain.md, from which states it may be
taken, which state it leads to, and who may take it. `transition()` is the
only writer of `Ticket.status`, and every call appends a TicketEvent.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from ticketing.models import AssistState, Channel, Role, Ticket, TicketEvent, TicketStatus, User
from ticketing.models.enums import ExtensionState
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound

S = TicketStatus
A, ST, SV, AD = Role.AGENT, Role.STAFF, Role.SUPERVISOR, Role.ADMIN


class Action(enum.StrEnum):
    REGISTER = "register"
    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    REPLY = "reply"
    RETURN = "return"
    APPROVE_RETURN = "approve_return"
    REFUSE_RETURN = "refuse_return"
    REQUEST_EXTENSION = "request_extension"
    APPROVE_EXTENSION = "approve_extension"
    REFUSE_EXTENSION = "refuse_extension"
    URGE = "urge"
    CALLBACK = "callback"
    CLOSE = "close"
    ANSWER_ON_THE_SPOT = "answer_on_the_spot"
    LEGAL_CHANNEL = "legal_channel"
    REOPEN = "reopen"
    MERGE = "merge"
    UNMERGE = "unmerge"
    TRANSFER_OUT = "transfer_out"
    TAKE_BACK = "take_back"
    RECATEGORISE = "recategorise"
    CHANGE_TYPE = "change_type"
    NOTE = "note"
    MARK_OVERDUE = "mark_overdue"
    ESCALATE = "escalate"
    ALERT_DEPARTMENT = "alert_department"
    RECALCULATE_DEADLINE = "recalculate_deadline"
    GRANT_IDENTITY = "grant_identity"
    ATTACH = "attach"
    HAND_OVER = "hand_over"
    REMOVE_ATTACHMENT = "remove_attachment"
    CONTACT = "contact"
    FOLLOW_UP = "follow_up"
    MAKE_URGENT = "make_urgent"
    CLEAR_RISK = "clear_risk"
    RECHECK_RISK = "recheck_risk"
    REQUEST_ASSIST = "request_assist"
    ANSWER_ASSIST = "answer_assist"
    WITHDRAW_ASSIST = "withdraw_assist"
    URGE_ASSIST = "urge_assist"
    REQUEST_PETITION_REVIEW = "request_petition_review"
    DECIDE_PETITION_REVIEW = "decide_petition_review"
    WITHDRAW_PETITION_REVIEW = "withdraw_petition_review"
    TAKE_OVER_CALLBACK = "take_over_callback"
    CORRECT_CALLER = "correct_caller"
    # 按月考核 contests: recorded on the ticket by services/assessment.py; the status never changes,
    # so they have no entry in RULES and are never offered as ticket actions
    CONTEST = "contest"
    CONTEST_ACCEPT = "contest_accept"
    CONTEST_REJECT = "contest_reject"

    @property
    def title(self) -> str:
        return ACTION_TITLES[self]


ACTION_TITLES = {
    Action.REGISTER: "登记",
    Action.DISPATCH: "派发",
    Action.REASSIGN: "改派",
    Action.ACCEPT: "签收",
    Action.REPLY: "答复",
    Action.RETURN: "申请退回",
    Action.APPROVE_RETURN: "同意退回并改派",
    Action.REFUSE_RETURN: "不同意退回",
    Action.REQUEST_EXTENSION: "申请延期",
    Action.APPROVE_EXTENSION: "批准延期",
    Action.REFUSE_EXTENSION: "不批准延期",
    Action.URGE: "督办",
    Action.CALLBACK: "回访",
    Action.CLOSE: "办结归档",
    Action.ANSWER_ON_THE_SPOT: "直接办结",
    Action.LEGAL_CHANNEL: "告知法定途径",
    Action.REOPEN: "重办",
    Action.MERGE: "合并",
    Action.UNMERGE: "撤销合并",
    Action.TRANSFER_OUT: "转出至12345",
    Action.TAKE_BACK: "重新受理",
    Action.RECATEGORISE: "修改分类",
    Action.CHANGE_TYPE: "修改诉求类型",
    Action.NOTE: "内部备注",
    Action.MARK_OVERDUE: "标记超期",
    Action.ESCALATE: "超期升级",
    Action.ALERT_DEPARTMENT: "紧急工单短信提醒承办单位",
    Action.RECALCULATE_DEADLINE: "节假日调整后重算时限",
    Action.GRANT_IDENTITY: "授权查看举报人身份",
    Action.ATTACH: "上传附件",
    Action.HAND_OVER: "转交经办人",
    Action.REMOVE_ATTACHMENT: "删除附件",
    Action.CONTACT: "联系来电人",
    Action.FOLLOW_UP: "来电催办",
    Action.MAKE_URGENT: "升为紧急",
    Action.CLEAR_RISK: "解除风险提示",
    Action.RECHECK_RISK: "补查风险提示",
    Action.REQUEST_ASSIST: "发起协办",
    Action.ANSWER_ASSIST: "反馈协办意见",
    Action.WITHDRAW_ASSIST: "撤回协办",
    Action.URGE_ASSIST: "督办协办",
    Action.REQUEST_PETITION_REVIEW: "登记复查复核请求",
    Action.DECIDE_PETITION_REVIEW: "录入复查复核意见",
    Action.WITHDRAW_PETITION_REVIEW: "撤销复查复核登记",
    Action.TAKE_OVER_CALLBACK: "接手回访",
    Action.CORRECT_CALLER: "更正来电人信息",
    Action.CONTEST: "考核申诉",
    Action.CONTEST_ACCEPT: "考核申诉通过（核减）",
    Action.CONTEST_REJECT: "考核申诉驳回",
}

WORKING = frozenset({S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED})
#: actions that leave the status as it is but change what the citizen sees on 工单进度查询 and a channel fetches
#: (progress_lookup.citizen_view): the department, the deadline, an extension, a report's confidentiality, or the
#: moment the deadline passed. Any change of status changes it too; notes, urgings, contacts, files, hand-overs,
#: 协办 and the like do not, so a channel polling for changes is not sent the centre's internal work.
SEEN_BY_THE_CITIZEN = frozenset({Action.REASSIGN, Action.APPROVE_EXTENSION, Action.MAKE_URGENT,
                                 Action.RECALCULATE_DEADLINE, Action.RECATEGORISE, Action.MARK_OVERDUE,
                                 Action.CHANGE_TYPE})
#: the states in which a department has the ticket; 协办 requests are answered only then
WITH_DEPARTMENT = frozenset({S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED})
MOVES_DEPARTMENT = frozenset({Action.REASSIGN, Action.APPROVE_RETURN})  # from one department to another
ANY_STATE = frozenset(S)
PETITIONS_ONLY = frozenset({Action.REQUEST_PETITION_REVIEW, Action.DECIDE_PETITION_REVIEW,
                            Action.WITHDRAW_PETITION_REVIEW})


@dataclass(frozen=True)
class Rule:
    sources: frozenset[TicketStatus]
    target: TicketStatus | None  # None: the status does not change
    roles: frozenset[Role]
    # which staff may act: "own", the department that has the ticket; "assisting", a department asked for its
    # opinion (协办) that has not answered yet, whichever department has the ticket; "own_or_assisting", either
    staff_scope: str = "own"
    system: bool = False  # the system (no user) may take it

    def allows_role(self, role: Role) -> bool:
        return role in self.roles


def _rule(sources, target, roles, *, system=False, staff_scope="own"):
    return Rule(frozenset(sources), target, frozenset(roles), system=system, staff_scope=staff_scope)


RULES: dict[Action, Rule] = {
    Action.REGISTER: _rule({}, S.REGISTERED, {A, SV, AD}, system=True),
    Action.DISPATCH: _rule({S.REGISTERED}, S.DISPATCHED, {A, SV, AD}, system=True),
    Action.REASSIGN: _rule({S.DISPATCHED, S.ACCEPTED}, S.DISPATCHED, {SV, AD}),
    Action.ACCEPT: _rule({S.DISPATCHED}, S.ACCEPTED, {ST}),
    Action.REPLY: _rule({S.ACCEPTED}, S.REPLIED, {ST}),
    Action.RETURN: _rule({S.DISPATCHED, S.ACCEPTED}, S.RETURN_REQUESTED, {ST}),
    Action.APPROVE_RETURN: _rule({S.RETURN_REQUESTED}, S.DISPATCHED, {A, SV, AD}),
    Action.REFUSE_RETURN: _rule({S.RETURN_REQUESTED}, None, {A, SV, AD}),  # back to where it was
    Action.REQUEST_EXTENSION: _rule({S.ACCEPTED}, None, {ST}),
    Action.APPROVE_EXTENSION: _rule({S.ACCEPTED}, None, {SV, AD}),
    Action.REFUSE_EXTENSION: _rule({S.ACCEPTED}, None, {SV, AD}),
    Action.URGE: _rule({S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED}, None, {SV, AD}),
    # system: a channel's token returns its citizen's evaluation of the reply (channel_feedback.record_evaluation)
    Action.CALLBACK: _rule({S.REPLIED}, S.CALLED_BACK, {A, SV, AD}, system=True),
    Action.CLOSE: _rule({S.REPLIED, S.CALLED_BACK}, S.CLOSED, {A, SV, AD}),
    Action.ANSWER_ON_THE_SPOT: _rule({S.REGISTERED}, S.CLOSED, {A, SV}),
    Action.LEGAL_CHANNEL: _rule({S.REGISTERED, S.DISPATCHED, S.ACCEPTED}, S.CLOSED, {A, ST, SV}),
    Action.REOPEN: _rule({S.REPLIED, S.CALLED_BACK, S.CLOSED}, S.DISPATCHED, {A, SV, AD}),
    Action.MERGE: _rule(WORKING, S.MERGED, {A, SV, AD}),
    # a merge made by mistake (another matter of the same caller): back to the state it was merged from
    Action.UNMERGE: _rule({S.MERGED}, None, {SV, AD}),
    # also once accepted, and by the department itself for a ticket of 其他 (QT: outside medical insurance, to be
    # transferred out, domain.md), which goes to 12393热线中心 by default (tickets.transfer_out checks the category)
    Action.TRANSFER_OUT: _rule({S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.RETURN_REQUESTED}, S.TRANSFERRED_OUT,
                               {A, ST, SV, AD}),
    # sent back by where it went (12345 退回12393, the 信访部门 insisting): 待派发 again; system: the channel re-sent it
    Action.TAKE_BACK: _rule({S.TRANSFERRED_OUT}, S.REGISTERED, {A, SV, AD}, system=True),
    Action.RECATEGORISE: _rule(WORKING | {S.REPLIED, S.CALLED_BACK}, None, {A, SV, AD}),
    # the type drives the deadline and the callback sample: corrected while the ticket is worked, by the centre
    Action.CHANGE_TYPE: _rule(WORKING, None, {A, SV, AD}),
    Action.NOTE: _rule(ANY_STATE, None, {A, ST, SV, AD}),
    Action.MARK_OVERDUE: _rule(WORKING, None, set(), system=True),
    Action.ESCALATE: _rule(WORKING, None, set(), system=True),
    # the scan claims dispatched tickets; one accepted or moved while its text was on its way still has it recorded
    # (a diff review: the scan stopped on InvalidTransition, the text sent unrecorded)
    Action.ALERT_DEPARTMENT: _rule(ANY_STATE, None, set(), system=True),
    Action.RECALCULATE_DEADLINE: _rule(ANY_STATE, None, set(), system=True),  # an answered one's flags too
    Action.GRANT_IDENTITY: _rule(ANY_STATE, None, {SV, AD}),
    # system: a channel's API token; a department asked to assist attaches what it checked (核查材料)
    Action.ATTACH: _rule(ANY_STATE - {S.MERGED}, None, {A, ST, SV, AD}, system=True, staff_scope="own_or_assisting"),
    Action.HAND_OVER: _rule({S.ACCEPTED}, None, {ST, SV, AD}),
    Action.REMOVE_ATTACHMENT: _rule(ANY_STATE, None, {A, ST, SV, AD}, staff_scope="own_or_assisting"),
    # 联系来电人 while the ticket is worked; after the reply, the callback (回访) is the contact
    Action.CONTACT: _rule(WORKING, None, {A, ST, SV}),
    # 来电催办: the citizen called the centre again about a ticket still being worked (after the reply, the
    # callback or 重办 is the answer); the centre records it, the department and the supervisor see it
    Action.FOLLOW_UP: _rule(WORKING, None, {A, SV}, system=True),  # system: a channel sending a ticket again
    # a ticket found urgent after registration (a risk heard on the phone, a supervisor's call) works to the
    # urgent limits from then on; a department does not shorten its own deadlines
    Action.MAKE_URGENT: _rule(WORKING, None, {A, SV, AD}, system=True),  # system: a channel re-sent it as urgent
    # 风险提示 found by phrase is a prompt, not a verdict: the agent or the supervisor who judged it clears it
    Action.CLEAR_RISK: _rule(ANY_STATE - {S.MERGED}, None, {A, SV, AD}),
    # an administrator (or the command line) looks again at the tickets still worked with the phrases as they are now
    Action.RECHECK_RISK: _rule(WORKING, None, {AD}, system=True),
    # 协办: the handling department (or a supervisor) asks another department for its opinion while the ticket is
    # with a department; the department asked answers; the one who handles it (or a supervisor) withdraws a request
    Action.REQUEST_ASSIST: _rule({S.DISPATCHED, S.ACCEPTED}, None, {ST, SV, AD}),
    Action.ANSWER_ASSIST: _rule(WITH_DEPARTMENT, None, {ST}, staff_scope="assisting"),
    Action.WITHDRAW_ASSIST: _rule(WORKING, None, {ST, SV, AD}),
    Action.URGE_ASSIST: _rule(WITH_DEPARTMENT, None, {SV, AD}),
    # 信访复查、复核 (services/petition_reviews.py): a petitioner contests a written answer. The supervisor records the
    # request once there is one (the service checks), also while a changed answer is being redone (重办: the 30 days
    # for 复核 run all the same), and records or withdraws it whatever happened to the ticket since, merged included
    Action.REQUEST_PETITION_REVIEW: _rule(ANY_STATE - {S.MERGED, S.TRANSFERRED_OUT}, None, {SV, AD}),
    Action.DECIDE_PETITION_REVIEW: _rule(ANY_STATE, None, {SV, AD}),
    Action.WITHDRAW_PETITION_REVIEW: _rule(ANY_STATE, None, {SV, AD}),
    Action.TAKE_OVER_CALLBACK: _rule({S.REPLIED}, None, {SV, AD}),
    # a phone or name typed wrong (services/caller_corrections.py): by those who see every caller whole, whenever the
    # ticket is its own (a merged one's caller is the kept ticket's business), closed too: the next call finds it
    Action.CORRECT_CALLER: _rule(ANY_STATE - {S.MERGED}, None, {A, SV}),
}


def allowed_actions(user: User, ticket: Ticket) -> list[Action]:
    """The actions this user may take on this ticket now (for buttons and the API)."""
    return [action for action in RULES if action is not Action.REGISTER and can_perform(user, ticket, action)]


def can_perform(user: User | None, ticket: Ticket, action: Action) -> bool:
    try:
        check(user, ticket, action)
    except (InvalidTransition, NotAllowed, NotFound):
        return False
    return True


def check(user: User | None, ticket: Ticket, action: Action) -> Rule:
    """Raise NotAllowed (role), NotFound (another department's ticket) or InvalidTransition (state)."""
    rule = RULES[action]
    if user is None:
        if not rule.system:
            raise NotAllowed(f"系统不能执行“{action.title}”")
    else:
        role = user.role_enum
        if role is Role.STAFF:
            own = rule.staff_scope != "assisting" and ticket.department_id == user.department_id
            if not own and rule.staff_scope == "own":
                raise NotFound("工单不存在或不属于本单位")
            if not own and not any(r.is_open and r.department_id == user.department_id for r in ticket.assists):
                raise NotFound("本单位没有待反馈的协办")
        if not rule.allows_role(role):
            raise NotAllowed(f"{role.title}无权执行“{action.title}”")
    status = TicketStatus(ticket.status)
    if action is not Action.REGISTER and status not in rule.sources:
        raise InvalidTransition(f"工单当前状态为“{status.title}”，不能执行“{action.title}”")
    if action in PETITIONS_ONLY and ticket.channel != Channel.PETITION_BUREAU.value:
        raise InvalidTransition("只有信访件可以请求复查、复核（信访工作条例第三十五条）")
    return rule


def transition(
    ticket: Ticket,
    action: Action,
    *,
    actor: User | None,
    now: datetime,
    note: str = "",
    data: dict | None = None,
    to: TicketStatus | None = None,
) -> TicketEvent:
    """Check and apply one action, recording it as an event. Does not flush; the caller commits."""
    rule = check(actor, ticket, action)
    from_status = None if action is Action.REGISTER else ticket.status
    target = to or rule.target or TicketStatus(ticket.status)
    leaves = from_status in WITH_DEPARTMENT and target not in WITH_DEPARTMENT
    if leaves:
        lapsed = _end_assists(ticket, now)
        if lapsed:
            data = {**(data or {}), "assists_lapsed": lapsed}
    if leaves or action in MOVES_DEPARTMENT:
        until = _end_extension_request(ticket)
        if until is not None:
            data = {**(data or {}), "extension_lapsed": until}
    event = TicketEvent(
        actor=actor,
        actor_label=actor.display_name if actor is not None else "系统",
        action=action.value,
        from_status=from_status,
        to_status=target.value,
        note=note or "",
        data=data or {},
        created_at=now,
    )
    ticket.events.append(event)
    if from_status is None or target.value != from_status or action in SEEN_BY_THE_CITIZEN:
        ticket.updated_at = now  # what the citizen and the channel see changed (channel_feedback)
    ticket.status = target.value
    return event


def record_fact(ticket: Ticket, action: Action, *, actor: User | None, now: datetime, note: str = "",
                data: dict | None = None) -> TicketEvent:
    """An event for something that happened to the ticket without changing its state and that its rules need not
    allow now: the earlier ticket's side of a merge, a channel's repeat of a ticket past taking 催办, a text the
    gateway sent while the ticket moved on, a contest. Recorded as it is; nothing is checked."""
    event = TicketEvent(actor=actor, actor_label=actor.display_name if actor is not None else "系统",
                        action=action.value, from_status=ticket.status, to_status=ticket.status, note=note or "",
                        data=data or {}, created_at=now)
    ticket.events.append(event)
    return event


#: the same words posted again this soon by the same person are one submission sent twice (a double click, a
#: browser's retry): 来电催办 twice counted 催2, 督办 twice said 第 2 次
RESUBMITTED_WITHIN = timedelta(seconds=30)


def just_done(ticket: Ticket, action: Action, *, actor: User | None, now: datetime, note: str) -> bool:
    """Whether ``actor`` recorded ``action`` with this very ``note`` on the ticket within RESUBMITTED_WITHIN."""
    if actor is None:
        return False
    for event in reversed(ticket.events):
        if event.created_at is None or now - event.created_at > RESUBMITTED_WITHIN:
            return False
        if event.action == action.value and event.actor_id == actor.id and event.note == note:
            return True
    return False


def _end_extension_request(ticket: Ticket) -> str | None:
    """A 延期 request still waiting for a supervisor is the department's own: it ends when the ticket leaves that
    department (answered, closed, merged, transferred, 改派, a return approved), so that nobody approves it for
    the next department, or for a ticket already answered. The date asked, for the event's data; the state goes
    back to what the last decision before it left (an earlier approved extension still stands)."""
    if ticket.extension_state != ExtensionState.REQUESTED.value:
        return None
    asked = ticket.extension_until.isoformat() if ticket.extension_until is not None else ""
    ticket.extension_state = None
    for event in reversed(ticket.events):
        if event.action == Action.APPROVE_EXTENSION.value:
            ticket.extension_state = ExtensionState.APPROVED.value
            break
        if event.action == Action.REFUSE_EXTENSION.value:
            ticket.extension_state = ExtensionState.REFUSED.value
            break
        if event.action == Action.REOPEN.value:
            break
    return asked


def end_assists_to(ticket: Ticket, department_id: int, now: datetime) -> list[str]:
    """改派 or a return approved to the department a 协办 was asked of: it holds the ticket now, and cannot owe
    itself an opinion (请本单位协办 is refused for the same reason)."""
    return _end_assists(ticket, now, department_id)


def _end_assists(ticket: Ticket, now: datetime, department_id: int | None = None) -> list[str]:
    """The ticket leaves the departments (answered, merged, transferred, closed): the 协办 requests still open
    end unanswered (已终止), so that nobody is left owing an opinion on a matter already answered; a reopened
    ticket asks again if it still needs one. With ``department_id``, only the request to that department. The
    departments' codes, for the event's data."""
    ended = []
    for request in ticket.assists:
        if request.is_open and department_id in (None, request.department_id):
            request.state, request.closed_at = AssistState.LAPSED.value, now
            ended.append(request.department.code)
    return ended
