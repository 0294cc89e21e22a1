"""Row and month locks for decisions two people can take at the same moment (found by a race review with four
gunicorn workers on PostgreSQL, 4 Dec 2026). On SQLite every writing request already holds the database's write
lock from its start (``take_the_write_lock``), so these take nothing there."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

#: pg_advisory_xact_lock keys of the monthly assessment: this namespace plus the month as yyyymm
MONTH_LOCK_NAMESPACE = 12393 * 10**9
#: pg_advisory_xact_lock keys of work that reads a whole table before it writes (see ``lock_named``)
NAMED_LOCKS = {"calendar": 12393_001, "routing rules": 12393_002, "time limits": 12393_003, "departments": 12393_004}


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def for_change(query: sa.Select, model, *, shared: bool = False) -> sa.Select:
    """``query`` locking the ``model`` rows it reads until the transaction ends (FOR UPDATE, or FOR SHARE), and
    reading them again: a copy already in the session may be older than the lock. SQLite ignores the lock."""
    return query.with_for_update(of=model, read=shared).execution_options(populate_existing=True)


def lock_for_change(session: Session, instance, *, shared: bool = False):
    """Lock ``instance``'s row until the transaction ends and read it again: a state checked on the copy loaded
    before the lock (an appeal, a contest already decided by someone else) would be stale. ``shared``: FOR SHARE,
    for work that only needs the row to stay as it is (many dispatches to one department at once, while it is not
    switched off meanwhile)."""
    model = type(instance)
    if _postgresql(session):  # fetched, so that the copy is refreshed
        session.scalar(for_change(sa.select(model).where(model.id == instance.id), model, shared=shared))
    return instance


def lock_named(session: Session, name: str) -> None:
    """One request at a time for work that checks a whole table before it writes: entering holidays (each recounts
    the deadlines from the calendar it read; two at once lost one), adding a routing rule or a time limit (the
    check for the same one already there), a department's parent (the check for a cycle)."""
    if _postgresql(session):
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(NAMED_LOCKS[name])))


def lock_month(session: Session, month: str) -> None:
    """Work on one month's assessment (申诉, its decision, 发布) one request at a time: a contest filed while the
    month was being issued froze the month with a contest nobody could decide any more."""
    if _postgresql(session):
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(MONTH_LOCK_NAMESPACE + int(month.replace("-", "")))))
