"""工单统计: what came in during a local calendar month, by type, channel, category, region and day.

The counts come from three GROUP BY scans in the database: the month by type, channel, category and
region together; the month by local day, status and closure; the month before by the same dimensions
(the change a supervisor's monthly report states). A merged duplicate is not counted: the same person
and matter count once (domain.md). Staff see the tickets their own department holds.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import (
    Category, Channel, ClosureKind, PetitionReview, Reply, Ticket, TicketEvent, TicketStatus, TicketType, User,
)
from ticketing.models.enums import PetitionReviewDecision, PetitionReviewStage
from ticketing.services import calendar, inbox, invalid_calls, reviews
from ticketing.services.assessment import month_bounds, shift_month
from ticketing.services.deadlines import LOCAL_TZ

TOP_REGIONS = 10


@dataclass
class Share:
    key: str | None
    title: str
    count: int
    previous: int
    total: int

    @property
    def share(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class MonthStatistics:
    month: str
    total: int
    previous_total: int
    previous_until: datetime | None  # 上月 counted up to this moment (the month is still running), else all of it
    closed: int  # received this month and closed (办结归档) by now, in whichever way
    on_the_spot: int  # of those, answered during the call (直接办结)
    legal_channel: int  # of those, told the legal channel (告知法定途径)
    transferred_out: int  # passed to 12345 (not medical insurance), or a petition returned to the 信访部门
    by_type: list[Share] = field(default_factory=list)
    by_channel: list[Share] = field(default_factory=list)
    by_category: list[Share] = field(default_factory=list)
    by_region: list[Share] = field(default_factory=list)
    by_day: list[tuple[date, int]] = field(default_factory=list)

    @property
    def change(self) -> int:
        return self.total - self.previous_total

    @property
    def busiest_day(self) -> tuple[date, int] | None:
        return max(self.by_day, key=lambda day: day[1]) if self.total else None


def _counted(month: str, department_id: int | None, until: datetime | None = None) -> list:
    start, end = month_bounds(month)
    if until is not None:
        end = min(end, until)
    conditions = [Ticket.received_at >= start, Ticket.received_at < end, Ticket.status != TicketStatus.MERGED.value]
    if department_id is not None:
        conditions.append(Ticket.department_id == department_id)
    return conditions


DIMENSIONS = ("type", "channel", "category_id", "region")


def _dimension_counts(session: Session, month: str, department_id: int | None,
                      until: datetime | None = None) -> dict[str, Counter]:
    """One scan of the month (up to ``until``), grouped by every dimension at once (a few thousand groups), summed
    per dimension."""
    columns = [getattr(Ticket, name) for name in DIMENSIONS]
    query = sa.select(*columns, sa.func.count()).where(*_counted(month, department_id, until)).group_by(*columns)
    counts = {name: Counter() for name in DIMENSIONS}
    for *keys, count in session.execute(query):
        for name, key in zip(DIMENSIONS, keys):
            counts[name][key] += count
    return counts


def _outcome_counts(session: Session, month: str, department_id: int | None) -> tuple[Counter, Counter, Counter]:
    """One more scan: tickets per local day, per status, and per closure kind of the closed ones."""
    day = _local_day(session, Ticket.received_at)
    closure = sa.case((Ticket.status == TicketStatus.CLOSED.value, Ticket.closure_kind))
    query = (sa.select(day, Ticket.status, closure, sa.func.count()).where(*_counted(month, department_id))
             .group_by(day, Ticket.status, closure))
    days, statuses, closures = Counter(), Counter(), Counter()
    for on, status, kind, count in session.execute(query):
        days[str(on)] += count
        statuses[status] += count
        closures[kind] += count
    return days, statuses, closures


def _local_day(session: Session, column) -> sa.ColumnElement:
    """The local calendar day of a UTC timestamp, in SQL (China has one offset all year, no summer time)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.date(sa.func.timezone("Asia/Shanghai", column))
    # SQLite keeps naive UTC text; its date() rounds 23:59:59.9995 up to the next second, so the fraction goes first
    return sa.func.date(sa.func.substr(column, 1, 19), "+8 hours")


def _shares(now: dict, before: dict, titles, total: int) -> list[Share]:
    keys = sorted(set(now) | set(before), key=lambda key: (-now.get(key, 0), -before.get(key, 0), str(key)))
    return [Share(key, titles(key), now.get(key, 0), before.get(key, 0), total) for key in keys]


@dataclass
class HandlerMonth:
    """One staff member of a department in a month: replies given (on time or not) and tickets in hand now."""

    user: User
    replied: int = 0
    replied_on_time: int = 0
    in_hand: int = 0


def handler_month(session: Session, month: str, department_id: int) -> list[HandlerMonth]:
    """本单位经办人: per staff member, the replies they gave the department's citizens in the month (the
    答复 event says whether it was within the deadline), and the accepted tickets they work now."""
    start, end = month_bounds(month)
    on_time = TicketEvent.data["on_time"].as_boolean()
    replies = session.execute(
        sa.select(TicketEvent.actor_id, sa.func.count(), sa.func.sum(sa.case((on_time, 1), else_=0)))
        .join(Reply, sa.and_(Reply.ticket_id == TicketEvent.ticket_id, Reply.created_at == TicketEvent.created_at,
                             Reply.author_id == TicketEvent.actor_id))
        .where(TicketEvent.action == "reply", TicketEvent.created_at >= start, TicketEvent.created_at < end,
               Reply.department_id == department_id)
        .group_by(TicketEvent.actor_id)
    ).all()
    in_hand = {user_id: held for user_id, (held, _) in
               inbox.tickets_in_hand(session, department_id=department_id).items()}
    people = {u.id: u for u in session.scalars(sa.select(User).where(
        sa.or_(User.department_id == department_id, User.id.in_([r[0] for r in replies] + list(in_hand)))))
        if u.role == "staff" or u.id in in_hand}
    rows = {user_id: HandlerMonth(user) for user_id, user in people.items()}
    for user_id, count, timely in replies:
        if user_id in rows:
            rows[user_id].replied, rows[user_id].replied_on_time = int(count), int(timely or 0)
    for user_id, count in in_hand.items():
        rows[user_id].in_hand = int(count)
    shown = [r for r in rows.values() if r.replied or r.in_hand or r.user.active]
    return sorted(shown, key=lambda r: (-r.replied, -r.in_hand, r.user.display_name))


#: the call centre's own work, as 话务员工作量 counts it: (event action, column)
AGENT_WORK = {"register": "registered", "answer_on_the_spot": "on_the_spot", "dispatch": "dispatched",
              "callback": "callbacks", "transfer_out": "transferred_out", "merge": "merged",
              "follow_up": "followed_up"}


@dataclass
class AgentMonth:
    """话务员工作量: one agent's (or supervisor's) work at the call centre in a month."""

    user: User
    registered: int = 0  # tickets registered by this person (calls typed, letters entered)
    on_the_spot: int = 0  # of which answered on the spot and closed (直接办结)
    invalid_calls: int = 0  # 无效来电: calls answered that became no ticket (services/invalid_calls.py)
    dispatched: int = 0  # tickets this person dispatched by hand (待派发, 退回 re-dispatch not included)
    callbacks: int = 0  # 回访 attempts, reached or not
    reached: int = 0  # of which the citizen was reached
    transferred_out: int = 0  # 转出至12345, or a petition returned to the 信访部门
    merged: int = 0  # duplicates merged
    followed_up: int = 0  # 来电催办: repeat calls about an open ticket recorded on it
    reviewed: int = 0  # 工单质检: of the tickets this person registered in the month, those reviewed
    review_average: float | None = None  # their average score (services/reviews.py)

    @property
    def on_the_spot_rate(self) -> float | None:
        return self.on_the_spot / self.registered if self.registered else None

    @property
    def reached_rate(self) -> float | None:
        return self.reached / self.callbacks if self.callbacks else None


def citizen_answered():
    """A 回访 event where the citizen picked up: reached, or answered to decline the callback (来电人不接受回访),
    which is the agent's call getting through (a diff review: a decline read as 联系上率 0 %)."""
    return sa.or_(TicketEvent.data["reached"].as_boolean(), TicketEvent.data["declined"].as_boolean())


def agent_month(session: Session, month: str) -> list[AgentMonth]:
    """话务员工作量: per agent and supervisor, what they did at the call centre in the month (Beijing time),
    counted from the events they made: one GROUP BY on the (action, created_at) index, and one on the
    无效来电 they recorded. Channels' and the
    system's events (actor NULL) are not anyone's work."""
    start, end = month_bounds(month)
    reached = citizen_answered()
    # a merge writes two events, the duplicate's (data.into) and the kept ticket's (data.merged): one merge
    kept_tickets_side = sa.and_(TicketEvent.action == "merge", TicketEvent.data["into"].as_string().is_(None))
    counts = session.execute(
        sa.select(TicketEvent.actor_id, TicketEvent.action, sa.func.count(),
                  sa.func.sum(sa.case((reached, 1), else_=0)))
        .where(TicketEvent.action.in_(list(AGENT_WORK)), TicketEvent.created_at >= start,
               TicketEvent.created_at < end, TicketEvent.actor_id.is_not(None), sa.not_(kept_tickets_side))
        .group_by(TicketEvent.actor_id, TicketEvent.action)
    ).all()
    invalid = invalid_calls.by_agent(session, start, end)
    people = {u.id: u for u in session.scalars(sa.select(User).where(
        User.id.in_({row[0] for row in counts} | set(invalid)), User.role.in_(("agent", "supervisor"))))}
    rows: dict[int, AgentMonth] = {}
    for user_id, action, count, reached_count in counts:
        if user_id not in people:
            continue  # an administrator's or a department's events are not the call centre's work
        row = rows.setdefault(user_id, AgentMonth(people[user_id]))
        setattr(row, AGENT_WORK[action], int(count))
        if action == "callback":
            row.reached = int(reached_count or 0)
    for user_id, count in invalid.items():
        if user_id in people:
            rows.setdefault(user_id, AgentMonth(people[user_id])).invalid_calls = count
    for user in session.scalars(sa.select(User).where(User.role == "agent", User.active.is_(True))):
        rows.setdefault(user.id, AgentMonth(user))  # an agent with nothing this month is shown too
    for user_id, score in reviews.agent_scores(session, month).items():
        if user_id in rows:
            rows[user_id].reviewed, rows[user_id].review_average = score.reviewed, score.average
    return sorted(rows.values(), key=lambda r: (-r.registered, -r.callbacks, r.user.display_name))


def same_time_last_month(month: str, now: datetime | None) -> datetime | None:
    """For a month still running at ``now``: the same point of last month (its first 4 days and 10 hours on the 5th
    at 10:00), so that 上月 and 较上月 compare like with like; None for a month that has ended (or not begun)."""
    start, end = month_bounds(month)
    if now is None or not start <= now < end:
        return None
    previous_start, previous_end = month_bounds(shift_month(month, -1))
    return min(previous_start + (now - start), previous_end)


def month_statistics(session: Session, month: str, *, department_id: int | None = None,
                     now: datetime | None = None) -> MonthStatistics:
    """Three scans of the ticket table: this month by dimension and by day and outcome, last month by dimension
    (up to the same point when this month is still running at ``now``)."""
    previous_until = same_time_last_month(month, now)
    current = _dimension_counts(session, month, department_id)
    before = _dimension_counts(session, shift_month(month, -1), department_id, previous_until)
    per_day, statuses, closures = _outcome_counts(session, month, department_id)
    total, previous_total = sum(current["type"].values()), sum(before["type"].values())
    codes = dict(session.execute(sa.select(Category.id, Category.code)).all())
    names = dict(session.execute(sa.select(Category.code, Category.name)).all())
    by_code = [Counter({codes.get(key): count for key, count in counts["category_id"].items()})
               for counts in (current, before)]
    type_titles = {t.value: t.title for t in TicketType}
    channel_titles = {c.value: c.title for c in Channel}
    stats = MonthStatistics(
        month=month, total=total, previous_total=previous_total, previous_until=previous_until,
        closed=statuses[TicketStatus.CLOSED.value],
        on_the_spot=closures[ClosureKind.ON_THE_SPOT.value],
        legal_channel=closures[ClosureKind.LEGAL_CHANNEL.value],
        transferred_out=statuses[TicketStatus.TRANSFERRED_OUT.value],
        by_type=_shares(current["type"], before["type"], lambda key: type_titles.get(key, key), total),
        by_channel=_shares(current["channel"], before["channel"], lambda key: channel_titles.get(key, key), total),
        by_category=_shares(*by_code, lambda key: names.get(key, "未分类") if key else "未分类", total),
    )
    region_rows = _shares(current["region"], before["region"], lambda key: key or "未填写", total)
    stats.by_region = region_rows[:TOP_REGIONS]
    if len(region_rows) > TOP_REGIONS:
        rest = region_rows[TOP_REGIONS:]
        stats.by_region.append(Share(None, f"其他 {len(rest)} 个区县", sum(r.count for r in rest),
                                     sum(r.previous for r in rest), total))
    start, end = month_bounds(month)
    first, last = start.date(), (end - timedelta(days=1)).astimezone(LOCAL_TZ).date()
    stats.by_day = [(first + timedelta(days=n), per_day[str(first + timedelta(days=n))])
                    for n in range((last - first).days + 1)]
    return stats


# --------------------------------------------------------------------------- 信访件 (信访工作条例)


#: what the 信访件 figures count, on the page and in the workbook
PETITION_NOTE = ("全中心信访局转办的信访件，按收到时间（北京时间）所在月份统计，合并的不计。收到之日起 15 日内受理（以首次签收计），"
                 "受理之日起 60 日内办结（延期的以延期后为准；重办后的答复超期也计为超期）；尚未签收或答复而已过时限的计入应受理、"
                 "应办结且为超期。复查、复核按收到请求的日期所在月份统计（撤销登记的不计），收到请求之日起 30 日内应出具意见。"
                 "均为统计时的状态。")


@dataclass
class ReviewMonth:
    """复查 or 复核 requests received in the month (by the day the request came), and what became of them."""

    requested: int = 0
    decided: int = 0  # an opinion given (by now)
    changed: int = 0  # of those, the answer 撤销或变更
    late: int = 0  # past its 30 days: still without an opinion, or given after them
    waiting: int = 0  # still without an opinion


@dataclass
class PetitionMonth:
    """Petitions from the 信访 channel received in the month, as the 信访工作条例 judges them: accepted (签收) within
    15 days of receipt, answered within 60 days of acceptance (or the extension), and the 复查、复核 asked in the
    month. Figures as of now, for the whole centre: the statute binds the bureau, whichever department acted."""

    received: int = 0
    accept_due: int = 0  # decided (accepted, or 不予受理 told), or past the 15 days without a decision (应受理)
    accepted_on_time: int = 0  # the bureau's first decision (签收, or 不予受理 told) within the 15 days
    not_accepted: int = 0  # closed by 告知法定途径 (不予受理, told where to go)
    returned: int = 0  # 退回信访部门 (not the bureau's matter)
    reply_due: int = 0  # answered, or past the time to answer without it (应办结)
    answered_on_time: int = 0  # answered, every answer (a 重办's too) within its deadline, and none overdue now
    extended: int = 0  # extended once (at most 30 days)
    recheck: ReviewMonth = field(default_factory=ReviewMonth)
    reexamine: ReviewMonth = field(default_factory=ReviewMonth)

    @property
    def shown(self) -> bool:
        return bool(self.received or self.recheck.requested or self.reexamine.requested)

    def rows(self) -> list[tuple[str, int | float | None, bool]]:
        """(label, value, is a rate) in the order the page and the workbook show them."""
        def rate(part: int, whole: int) -> float | None:
            return part / whole if whole else None
        rows = [("收到信访件", self.received, False),
                ("应受理（已签收、不予受理或已过 15 日）", self.accept_due, False),
                ("其中 15 日内受理或告知不予受理", self.accepted_on_time, False),
                ("按时受理率", rate(self.accepted_on_time, self.accept_due), True),
                ("告知法定途径（不予受理）", self.not_accepted, False), ("退回信访部门", self.returned, False),
                ("应办结（已答复或已过办结时限）", self.reply_due, False),
                ("其中按期办结", self.answered_on_time, False),
                ("按期办结率", rate(self.answered_on_time, self.reply_due), True), ("延期", self.extended, False)]
        for title, stage in (("复查", self.recheck), ("复核", self.reexamine)):
            rows += [(f"本月收到{title}请求", stage.requested, False), (f"{title}已出具意见", stage.decided, False),
                     ("其中撤销或变更原意见", stage.changed, False),
                     (f"{title}改变率", rate(stage.changed, stage.decided), True),
                     (f"{title}待出具意见", stage.waiting, False), (f"{title}超过 30 日", stage.late, False)]
        return rows


#: the states in which a petition still owes its 签收 or its answer
_OWES_ACCEPT = (TicketStatus.REGISTERED.value, TicketStatus.DISPATCHED.value, TicketStatus.RETURN_REQUESTED.value)
_OWES_ANSWER = (TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value, TicketStatus.RETURN_REQUESTED.value)


def petition_month(session: Session, month: str, *, now: datetime) -> PetitionMonth:
    """Two scans: the month's petitions with their 签收 and 答复 events, and the month's 复查、复核 requests. As the
    monthly assessment does, one still owing its 签收 or its answer past the deadline counts as late, and so does
    a late answer after a 重办; the acceptance is the bureau's first (a later department's is its own matter)."""
    start, end = month_bounds(month)
    figures = PetitionMonth()
    petitions = sa.select(Ticket.id).where(*_counted(month, None), Ticket.channel == Channel.PETITION_BUREAU.value)
    accepts: dict[int, bool] = {}  # the first decision on acceptance (签收, or 不予受理 told)'s on_time
    replies: dict[int, bool] = {}  # every answer on time
    for ticket_id, action, data in session.execute(
            sa.select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.data)
            .where(TicketEvent.ticket_id.in_(petitions), TicketEvent.action.in_(("accept", "reply", "legal_channel")))
            .order_by(TicketEvent.id)):
        on_time = (data or {}).get("on_time") is not False
        if action == "accept" or (data or {}).get("deadline") == "accept":
            # 不予受理 (告知法定途径 before acceptance) is the decision the 15 days are for: one told on day 28 was
            # in no 应受理 here while 月度考核 counted it late (a domain audit)
            accepts.setdefault(ticket_id, on_time)
        elif action == "reply":
            replies[ticket_id] = replies.get(ticket_id, True) and on_time
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.id.in_(petitions))):
        ticket_id, status, accept_due, reply_due = ticket.id, ticket.status, ticket.accept_due_at, ticket.reply_due_at
        figures.received += 1
        figures.not_accepted += ticket.closure_kind == ClosureKind.LEGAL_CHANNEL.value
        figures.returned += status == TicketStatus.TRANSFERRED_OUT.value
        figures.extended += bool(ticket.extension_count)
        if status == TicketStatus.REGISTERED.value:  # still in 待派发: its 15 days run from receipt all the same
            accept_due = calendar.decision_due(session, ticket)
        waits_late = ticket_id not in accepts and status in _OWES_ACCEPT and accept_due is not None and accept_due < now
        if ticket_id in accepts or waits_late:
            figures.accept_due += 1
            figures.accepted_on_time += accepts.get(ticket_id, False)
        owes_late = status in _OWES_ANSWER and reply_due is not None and reply_due < now
        if ticket_id in replies or owes_late:
            figures.reply_due += 1
            figures.answered_on_time += replies.get(ticket_id, False) and not owes_late
    for review in session.scalars(sa.select(PetitionReview).where(
            PetitionReview.requested_on >= start.date(), PetitionReview.requested_on < end.date(),
            PetitionReview.withdrawn_at.is_(None))):
        stage = figures.recheck if review.stage == PetitionReviewStage.RECHECK.value else figures.reexamine
        stage.requested += 1
        stage.decided += not review.is_open
        stage.waiting += review.is_open
        stage.changed += review.decision == PetitionReviewDecision.CHANGED.value
        stage.late += (review.due_at < now) if review.is_open else (
            review.decided_on > review.due_at.astimezone(LOCAL_TZ).date())
    return figures


# --------------------------------------------------------------------------- 今日概况 (督办)

#: the day's work counted from events, in the order the panel shows them: action → label
DAY_WORK = {"dispatch": "派发", "answer_on_the_spot": "直接办结", "accept": "签收", "reply": "答复",
            "callback": "回访", "follow_up": "来电催办", "urge": "督办", "make_urgent": "升为紧急",
            "request_assist": "发起协办", "answer_assist": "协办反馈", "close": "办结归档"}


@dataclass
class DayOverview:
    """今日概况: what came in and what was done since local midnight, as a shift supervisor watches it."""

    since: datetime
    received: int
    by_channel: list[tuple[str, int]]  # channel title → tickets received, most first
    by_hour: list[int]  # 24 local hours, tickets received
    work: list[tuple[str, int]]  # DAY_WORK label → events today
    reached: int  # callbacks today that reached the citizen
    waiting: int | None  # tickets waiting for an agent to dispatch (待派发) now; None for one department
    flagged: int = 0  # tickets received today that carry a 风险提示
    invalid_calls: int | None = None  # 无效来电 answered today; None for one department (they have none)


def day_overview(session: Session, now: datetime, *, department_id: int | None = None) -> DayOverview:
    """Today (Beijing time) up to ``now``: tickets received by channel and hour, and how many carry a 风险提示
    (merged duplicates left out; three columns of the day's rows, by the received_at index), and the day's events by action (one GROUP BY on the
    (action, created_at) index). With ``department_id``, the department's tickets only, the work its own staff
    did (on whichever ticket), and no 待派发 (tickets waiting there have no department yet)."""
    local_now = now.astimezone(LOCAL_TZ)
    since = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    received = sa.select(Ticket.channel, Ticket.received_at, Ticket.risk_flags).where(
        Ticket.received_at >= since, Ticket.received_at <= now, Ticket.status != TicketStatus.MERGED.value)
    events = (sa.select(TicketEvent.action, sa.func.count(),
                        sa.func.sum(sa.case((citizen_answered(), 1), else_=0)))
              .where(TicketEvent.action.in_(list(DAY_WORK)), TicketEvent.created_at >= since,
                     TicketEvent.created_at <= now))
    if department_id is not None:
        received = received.where(Ticket.department_id == department_id)
        # a department's staff did the work for their own department (a ticket accepted and then reassigned, an
        # opinion given on another department's ticket); the centre's actions count for the department holding it
        events = (events.join(Ticket, Ticket.id == TicketEvent.ticket_id)
                  .outerjoin(User, User.id == TicketEvent.actor_id)
                  .where(sa.func.coalesce(User.department_id, Ticket.department_id) == department_id))
    channels: Counter = Counter()
    by_hour = [0] * 24
    flagged = 0
    for channel, at, risk_flags in session.execute(received):
        channels[channel] += 1
        by_hour[at.astimezone(LOCAL_TZ).hour] += 1
        flagged += risk_flags is not None
    done = {action: (int(n), int(reached or 0)) for action, n, reached in session.execute(events.group_by(TicketEvent.action))}
    titles = {c.value: c.title for c in Channel}
    return DayOverview(
        since=since, received=sum(channels.values()),
        by_channel=[(titles.get(c, c), n) for c, n in channels.most_common()], by_hour=by_hour,
        work=[(label, done.get(action, (0, 0))[0]) for action, label in DAY_WORK.items()],
        reached=done.get("callback", (0, 0))[1],
        waiting=None if department_id is not None else session.scalar(
            sa.select(sa.func.count(Ticket.id)).where(Ticket.status == TicketStatus.REGISTERED.value)),
        flagged=flagged,
        invalid_calls=None if department_id is not None else sum(invalid_calls.by_agent(session, since, now).values()))
