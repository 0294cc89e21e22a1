"""Ticket numbers stay unique when many are created at once."""
from __future__ import annotations

import re
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.extensions import db as _db
from ticketing.services.numbering import next_ticket_number


def test_numbers_are_sequential_per_local_day(db):
    morning = datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # still 22 Nov in UTC
    first = next_ticket_number(db.session, morning)
    second = next_ticket_number(db.session, morning)
    assert first == "12393-20261123-000001"
    assert second == "12393-20261123-000002"
    assert re.fullmatch(r"12393-\d{8}-\d{6}", first)


def test_concurrent_creation_never_repeats_a_number(app, db):
    """Many threads, each in its own transaction, as gunicorn workers would be."""
    if _db.engine.dialect.name == "sqlite":
        pytest.skip("concurrency is exercised against PostgreSQL (TEST_DATABASE_URL); SQLite serialises writers")
    now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    numbers: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)
    engine = _db.engine

    def worker():
        try:
            barrier.wait()
            for _ in range(25):
                with Session(engine) as session, session.begin():
                    number = next_ticket_number(session, now)
                with lock:
                    numbers.append(number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == 200
    assert len(set(numbers)) == 200
    assert sorted(numbers)[-1] == "12393-20261123-000200"


def test_concurrent_ticket_registration_on_postgres(app, db, users):
    """Whole registrations in parallel: unique numbers, and one ticket per external id."""
    if _db.engine.dialect.name == "sqlite":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    from ticketing.models import Ticket, User
    from ticketing.services import tickets

    now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    errors: list[Exception] = []
    barrier = threading.Barrier(6)
    engine = _db.engine

    def worker(n):
        try:
            barrier.wait()
            with app.app_context():
                with Session(engine) as session:
                    agent = session.scalar(sa.select(User).where(User.username == "agent"))
                    for i in range(10):
                        data = tickets.TicketInput(channel="mailbox_mayor", type="consult", content=f"咨询报销 {n}-{i}",
                                                   external_id=f"ext-{i}")  # the same 10 ids from every thread
                        tickets.register_ticket(session, data, actor=agent, now=now)
                        session.commit()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = db.session.execute(sa.select(Ticket.number, Ticket.external_id)).all()
    assert len(rows) == 10
    assert len({r.number for r in rows}) == 10
