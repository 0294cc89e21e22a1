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
from ticketing.services import callback_claims, inbox
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
    """Due now, less those another agent is calling back (正在回访)."""
    return callback_claims.not_claimed_by_others(inbox.callbacks_query(now - inbox.callback_retry_interval(session)),
                                                 user, now)


QUEUES = {q.name: q for q in (
    Queue("triage", "待派发", Permission.TICKET_TRIAGE, "agent.triage", (), lambda s, u, now: inbox.triage_query()),
    Queue("returns", "退回审核", Permission.TICKET_TRIAGE, "agent.returns", (), lambda s, u, now: inbox.returns_query()),
    Queue("callbacks", "待回访", Permission.CALLBACK_QUEUE, "agent.callbacks", (), _callbacks_due),
    Queue("unhappy", "回访不满意", Permission.CALLBACK_QUEUE, "agent.closing", (), lambda s, u, now: inbox.unhappy_query()),
    Queue("closing", "待办结归档", Permission.CALLBACK_QUEUE, "agent.closing", (),
          lambda s, u, now: inbox.to_close_query()),
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
    """Where a ticket stands in a queue: its position (1-based; None once it has left the queue or an action moved
    it), how many the queue holds, the ticket 下一件 leads to and that one's position (None when there is no other),
    and whether 下一件 goes back to the start of the list."""
    queue: Queue
    position: int | None
    total: int
    next_number: str | None
    next_position: int | None
    wraps: bool
    capped: bool  # the queue is longer than SCANNED: total is a floor


def place_of(session: Session, user: User, queue: Queue, ticket: Ticket, now: datetime, *,
             then: str | None = None) -> Place:
    """下一件 is the ticket after this one in the queue's order; after the last, the queue's first (one passed
    over is still to do). ``then`` is the ticket that followed this one when it was opened: an action moves a
    ticket in its list (签收 puts it under the reply deadline's order, 退回 to the end), so after one 下一件 stays
    where it was, while that ticket is still in the queue. Once this one has left the queue and no ``then`` is
    known, the queue's first."""
    rows = session.execute(queue.select(session, user, now).with_only_columns(Ticket.id, Ticket.number)
                           .limit(SCANNED + 1)).all()
    capped = len(rows) > SCANNED
    rows = rows[:SCANNED]
    numbers = [row.number for row in rows]
    here = numbers.index(ticket.number) if ticket.number in numbers else None
    if then and then != ticket.number and then in numbers:
        return Place(queue, None, len(rows), then, numbers.index(then) + 1, False, capped)
    if here is not None:
        after = here + 1 if here + 1 < len(numbers) else (0 if here else None)
        if after is None:
            return Place(queue, here + 1, len(rows), None, None, False, capped)
        return Place(queue, here + 1, len(rows), numbers[after], after + 1, after < here, capped)
    return Place(queue, None, len(rows), numbers[0] if numbers else None, 1 if numbers else None, False, capped)
