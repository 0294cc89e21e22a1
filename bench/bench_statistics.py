"""工单统计 on a province's month: `statistics.month_statistics` against one GROUP BY and one COUNT(*), same run,
and 话务员工作量 (`statistics.agent_month`) on that month's events.

    python bench/bench_statistics.py [--per-month 300000] [--database-url URL]

Builds a fresh database with the migrations and bulk-loads two months of synthetic tickets
(the month measured and the one before it, which the page compares with), spread over types,
channels, categories, regions, statuses and the hours of each day, plus a third month that must
not be counted. Checks the figures against the generator's own counts, then times the page's
figures (every breakdown, for both months) and the bare count of the month's tickets. For 话务员工作量
it adds the events the call centre's 60 agents make on the measured month's tickets (every ticket
registered by one, about half dispatched by hand, a third called back with one try in five failing,
and department replies that are nobody's agent work) and times `agent_month` against one GROUP BY.
Last, 督办's 今日概况 (`statistics.day_overview`) at the end of one day of that month, against a COUNT(*) of
the day's tickets.
"""
from __future__ import annotations

import argparse
import random
import sys
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


AGENTS = 60


def add_events(per_month: int, seed: int = 393) -> tuple[float, int, Counter]:
    """Events on the measured month's tickets; the generator's own count of each agent's registrations."""
    import sqlalchemy as sa

    from ticketing.extensions import db
    from ticketing.models import Role, TicketEvent, User
    from ticketing.services.assessment import month_bounds

    agents = [User(username=f"bench_agent_{n}", display_name=f"话务员{n}", role=Role.AGENT.value,
                   password_hash="x") for n in range(AGENTS)]
    db.session.add_all(agents)
    db.session.commit()
    agent_ids = [a.id for a in agents]
    db.session.commit()
    rng = random.Random(seed)
    postgres = db.engine.dialect.name == "postgresql"
    start, end = month_bounds(MONTHS[1])
    seconds = int((end - start).total_seconds())
    registered: Counter = Counter()
    table, rows, n = TicketEvent.__table__, [], 0
    started = time.perf_counter()

    def event(ticket_id, actor, action, at, data=None):  # through the table's UTCDateTime type: aware times
        return {"ticket_id": ticket_id, "actor_id": actor, "actor_label": "bench", "action": action,
                "from_status": None, "to_status": "registered", "note": "", "data": data or {}, "created_at": at}

    with db.engine.begin() as connection:
        for ticket_id in range(per_month + 1, 2 * per_month + 1):  # the measured month's ids (see build)
            at = start + timedelta(seconds=rng.randrange(seconds - 3600))
            agent = rng.choice(agent_ids)
            registered[agent] += 1
            rows.append(event(ticket_id, agent, "register", at))
            if rng.random() < 0.5:
                rows.append(event(ticket_id, rng.choice(agent_ids), "dispatch", at + timedelta(minutes=5)))
            rows.append(event(ticket_id, None, "reply", at + timedelta(minutes=30)))  # a department's: not counted
            if rng.random() < 0.33:
                rows.append(event(ticket_id, rng.choice(agent_ids), "callback", at + timedelta(minutes=50),
                                  {"reached": rng.random() >= 0.2}))
            if len(rows) >= 5000:
                n += len(rows)
                connection.execute(sa.insert(table), rows)
                rows = []
        n += len(rows)
        connection.execute(sa.insert(table), rows)
        if postgres:
            connection.execute(sa.text("ANALYZE ticket_event"))
    return time.perf_counter() - started, n, registered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-month", type=int, default=300_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import sqlalchemy as sa

    from benchdb import fresh_app, scratch_folder, timed
    from ticketing.extensions import db
    from ticketing.models import Ticket
    from ticketing.services import statistics
    from ticketing.services.assessment import month_bounds

    app = fresh_app(args.database_url, scratch_folder("bench_statistics_"))
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

        from ticketing.models import TicketEvent

        event_seconds, events, registered = add_events(args.per_month)
        print(f"{events:,} events of the month added in {event_seconds:.0f} s ({AGENTS} agents)")
        event_group_seconds, _, _ = timed("one GROUP BY action of the month's events", lambda: db.session.execute(
            sa.select(TicketEvent.action, sa.func.count()).where(TicketEvent.created_at >= start,
                                                                 TicketEvent.created_at < end)
            .group_by(TicketEvent.action)).all(), args.repeat)
        agents_seconds, _, agents = timed("agent_month (话务员工作量)", lambda: statistics.agent_month(db.session, month),
                                          args.repeat)
        assert {a.user.id: a.registered for a in agents} == dict(registered)
        assert sum(a.callbacks for a in agents) > sum(a.reached for a in agents) > 0
        print("话务员工作量 matches the generator's registrations per agent")
        print(f"agent_month = {agents_seconds / event_group_seconds:.1f}× one GROUP BY of the month's events")

        from datetime import date, datetime

        from ticketing.services.deadlines import LOCAL_TZ

        day = date(int(month[:4]), int(month[5:]), 15)
        day_start = datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ)
        day_end = day_start + timedelta(days=1, seconds=-1)
        day_count_seconds, _, _ = timed("COUNT(*) of one day's tickets", lambda: db.session.scalar(
            sa.select(sa.func.count()).where(Ticket.received_at >= day_start, Ticket.received_at <= day_end)),
            args.repeat)
        overview_seconds, _, overview = timed("day_overview (督办's 今日概况) at 23:59:59",
                                              lambda: statistics.day_overview(db.session, day_end), args.repeat)
        assert overview.received == expected["day"][day], (overview.received, expected["day"][day])
        print(f"今日概况 matches the generator's count of the day ({overview.received:,} tickets, "
              f"{sum(n for _, n in overview.work):,} events); day_overview = "
              f"{overview_seconds / day_count_seconds:.1f}× the day's COUNT(*)")


if __name__ == "__main__":
    main()
