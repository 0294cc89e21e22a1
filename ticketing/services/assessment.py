"""按月考核: per department and local calendar month, computed in SQL from tickets, events and callbacks.

The unit is a *receipt*: a ticket dispatched to a department (派发, 改派 or 同意退回并改派 to it)
in the month. Every event of the ticket is attributed to the department that held the ticket
when it happened: the department named by the latest dispatch, reassign, approve-return or
reopen event before it. So an accept, a reply, an approved return, an approved extension or a
reopen counts for the department that had the ticket, whoever clicked. docs/assessment.md
defines every figure; `_items()` below is the one place that decides them.

A live month is computed on demand; an issued month is frozen into AssessmentReport (figures
per department, as shown) and AssessmentItem (the counted tickets with their flags).
Services flush; the request commits.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ticketing.models import (
    AssessmentContest,
    AssessmentItem,
    AssessmentLiveCache,
    AssessmentReport,
    Callback,
    ContestState,
    Department,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketStatus,
    User,
)
from ticketing.models.base import hours_between, upsertable_insert
from ticketing.models.enums import ExtensionState
from ticketing.services import audit, locks, settings
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed
from ticketing.services.validation import within_limit
from ticketing.services.workflow import Action, record_fact

RECEIVE_ACTIONS = (Action.DISPATCH.value, Action.REASSIGN.value, Action.APPROVE_RETURN.value)
# events that hand the ticket to a department (reopen keeps it with the same one)
# 重新受理 (take_back) hands it back to the centre, naming no department: what the centre does with it in 待派发 (an
# agent's 告知法定途径) is no department's (a domain audit: it counted for the department it had been transferred from)
ASSIGN_ACTIONS = RECEIVE_ACTIONS + (Action.REOPEN.value, Action.TAKE_BACK.value)
OUTCOME_ACTIONS = (Action.ACCEPT.value, Action.REPLY.value, Action.LEGAL_CHANNEL.value, Action.APPROVE_RETURN.value,
                   Action.APPROVE_EXTENSION.value, Action.REOPEN.value)
PENDING_REPLY_STATES = (TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value, TicketStatus.RETURN_REQUESTED.value)

WEIGHT_KEYS = {"accept": "签收及时率", "on_time": "按时办结率", "satisfaction": "满意率", "resolution": "解决率"}
ITEM_COLUMNS = ("department_id", "ticket_id", "received_at", "contested", "accept_due", "accept_on_time",
                "reply_due", "reply_on_time", "overdue", "returned", "extended", "reopened", "handling_hours",
                "reached", "satisfied", "solved")


# --------------------------------------------------------------------------- #
# Months (local calendar)


def parse_month(text: str | None) -> str | None:
    """"2026-03" → "2026-03"; anything else → None."""
    try:
        moment = datetime.strptime((text or "").strip(), "%Y-%m")
    except ValueError:
        return None
    return f"{moment.year:04d}-{moment.month:02d}" if 2000 <= moment.year <= 2999 else None


def month_of(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m")


def shift_month(month: str, delta: int) -> str:
    year, mon = (int(part) for part in month.split("-"))
    index = year * 12 + (mon - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def next_month_to_show(month: str, now: datetime) -> str | None:
    """The month after ``month`` for a 下月 link; None once that is in the future (an empty page to page into)."""
    following = shift_month(month, 1)
    return following if following <= month_of(now) else None


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar month, as aware datetimes (compared in UTC by the database)."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=LOCAL_TZ)
    next_year, next_mon = divmod(year * 12 + mon, 12)
    return start, datetime(next_year, next_mon + 1, 1, tzinfo=LOCAL_TZ)


def has_ended(month: str, now: datetime) -> bool:
    return month_bounds(month)[1] <= now


# --------------------------------------------------------------------------- #
# Weights


def get_weights(session: Session) -> dict[str, int]:
    stored = settings.get_setting(session, "assessment_weights") or {}
    return {key: int(stored.get(key, 0)) for key in WEIGHT_KEYS}


def set_weights(session: Session, weights: dict[str, int | None], *, actor: User | None = None) -> dict[str, int]:
    """Change the composite score's weights: whole numbers 0–100 that add up to 100."""
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key, title in WEIGHT_KEYS.items():
        value = weights.get(key)
        if value is None or not 0 <= int(value) <= 100:
            errors[key] = f"{title}的权重应为 0 到 100 的整数"
        else:
            clean[key] = int(value)
    if not errors and sum(clean.values()) != 100:
        errors["total"] = f"各项权重之和应为 100（现为 {sum(clean.values())}）"
    if errors:
        raise ValidationFailed("权重设置有误", fields=errors)
    settings.set_setting(session, "assessment_weights", clean)
    audit.record(session, actor, "assessment weights changed",
                 weights="，".join(f"{WEIGHT_KEYS[key]} {value}" for key, value in clean.items()))
    session.flush()
    return clean


# --------------------------------------------------------------------------- #
# Figures


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """One department's month: counts (contested tickets already left out where docs/assessment.md says)."""

    department_id: int
    department_code: str
    department_name: str
    received: int = 0
    contested: int = 0
    accept_due: int = 0
    accept_on_time: int = 0
    reply_due: int = 0
    reply_on_time: int = 0
    overdue: int = 0
    return_base: int = 0
    returned: int = 0
    extended: int = 0
    reopened: int = 0
    handled: int = 0
    handling_hours: float | None = None
    reached: int = 0
    satisfied: int = 0
    solved: int = 0
    score: float | None = None
    rank: int | None = None
    # filled from the previous month's issued report, when there is one
    previous_score: float | None = field(default=None)
    previous_rank: int | None = field(default=None)

    @property
    def accept_rate(self) -> float | None:
        return _rate(self.accept_on_time, self.accept_due)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.reply_on_time, self.reply_due)

    @property
    def return_rate(self) -> float | None:
        return _rate(self.returned, self.return_base)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.reached)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.solved, self.reached)

    @property
    def score_change(self) -> float | None:
        if self.score is None or self.previous_score is None:
            return None
        return round(self.score - self.previous_score, 2)

    @property
    def rank_change(self) -> int | None:
        """Places gained since last month (positive: moved up)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank

    def rates_for_score(self) -> dict[str, float | None]:
        return {"accept": self.accept_rate, "on_time": self.on_time_rate,
                "satisfaction": self.satisfaction_rate, "resolution": self.resolution_rate}

    def stored(self) -> dict:
        data = asdict(self)
        data.pop("previous_score")
        data.pop("previous_rank")
        return data

    @classmethod
    def from_stored(cls, data: dict) -> Figures:
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


def composite_score(rates: dict[str, float | None], weights: dict[str, int]) -> float | None:
    """Weighted mean of the rates that have a denominator, on 0–100; None when none has one.

    A rate without a denominator (no callback reached, say) is left out and the other weights
    are scaled up, rather than counted as 0 or 100.
    """
    used = {key: weights.get(key, 0) for key, rate in rates.items() if rate is not None and weights.get(key, 0) > 0}
    total = sum(used.values())
    if not total:
        return None
    return round(sum(rates[key] * weight for key, weight in used.items()) / total * 100, 2)


def rank(rows: list[Figures]) -> list[Figures]:
    """Highest score first, ties share a rank (1, 2, 2, 4); departments without a score last, unranked."""
    rows = sorted(rows, key=lambda r: (r.score is None, -(r.score or 0), r.department_code))
    previous_score, previous_rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.score is None:
            row.rank = None
            continue
        row.rank = previous_rank if row.score == previous_score else position
        previous_score, previous_rank = row.score, row.rank
    return rows


# --------------------------------------------------------------------------- #
# SQL


def _department_code(event) -> sa.ColumnElement:
    """The department code an assignment event names: `to` (reassign, approve_return) or `department`."""
    return sa.func.coalesce(event.data["to"].as_string(), event.data["department"].as_string())


def _flag(condition) -> sa.ColumnElement:
    """1 when the condition holds, else 0 (NULL counts as 0)."""
    return sa.case((condition, 1), else_=0)


def _merged_in_time() -> sa.ColumnElement:
    """A duplicate merged into another before its accept deadline: counted once, in the ticket it joined. One
    merged later (a month-end merge of a ticket left unaccepted) stays a receipt and shows what was late."""
    merge = aliased(TicketEvent, name="merge_event")
    later = aliased(TicketEvent, name="later_merge_event")
    # the merge that made it merged now: its latest own merge (one undone by 撤销合并 and merged again later, late,
    # is judged by the second: a domain audit found it vanished from 收件)
    latest = sa.not_(sa.exists().where(later.ticket_id == Ticket.id, _own_merge(later), later.id > merge.id))
    return sa.and_(Ticket.status == TicketStatus.MERGED.value, sa.exists().where(
        merge.ticket_id == Ticket.id, _own_merge(merge), latest,
        sa.or_(Ticket.accept_due_at.is_(None), merge.created_at <= Ticket.accept_due_at)))


def _own_merge(event) -> sa.ColumnElement:
    """The ticket's own merge into another (data.into), not the event a kept ticket gets when a duplicate joins it
    (data.merged): a ticket that had a duplicate merged into it early had "left" at that moment."""
    return sa.and_(event.action == Action.MERGE.value, event.data["into"].as_string().is_not(None))


def _receipts(month: str, department_id: int | None = None) -> sa.Subquery:
    start, end = month_bounds(month)
    event = aliased(TicketEvent, name="received_event")
    query = (
        sa.select(event.ticket_id, Department.id.label("department_id"), Department.code.label("code"),
                  sa.func.min(event.created_at).label("received_at"))
        .join(Department, Department.code == _department_code(event))
        .join(Ticket, Ticket.id == event.ticket_id)
        # a merge takes away the receipt of the department that held the duplicate then, not of one that let it go
        # late before (改派 with left_accept_late: a merge review saw CBZJ's late 签收 vanish)
        .where(event.action.in_(RECEIVE_ACTIONS), event.created_at >= start, event.created_at < end,
               sa.not_(sa.and_(_merged_in_time(), Ticket.department_id == Department.id)))
        .group_by(event.ticket_id, Department.id, Department.code)
    )
    if department_id is not None:
        query = query.where(Department.id == department_id)
    return query.subquery("receipts")


def _outcomes(receipts: sa.Subquery) -> sa.Subquery:
    """Per receipt: what happened to the ticket while that department held it (one GROUP BY)."""
    event = aliased(TicketEvent, name="outcome_event")
    prior = aliased(TicketEvent, name="prior_assignment")
    holder = (
        sa.select(_department_code(prior))
        .where(prior.ticket_id == event.ticket_id, prior.id < event.id, prior.action.in_(ASSIGN_ACTIONS))
        .order_by(prior.id.desc())
        .limit(1)
        .correlate(event)
        .scalar_subquery()
    )
    late = event.data["on_time"].as_boolean().is_(False)
    done = event.action.in_((Action.REPLY.value, Action.LEGAL_CHANNEL.value))
    # 告知法定途径 says whether it was on time since December 2026; before that, the deadline it has now decides
    legal_late = sa.or_(late, sa.and_(event.data["on_time"].as_boolean().is_(None), event.created_at > Ticket.reply_due_at))
    done_late = sa.or_(sa.and_(event.action == Action.REPLY.value, late),
                       sa.and_(event.action == Action.LEGAL_CHANNEL.value, legal_late))

    # the holder is checked in each count, not in WHERE: the planner cannot estimate a correlated subquery's
    # equality, took the grouped outcomes for a dozen rows and joined them to the receipts by a nested loop (8.4 s
    # for a past month of a year's 220,000 tickets on PostgreSQL; 0.6 s this way). A receipt none of whose events
    # its department held gets a row of zeros, as the outer join's NULLs counted before. The holder comes last in
    # each condition, so that it is looked up only for the events that condition counts.
    held = holder == receipts.c.code

    def count(condition):
        return sa.func.sum(_flag(sa.and_(condition, held)))

    return (
        sa.select(
            receipts.c.ticket_id,
            receipts.c.department_id,
            count(event.action == Action.ACCEPT.value).label("n_accept"),
            count(sa.and_(event.action == Action.ACCEPT.value, late)).label("n_accept_late"),
            count(done).label("n_done"),
            count(done_late).label("n_done_late"),
            sa.func.min(sa.case((sa.and_(done, held), event.created_at))).label("first_done_at"),
            count(event.action == Action.APPROVE_RETURN.value).label("n_returned"),
            count(event.action == Action.APPROVE_EXTENSION.value).label("n_extended"),
            count(event.action == Action.REOPEN.value).label("n_reopened"),
        )
        .select_from(receipts)
        .join(event, sa.and_(event.ticket_id == receipts.c.ticket_id, event.action.in_(OUTCOME_ACTIONS),
                             event.created_at >= receipts.c.received_at))
        .join(Ticket, Ticket.id == receipts.c.ticket_id)
        .group_by(receipts.c.ticket_id, receipts.c.department_id)
        .subquery("outcomes")
    )


def _items(session: Session, month: str, as_of: datetime, department_id: int | None = None) -> sa.Select:
    """One row per receipt with the 0/1 flags of docs/assessment.md, in ITEM_COLUMNS order."""
    receipts = _receipts(month, department_id)
    outcomes = _outcomes(receipts)
    reached_ids = (
        sa.select(Callback.ticket_id, Callback.department_id, sa.func.max(Callback.id).label("callback_id"))
        .where(Callback.reached.is_(True), Callback.ticket_id.in_(sa.select(receipts.c.ticket_id)))
        .group_by(Callback.ticket_id, Callback.department_id)
        .subquery("last_reached")
    )
    callback = aliased(Callback, name="last_callback")
    contested = (
        sa.select(AssessmentContest.id)
        .where(AssessmentContest.month == month, AssessmentContest.department_id == receipts.c.department_id,
               AssessmentContest.ticket_id == receipts.c.ticket_id,
               AssessmentContest.state == ContestState.ACCEPTED.value)
        .exists()
    )

    def n(column):
        return sa.func.coalesce(column, 0)

    held_now = Ticket.department_id == receipts.c.department_id
    # a ticket that left the departments after a deadline had passed, merged into another (_merged_in_time) or
    # transferred to 12345, is as late as it was when it left: a month-end merge or transfer takes nothing late away
    leaving = aliased(TicketEvent, name="leaving_event")
    # the leaving that put it in its state now (the latest: a transfer taken back and merged later is judged by the merge)
    left_at = (sa.select(sa.func.max(leaving.created_at))
               .where(leaving.ticket_id == Ticket.id,
                      sa.or_(leaving.action == Action.TRANSFER_OUT.value, _own_merge(leaving))).scalar_subquery())
    left = sa.and_(held_now, Ticket.status.in_((TicketStatus.MERGED.value, TicketStatus.TRANSFERRED_OUT.value)))
    # so is one 改派 to another department after a deadline had passed: the 改派 event says which it left late
    moved_late = _moved_away_late(receipts, as_of)
    pending_accept = _flag(sa.or_(
        sa.and_(held_now, Ticket.status == TicketStatus.DISPATCHED.value, Ticket.accept_due_at < as_of),
        sa.and_(left, Ticket.accepted_at.is_(None), Ticket.accept_due_at < left_at),
        moved_late.c.accept_late_at >= receipts.c.received_at))
    pending_reply = _flag(sa.or_(
        sa.and_(held_now, Ticket.status.in_(PENDING_REPLY_STATES), Ticket.reply_due_at < as_of),
        sa.and_(left, Ticket.replied_at.is_(None), Ticket.reply_due_at < left_at),
        moved_late.c.reply_late_at >= receipts.c.received_at))
    accepted, done = n(outcomes.c.n_accept) > 0, n(outcomes.c.n_done) > 0
    reply_on_time = sa.and_(done, n(outcomes.c.n_done_late) == 0, pending_reply == 0)
    reply_due = sa.or_(done, pending_reply == 1)
    return (
        sa.select(
            receipts.c.department_id,
            receipts.c.ticket_id,
            receipts.c.received_at,
            _flag(contested).label("contested"),
            _flag(sa.or_(accepted, pending_accept == 1)).label("accept_due"),
            _flag(sa.and_(accepted, n(outcomes.c.n_accept_late) == 0, pending_accept == 0)).label("accept_on_time"),
            _flag(reply_due).label("reply_due"),
            _flag(reply_on_time).label("reply_on_time"),
            _flag(sa.and_(reply_due, sa.not_(reply_on_time))).label("overdue"),
            _flag(n(outcomes.c.n_returned) > 0).label("returned"),
            _flag(n(outcomes.c.n_extended) > 0).label("extended"),
            _flag(n(outcomes.c.n_reopened) > 0).label("reopened"),
            hours_between(session, receipts.c.received_at, outcomes.c.first_done_at).label("handling_hours"),
            _flag(callback.id.is_not(None)).label("reached"),
            _flag(callback.satisfaction.in_((Satisfaction.SATISFIED.value,
                                             Satisfaction.BASICALLY_SATISFIED.value))).label("satisfied"),
            _flag(callback.solved.is_(True)).label("solved"),
        )
        .select_from(receipts)
        .join(Ticket, Ticket.id == receipts.c.ticket_id)
        .outerjoin(outcomes, sa.and_(outcomes.c.ticket_id == receipts.c.ticket_id,
                                     outcomes.c.department_id == receipts.c.department_id))
        .outerjoin(moved_late, sa.and_(moved_late.c.ticket_id == receipts.c.ticket_id,
                                       moved_late.c.code == receipts.c.code))
        .outerjoin(reached_ids, sa.and_(reached_ids.c.ticket_id == receipts.c.ticket_id,
                                        reached_ids.c.department_id == receipts.c.department_id))
        .outerjoin(callback, callback.id == reached_ids.c.callback_id)
    )


def _moved_away_late(receipts: sa.Subquery, as_of: datetime) -> sa.Subquery:
    """Per ticket and department it was moved away from by 改派 or 转出 after a deadline had passed (a transfer taken
    back, 重新受理, has no department for ``left`` to find): when it last was, for
    each deadline (one GROUP BY over the month's tickets' reassign events; an EXISTS per receipt and column made the
    live month on PostgreSQL 8× slower, a diff review)."""
    moved = aliased(TicketEvent, name="moved_event")
    accept_late = moved.data["left_accept_late"].as_boolean().is_(True)
    reply_late = moved.data["left_reply_late"].as_boolean().is_(True)
    from_code = moved.data["from"].as_string()
    return (
        sa.select(moved.ticket_id, from_code.label("code"),
                  sa.func.max(sa.case((accept_late, moved.created_at))).label("accept_late_at"),
                  sa.func.max(sa.case((reply_late, moved.created_at))).label("reply_late_at"))
        .where(moved.action.in_((Action.REASSIGN.value, Action.TRANSFER_OUT.value)), moved.created_at <= as_of,
               moved.ticket_id.in_(sa.select(receipts.c.ticket_id)), sa.or_(accept_late, reply_late))
        .group_by(moved.ticket_id, from_code)
        .subquery("moved_away_late")
    )


def _frozen_items(report_id: int, department_id: int | None = None) -> sa.Subquery:
    """An issued report's AssessmentItem rows, shaped like `_items()`."""
    query = sa.select(*(getattr(AssessmentItem, name) for name in ITEM_COLUMNS)).where(
        AssessmentItem.report_id == report_id)
    if department_id is not None:
        query = query.where(AssessmentItem.department_id == department_id)
    return query.subquery("items")


def _totals(items) -> sa.Select:
    """GROUP BY department over item rows (live subquery or a frozen report's AssessmentItem rows)."""
    counted = items.c.contested == 0

    def total(column, only_counted=False):
        value = sa.case((counted, column), else_=0) if only_counted else column
        return sa.func.coalesce(sa.func.sum(value), 0)

    return sa.select(
        items.c.department_id,
        sa.func.count().label("received"),
        total(items.c.contested).label("contested"),
        total(items.c.accept_due, True).label("accept_due"),
        total(items.c.accept_on_time, True).label("accept_on_time"),
        total(items.c.reply_due, True).label("reply_due"),
        total(items.c.reply_on_time, True).label("reply_on_time"),
        total(items.c.overdue, True).label("overdue"),
        total(_flag(counted)).label("return_base"),
        total(items.c.returned, True).label("returned"),
        total(items.c.extended).label("extended"),
        total(items.c.reopened).label("reopened"),
        sa.func.count(items.c.handling_hours).label("handled"),
        sa.func.avg(items.c.handling_hours).label("handling_hours"),
        total(items.c.reached).label("reached"),
        total(items.c.satisfied).label("satisfied"),
        total(items.c.solved).label("solved"),
    ).group_by(items.c.department_id)


def live_figures(session: Session, month: str, as_of: datetime, weights: dict[str, int]) -> list[Figures]:
    """Every active department (and any other with receipts), scored and ranked, as of a moment."""
    return _figures(session, _items(session, month, as_of).subquery("items"), weights)


def _figures(session: Session, items: sa.Subquery, weights: dict[str, int]) -> list[Figures]:
    totals = {row.department_id: row for row in session.execute(_totals(items))}
    departments = session.scalars(sa.select(Department).where(
        sa.or_(Department.active.is_(True), Department.id.in_(list(totals) or [-1]))).order_by(Department.id)).all()
    rows = []
    for department in departments:
        row = Figures(department.id, department.code, department.name)
        if (found := totals.get(department.id)) is not None:
            for name in found._fields[1:]:
                value = getattr(found, name)
                setattr(row, name, None if value is None else (round(float(value), 1) if name == "handling_hours"
                                                                else int(value)))
        row.score = composite_score(row.rates_for_score(), weights)
        rows.append(row)
    return rank(rows)


# --------------------------------------------------------------------------- #
# Reports


@dataclass
class Report:
    month: str
    as_of: datetime
    weights: dict[str, int]
    rows: list[Figures]
    issued: AssessmentReport | None = None
    previous: AssessmentReport | None = None
    cached: bool = False  # live figures computed at as_of by an earlier request

    @property
    def is_issued(self) -> bool:
        return self.issued is not None

    def row_for(self, department_id: int) -> Figures | None:
        return next((row for row in self.rows if row.department_id == department_id), None)


def issued_report(session: Session, month: str) -> AssessmentReport | None:
    return session.scalar(sa.select(AssessmentReport).where(AssessmentReport.month == month))


def cache_age(seconds: int | None) -> timedelta | None:
    """How long live figures may be reused (ASSESSMENT_LIVE_CACHE_SECONDS); None: always compute."""
    return timedelta(seconds=seconds) if seconds and seconds > 0 else None


def month_report(session: Session, month: str, *, now: datetime, max_age: timedelta | None = None,
                 refresh: bool = False) -> Report:
    """The issued (frozen) report of the month, else the live figures as of now.

    With ``max_age``, live figures computed less than that long ago (by any worker) are
    reused, and newly computed ones are stored for the next request; the caller commits.
    ``refresh`` computes them anew whatever their age.
    """
    issued = issued_report(session, month)
    if issued is not None:
        report = Report(month, issued.issued_at, dict(issued.weights),
                        [Figures.from_stored(data) for data in issued.figures], issued=issued)
    else:
        weights = get_weights(session)
        cache = session.get(AssessmentLiveCache, month, populate_existing=True) if max_age else None
        if cache is not None and not refresh and timedelta(0) <= now - cache.computed_at <= max_age:
            rows = [Figures.from_stored(data) for data in cache.figures]
            for row in rows:  # the weights may have changed since: score and rank from the counts
                row.score = composite_score(row.rates_for_score(), weights)
            report = Report(month, cache.computed_at, weights, rank(rows), cached=True)
        else:
            report = Report(month, now, weights, live_figures(session, month, now, weights))
            if max_age and _may_store_live(session, month, now):
                _store_live(session, month, now, report.rows)
    report.previous = issued_report(session, shift_month(month, -1))
    if report.previous is not None:
        before = {data["department_id"]: data for data in report.previous.figures}
        for row in report.rows:
            if (data := before.get(row.department_id)) is not None:
                row.previous_score, row.previous_rank = data.get("score"), data.get("rank")
    return report


#: figures computed while a contest was decided may not count the decision: shown, but not stored for others
DECIDED_RECENTLY = timedelta(minutes=2)


def _may_store_live(session: Session, month: str, now: datetime) -> bool:
    """Whether live figures computed as of ``now`` may be stored for every worker: not when a contest was decided
    meanwhile (its forget_live ran before they were stored, and the month's figures stayed without the decision
    for the cache's 5 minutes: a race review). The month's lock is taken for this check only, so a decision waits
    for the end of this request, not for a computation (a review found views queued one behind another for it)."""
    locks.lock_month(session, month)
    return not session.scalar(sa.select(sa.func.count()).select_from(AssessmentContest).where(
        AssessmentContest.month == month, AssessmentContest.decided_at >= now - DECIDED_RECENTLY))


def _store_live(session: Session, month: str, now: datetime, rows: list[Figures]) -> None:
    """One statement, whether or not the month is stored yet (another worker may store it at the same time)."""
    values = {"computed_at": now, "figures": [row.stored() for row in rows]}
    session.execute(upsertable_insert(session, AssessmentLiveCache).values(month=month, **values)
                    .on_conflict_do_update(index_elements=[AssessmentLiveCache.month], set_=values))


def forget_live(session: Session, month: str) -> None:
    """Drop a month's stored live figures (a contest decided, the month issued)."""
    session.execute(sa.delete(AssessmentLiveCache).where(AssessmentLiveCache.month == month))


@dataclass
class CountedTicket:
    ticket: Ticket
    flags: dict


def counted_tickets(session: Session, month: str, department: Department, *, now: datetime,
                    limit: int = 500) -> tuple[list[CountedTicket], int]:
    """The tickets behind a department's figures (frozen ones for an issued month), and how many there are."""
    issued = issued_report(session, month)
    if issued is not None:
        items = _frozen_items(issued.id, department.id)
    else:
        items = _items(session, month, now, department.id).subquery("items")
    # COUNT(*) OVER () counts every row before LIMIT, so the live items query runs once, not twice
    rows = session.execute(
        sa.select(Ticket, items, sa.func.count().over().label("n_items")).join(items, items.c.ticket_id == Ticket.id)
        .order_by(items.c.received_at, Ticket.id).limit(limit)).all()
    total = rows[0].n_items if rows else 0
    return [CountedTicket(row[0], {name: getattr(row, name) for name in ITEM_COLUMNS}) for row in rows], total


# --------------------------------------------------------------------------- #
# Contests and issuing


def _require_open(session: Session, month: str) -> None:
    locks.lock_month(session, month)  # the month is not issued meanwhile
    if issued_report(session, month) is not None:
        raise InvalidTransition(f"{month} 的考核结果已发布，不能再申诉或审核")


def is_counted(session: Session, month: str, department_id: int, ticket_id: int) -> bool:
    receipts = _receipts(month, department_id)
    return session.scalar(sa.select(sa.func.count()).select_from(receipts)
                          .where(receipts.c.ticket_id == ticket_id)) > 0


# what a receipt's flags count against its department that a contest can take away, as the contests page names
# them (满意率 and 解决率 are not changed by contests: admitting one on a dissatisfied callback only took an on-time
# ticket out of the department's rates)
AGAINST = (("签收不及时", lambda f: f["accept_due"] and not f["accept_on_time"]), ("超期", lambda f: f["overdue"]),
           ("退回", lambda f: f["returned"]))


def counted_against(session: Session, month: str, department_id: int, ticket_ids: list[int],
                    as_of: datetime) -> dict[int, list[str]]:
    """Per ticket, what its receipt of the month counts against the department as of now (live figures: a month
    with a contest to file or decide is not issued) that a contest can take away: 签收不及时, 超期, 退回."""
    if not ticket_ids:
        return {}
    items = _items(session, month, as_of, department_id).subquery("items")
    rows = session.execute(sa.select(items).where(items.c.ticket_id.in_(ticket_ids))).mappings()
    return {row["ticket_id"]: [title for title, counts in AGAINST if counts(row)] for row in rows}


def what_pending_contests_contest(session: Session, month: str, contests: list[AssessmentContest],
                                  as_of: datetime) -> dict[int, list[str]]:
    """Per pending contest, what its ticket counts against the department (the contests page says it, so that a
    supervisor need not open each ticket to see whether it was late, overdue or returned)."""
    by_department: dict[int, list[AssessmentContest]] = {}
    for contest in contests:
        if contest.state == ContestState.PENDING.value:
            by_department.setdefault(contest.department_id, []).append(contest)
    said = {}
    for department_id, pending in by_department.items():
        against = counted_against(session, month, department_id, [c.ticket_id for c in pending], as_of)
        said |= {c.id: against.get(c.ticket_id, []) for c in pending}
    return said


def file_contest(session: Session, month: str, ticket: Ticket | None, reason: str, *, actor: User,
                 now: datetime) -> AssessmentContest:
    """申诉: the actor's department asks that this ticket not count against it in this month. A ticket that counts
    nothing against it is refused: the supervisor had contests on tickets accepted and answered on time to read
    and decide (a supervisor's day)."""
    if actor.department_id is None:
        raise NotAllowed("只有承办单位人员可以提出考核申诉")
    _require_open(session, month)
    reason = within_limit((reason or "").strip(), "reason")
    if ticket is None or not is_counted(session, month, actor.department_id, ticket.id):
        raise ValidationFailed("该工单不在本单位当月考核范围内", fields={"ticket": "请填写本单位当月收到的工单号"})
    if not reason:
        raise ValidationFailed("请填写申诉理由", fields={"reason": "请填写申诉理由"})
    if not counted_against(session, month, actor.department_id, [ticket.id], now).get(ticket.id):
        raise ValidationFailed("该工单本月没有计为签收不及时、超期或退回，无需申诉（申诉不改变满意率、解决率）",
                               fields={"ticket": f"{ticket.number} 本月未计入不利指标"})
    existing = session.scalar(sa.select(AssessmentContest).where(
        AssessmentContest.month == month, AssessmentContest.department_id == actor.department_id,
        AssessmentContest.ticket_id == ticket.id))
    if existing is not None:
        raise InvalidTransition(f"该工单本月已申诉（{existing.state_title}）")
    contest = AssessmentContest(month=month, department_id=actor.department_id, ticket=ticket, reason=reason,
                                state=ContestState.PENDING.value, filed_by=actor, filed_at=now, decision_note="")
    session.add(contest)
    session.flush()
    record_fact(ticket, Action.CONTEST, actor=actor, now=now, note=reason,
                data={"month": month, "department": actor.department.code, "contest_id": contest.id})
    session.flush()
    return contest


def decide_contest(session: Session, contest: AssessmentContest, *, accept: bool, note: str, actor: User,
                   now: datetime) -> None:
    """核减 (accept) or reject a pending contest; recorded as an event on the ticket."""
    _require_open(session, contest.month)
    locks.lock_for_change(session, contest)  # another supervisor may have decided it a moment ago
    if contest.state != ContestState.PENDING.value:
        raise InvalidTransition(f"该申诉{contest.state_title}")
    note = within_limit((note or "").strip(), "note")
    if not accept and not note:
        raise ValidationFailed("驳回申诉须填写理由", fields={"note": "请填写驳回理由"})
    contest.state = (ContestState.ACCEPTED if accept else ContestState.REJECTED).value
    contest.decided_by, contest.decided_at, contest.decision_note = actor, now, note
    forget_live(session, contest.month)
    record_fact(contest.ticket, Action.CONTEST_ACCEPT if accept else Action.CONTEST_REJECT, actor=actor, now=now,
                note=note, data={"month": contest.month, "department": contest.department.code, "contest_id": contest.id})
    session.flush()


def contests(session: Session, month: str, department_id: int | None = None) -> list[AssessmentContest]:
    query = sa.select(AssessmentContest).where(AssessmentContest.month == month)
    if department_id is not None:
        query = query.where(AssessmentContest.department_id == department_id)
    return session.scalars(query.order_by(AssessmentContest.state != ContestState.PENDING.value,
                                          AssessmentContest.id)).all()


def awaiting_decision(session: Session, month: str, limit: int = 50) -> list[Ticket]:
    """The month's receipts whose extension or return still waits for the centre's decision: issuing freezes them
    as they stand (an extension approved afterwards no longer clears the month's overdue), so the page names them."""
    start, end = month_bounds(month)
    received = sa.select(TicketEvent.ticket_id).where(
        TicketEvent.action.in_(RECEIVE_ACTIONS), TicketEvent.created_at >= start, TicketEvent.created_at < end)
    return list(session.scalars(
        sa.select(Ticket).where(Ticket.id.in_(received), sa.or_(
            sa.and_(Ticket.extension_state == ExtensionState.REQUESTED.value,
                    Ticket.status == TicketStatus.ACCEPTED.value),  # the only state where it can be decided
            Ticket.status == TicketStatus.RETURN_REQUESTED.value))
        .order_by(Ticket.received_at, Ticket.id).limit(limit)))


def counted_on_an_unconfirmed_calendar(session: Session, month: str) -> int:
    """The month's receipts whose deadlines were counted on a calendar not yet confirmed (December's, reaching into a
    year whose holidays are not entered): issuing freezes their 签收/答复 marks as they stand, and entering 元旦 later
    no longer changes the month (a year-end review: a 签收 on 4 January stayed late in the issued December)."""
    start, end = month_bounds(month)
    received = sa.select(TicketEvent.ticket_id).where(
        TicketEvent.action.in_(RECEIVE_ACTIONS), TicketEvent.created_at >= start, TicketEvent.created_at < end)
    return session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.id.in_(received), Ticket.calendar_confirmed.is_(False)))


def callbacks_outstanding(session: Session, month: str) -> int:
    """The month's receipts answered and chosen for a 回访 not yet made: issuing freezes the month without their
    满意率 and 解决率, and no later month counts them (a month counts its own receipts), so the page says how many."""
    start, end = month_bounds(month)
    received = sa.select(TicketEvent.ticket_id).where(
        TicketEvent.action.in_(RECEIVE_ACTIONS), TicketEvent.created_at >= start, TicketEvent.created_at < end)
    return session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.id.in_(received), Ticket.status == TicketStatus.REPLIED.value, Ticket.needs_callback.is_(True)))


def issue_month(session: Session, month: str, *, actor: User, now: datetime) -> AssessmentReport:
    """发布: freeze the month's figures and counted tickets; later changes no longer alter them."""
    if not has_ended(month, now):
        raise InvalidTransition(f"{month} 尚未结束，不能发布")
    locks.lock_month(session, month)  # no contest is filed or decided, and no other supervisor issues it, meanwhile
    if issued_report(session, month) is not None:
        raise InvalidTransition(f"{month} 的考核结果已发布")
    pending = session.scalar(sa.select(sa.func.count()).select_from(AssessmentContest).where(
        AssessmentContest.month == month, AssessmentContest.state == ContestState.PENDING.value))
    if pending:
        raise InvalidTransition(f"还有 {pending} 件申诉待审核，审核后才能发布")
    weights = get_weights(session)
    report = AssessmentReport(month=month, issued_at=now, issued_by=actor, weights=weights, figures=[])
    session.add(report)
    session.flush()
    # the counted tickets first, then the figures from exactly those rows: the two always agree
    items = _items(session, month, now).subquery("items")
    session.execute(sa.insert(AssessmentItem).from_select(
        ("report_id",) + ITEM_COLUMNS,
        sa.select(sa.literal(report.id), *(items.c[name] for name in ITEM_COLUMNS))))
    report.figures = [row.stored() for row in _figures(session, _frozen_items(report.id), weights)]
    forget_live(session, month)
    session.flush()
    return report
