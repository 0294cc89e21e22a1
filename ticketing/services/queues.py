"""工作队列: the lists people work through one ticket after another — an agent's 待派发, 退回审核 and 待回访,
a department's 待办, 我经办的, 待签收 … A ticket opened from one of them names it (``?queue=``), and its page
offers 下一件 in the list's own order, so that a queue is worked without going back to the list each time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Ticket, User
from ticketing.services import inbox
from ticketing.services.permissions import Permission, has_permission

# how far down a queue 下一件 looks; a queue longer than this is worked from its head, which is where 下一件
# leads once the ticket in hand has left it
SCANNED = 2000


@dataclass(frozen=True)
class Queue:
    name: str
    title: str
    permission: Permission
    endpoint: str  # the list page
    endpoint_args: tuple[tuple[str, str], ...]
    select: Callable[[Session, User, datetime], sa.Select]


def _department(state: str) -> Callable[[Session, User, datetime], sa.Select]:
    return lambda session, user, now: inbox.department_query(user.department_id, state, handler_id=user.id)


def _callbacks_due(session: Session, user: User, now: datetime) -> sa.Select:
    return inbox.callbacks_query(now - inbox.callback_retry_interval(session))


QUEUES = {q.name: q for q in (
    Queue("triage", "待派发", Permission.TICKET_TRIAGE, "agent.triage", (), lambda s, u, now: inbox.triage_query()),
    Queue("returns", "退回审核", Permission.TICKET_TRIAGE, "agent.returns", (), lambda s, u, now: inbox.returns_query()),
    Queue("callbacks", "待回访", Permission.CALLBACK_QUEUE, "agent.callbacks", (), _callbacks_due),
    *(Queue(state, title, Permission.INBOX, "staff.inbox", (("state", state),), _department(state))
      for state, title in (("todo", "待办"), ("mine", "我经办的"), ("dispatched", "待签收"), ("accepted", "办理中"),
                           ("return_requested", "退回待审"), ("notify", "待告知"))),
)}


def for_user(user: User, name: str | None) -> Queue | None:
    """The queue called ``name`` when ``user`` works it; None for an unknown name or another role's queue."""
    queue = QUEUES.get(name or "")
    if queue is None or not has_permission(user, queue.permission):
        return None
    return queue


@dataclass(frozen=True)
class Place:
    """Where a ticket stands in a queue: its position (1-based; None once it has left the queue), how many the
    queue holds, and the ticket 下一件 leads to (None when there is no other)."""
    queue: Queue
    position: int | None
    total: int
    next_number: str | None
    capped: bool  # the queue is longer than SCANNED: total is a floor


def place_of(session: Session, user: User, queue: Queue, ticket: Ticket, now: datetime) -> Place:
    """下一件 is the ticket after this one in the queue's order; after the last, the queue's first (one passed
    over is still to do); once this one has left the queue (answered, dispatched, called back), the queue's
    first, which is the one that was after it."""
    rows = session.execute(queue.select(session, user, now).with_only_columns(Ticket.id, Ticket.number)
                           .limit(SCANNED + 1)).all()
    capped = len(rows) > SCANNED
    rows = rows[:SCANNED]
    ids = [row.id for row in rows]
    if ticket.id in ids:
        index = ids.index(ticket.id)
        others = rows[index + 1:] + rows[:index]
        return Place(queue, index + 1, len(rows), others[0].number if others else None, capped)
    return Place(queue, None, len(rows), rows[0].number if rows else None, capped)
