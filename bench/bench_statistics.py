"""工单统计 on a province's month: `statistics.month_statistics` against one GROUP BY and one COUNT(*), same run.

    python bench/bench_statistics.py [--per-month 300000] [--database-url URL]

Builds a fresh database with the migrations and bulk-loads two months of synthetic tickets
(the month measured and the one before it, which the page compares with), spread over types,
channels, categories, regions, statuses and the hours of each day, plus a third month that must
not be counted. Checks the figures against the generator's own counts, then times the page's
figures (every breakdown, for both months) and the bare count of the month's tickets.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MONTHS = ["2026-09", "2026-10", "2026-11"]  # the one before, the one measured, and one after
REGIONS = [f"第{n}区" for n in range(1, 16)] + [None]
STATUSES = ["closed"] * 6 + ["replied", "accepted", "dispatched", "merged"]


def build(per_month: int, seed: int = 12393) -> tuple[float, dict]:
    """Insert the tickets; the generator's own counts for the measured month."""
    import sqlalchemy as sa

    from benchdb import insert_tickets
    from ticketing.extensions import db
    from ticketing.models import Category, Channel, Department, TicketType
    from ticketing.services.assessment import month_bounds
    from ticketing.services.deadlines import LOCAL_TZ
    from ticketing.services.reference_data import ensure_reference_data

    ensure_reference_data(db.session)
    db.session.commit()
    category_ids = [c.id for c in db.session.scalars(sa.select(Category))]
    department_ids = [d.id for d in db.session.scalars(sa.select(Department))]
    db.session.commit()  # end the session's read: on SQLite it would keep seeing the database before the load
    rng = random.Random(seed)
    started = time.perf_counter()
    expected = {"total": 0, "type": Counter(), "day": Counter(), "merged": 0}
    postgres = db.engine.dialect.name == "postgresql"
    n = 0
    with db.engine.begin() as connection:
        for month in MONTHS:
            start, end = month_bounds(month)
            seconds = int((end - start).total_seconds())
            values = []
            for _ in range(per_month):
                n += 1
                received = start + timedelta(seconds=rng.randrange(seconds))
                ticket_type = rng.choice(list(TicketType)).value
                status = rng.choice(STATUSES) if n > 1 else "closed"  # merged ones point at ticket 1
                if month == MONTHS[1]:
                    if status == "merged":
                        expected["merged"] += 1
                    else:
                        expected["total"] += 1
                        expected["type"][ticket_type] += 1
                        expected["day"][received.astimezone(LOCAL_TZ).date()] += 1
                at = received if postgres else received.astimezone(UTC).replace(tzinfo=None)  # SQLite: naive UTC
                values.append({"id": n, "number": f"12393-S-{n:08d}", "channel": rng.choice(list(Channel)).value,
                               "type": ticket_type, "status": status, "category_id": rng.choice(category_ids),
                               "region": rng.choice(REGIONS), "received_at": at, "registered_at": at,
                               "closed_at": at + timedelta(days=1) if status == "closed" else None,
                               "merged_into_id": 1 if status == "merged" else None,
                               "department_id": rng.choice(department_ids),
                               "content": "统计基准工单", "title": "统计基准工单"})
                if len(values) == 5000:
                    insert_tickets(connection, values)
                    values = []
            insert_tickets(connection, values)
        if postgres:
            connection.execute(sa.text("ANALYZE ticket"))
    return time.perf_counter() - started, expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-month", type=int, default=300_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import sqlalchemy as sa

    from benchdb import fresh_app, timed
    from ticketing.extensions import db
    from ticketing.models import Ticket
    from ticketing.services import statistics
    from ticketing.services.assessment import month_bounds

    app = fresh_app(args.database_url, Path(tempfile.mkdtemp(prefix="bench_statistics_")))
    with app.app_context():
        load_seconds, expected = build(args.per_month)
        print(f"engine {db.engine.dialect.name}, {3 * args.per_month:,} tickets over 3 months loaded in "
              f"{load_seconds:.0f} s")
        month = MONTHS[1]
        start, end = month_bounds(month)
        count_seconds, _, count = timed("COUNT(*) of the month", lambda: db.session.scalar(
            sa.select(sa.func.count()).where(Ticket.received_at >= start, Ticket.received_at < end)), args.repeat)
        group_seconds, _, _ = timed("one GROUP BY type of the month", lambda: db.session.execute(
            sa.select(Ticket.type, sa.func.count()).where(Ticket.received_at >= start, Ticket.received_at < end)
            .group_by(Ticket.type)).all(), args.repeat)
        page_seconds, _, figures = timed("month_statistics (the whole page)",
                                         lambda: statistics.month_statistics(db.session, month), args.repeat)
        assert count == expected["total"] + expected["merged"], (count, expected)
        assert figures.total == expected["total"], (figures.total, expected["total"])
        assert {row.key: row.count for row in figures.by_type} == dict(expected["type"])
        assert dict(figures.by_day) == {day: expected["day"].get(day, 0) for day, _ in figures.by_day}
        assert figures.previous_total > 0
        print("figures match the generator's counts (total, per type, per local day)")
        print(f"month_statistics = {page_seconds / group_seconds:.1f}× one GROUP BY, {page_seconds / count_seconds:.0f}× "
              f"the bare count; {figures.total:,} tickets counted in the month")


if __name__ == "__main__":
    main()
