"""Candidates to merge: the same caller's phone, or very similar text, in the last 30 days.

Each worker keeps a similarity index of recent tickets and tops it up with
tickets newer than the last one it saw, so a query costs one sparse product
rather than re-reading a month of tickets.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Ticket, TicketStatus

WINDOW = timedelta(days=30)
LATE_COMMIT_IDS = 500
#: what a duplicate may be merged into (offered here, and the only states tickets.merge accepts): a ticket still
#: to be answered, or answered and not yet called back
MERGEABLE = (TicketStatus.REGISTERED.value, TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value,
             TicketStatus.RETURN_REQUESTED.value, TicketStatus.REPLIED.value)


@dataclass
class Candidate:
    ticket: Ticket
    similarity: float | None
    same_phone: bool


class RecentTicketIndex:
    def __init__(self):
        self._lock = threading.Lock()
        self._index = None
        self._last_id = 0
        self._received: dict[int, datetime] = {}

    def _refresh(self, session: Session, now: datetime) -> None:
        """Add the tickets this worker has not indexed yet and drop those past the window.

        Ids come from a sequence but commit out of order when several workers register at once
        (id 100 may commit after 101), so the last ``LATE_COMMIT_IDS`` ids below the newest one seen
        are looked at again, and any missing or different (a database emptied and refilled) is added.
        """
        from classifiers.similarity import SimilarityIndex

        if self._index is None:
            self._index = SimilarityIndex()
        since = now - WINDOW
        seen = session.execute(
            sa.select(Ticket.id, Ticket.received_at)
            .where(Ticket.id > self._last_id - LATE_COMMIT_IDS, Ticket.received_at >= since)
        ).all()
        wanted = {row.id for row in seen if self._received.get(row.id) != row.received_at}
        if wanted:  # one range query: usually a few new ids at the top, a month of them on first use
            rows = [row for row in session.execute(
                sa.select(Ticket.id, Ticket.title, Ticket.content, Ticket.received_at)
                .where(Ticket.id >= min(wanted), Ticket.received_at >= since)
            ) if row.id in wanted]
            self._index.add_many((row.id, f"{row.title}\n{row.content}") for row in rows)
            self._received.update((row.id, row.received_at) for row in rows)
        if seen:
            self._last_id = max(self._last_id, max(row.id for row in seen))
        expired = [key for key, at in self._received.items() if at < since]
        for key in expired:
            self._index.remove(key)
            del self._received[key]

    def refresh(self, session: Session, now: datetime) -> int:
        """Bring the index up to date now (a worker warming up); returns how many tickets it holds."""
        with self._lock:
            self._refresh(session, now)
            return len(self._received)

    def query(self, session: Session, text: str, now: datetime, *, k: int, min_similarity: float):
        with self._lock:
            self._refresh(session, now)
            return self._index.query(text, k=k, min_similarity=min_similarity)


_RECENT = RecentTicketIndex()


def warm_up(session: Session, now: datetime) -> int:
    """Build this worker's index of the month's tickets before the first agent needs it."""
    return _RECENT.refresh(session, now)


def forget_recent_tickets() -> None:
    """Start this worker's index afresh (after the database was emptied and refilled: tests, a restore)."""
    global _RECENT
    _RECENT = RecentTicketIndex()


def candidates(session: Session, *, text: str, phone: str | None, now: datetime, min_similarity: float,
               exclude_id: int | None = None, limit: int = 8) -> list[Candidate]:
    found: dict[int, Candidate] = {}
    if phone:
        same_phone = session.scalars(
            sa.select(Ticket).where(Ticket.caller_phone == phone, Ticket.received_at >= now - WINDOW,
                                    Ticket.status.in_(MERGEABLE)).order_by(Ticket.received_at.desc()).limit(limit)
        )
        for ticket in same_phone:
            found[ticket.id] = Candidate(ticket, None, True)
    if text.strip():
        for key, similarity in _RECENT.query(session, text, now, k=limit, min_similarity=min_similarity):
            ticket = session.get(Ticket, key)
            if ticket is None or ticket.status not in MERGEABLE:
                continue
            if key in found:
                found[key].similarity = similarity
            else:
                found[key] = Candidate(ticket, similarity, False)
    found.pop(exclude_id, None)
    ranked = sorted(found.values(), key=lambda c: (-(c.similarity or 0) - (0.5 if c.same_phone else 0)))
    return ranked[:limit]
