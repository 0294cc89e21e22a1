"""Human-readable ticket numbers: 12393-YYYYMMDD-NNNNNN, unique under concurrency.

A counter row per local day is incremented with one INSERT … ON CONFLICT DO
UPDATE … RETURNING statement, which PostgreSQL and SQLite both execute
atomically: concurrent transactions queue on the row lock, so two tickets
never get the same number.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.models import TicketNumberCounter
from ticketing.models.base import upsertable_insert
from ticketing.services.deadlines import LOCAL_TZ

PREFIX = "12393"


def next_ticket_number(session: Session, now: datetime) -> str:
    day = now.astimezone(LOCAL_TZ).strftime("%Y%m%d")
    statement = (
        upsertable_insert(session, TicketNumberCounter)
        .values(day=day, last_value=1)
        .on_conflict_do_update(
            index_elements=[TicketNumberCounter.day],
            set_={"last_value": TicketNumberCounter.last_value + 1},
        )
        .returning(TicketNumberCounter.last_value)
    )
    value = session.execute(statement).scalar_one()
    return f"{PREFIX}-{day}-{value:06d}"
