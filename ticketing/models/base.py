"""Column types and helpers shared by the models."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned tz-aware.

    PostgreSQL keeps `timestamptz`; SQLite has no time zones, so values are
    stored as naive UTC and given their zone back on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# full-text index objects made by hand in a migration, per engine, which the models do not declare
FULLTEXT_OBJECTS = ("ix_ticket_search_tsv", "ticket_fts", "search_vector")


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the engine-specific full-text index out of model comparisons."""
    return not (name and name.startswith(FULLTEXT_OBJECTS))


def upsertable_insert(session, model):
    """``insert(model)`` of the session's dialect, which takes ``.on_conflict_do_update`` (PostgreSQL and SQLite)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(model)


def hours_between(session, start, end):
    """SQL for the hours from ``start`` to ``end`` (two datetime columns) on either engine."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", end - start) / 3600.0
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 24.0
