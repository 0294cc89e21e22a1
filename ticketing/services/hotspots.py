"""热点诉求: many callers about one matter in the last days (an app that fails, a pharmacy refusing cards,
a premium collected twice), found by grouping similar tickets (classifiers/hotspots.py), so that a
supervisor sees it while it grows: urges the departments, issues a standard answer, warns the bureau.

A group counts callers, not tickets: tickets merged as duplicates are left out, and a group needs
``min_size`` different callers (a ticket without a phone counts as one caller). The grouping reads a
window's texts and compares them all, seconds for a province's week, so a result is stored for every worker
(``HotspotSnapshot``) and shown for ``CACHE_SECONDS``; the page says when it was computed. ``refresh``, run
by `flask refresh-hotspots` from cron, keeps the windows the page opens with fresh, so nobody waits for them.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from classifiers.hotspots import find_groups
from ticketing.models import Department, HotspotSnapshot, Ticket, TicketStatus, User
from ticketing.models.base import upsertable_insert
from ticketing.models.enums import OPEN_STATUSES
from ticketing.services.errors import NotAllowed, NotFound, ValidationFailed
from ticketing.services.permissions import Permission, has_permission

CACHE_SECONDS = 300  # a grouping is shown this long after it was computed
MEMORY_SECONDS = 60  # a worker reads the shared snapshot again after this (another may have refreshed it)
REFRESHED_DAYS = (1, 3, 7)  # the windows `flask refresh-hotspots` keeps fresh, centre-wide, by default
#: more tickets than this in the window take minutes to compare all against all (docs/hotspots.md): the
#: page asks for a shorter window or one department instead
MAX_TICKETS = 40_000
DAY_CHOICES = (1, 3, 7, 14, 30)
SIZE_CHOICES = (3, 5, 10, 20)


@dataclass
class Hotspot:
    tickets: list[Ticket]  # the most central first
    similarities: dict[int, float]  # ticket id → cosine to the first ticket
    callers: int = 0
    open_count: int = 0
    categories: list[tuple[str, int]] = field(default_factory=list)
    regions: list[tuple[str, int]] = field(default_factory=list)
    departments: list[tuple[str, int]] = field(default_factory=list)

    @property
    def first_at(self) -> datetime:
        return min(t.received_at for t in self.tickets)

    @property
    def last_at(self) -> datetime:
        return max(t.received_at for t in self.tickets)

    @property
    def open_numbers(self) -> list[str]:
        return [t.number for t in self.tickets if t.status_enum in OPEN_STATUSES]


@dataclass
class HotspotReport:
    computed_at: datetime
    since: datetime
    tickets_compared: int
    seconds: float
    hotspots: list[Hotspot]
    total: int = 0  # groups found; ``hotspots`` holds the largest ones when a limit was asked


@dataclass(frozen=True)
class _Grouping:
    """What a worker keeps: the groups as ticket ids with their similarity to the first, and how it was made."""

    computed_at: datetime
    since: datetime
    tickets_compared: int
    seconds: float
    groups: tuple[tuple[tuple[int, float], ...], ...]
    made: float  # time.monotonic() when made


_cache: dict[tuple, _Grouping] = {}
_lock = threading.Lock()


def department_scope(user: User) -> int | None:
    """Whose tickets ``user`` may group: None for the whole centre (agents, supervisors, administrators),
    a department's id for its staff; NotAllowed for anyone else (a channel's token has no user)."""
    if user is None:
        raise NotAllowed("该令牌无权查看热点诉求")
    if has_permission(user, Permission.REPORTS) or has_permission(user, Permission.TICKET_REGISTER):
        return None
    if has_permission(user, Permission.INBOX) and user.department_id is not None:
        return user.department_id
    raise NotAllowed("无权查看热点诉求")


def department_grouped(session: Session, user: User, code: str | None) -> Department | None:
    """The department whose tickets ``user`` asks to group, for the page and the API alike: a department's staff
    always their own, switched off or not (the page looked for it among the active ones, found none, and grouped
    the whole centre's tickets: a code review); anyone else the one ``code`` names, or None for the whole centre."""
    own = department_scope(user)
    if own is not None:
        return session.get(Department, own)
    if not code:
        return None
    department = session.scalar(sa.select(Department).where(Department.code == code))
    if department is None:
        raise NotFound(f"承办单位 {code} 不存在")
    return department


def _counted(values) -> list[tuple[str, int]]:
    return Counter(v for v in values if v).most_common()


def _group(session: Session, now: datetime, since: datetime, *, min_size: int, min_similarity: float,
           department_id: int | None) -> _Grouping:
    query = (sa.select(Ticket.id, Ticket.title, Ticket.content, Ticket.caller_phone)
             .where(Ticket.received_at >= since, Ticket.status != TicketStatus.MERGED.value).order_by(Ticket.id))
    if department_id is not None:
        query = query.where(Ticket.department_id == department_id)
    compared = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    if compared > MAX_TICKETS:
        raise ValidationFailed(f"这段时间受理的工单有 {compared} 件，超过一次可比较的 {MAX_TICKETS} 件，"
                               "请缩短时间范围或选择承办单位", fields={"days": "时间范围内工单过多"})
    rows = session.execute(query).all()
    started = time.perf_counter()
    groups = find_groups([f"{r.title}\n{r.content}" for r in rows], min_similarity=min_similarity,
                         min_size=min_size)
    seconds = time.perf_counter() - started
    kept = []
    for group in groups:
        members = [rows[i] for i in group.members]
        if len({r.caller_phone or f"#{r.id}" for r in members}) >= min_size:  # one caller ringing again is not one
            kept.append(tuple((r.id, s) for r, s in zip(members, group.similarities)))
    return _Grouping(now, since, len(rows), seconds, tuple(kept), time.monotonic())


def snapshot_key(days: int, min_size: int, min_similarity: float, department_id: int | None) -> str:
    return f"{days}:{min_size}:{min_similarity:.3f}:{department_id or 'all'}"


def _stored(session: Session, key: str, now: datetime) -> _Grouping | None:
    """The shared snapshot under ``key``, unless it is older than ``CACHE_SECONDS``."""
    row = session.get(HotspotSnapshot, key)
    if row is None or (now - row.computed_at).total_seconds() > CACHE_SECONDS:
        return None
    groups = tuple(tuple((int(ticket_id), float(similarity)) for ticket_id, similarity in group) for group in row.groups)
    return _Grouping(row.computed_at, row.since, row.tickets_compared, row.seconds, groups, time.monotonic())


def _store(session: Session, key: str, grouping: _Grouping) -> None:
    """Write (or replace) the snapshot; the caller commits. Two workers storing at once: the last one wins."""
    values = {"computed_at": grouping.computed_at, "since": grouping.since, "seconds": grouping.seconds,
              "tickets_compared": grouping.tickets_compared,
              "groups": [[[ticket_id, round(similarity, 4)] for ticket_id, similarity in group]
                         for group in grouping.groups]}
    session.execute(upsertable_insert(session, HotspotSnapshot).values(key=key, **values)
                    .on_conflict_do_update(index_elements=[HotspotSnapshot.key], set_=values))


def _grouping(session: Session, now: datetime, *, days: int, min_size: int, min_similarity: float,
              department_id: int | None, fresh: bool) -> _Grouping:
    """This worker's copy if recent, else the shared snapshot if recent, else grouped now and stored."""
    memory_key = (days, min_size, round(min_similarity, 3), department_id)
    key = snapshot_key(days, min_size, min_similarity, department_id)
    with _lock:
        grouping = _cache.get(memory_key)
        if (fresh or grouping is None or time.monotonic() - grouping.made > MEMORY_SECONDS
                or (now - grouping.computed_at).total_seconds() > CACHE_SECONDS):
            grouping = None if fresh else _stored(session, key, now)
            if grouping is None:
                grouping = _group(session, now, now - timedelta(days=days), min_size=min_size,
                                  min_similarity=min_similarity, department_id=department_id)
                _store(session, key, grouping)
            _cache[memory_key] = grouping
    return grouping


def refresh(session: Session, now: datetime, *, days: tuple[int, ...] = REFRESHED_DAYS, min_size: int = 3,
            min_similarity: float = 0.35) -> list[tuple[int, _Grouping | str]]:
    """Group the centre's windows of ``days`` now and store them (cron: `flask refresh-hotspots`), so that the
    page opens at once, and drop snapshots nobody asked for in a day (other windows, departments, an old
    threshold). Per window: the grouping, or why it was refused (too many tickets). The caller commits."""
    session.execute(sa.delete(HotspotSnapshot).where(HotspotSnapshot.computed_at < now - timedelta(days=1)))
    done: list[tuple[int, _Grouping | str]] = []
    for window in days:
        try:
            done.append((window, _grouping(session, now, days=window, min_size=min_size,
                                           min_similarity=min_similarity, department_id=None, fresh=True)))
        except ValidationFailed as refused:
            done.append((window, refused.message))
    return done


def report(session: Session, now: datetime, *, days: int = 7, min_size: int = 3, min_similarity: float = 0.35,
           department_id: int | None = None, fresh: bool = False, limit: int | None = None) -> HotspotReport:
    """The window's groups of similar tickets from ``min_size`` callers up, largest first (the ``limit`` largest,
    when given: a page shows a province's top groups, the export all). The grouping is shared by the workers
    for ``CACHE_SECONDS`` (``fresh`` makes it again; the caller commits what was stored); the tickets are read
    each time."""
    grouping = _grouping(session, now, days=days, min_size=min_size, min_similarity=min_similarity,
                         department_id=department_id, fresh=fresh)
    groups = grouping.groups[:limit]
    ids = [ticket_id for group in groups for ticket_id, _ in group]
    by_id = {t.id: t for t in session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    hotspots = []
    for group in groups:
        tickets = [by_id[ticket_id] for ticket_id, _ in group if ticket_id in by_id]
        hotspots.append(Hotspot(
            tickets, dict(group),
            callers=len({t.caller_phone or f"#{t.id}" for t in tickets}),
            open_count=sum(t.status_enum in OPEN_STATUSES for t in tickets),
            categories=_counted(t.category.name if t.category else None for t in tickets),
            regions=_counted(t.region for t in tickets),
            departments=_counted(t.department.name if t.department else None for t in tickets),
        ))
    return HotspotReport(grouping.computed_at, grouping.since, grouping.tickets_compared, grouping.seconds, hotspots,
                         total=len(grouping.groups))


def read_again(session: Session, found: HotspotReport) -> None:
    """After the caller's commit, which expires what the report read: its tickets again in one query, with their
    categories and departments, where the page and the export would reload each ticket on its own (281 queries
    for a page, 1,969 for an export on a province's week)."""
    ids = [sa.inspect(t).identity[0] for hotspot in found.hotspots for t in hotspot.tickets]  # without loading
    if ids:
        session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids))
                        .options(selectinload(Ticket.category), selectinload(Ticket.department))).all()


def forget() -> None:
    """Drop what this worker kept (tests: the database was emptied and refilled)."""
    with _lock:
        _cache.clear()
