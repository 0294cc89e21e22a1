"""Reference data read once per transaction: holidays, deadline policies, routing rules, categories.

An import registers thousands of tickets in one transaction, and each
registration needs the calendar, the policies and the rules; reading them once
is what keeps 100,000 rows in minutes. The cache lives in `session.info` and is
dropped when the outermost transaction commits or rolls back, so an administrator's change is seen by
the next transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
KEY = "reference_cache"


def cached(session, key: str, load: Callable[[], T]) -> T:
    real = session() if callable(session) else session  # Flask-SQLAlchemy hands a scoped_session
    store = real.info.setdefault(KEY, {})
    if key not in store:
        store[key] = load()
    return store[key]


def forget(session) -> None:
    """Drop what this transaction has read, after a change the rest of it must see."""
    real = session() if callable(session) else session
    real.info.pop(KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended; savepoints keep the cache
        session.info.pop(KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_changed_reference(session, flush_context) -> None:
    """An administrator's change flushed in this very transaction is seen at once."""
    from ticketing.models import CalendarYear, Category, DeadlinePolicy, Holiday, RoutingRule

    kinds = (CalendarYear, Category, DeadlinePolicy, Holiday, RoutingRule)
    if any(isinstance(obj, kinds) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(KEY, None)
