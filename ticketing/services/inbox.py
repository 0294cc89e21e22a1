"""Read-only queues: what each person has to do next, and the counts shown on every page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import (AssessmentContest, Callback, Channel, ContestState, Role, Ticket, TicketEvent,
                              TicketStatus, User)
from ticketing.models.enums import ANSWERED_STATUSES, OPEN_STATUSES, ExtensionState
from ticketing.models.ticket import NOTICE_STATES
from ticketing.services import announcements, assists, callback_claims, petition_reviews, reviews, risk_alerts, settings

S = TicketStatus
DEPARTMENT_WORK = (S.DISPATCHED.value, S.ACCEPTED.value)


def due_expression():
    """The deadline that matters now: `Ticket.current_due_at`, in SQL."""
    return Ticket.current_due_at


def triage_query() -> sa.Select:
    """待派发: a 风险提示 first (it waits for an agent to read it), then one a supervisor urged (督办 before it was
    dispatched reached nobody: a supervisor's day), then by the deadline."""
    return sa.select(Ticket).where(Ticket.status == S.REGISTERED.value).order_by(
        Ticket.risk_flags.is_(None), Ticket.last_urged_at.is_(None), Ticket.reply_due_at, Ticket.id)


def returns_query() -> sa.Select:
    # the id breaks ties: PostgreSQL returns rows of equal deadline in any order, so pages repeated and skipped some
    return sa.select(Ticket).where(Ticket.status == S.RETURN_REQUESTED.value).order_by(Ticket.reply_due_at, Ticket.id)


def callback_retry_interval(session: Session) -> timedelta:
    """How long a ticket whose callback did not reach the citizen waits before it is due again (系统设置)."""
    return timedelta(minutes=int(settings.get_setting(session, "callback_retry_minutes")))


def callback_retry_at(session: Session, ticket: Ticket, now: datetime) -> datetime | None:
    """After a 回访 try that did not reach the citizen: when the next try is due, while that is still ahead."""
    if (ticket.status != S.REPLIED.value or ticket.called_back_at is None or ticket.replied_at is None
            or ticket.called_back_at < ticket.replied_at):
        return None
    due = ticket.called_back_at + callback_retry_interval(session)
    return due if due > now else None


def callbacks_query(cutoff: datetime | None = None, *, later: bool = False) -> sa.Select:
    """回访 to make: answered tickets the sampling chose, those not yet tried since the reply first, then those
    whose last failed try (未联系上) is oldest, so that a number that did not answer is tried again later.

    With ``cutoff`` (now minus the retry interval), a ticket whose last failed try is after it is not due yet:
    it is left out, or, with ``later=True``, it is all that is listed (稍后再拨), the soonest due first.
    """
    tried_since_reply = Ticket.called_back_at >= Ticket.replied_at
    tried = sa.case((tried_since_reply, Ticket.called_back_at))
    query = sa.select(Ticket).where(Ticket.status == S.REPLIED.value, Ticket.needs_callback.is_(True))
    if cutoff is not None:
        waiting = sa.and_(Ticket.called_back_at.is_not(None), tried_since_reply, Ticket.called_back_at > cutoff)
        query = query.where(waiting if later else sa.not_(waiting))
    return query.order_by(tried.nulls_first(), Ticket.replied_at, Ticket.id)


def department_query(department_id: int, state: str | None = None, *, handler_id: int | None = None) -> sa.Select:
    """The department's inbox: urged first, then by the deadline that applies; 已答复/办结 the latest answered first.

    ``state="mine"``: the tickets ``handler_id`` works (accepted or was handed), not yet answered.
    """
    query = sa.select(Ticket).where(Ticket.department_id == department_id)
    if state == "mine":
        query = query.where(Ticket.handler_id == handler_id, Ticket.status.in_(DEPARTMENT_WORK + (S.RETURN_REQUESTED.value,)))
    elif state == "todo" or state is None:
        query = query.where(Ticket.status.in_(DEPARTMENT_WORK + (S.RETURN_REQUESTED.value,)))
    elif state == "notify":
        query = query.where(notices_owed_condition())
    elif state == "done":  # answered: the latest first (urges and deadlines no longer order anything)
        query = query.where(Ticket.status.in_((S.REPLIED.value, S.CALLED_BACK.value, S.CLOSED.value)))
        return query.order_by(Ticket.replied_at.desc().nulls_last(), Ticket.id.desc())
    elif state:
        query = query.where(Ticket.status == state)
    return query.order_by((Ticket.last_urged_at.is_(None)), due_expression().nulls_last(), Ticket.id)


def tickets_in_hand(session: Session, *, department_id: int | None = None,
                    now: datetime | None = None) -> dict[int, tuple[int, int]]:
    """Per 经办人 (user id): the accepted tickets they work (a return waiting for review too: refused, it comes back
    to them), and how many of those are overdue at ``now`` (0 without it); one GROUP BY on the handler index, for the
    whole centre or one department. The inbox's 经办人工作量, 工单统计's 本单位经办人 and the 用户 page all read it,
    and an account is not moved or disabled while it holds any (a new-staff review: one with a return under review
    was moved, and the refused return came back to a person in another department)."""
    overdue = sa.func.sum(sa.case((Ticket.reply_due_at < now, 1), else_=0)) if now else sa.literal(0)
    query = (sa.select(Ticket.handler_id, sa.func.count(), overdue)
             .where(Ticket.status.in_((S.ACCEPTED.value, S.RETURN_REQUESTED.value)), Ticket.handler_id.is_not(None))
             .group_by(Ticket.handler_id))
    if department_id is not None:
        query = query.where(Ticket.department_id == department_id)
    return {user_id: (int(held), int(late or 0)) for user_id, held, late in session.execute(query)}


def handler_workload(session: Session, department_id: int, now: datetime) -> list[tuple[User, int, int]]:
    """经办人工作量: for each staff member of the department, the accepted tickets they work and how many
    of those are overdue, busiest first (the department head's view of who holds what)."""
    counts = tickets_in_hand(session, department_id=department_id, now=now)
    people = {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(list(counts))))}
    return sorted(((people[user_id], held, late) for user_id, (held, late) in counts.items()),
                  key=lambda w: (-w[1], w[0].display_name))


HANDED_OVER_DAYS = 3


def handed_over_to(session: Session, user: User, now: datetime) -> list[tuple[Ticket, TicketEvent]]:
    """转交 to this person in the last few days, for the tickets they still work: the inbox says so at the top,
    since nobody else tells them (who handed it over, when, and the note)."""
    rows = session.execute(
        sa.select(Ticket, TicketEvent).join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(Ticket.handler_id == user.id, Ticket.department_id == user.department_id,
               Ticket.status.in_(DEPARTMENT_WORK),
               TicketEvent.action == "hand_over", TicketEvent.created_at >= now - timedelta(days=HANDED_OVER_DAYS))
        .order_by(TicketEvent.id.desc())
    ).all()
    latest: dict[int, tuple[Ticket, TicketEvent]] = {}
    for ticket, event in rows:  # the last hand-over of each ticket, if it was to this person
        latest.setdefault(ticket.id, (ticket, event))
    return [(t, e) for t, e in latest.values() if (e.data or {}).get("to") == user.username]


def urged_query(department_id: int) -> sa.Select:
    """督办 tickets the department still works on, latest urge first (shown with the note atop the inbox)."""
    return (
        sa.select(Ticket)
        .where(Ticket.department_id == department_id, Ticket.status.in_(DEPARTMENT_WORK + (S.RETURN_REQUESTED.value,)),
               Ticket.last_urged_at.is_not(None))
        .order_by(Ticket.last_urged_at.desc(), Ticket.id)
    )


#: how long a citizen's repeat call (来电催办) is shown atop the department's inbox and on 督办
FOLLOW_UP_DAYS = 7
STILL_WORKED = tuple(status.value for status in OPEN_STATUSES)


def followed_up_query(now: datetime, department_id: int | None = None) -> sa.Select:
    """Tickets still worked whose caller called again (来电催办) in the last few days, the most called
    about first; one range of the last_follow_up_at index."""
    query = (sa.select(Ticket)
             .where(Ticket.last_follow_up_at >= now - timedelta(days=FOLLOW_UP_DAYS), Ticket.status.in_(STILL_WORKED))
             .order_by(Ticket.follow_up_count.desc(), Ticket.last_follow_up_at.desc(), Ticket.id))
    return query if department_id is None else query.where(Ticket.department_id == department_id)


#: answered or closed, and so not reopened by a channel's delivery sent again with new words
FINISHED = tuple(sorted(status.value for status in ANSWERED_STATUSES))


def sent_again_query(now: datetime, department_id: int | None = None) -> sa.Select:
    """Tickets answered or closed that their channel sent again with new words in the last few days (12345's
    回访不满意 sent back, a writer adding to a letter answered): for a supervisor to 重办 or to let be. A 重办 takes
    the ticket out (it is worked again, and its department sees the words atop its inbox)."""
    # after the answer: a 催办 while the ticket was worked, or a re-send that a 重办 and a new answer dealt with, is not
    query = (sa.select(Ticket)
             .where(Ticket.last_follow_up_at >= now - timedelta(days=FOLLOW_UP_DAYS), Ticket.status.in_(FINISHED),
                    Ticket.last_follow_up_at > sa.func.coalesce(Ticket.replied_at, Ticket.closed_at))
             .order_by(Ticket.last_follow_up_at.desc(), Ticket.id))
    return query if department_id is None else query.where(Ticket.department_id == department_id)


def sent_again(ticket: Ticket, now: datetime) -> bool:
    """The Python form of `sent_again_query`, for one ticket's page."""
    answered = ticket.replied_at or ticket.closed_at
    return (ticket.status in FINISHED and ticket.last_follow_up_at is not None and answered is not None
            and now - timedelta(days=FOLLOW_UP_DAYS) <= ticket.last_follow_up_at and ticket.last_follow_up_at > answered)


def unanswered_follow_up_condition(now: datetime):
    """来电催办 of the last few days on a ticket still worked, with no 联系来电人 recorded since: the department
    (or the centre) has yet to get back to the caller who rang again."""
    # the states as the complement of the closed ones: with IN, SQLite's planner (no statistics) read every open
    # ticket by the status index instead of the week's repeat calls by the last_follow_up_at index
    return sa.and_(Ticket.last_follow_up_at >= now - timedelta(days=FOLLOW_UP_DAYS),
                   Ticket.status.not_in([s.value for s in S if s.value not in STILL_WORKED]),
                   sa.or_(Ticket.last_contact_at.is_(None), Ticket.last_contact_at < Ticket.last_follow_up_at))


def follow_up_unanswered(ticket: Ticket, now: datetime) -> bool:
    """The Python form of `unanswered_follow_up_condition`, for one ticket's page."""
    return (ticket.last_follow_up_at is not None and ticket.last_follow_up_at >= now - timedelta(days=FOLLOW_UP_DAYS)
            and ticket.status in STILL_WORKED
            and (ticket.last_contact_at is None or ticket.last_contact_at < ticket.last_follow_up_at))


def first_and_total(session: Session, query: sa.Select, limit: int) -> tuple[list[Ticket], int]:
    """The query's first ``limit`` tickets, and how many it holds in all (counted only when there are more)."""
    items = list(session.scalars(query.limit(limit)))
    return items, len(items) if len(items) < limit else _count(session, query)


@dataclass
class Section:
    """One section of 督办: its first ``limit`` tickets, and how many there are in all."""

    key: str
    label: str
    items: list[Ticket]
    total: int


def supervision_sections(session: Session, now: datetime, *, near_hours: int, department_id: int | None = None,
                         limit: int = 50) -> list[Section]:
    """The supervisor's page: 风险提示, overdue, near the deadline, waiting for approval, 协办 past its deadline,
    notices owed, called about again by the citizen, sent again by its channel once answered, a petition's 复查 or
    复核 waiting for its opinion, urged; optionally one
    department. A section lists its first ``limit`` tickets and counts the rest (a province can have thousands
    overdue), only when there are more."""

    def rows(query: sa.Select) -> tuple[list[Ticket], int]:
        if department_id is not None:
            query = query.where(Ticket.department_id == department_id)
        return first_and_total(session, query, limit)

    by_due = sa.select(Ticket).order_by(due_expression().nulls_last(), Ticket.id)
    return [Section(key, label, *rows(query)) for key, label, query in (
        ("risks", "风险提示", risk_alerts.open_query()),
        ("overdue", "已超期", by_due.where(overdue_condition(now))),
        ("near", f"{near_hours} 小时内到期", by_due.where(near_deadline_condition(now, near_hours))),
        ("extensions", "延期待审批", extension_requests_query()),
        ("returns", "退回待审核", returns_query()),
        ("assists", "协办超期", assists.late_tickets_query(now)),
        ("notices", "待告知来电人", sa.select(Ticket).where(notices_owed_condition())
         .order_by(Ticket.reply_due_at, Ticket.id)),
        ("follow_ups", f"群众催办（近 {FOLLOW_UP_DAYS} 天）", followed_up_query(now)),
        ("sent_again", f"渠道再次推送已答复的工单（近 {FOLLOW_UP_DAYS} 天）", sent_again_query(now)),
        ("petition_reviews", "信访复查、复核待出具意见", petition_reviews.waiting_query()),
        ("urged", "督办中", sa.select(Ticket).where(
            Ticket.last_urged_at.is_not(None), Ticket.status.in_(DEPARTMENT_WORK + (S.RETURN_REQUESTED.value,))
        ).order_by(Ticket.last_urged_at.desc(), Ticket.id)),
    )]


@dataclass
class DepartmentLoad:
    """各单位在办: one department's tickets in hand now, as the shift supervisor compares departments."""

    department_id: int
    to_accept: int = 0  # 待签收 (dispatched)
    in_hand: int = 0  # 办理中 (accepted)
    returning: int = 0  # 退回待审 (a return asked)
    overdue: int = 0  # of those, past their deadline
    near: int = 0  # of those, due within the near-deadline hours
    extensions: int = 0  # 延期待审批
    assists: int = 0  # 协办 other departments asked of it, not yet answered

    @property
    def total(self) -> int:
        return self.to_accept + self.in_hand + self.returning


def department_load(session: Session, now: datetime, *, near_hours: int) -> dict[int, DepartmentLoad]:
    """Per department, its tickets in hand now (one GROUP BY over the open states' rows, by the status index) and
    the 协办 it owes (one GROUP BY on the assist_request index)."""
    def flag(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    rows = session.execute(
        sa.select(Ticket.department_id, flag(Ticket.status == S.DISPATCHED.value), flag(Ticket.status == S.ACCEPTED.value),
                  flag(Ticket.status == S.RETURN_REQUESTED.value), flag(overdue_condition(now)),
                  flag(near_deadline_condition(now, near_hours)),
                  flag(sa.and_(Ticket.status == S.ACCEPTED.value,
                               Ticket.extension_state == ExtensionState.REQUESTED.value)))
        .where(Ticket.status.in_(DEPARTMENT_WORK + (S.RETURN_REQUESTED.value,)), Ticket.department_id.is_not(None))
        .group_by(Ticket.department_id)).all()
    load = {row[0]: DepartmentLoad(row[0], *(int(n or 0) for n in row[1:])) for row in rows}
    for department_id, owed in assists.owed_by_department(session).items():
        load.setdefault(department_id, DepartmentLoad(department_id)).assists = owed
    return load


def overdue_parts(now: datetime) -> list:
    """The overdue rule as conditions on disjoint sets of states: a dispatched ticket is overdue once its
    time to accept or to reply has passed; a registered, accepted or returned one once its time to reply
    has. Each part is a range of one (status, …due…) index, so counting them one by one reads indexes only."""
    return [
        sa.and_(Ticket.status == S.DISPATCHED.value, sa.or_(Ticket.accept_due_at < now, Ticket.reply_due_at < now)),
        sa.and_(Ticket.status.in_((S.REGISTERED.value, S.ACCEPTED.value, S.RETURN_REQUESTED.value)),
                Ticket.reply_due_at < now),
    ]


def overdue_condition(now: datetime):
    return sa.or_(*overdue_parts(now))


def near_deadline_condition(now: datetime, hours: int):
    """Due within ``hours`` and not yet overdue, by the deadline the ticket works to (``Ticket.current_due_at``:
    a dispatched ticket's time to accept, as every page shows it; it read the reply deadline, so a ticket about to
    miss its 签收 never showed here and an overdue one did)."""
    soon = now + timedelta(hours=hours)
    return sa.and_(Ticket.status.in_(DEPARTMENT_WORK), Ticket.current_due_at >= now, Ticket.current_due_at < soon)


def notices_owed_condition():
    """Tickets that owe the citizen a notice (services/notices; the SQL form of `Ticket.pending_notices`):
    an approved extension not yet told, or an accepted petition whose acceptance was not yet told,
    while the ticket is still worked."""
    return sa.and_(
        Ticket.status.in_(NOTICE_STATES),
        sa.or_(
            sa.and_(Ticket.extension_state == ExtensionState.APPROVED.value, Ticket.extension_told_at.is_(None)),
            sa.and_(Ticket.channel == Channel.PETITION_BUREAU.value, Ticket.accepted_at.is_not(None),
                    Ticket.acceptance_told_at.is_(None)),
        ),
    )


def extension_requests_query() -> sa.Select:
    return sa.select(Ticket).where(
        Ticket.status == S.ACCEPTED.value, Ticket.extension_state == ExtensionState.REQUESTED.value
    ).order_by(Ticket.reply_due_at, Ticket.id)


def _count(session: Session, query: sa.Select) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0


def unhappy_condition():
    """The last callback (the centre's, or the channel's 评价) reached the citizen, who said 不满意 or 未解决: a
    callback sets ``called_back_at`` to its own time, so it is the one made then."""
    return Ticket.callbacks.any(sa.and_(
        Callback.reached.is_(True), Callback.created_at >= Ticket.called_back_at,
        sa.or_(Callback.satisfaction == "dissatisfied", Callback.solved.is_(False))))


def unhappy_query() -> sa.Select:
    """待办结, first part: called back and unhappy, for the centre to 重办 or to archive with a reason. Without it
    they were in no queue or counter, the channel's 不满意 评价 included (a callback review)."""
    return sa.select(Ticket).where(Ticket.status == S.CALLED_BACK.value, unhappy_condition()).order_by(
        Ticket.called_back_at, Ticket.id)


def to_close_query() -> sa.Select:
    """待办结, second part: 办结归档 to do, called back (not unhappy) or answered with no callback due, the
    longest waiting first."""
    waiting_since = sa.case((Ticket.status == S.CALLED_BACK.value, Ticket.called_back_at), else_=Ticket.replied_at)
    return sa.select(Ticket).where(sa.or_(
        sa.and_(Ticket.status == S.CALLED_BACK.value, sa.not_(unhappy_condition())),
        sa.and_(Ticket.status == S.REPLIED.value, Ticket.needs_callback.is_(False)),
    )).order_by(waiting_since, Ticket.id)


def todo_counts(session: Session, user: User, now: datetime) -> dict[str, int]:
    """Numbers for the menu badges: what needs this user's action."""
    role = user.role_enum
    counts: dict[str, int] = {}
    if role in (Role.AGENT, Role.SUPERVISOR):
        counts["triage"] = _count(session, triage_query())
        counts["returns"] = _count(session, returns_query())
        counts["callbacks"] = _count(session, callback_claims.not_claimed_by_others(  # as 待回访 lists them
            callbacks_query(now - callback_retry_interval(session)), user, now))
        counts["unhappy"] = _count(session, unhappy_query())
    if role is Role.STAFF and user.department_id:
        base = sa.select(Ticket.id).where(Ticket.department_id == user.department_id)
        counts["urged"] = _count(session, base.where(Ticket.status.in_(DEPARTMENT_WORK), Ticket.last_urged_at.is_not(None)))
        # to accept, or urged: an urged ticket still to accept is counted once. Two counts of disjoint states,
        # each a range of the (department, status, …) index, where one OR across states scanned the department
        counts["inbox"] = _count(session, base.where(Ticket.status == S.DISPATCHED.value)) + _count(
            session, base.where(Ticket.status == S.ACCEPTED.value, Ticket.last_urged_at.is_not(None)))
        # 来电催办 the department has not yet answered with a 联系来电人 (a range of the last_follow_up_at index)
        # (department_id + 0: not the department index, which would read all its open tickets on SQLite)
        counts["follow_ups"] = _count(session, sa.select(Ticket.id).where(
            Ticket.department_id + 0 == user.department_id, unanswered_follow_up_condition(now)))
        # 待告知: the citizen is owed a notice of an approved extension or a petition's acceptance (the inbox's tab)
        counts["notices"] = _count(session, base.where(notices_owed_condition()))
        # 协办 other departments asked this one for, not yet answered, on tickets still worked (the inbox's tab)
        counts["assists"] = assists.queue_count(session, user.department_id)
    if role in (Role.SUPERVISOR, Role.ADMIN):
        # 质检申诉 to decide (a few a month; the index on decided_at answers it)
        counts["appeals"] = _count(session, reviews.pending_appeals_query())
        # 考核申诉 waiting for a decision: found only on 月度考核 before, and 发布 then refused (a supervisor's day)
        counts["contests"] = _count(session, sa.select(AssessmentContest.id).where(
            AssessmentContest.state == ContestState.PENDING.value))
        # overdue tickets, extensions to approve and 风险提示 nobody has decided on (升为紧急 or 解除), each ticket
        # once: an overdue one with a request waiting counted twice (a simulated quarter). Disjoint counts, each
        # a range of an index, as the overdue parts are
        overdue = sa.func.coalesce(overdue_condition(now), False)
        requested = sa.func.coalesce(sa.and_(Ticket.status == S.ACCEPTED.value,
                                             Ticket.extension_state == ExtensionState.REQUESTED.value), False)
        # (the request's own condition where it selects, not ``requested``: coalesce() hid it from the
        # status/extension_state index, and every supervisor's page read the whole table, 0.1 s a year's tickets)
        counts["supervise"] = sum(_count(session, sa.select(Ticket.id).where(part)) for part in overdue_parts(now)) \
            + _count(session, sa.select(Ticket.id).where(Ticket.status == S.ACCEPTED.value,
                                                         Ticket.extension_state == ExtensionState.REQUESTED.value,
                                                         sa.not_(overdue))) \
            + _count(session, sa.select(Ticket.id).where(risk_alerts.undecided_condition(), sa.not_(overdue),
                                                         sa.not_(requested))) \
            + _count(session, petition_reviews.late_query(now).where(
                sa.not_(overdue), sa.not_(requested),
                sa.not_(sa.func.coalesce(risk_alerts.undecided_condition(), False))))
    # 通知公告 addressed to the user's role and not yet marked read (a few rows: the table holds dozens a month)
    counts["announcements"] = announcements.unread_count(session, user, now)
    counts["total"] = sum(v for k, v in counts.items() if k != "urged")
    return counts
