"""热点诉求: many callers about one matter in the last days (an app that fails, a pharmacy refusing cards,
a premium collected twice), found by grouping similar tickets (classifiers/hotspots.py), so that a
supervisor sees it while it grows: urges the departments, issues a standard answer, warns the bureau.

A group counts callers, not tickets: tickets merged as duplicates are left out, and a group needs
``min_size`` different callers (a ticket without a phone counts as one caller). The grouping reads a
window's texts and compares them all, seconds for a province's week, so each worker keeps a result for
``CACHE_SECONDS`` and the page says when it was computed.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from classifiers.hotspots import find_groups
from ticketing.models import Ticket, TicketStatus, User
from ticketing.models.enums import OPEN_STATUSES
from ticketing.services.errors import NotAllowed, ValidationFailed
from ticketing.services.permissions import Permission, has_permission

CACHE_SECONDS = 300
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


def report(session: Session, now: datetime, *, days: int = 7, min_size: int = 3, min_similarity: float = 0.35,
           department_id: int | None = None, fresh: bool = False) -> HotspotReport:
    """The window's groups of similar tickets from ``min_size`` callers up, largest first. The grouping is
    kept per worker for ``CACHE_SECONDS`` (``fresh`` makes it again); the tickets are read each time."""
    key = (days, min_size, round(min_similarity, 3), department_id)
    with _lock:
        grouping = _cache.get(key)
        if fresh or grouping is None or time.monotonic() - grouping.made > CACHE_SECONDS:
            grouping = _cache[key] = _group(session, now, now - timedelta(days=days), min_size=min_size,
                                            min_similarity=min_similarity, department_id=department_id)
    ids = [ticket_id for group in grouping.groups for ticket_id, _ in group]
    by_id = {t.id: t for t in session.scalars(sa.select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    hotspots = []
    for group in grouping.groups:
        tickets = [by_id[ticket_id] for ticket_id, _ in group if ticket_id in by_id]
        hotspots.append(Hotspot(
            tickets, dict(group),
            callers=len({t.caller_phone or f"#{t.id}" for t in tickets}),
            open_count=sum(t.status_enum in OPEN_STATUSES for t in tickets),
            categories=_counted(t.category.name if t.category else None for t in tickets),
            regions=_counted(t.region for t in tickets),
            departments=_counted(t.department.name if t.department else None for t in tickets),
        ))
    return HotspotReport(grouping.computed_at, grouping.since, grouping.tickets_compared, grouping.seconds, hotspots)


def forget() -> None:
    """Drop what this worker kept (tests: the database was emptied and refilled)."""
    with _lock:
        _cache.clear()
