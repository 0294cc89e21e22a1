"""协办: a ticket that needs another department's knowledge or records (a pharmacy's settlement data for a price
complaint, a county's payment list for a contribution question) stays with the department that handles it
(主办单位), which asks the other department for its opinion (协办意见) by a deadline. The department asked sees the
ticket (the caller masked: it does not contact the citizen), answers once, and the handling department reads the
opinion before it replies. Every request, answer and withdrawal is an event on the ticket.

A request belongs to the ticket's work: when the ticket leaves the departments (answered, merged, transferred,
closed) a request still open ends unanswered (已终止, services/workflow.transition), so that nobody owes an opinion
on a matter already answered; a reopened ticket asks again if it still needs one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import AssistRequest, AssistState, Department, Ticket, User
from ticketing.models.base import hours_between
from ticketing.services import calendar, deadlines, settings
from ticketing.services.errors import InvalidTransition, ValidationFailed
from ticketing.services.validation import required_text
from ticketing.services.workflow import WITH_DEPARTMENT, Action, check, transition

#: the ticket states in which a department has it (and a request can be answered): workflow.WITH_DEPARTMENT
LIVE_STATES = tuple(status.value for status in WITH_DEPARTMENT)
MAX_TEXT = 2000


def working_days(session: Session) -> int:
    """协办反馈时限 (系统设置): working days the department asked has to answer."""
    return int(settings.get_setting(session, "assist_working_days"))


def due_for(session: Session, ticket: Ticket, now: datetime) -> deadlines.Deadline:
    """The answer is due after the set working days, but no later than the ticket's own reply deadline while that
    is still ahead: the handling department needs the opinion before it replies."""
    due = deadlines.add_working_days(now, working_days(session), calendar.load_work_calendar(session))
    if ticket.reply_due_at is not None and now < ticket.reply_due_at < due.due_at:
        return deadlines.Deadline(ticket.reply_due_at, ticket.calendar_confirmed)
    return due


def request_assist(session: Session, ticket: Ticket, department: Department, request: str, *, actor: User,
                   now: datetime) -> AssistRequest:
    """发起协办: ask ``department`` for its opinion on ``ticket``; one open request per department."""
    check(actor, ticket, Action.REQUEST_ASSIST)
    request = required_text(request, "request", missing="请写明需要协办单位核实或答复的事项", what="协办事项",
                            limit=MAX_TEXT)
    if not department.active:
        raise ValidationFailed("该单位已停用", fields={"department": f"{department.name} 已停用"})
    if department.id == ticket.department_id:
        raise ValidationFailed("不能请本单位协办", fields={"department": f"{department.name} 是本件的承办单位"})
    if open_request(ticket, department.id) is not None:
        raise ValidationFailed("已请该单位协办，尚未反馈",
                               fields={"department": f"已请{department.name}协办，等待其反馈（可先撤回再重新发起）"})
    due = due_for(session, ticket, now)
    assist = AssistRequest(ticket=ticket, department=department, department_id=department.id, request=request,
                           requested_by=actor, requested_at=now, due_at=due.due_at,
                           calendar_confirmed=due.calendar_confirmed, state=AssistState.OPEN.value)
    session.add(assist)
    transition(ticket, Action.REQUEST_ASSIST, actor=actor, now=now,
               note=f"请{department.name}协办，{calendar.local_text(due.due_at)} 前反馈：{request}",
               data={"department": department.code, "due_at": calendar.iso_text(due.due_at)})
    return assist


def answer_assist(session: Session, ticket: Ticket, opinion: str, *, actor: User, now: datetime) -> AssistRequest:
    """反馈协办意见: the department asked answers its open request, once."""
    check(actor, ticket, Action.ANSWER_ASSIST)
    assist = open_request(ticket, actor.department_id)
    if assist is None:  # answered already (a retried request), withdrawn or lapsed: a conflict, not a missing ticket
        raise InvalidTransition("本单位没有待反馈的协办（已反馈、已撤回或已结束）")
    opinion = required_text(opinion, "opinion", missing="请填写协办意见", what="协办意见", limit=20000)
    late = now > assist.due_at
    transition(ticket, Action.ANSWER_ASSIST, actor=actor, now=now,  # checked while the request is still open
               note=f"{assist.department.name}反馈协办意见{'（超过反馈时限）' if late else ''}：{opinion}",
               data={"department": assist.department.code, "late": late})
    assist.state, assist.opinion = AssistState.ANSWERED.value, opinion
    assist.answered_by, assist.answered_at = actor, now
    return assist


def urge_assist(session: Session, ticket: Ticket, department_code: str, note: str, *, actor: User,
                now: datetime) -> AssistRequest:
    """督办协办: a supervisor presses the department asked for its opinion; its 协办 tab shows the note."""
    check(actor, ticket, Action.URGE_ASSIST)
    assist = _open_by_code(ticket, department_code)
    note = required_text(note, "note", missing="请填写督办意见", what="督办意见", limit=MAX_TEXT)
    transition(ticket, Action.URGE_ASSIST, actor=actor, now=now, note=f"督办{assist.department.name}的协办：{note}",
               data={"department": department_code})
    assist.urged_at, assist.urge_note = now, note
    return assist


def _open_by_code(ticket: Ticket, department_code: str) -> AssistRequest:
    assist = next((r for r in ticket.assists if r.is_open and r.department.code == department_code), None)
    if assist is None:
        raise ValidationFailed("该单位没有待反馈的协办",
                               fields={"department": f"没有请 {department_code or '（未填写）'} 协办，或已反馈"})
    return assist


def withdraw_assist(session: Session, ticket: Ticket, department_code: str, reason: str, *, actor: User,
                    now: datetime) -> AssistRequest:
    """撤回协办: the request is no longer needed (the handling department found the answer itself)."""
    check(actor, ticket, Action.WITHDRAW_ASSIST)
    assist = _open_by_code(ticket, department_code)
    reason = required_text(reason, "reason", missing="请填写撤回原因", what="撤回原因", limit=MAX_TEXT)
    assist.state, assist.withdraw_reason, assist.closed_at = AssistState.WITHDRAWN.value, reason, now
    transition(ticket, Action.WITHDRAW_ASSIST, actor=actor, now=now,
               note=f"撤回对{assist.department.name}的协办：{reason}", data={"department": department_code})
    return assist


def open_request(ticket: Ticket, department_id: int | None) -> AssistRequest | None:
    return next((r for r in ticket.assists if r.is_open and r.department_id == department_id), None)


def awaited(ticket: Ticket) -> list[AssistRequest]:
    """The opinions the handling department still waits for."""
    return [r for r in ticket.assists if r.is_open]


def awaited_among(session: Session, tickets: list[Ticket]) -> dict[int, list[str]]:
    """For a page of tickets, the departments each still waits for an opinion from (one query; the 协 mark)."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    waiting: dict[int, list[str]] = {}
    for ticket_id, name in session.execute(
            sa.select(AssistRequest.ticket_id, Department.name).join(Department, Department.id == AssistRequest.department_id)
            .where(AssistRequest.ticket_id.in_(ids), AssistRequest.state == AssistState.OPEN.value)
            .order_by(AssistRequest.id)):
        waiting.setdefault(ticket_id, []).append(name)
    return waiting


def department_queue(department_id: int) -> sa.Select:
    """协办 to answer: the department's open requests (their tickets are with a department), the soonest due first."""
    return (sa.select(AssistRequest)
            .where(AssistRequest.department_id == department_id, AssistRequest.state == AssistState.OPEN.value)
            .order_by(AssistRequest.due_at, AssistRequest.id))


def answered_by_department(department_id: int) -> sa.Select:
    """协办 the department has answered, the latest first."""
    return (sa.select(AssistRequest)
            .where(AssistRequest.department_id == department_id, AssistRequest.state == AssistState.ANSWERED.value)
            .order_by(AssistRequest.answered_at.desc(), AssistRequest.id.desc()))


def queue_count(session: Session, department_id: int) -> int:
    """The department's menu counter: one range of the (department, state, due) index."""
    return session.scalar(sa.select(sa.func.count()).select_from(AssistRequest).where(
        AssistRequest.department_id == department_id, AssistRequest.state == AssistState.OPEN.value)) or 0


def owed_by_department(session: Session) -> dict[int, int]:
    """Open requests per department asked (督办's 各单位在办)."""
    return {department_id: int(n) for department_id, n in session.execute(
        sa.select(AssistRequest.department_id, sa.func.count()).where(AssistRequest.state == AssistState.OPEN.value)
        .group_by(AssistRequest.department_id))}


def late_tickets_query(now: datetime) -> sa.Select:
    """督办's 协办超期: tickets with a request past its deadline, the longest waiting first."""
    late = (sa.select(AssistRequest.ticket_id, sa.func.min(AssistRequest.due_at).label("due_at"))
            .where(AssistRequest.state == AssistState.OPEN.value, AssistRequest.due_at < now)
            .group_by(AssistRequest.ticket_id).subquery())
    return sa.select(Ticket).join(late, late.c.ticket_id == Ticket.id).order_by(late.c.due_at, Ticket.id)


def received_since(session: Session, department_id: int, since: datetime) -> list[AssistRequest]:
    """Opinions answered on the department's tickets still worked since ``since``: the inbox names them, since the
    handling department is waiting for them."""
    return list(session.scalars(
        sa.select(AssistRequest).join(Ticket, Ticket.id == AssistRequest.ticket_id)
        .where(Ticket.department_id == department_id, Ticket.status.in_(LIVE_STATES),
               AssistRequest.state == AssistState.ANSWERED.value, AssistRequest.answered_at >= since)
        .order_by(AssistRequest.answered_at.desc(), AssistRequest.id.desc())))


@dataclass
class AssistMonth:
    """协办 in a month, for one department: what it was asked (by request time) and how it answered, and what
    its own tickets asked of others. 工单统计 shows it; docs/statistics.md defines it."""

    department: Department
    received: int = 0  # requests made of it in the month
    answered: int = 0  # of which answered (by now)
    on_time: int = 0  # of which answered by the deadline
    withdrawn: int = 0  # of which withdrawn by the handling department
    lapsed: int = 0  # of which ended unanswered when the ticket left the departments (已终止)
    lapsed_in_time: int = 0  # of those, ended before the opinion was due
    waiting: int = 0  # of which still open
    answer_hours: float | None = None  # mean hours from request to answer, over those answered
    asked: int = 0  # requests its own tickets made of other departments in the month

    @property
    def on_time_rate(self) -> float | None:
        """按时反馈率: answered by the deadline over those that were owed: not withdrawn, and not ended with the
        ticket's work before they were due; one still open counts against it."""
        due = self.received - self.withdrawn - self.lapsed_in_time
        return self.on_time / due if due else None


def month_by_department(session: Session, start: datetime, end: datetime, *,
                        department_id: int | None = None) -> list[AssistMonth]:
    """Per department, the 协办 requests made in [start, end): one GROUP BY over the month's requests (a few
    percent of its tickets), by the department asked and by the ticket's department."""
    made = sa.and_(AssistRequest.requested_at >= start, AssistRequest.requested_at < end)
    answered = AssistRequest.state == AssistState.ANSWERED.value
    lapsed = AssistRequest.state == AssistState.LAPSED.value
    hours = hours_between(session, AssistRequest.requested_at, AssistRequest.answered_at)
    rows = session.execute(
        sa.select(AssistRequest.department_id, sa.func.count(),
                  sa.func.sum(sa.case((answered, 1), else_=0)),
                  sa.func.sum(sa.case((sa.and_(answered, AssistRequest.answered_at <= AssistRequest.due_at), 1), else_=0)),
                  sa.func.sum(sa.case((AssistRequest.state == AssistState.WITHDRAWN.value, 1), else_=0)),
                  sa.func.sum(sa.case((lapsed, 1), else_=0)),
                  sa.func.sum(sa.case((sa.and_(lapsed, AssistRequest.closed_at <= AssistRequest.due_at), 1), else_=0)),
                  sa.func.avg(sa.case((answered, hours))))
        .where(made).group_by(AssistRequest.department_id)).all()
    asked = dict(session.execute(
        sa.select(Ticket.department_id, sa.func.count()).select_from(AssistRequest)
        .join(Ticket, Ticket.id == AssistRequest.ticket_id)
        .where(made).group_by(Ticket.department_id)).all())
    months: dict[int, AssistMonth] = {}
    departments = {d.id: d for d in session.scalars(sa.select(Department))}
    for asked_id, received, answered_count, on_time, withdrawn, lapsed_count, lapsed_in_time, mean_hours in rows:
        answered_count, withdrawn, lapsed_count = int(answered_count or 0), int(withdrawn or 0), int(lapsed_count or 0)
        months[asked_id] = AssistMonth(
            departments[asked_id], received=int(received), answered=answered_count, on_time=int(on_time or 0),
            withdrawn=withdrawn, lapsed=lapsed_count, lapsed_in_time=int(lapsed_in_time or 0),
            waiting=int(received) - answered_count - withdrawn - lapsed_count,
            answer_hours=None if mean_hours is None else round(float(mean_hours), 1))
    for own_id, count in asked.items():
        if own_id is not None:
            months.setdefault(own_id, AssistMonth(departments[own_id])).asked = int(count)
    shown = [m for m in months.values() if department_id is None or m.department.id == department_id]
    return sorted(shown, key=lambda m: (-m.received, -m.asked, m.department.code))
