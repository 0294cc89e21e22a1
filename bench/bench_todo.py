"""The menu counters (`inbox.todo_counts`, refreshed by every open page through /todo.json) on a year of a province.

    python bench/bench_todo.py [--tickets 1000000] [--database-url URL]

Builds a fresh database with the migrations and bulk-loads a year of synthetic tickets: most
closed, the rest spread over the open states a centre has at any moment (registered, dispatched,
accepted with or without an extension request, return requested, replied awaiting a callback),
with deadlines, some tickets urged, and 3 % asking another department for its opinion (协办). An open ticket was received within 1.2 times its time to reply,
so about one in six is overdue. Checks each role's counts against the generator's own, then times
them, and prints what a centre's open pages cost the database when every user polls once per
COUNTER_REFRESH_SECONDS. Then drops the four indexes added for the counters and times them again, in the
same run, for the ratio. Checks each role's counts
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
COUNTER_INDEXES = ("ix_ticket_status_extension_state", "ix_ticket_status_needs_callback",
                   "ix_ticket_department_status_urged", "ix_ticket_status_accept_due")
# share of tickets in each state at one moment: a year's tickets are nearly all closed
STATES = [("closed", 0.955), ("replied", 0.012), ("accepted", 0.014), ("dispatched", 0.008), ("registered", 0.004),
          ("return_requested", 0.001), ("merged", 0.006)]


def build(tickets: int, seed: int = 12393) -> tuple[float, dict]:
    """Insert the tickets; the generator's counts of what each role's badges should show."""
    import sqlalchemy as sa

    from benchdb import insert_tickets
    from ticketing.extensions import db
    from ticketing.models import Category, Department
    from ticketing.services.reference_data import ensure_reference_data

    ensure_reference_data(db.session)
    db.session.commit()
    category_ids = [c.id for c in db.session.scalars(sa.select(Category))]
    departments = {d.code: d.id for d in db.session.scalars(sa.select(Department))}
    db.session.commit()
    busiest = departments["DYBZ"]
    weights = [8 if d == busiest else 1 for d in departments.values()]  # one department takes a third of the work
    rng = random.Random(seed)
    names, shares = zip(*STATES)
    expected = Counter()
    postgres = db.engine.dialect.name == "postgresql"
    started = time.perf_counter()
    with db.engine.begin() as connection:
        values, requests = [], []
        for n in range(1, tickets + 1):
            status = rng.choices(names, shares)[0] if n > 1 else "closed"
            reply_days = rng.choice([3, 5, 15])
            if status in ("closed", "merged"):
                received = NOW - timedelta(seconds=rng.randrange(365 * 86400))
            else:  # still open: received lately, a few past their time
                received = NOW - timedelta(seconds=rng.randrange(int(reply_days * 1.2 * 86400)))
            department = rng.choices(list(departments.values()), weights)[0] if status != "registered" else None
            accept_due = received + timedelta(days=1)
            reply_due = received + timedelta(days=reply_days)
            urged = status in ("dispatched", "accepted") and rng.random() < 0.1
            extension = "requested" if status == "accepted" and rng.random() < 0.05 else None
            callback = status == "replied" and rng.random() < 0.6
            overdue = (status == "dispatched" and accept_due < NOW) or (
                status in ("registered", "accepted", "return_requested", "dispatched") and reply_due < NOW)
            expected["triage"] += status == "registered"
            expected["returns"] += status == "return_requested"
            expected["callbacks"] += callback
            expected["supervise"] += overdue + (extension is not None)
            if department == busiest:
                expected["busiest_in_hand"] += status in ("dispatched", "accepted", "return_requested")
                expected["busiest_urged"] += urged
                expected["busiest_inbox"] += status == "dispatched" or urged
            # SQLite: naive UTC written as SQLAlchemy writes it (with microseconds), so text comparisons agree
            at = (lambda t: t) if postgres else (lambda t: t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
            values.append({"id": n, "number": f"12393-T-{n:08d}", "status": status, "received_at": at(received),
                           "registered_at": at(received),
                           "category_id": rng.choice(category_ids), "department_id": department,
                           "accept_due_at": at(accept_due), "reply_due_at": at(reply_due),
                           "last_urged_at": at(NOW - timedelta(hours=3)) if urged else None,
                           "urge_count": int(urged), "extension_state": extension, "needs_callback": callback,
                           "closed_at": at(received + timedelta(days=3)) if status == "closed" else None,
                           "merged_into_id": 1 if status == "merged" else None})
            # 协办: a few tickets ask another department; a request is open only while its ticket is with a
            # department (leaving them ends it: answered, withdrawn or 已终止 on every other ticket)
            if department is not None and rng.random() < 0.03:
                asked = rng.choices([d for d in departments.values() if d != department],
                                    [w for d, w in zip(departments.values(), weights) if d != department])[0]
                if status in ("dispatched", "accepted", "return_requested"):
                    state = rng.choices(["open", "answered", "withdrawn"], [0.6, 0.35, 0.05])[0]
                else:
                    state = rng.choices(["answered", "withdrawn", "lapsed"], [0.85, 0.05, 0.1])[0]
                expected["busiest_assists"] += asked == busiest and state == "open"
                requests.append({"ticket_id": n, "department_id": asked, "state": state, "request": "请核实",
                                 "requested_at": at(received + timedelta(hours=2)),
                                 "due_at": at(received + timedelta(days=3)), "calendar_confirmed": True})
            if len(values) == 5000:
                insert_tickets(connection, values)
                values = []
        insert_tickets(connection, values)
        for start in range(0, len(requests), 5000):
            connection.execute(sa.text(
                "INSERT INTO assist_request (ticket_id, department_id, state, request, requested_at, due_at, "
                "calendar_confirmed) VALUES (:ticket_id, :department_id, :state, :request, :requested_at, :due_at, "
                ":calendar_confirmed)"), requests[start:start + 5000])
    if postgres:  # what autovacuum does on a live database: statistics, and the visibility map for index-only scans
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE ticket"))
            connection.execute(sa.text("VACUUM ANALYZE assist_request"))
    expected["busiest_department_id"] = busiest
    return time.perf_counter() - started, expected


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--agents", type=int, default=150, help="agents with a page open at once")
    parser.add_argument("--staff", type=int, default=140, help="department staff with a page open at once")
    parser.add_argument("--supervisors", type=int, default=10, help="supervisors with a page open at once")
    parser.add_argument("--poll-seconds", type=int, default=60)
    args = parser.parse_args()

    import sqlalchemy as sa

    from benchdb import fresh_app, scratch_folder
    from ticketing.extensions import db
    from ticketing.models import Role, User

    app = fresh_app(args.database_url, scratch_folder("bench_todo_"))
    with app.app_context():
        load_seconds, expected = build(args.tickets)
        print(f"engine {db.engine.dialect.name}, {args.tickets:,} tickets loaded in {load_seconds:.0f} s")
        people = {  # never added to the session: todo_counts reads only the role and the department
            "agent": User(username="a", role=Role.AGENT.value),
            "staff of the busiest department": User(username="s", role=Role.STAFF.value,
                                                    department_id=expected["busiest_department_id"]),
            "supervisor": User(username="v", role=Role.SUPERVISOR.value),
        }
        costs = time_roles(people, expected, args.repeat)
        from benchdb import timed
        from ticketing.services import assists
        timed("of which 协办 (assists.queue_count)",
              lambda: assists.queue_count(db.session, expected["busiest_department_id"]), args.repeat)
        from ticketing.services import inbox
        _, _, load = timed("督办 各承办单位在办 (inbox.department_load)",
                           lambda: inbox.department_load(db.session, NOW, near_hours=24), args.repeat)
        busiest = load[expected["busiest_department_id"]]
        assert (busiest.total, busiest.assists) == (expected["busiest_in_hand"], expected["busiest_assists"]), busiest
        mix = {"agent": args.agents, "staff of the busiest department": args.staff, "supervisor": args.supervisors}
        users = sum(mix.values())
        load = sum(count / args.poll_seconds * costs[label] for label, count in mix.items())
        print(f"{users} open pages ({args.agents} agents, {args.staff} staff, {args.supervisors} supervisors) polling "
              f"every {args.poll_seconds} s: {users / args.poll_seconds:.1f} polls/s, {load:.2f} s of database time "
              f"per second ({load:.0%} of one core)")

        db.session.commit()
        for name in COUNTER_INDEXES:
            db.session.execute(sa.text(f"DROP INDEX {name}"))
        db.session.commit()
        print(f"without {', '.join(COUNTER_INDEXES)}:")
        before = time_roles(people, expected, args.repeat)
        for label in people:
            print(f"  {label}: {before[label] / costs[label]:.1f}× the time with them")


def time_roles(people: dict, expected: Counter, repeat: int) -> dict[str, float]:
    from benchdb import timed
    from ticketing.extensions import db
    from ticketing.models import Role
    from ticketing.services import inbox

    costs = {}
    for label, user in people.items():
        costs[label], _, counts = timed(f"todo_counts, {label}", lambda u=user: inbox.todo_counts(db.session, u, NOW),
                                        repeat)
        if user.role == Role.AGENT.value:
            assert (counts["triage"], counts["returns"], counts["callbacks"]) == (
                expected["triage"], expected["returns"], expected["callbacks"]), (counts, expected)
        elif user.role == Role.STAFF.value:
            assert (counts["inbox"], counts["urged"], counts["assists"]) == (
                expected["busiest_inbox"], expected["busiest_urged"], expected["busiest_assists"]), (counts, expected)
        else:
            assert counts["supervise"] == expected["supervise"], (counts, expected)
    print("counts match the generator's (triage, returns, callbacks, inbox, urged, assists, overdue + extensions)")
    return costs


if __name__ == "__main__":
    main()
