"""月度考核 on one busy month: live month, one department's drill-down, issuing, and the issued snapshot.

    python bench/bench_assessment.py [--receipts 300000] [--database-url URL] [--repeat 3] [--cap 120]

Builds a fresh database with the migrations and the reference departments, then bulk-loads
(COPY on PostgreSQL, executemany on SQLite) one local month (2026-10) of synthetic tickets
with the event sequence the assessment reads, written as services/tickets.py writes it:
register, dispatch (data.department), some reassigns and returns (data.from/to, approved,
refused or pending), accept and reply (data.on_time, some late), extensions requested and
approved or refused, urges, 告知法定途径, callbacks (reached, satisfaction, solved, with the
department) with some unhappy ones reopened (data.department) and worked again, close,
a few merges and transfers, tickets still open at the end, and a few accepted and rejected
contests. Events stop at "now" (10 November), so late-October tickets are still open.
Tickets are added until the month holds --receipts receipts (ticket x department).

It then times, median of --repeat runs: the live month (month_report before issuing), the
same month reused from the stored live figures (what every request within
ASSESSMENT_LIVE_CACHE_SECONDS gets), the
drill-down of the largest department (counted_tickets, live), issuing the month (issue_month
and commit; the report is deleted again between runs), and reading the issued month back
(month_report and counted_tickets from the snapshot). On PostgreSQL it also times the live month and
the drill-down with JIT on, and once each without the statistics on the department an assignment event
names (cancelled after --cap seconds; migration 8e4a6c2f1b57). It checks the live figures against
counts kept while generating the data and against the issued snapshot, and prints the
figures, then one JSON object as its last line.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MONTH = "2026-10"
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10 November, 10:00 in Beijing: the month has ended
TYPES = [("consult", 50, 5), ("help", 20, 10), ("complaint", 20, 15), ("report", 5, 20), ("suggestion", 5, 10)]
CALLBACK_SHARE = {"consult": 0.2, "help": 0.5, "complaint": 1.0, "report": 1.0, "suggestion": 0.2}
# a busy centre: the reimbursement and out-of-area sections get most of the work
DEPARTMENT_WEIGHTS = {"DYBZ": 30, "YDJS": 15, "CBZJ": 12, "XXZX": 8, "YLJZ": 5, "YYJG": 4, "YYFW": 5, "JJJG": 4,
                      "CHJB": 3, "BGS": 3, "RXZX": 2, "SHQ": 5, "TMTZ": 4}
RECEIVE = ("dispatch", "reassign", "approve_return")
ASSIGN = RECEIVE + ("reopen",)
OUTCOME = ("accept", "reply", "legal_channel", "approve_return", "approve_extension", "reopen")
COUNTS = ("received", "contested", "accept_due", "accept_on_time", "reply_due", "reply_on_time", "overdue",
          "return_base", "returned", "extended", "reopened", "handled", "reached", "satisfied", "solved")

TICKET_COLUMNS = ("id", "number", "channel", "type", "urgency", "title", "content", "status", "status_before_return",
                  "closure_kind", "department_id", "designated", "needs_callback", "accept_due_at", "reply_due_at",
                  "calendar_confirmed", "extension_state", "extension_until", "extension_count", "urge_count",
                  "reopen_count", "return_count", "received_at", "registered_at", "dispatched_at", "accepted_at",
                  "replied_at", "called_back_at", "closed_at", "merged_into_id", "transfer_reference")
EVENT_COLUMNS = ("id", "ticket_id", "actor_id", "actor_label", "action", "from_status", "to_status", "note", "data",
                 "created_at")
CALLBACK_COLUMNS = ("id", "ticket_id", "agent_id", "department_id", "reached", "satisfaction", "solved", "note",
                    "created_at")
CONTEST_COLUMNS = ("id", "month", "department_id", "ticket_id", "reason", "state", "filed_by_id", "filed_at",
                   "decided_by_id", "decided_at", "decision_note")


class Stop(Exception):
    """The next event would happen after NOW: the ticket stays where it is."""


class TicketSim:
    """One ticket's life, event by event, as services/tickets.py records it (no database)."""

    def __init__(self, tid: int, rng: random.Random, departments: list[str], weights: list[int],
                 start: datetime, simple: bool):
        self.tid, self.rng, self.simple = tid, rng, simple
        self.departments, self.weights = departments, weights
        self.events: list[tuple] = []      # (action, from_status, to_status, data, at)
        self.callbacks: list[tuple] = []   # (department code, reached, satisfaction, solved, at)
        self.clock = start
        kind = rng.choices(TYPES, weights=[t[1] for t in TYPES])[0]
        self.type, self.reply_days = kind[0], kind[2]
        self.urgent = rng.random() < 0.05
        self.accept_hours = 2 if self.urgent else 24
        self.t = {"status": None, "status_before_return": None, "closure_kind": None, "department": None,
                  "designated": False, "needs_callback": False, "accept_due_at": None, "reply_due_at": None,
                  "extension_state": None, "extension_until": None, "extension_count": 0, "urge_count": 0,
                  "reopen_count": 0, "return_count": 0, "received_at": start, "registered_at": start,
                  "dispatched_at": None, "accepted_at": None, "replied_at": None, "called_back_at": None,
                  "closed_at": None, "merged_into_id": None, "transfer_reference": None}

    def event(self, action: str, to: str | None = None, data: dict | None = None, hours: float = 0.0) -> datetime:
        at = self.clock + timedelta(hours=hours)
        if at > NOW:
            raise Stop
        self.clock = at
        status = self.t["status"]
        self.events.append((action, status, to or status, data or {}, at))
        if to:
            self.t["status"] = to
        return at

    def other(self, code: str) -> str:
        while (pick := self.rng.choices(self.departments, weights=self.weights)[0]) == code:
            pass
        return pick

    def assign(self, code: str, at: datetime, fresh_reply_clock: bool) -> None:
        t = self.t
        t["department"], t["dispatched_at"], t["accepted_at"] = code, at, None
        t["accept_due_at"] = at + timedelta(hours=self.accept_hours)
        if fresh_reply_clock:
            t["reply_due_at"] = at + timedelta(days=self.reply_days)

    def run(self, month_end: datetime) -> None:
        try:
            self._run(month_end)
        except Stop:
            pass

    def _run(self, month_end: datetime) -> None:
        rng, t = self.rng, self.t
        self.event("register", "registered", {"channel": "hotline_12393"})
        first = rng.choices(self.departments, weights=self.weights)[0]
        at = self.event("dispatch", "dispatched", {"department": first, "rule_id": None, "decided_by": "system"},
                        rng.uniform(0.05, 1.0))
        self.assign(first, at, fresh_reply_clock=True)
        if not self.simple and rng.random() < 0.02:
            hours = rng.uniform(1, 20)
            if self.clock + timedelta(hours=hours) < month_end:
                to = self.other(first)
                at = self.event("reassign", "dispatched", {"from": t["department"], "to": to}, hours)
                self.assign(to, at, fresh_reply_clock=False)
        exit_roll = rng.random()
        if exit_roll < 0.005 and self.tid > 1:  # a duplicate of the previous ticket
            self.event("merge", "merged", {"into": f"12393-A-{self.tid - 1:08d}"}, rng.uniform(1, 10))
            t["merged_into_id"] = self.tid - 1
            return
        if exit_roll < 0.01:
            self.event("transfer_out", "transferred_out", {"reference": f"12345-{self.tid}"}, rng.uniform(1, 10))
            t["transfer_reference"] = f"12345-{self.tid}"
            return
        if exit_roll < 0.025:  # never accepted: waits past its accept deadline
            return
        if not self.simple and rng.random() < 0.05:
            if rng.random() < 0.5:
                self.accept()
            before = t["status"]
            self.event("return", "return_requested", {"working_days_after_dispatch": 1}, rng.uniform(2, 30))
            t["status_before_return"], t["return_count"] = before, t["return_count"] + 1
            roll = rng.random()
            if roll < 0.75:
                to = self.other(t["department"])
                at = self.event("approve_return", "dispatched",
                                {"from": t["department"], "to": to, "counts_against": None}, rng.uniform(2, 24))
                t["designated"], t["status_before_return"] = True, None
                self.assign(to, at, fresh_reply_clock=True)
            elif roll < 0.95:
                self.event("refuse_return", before, {}, rng.uniform(2, 24))
                t["status_before_return"] = None
            else:  # still waiting for the supervisor
                return
        for round_ in range(2):
            if t["status"] == "dispatched":
                self.accept()
            if rng.random() < 0.06:
                until = t["reply_due_at"] + timedelta(days=rng.uniform(7, 15))
                self.event("request_extension", None, {"until": until.isoformat()}, rng.uniform(24, 96))
                t["extension_state"], t["extension_until"] = "requested", until
                if rng.random() < 0.85:
                    self.event("approve_extension", None, {"from": t["reply_due_at"].isoformat(),
                                                           "until": until.isoformat(), "tell_citizen": True},
                               rng.uniform(2, 24))
                    t["reply_due_at"], t["extension_state"] = until, "approved"
                    t["extension_count"] += 1
                else:
                    self.event("refuse_extension", None, {"until": until.isoformat()}, rng.uniform(2, 24))
                    t["extension_state"] = "refused"
            if rng.random() < 0.04:
                self.event("urge", None, {}, rng.uniform(4, 48))
                t["urge_count"] += 1
            roll = rng.random()
            if roll < 0.05:  # still being worked on
                return
            remaining = max(1.0, (t["reply_due_at"] - self.clock).total_seconds() / 3600)
            hours = (rng.uniform(0.05, 0.95) * remaining if rng.random() < 0.88
                     else remaining + rng.uniform(12, 120))
            if roll < 0.08:
                at = self.event("legal_channel", "closed", {}, hours)
                t["replied_at"] = t["closed_at"] = at
                t["closure_kind"] = "legal_channel"
                return
            at = self.event("reply", "replied", {"on_time": at_or_before(self.clock + timedelta(hours=hours),
                                                                           t["reply_due_at"])}, hours)
            t["replied_at"] = at
            t["needs_callback"] = rng.random() < CALLBACK_SHARE[self.type]
            if t["needs_callback"]:
                reached = rng.random() < 0.88
                satisfaction = solved = None
                if reached:
                    satisfaction = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [70, 18, 12])[0]
                    solved = rng.random() < (0.6 if satisfaction == "dissatisfied" else 0.93)
                at = self.event("callback", "called_back",
                                {"reached": reached, "satisfaction": satisfaction, "solved": solved},
                                rng.uniform(12, 72))
                t["called_back_at"] = at
                self.callbacks.append((t["department"], reached, satisfaction, solved, at))
                unhappy = reached and (satisfaction == "dissatisfied" or solved is False)
                if unhappy and round_ == 0 and rng.random() < 0.5:
                    at = self.event("reopen", "dispatched", {"department": t["department"]}, rng.uniform(1, 24))
                    t["reopen_count"] += 1
                    t["replied_at"] = t["closure_kind"] = t["extension_state"] = None
                    self.assign(t["department"], at, fresh_reply_clock=True)
                    continue
            at = self.event("close", "closed", {}, rng.uniform(0.5, 48))
            t["closed_at"], t["closure_kind"] = at, "handled"
            return

    def accept(self) -> None:
        rng, t = self.rng, self.t
        hours = (rng.uniform(0.05, 0.9) if rng.random() < 0.9 else rng.uniform(1.1, 3.0)) * self.accept_hours
        at = self.event("accept", "accepted",
                        {"on_time": at_or_before(self.clock + timedelta(hours=hours), t["accept_due_at"])}, hours)
        t["accepted_at"] = at


def at_or_before(moment: datetime, due: datetime | None) -> bool:
    return due is None or moment <= due


def expected_items(sim: TicketSim, start: datetime, end: datetime, contested: set[str]) -> dict[str, dict]:
    """docs/assessment.md's flags per receipt, computed in Python from the generated events."""
    left_at = next((at for action, _, _, _, at in sim.events if action in ("merge", "transfer_out")), None)
    if sim.t["status"] == "merged" and left_at <= sim.t["accept_due_at"]:
        return {}  # a duplicate merged in time is counted once, in the ticket it joined: no receipt
    holders, holder = [], None
    for action, _, _, data, _ in sim.events:
        holders.append(holder)
        if action in ASSIGN:
            holder = data.get("to") or data.get("department")
    receipts: dict[str, datetime] = {}
    for action, _, _, data, at in sim.events:
        if action in RECEIVE and start <= at < end:
            code = data.get("to") or data.get("department")
            receipts.setdefault(code, at)
    t = sim.t
    items = {}
    for code, received_at in receipts.items():
        mine = [(action, data, at) for (action, _, _, data, at), held in zip(sim.events, holders)
                if action in OUTCOME and at >= received_at and held == code]
        accepts = [data for action, data, _ in mine if action == "accept"]
        done = [(action, data, at) for action, data, at in mine if action in ("reply", "legal_channel")]
        done_late = any((action == "reply" and data["on_time"] is False)
                        or (action == "legal_channel" and at > t["reply_due_at"]) for action, data, at in done)
        held_now = t["department"] == code
        # a ticket merged or transferred after a deadline is as late as it was when it left
        left = held_now and t["status"] in ("merged", "transferred_out")
        pending_accept = held_now and ((t["status"] == "dispatched" and t["accept_due_at"] < NOW) or (
            left and t["accepted_at"] is None and t["accept_due_at"] < left_at))
        pending_reply = held_now and ((t["status"] in ("dispatched", "accepted", "return_requested")
                                       and t["reply_due_at"] < NOW) or (
            left and t["replied_at"] is None and t["reply_due_at"] < left_at))
        reply_on_time = bool(done) and not done_late and not pending_reply
        reply_due = bool(done) or pending_reply
        last = [c for c in sim.callbacks if c[0] == code and c[1]]
        last = last[-1] if last else None
        is_contested = code in contested
        counted = 0 if is_contested else 1
        items[code] = {
            "received": 1, "contested": int(is_contested),
            "accept_due": counted * int(bool(accepts) or pending_accept),
            "accept_on_time": counted * int(bool(accepts) and all(a["on_time"] for a in accepts)
                                            and not pending_accept),
            "reply_due": counted * int(reply_due), "reply_on_time": counted * int(reply_on_time),
            "overdue": counted * int(reply_due and not reply_on_time), "return_base": counted,
            "returned": counted * int(any(a == "approve_return" for a, _, _ in mine)),
            "extended": int(any(a == "approve_extension" for a, _, _ in mine)),
            "reopened": int(any(a == "reopen" for a, _, _ in mine)),
            "handled": int(bool(done)),
            "reached": int(last is not None),
            "satisfied": int(last is not None and last[2] in ("satisfied", "basically_satisfied")),
            "solved": int(last is not None and last[3] is True),
        }
    return items


class Loader:
    """Buffered bulk insert: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection, postgres: bool):
        self.connection, self.postgres = connection, postgres
        self.rows: dict[str, list] = defaultdict(list)
        self.columns: dict[str, tuple] = {}

    def add(self, table: str, columns: tuple, row: dict) -> None:
        self.columns[table] = columns
        values = []
        for name in columns:
            value = row.get(name)
            if isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, datetime) and not self.postgres:
                value = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            elif isinstance(value, bool) and not self.postgres:
                value = int(value)
            values.append(value)
        self.rows[table].append(tuple(values))

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if not rows:
                continue
            columns = self.columns[table]
            if self.postgres:
                raw = self.connection.connection.driver_connection
                with raw.cursor() as cursor:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                self.connection.exec_driver_sql(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
            rows.clear()


def build(receipts_wanted: int, department_ids: dict[str, int], supervisor_id: int, seed: int = 12393):
    """Load the month; return (seconds, counts, expected totals per department code)."""
    import sqlalchemy as sa

    from ticketing.extensions import db
    from ticketing.services.assessment import month_bounds

    rng = random.Random(seed)
    start, end = month_bounds(MONTH)
    span = (end - start).total_seconds() - 3 * 3600
    codes = list(DEPARTMENT_WEIGHTS)
    weights = [DEPARTMENT_WEIGHTS[c] for c in codes]
    expected: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    counts = defaultdict(int)
    started = time.perf_counter()
    event_id = callback_id = contest_id = tid = 0
    receipts = 0
    # tickets per receipt is about 1.04; spread the received times over the month accordingly
    planned_tickets = receipts_wanted / 1.04
    with db.engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        loader = Loader(connection, postgres)
        while receipts < receipts_wanted:
            tid += 1
            at = start + timedelta(seconds=min(span, span * tid / planned_tickets) + rng.uniform(0, 600))
            at = min(at, start + timedelta(seconds=span))
            sim = TicketSim(tid, rng, codes, weights, at, simple=receipts_wanted - receipts <= 1)
            sim.run(end)
            contested: dict[str, str] = {}
            receipt_codes = []
            for action, _, _, data, when in sim.events:
                if action in RECEIVE and start <= when < end:
                    code = data.get("to") or data.get("department")
                    if code not in receipt_codes:
                        receipt_codes.append(code)
            for code in receipt_codes:
                roll = rng.random()
                if roll < 0.0015:
                    contested[code] = "accepted"
                elif roll < 0.002:
                    contested[code] = "rejected"
            items = expected_items(sim, start, end, {c for c, s in contested.items() if s == "accepted"})
            receipts += len(items)
            for code, flags in items.items():
                for name, value in flags.items():
                    expected[code][name] += value
            t = sim.t
            row = dict(t, id=tid, number=f"12393-A-{tid:08d}", channel="hotline_12393", type=sim.type,
                       urgency="urgent" if sim.urgent else "normal", title=f"基准工单{tid}",
                       content="异地就医备案后住院费用报销咨询（基准数据）", calendar_confirmed=True,
                       department_id=department_ids[t["department"]] if t["department"] else None)
            loader.add("ticket", TICKET_COLUMNS, row)
            for action, from_status, to_status, data, when in sim.events:
                event_id += 1
                loader.add("ticket_event", EVENT_COLUMNS, {
                    "id": event_id, "ticket_id": tid, "actor_id": None, "actor_label": "基准", "action": action,
                    "from_status": from_status, "to_status": to_status, "note": "", "data": data,
                    "created_at": when})
            for code, reached, satisfaction, solved, when in sim.callbacks:
                callback_id += 1
                loader.add("callback", CALLBACK_COLUMNS, {
                    "id": callback_id, "ticket_id": tid, "agent_id": supervisor_id,
                    "department_id": department_ids[code], "reached": reached, "satisfaction": satisfaction,
                    "solved": solved, "note": "", "created_at": when})
            for code, state in contested.items():
                contest_id += 1
                filed, decided = NOW - timedelta(days=5), NOW - timedelta(days=3)
                loader.add("assessment_contest", CONTEST_COLUMNS, {
                    "id": contest_id, "month": MONTH, "department_id": department_ids[code], "ticket_id": tid,
                    "reason": "非本单位职责（基准）", "state": state, "filed_by_id": supervisor_id, "filed_at": filed,
                    "decided_by_id": supervisor_id, "decided_at": decided,
                    "decision_note": "" if state == "accepted" else "理由不成立"})
                for action, when in (("contest", filed), ("contest_" + ("accept" if state == "accepted" else "reject"),
                                                          decided)):
                    event_id += 1
                    loader.add("ticket_event", EVENT_COLUMNS, {
                        "id": event_id, "ticket_id": tid, "actor_id": supervisor_id, "actor_label": "基准",
                        "action": action, "from_status": t["status"], "to_status": t["status"], "note": "",
                        "data": {"month": MONTH, "department": code, "contest_id": contest_id}, "created_at": when})
            if tid % 5000 == 0:
                loader.flush()
        loader.flush()
        if postgres:
            for table in ("ticket", "ticket_event", "callback", "assessment_contest"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            connection.exec_driver_sql("ANALYZE")
        for table in ("ticket", "ticket_event", "callback", "assessment_contest"):
            counts[table] = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
    counts["receipts"] = receipts
    return time.perf_counter() - started, dict(counts), {code: dict(v) for code, v in expected.items()}


def without_statistics(db, live_month, drill_down, live: float, drill: float, cap: int) -> dict:
    """PostgreSQL: the live month and the drill-down once each without the statistics on the department an
    assignment event names (migration 8e4a6c2f1b57), cancelled after ``cap`` seconds; then the statistics again."""
    import sqlalchemy as sa

    definition = db.session.execute(sa.text(
        "SELECT pg_get_statisticsobjdef(oid) FROM pg_statistic_ext WHERE stxname = 'st_ticket_event_department_code'"
    )).scalar()
    db.session.execute(sa.text("DROP STATISTICS st_ticket_event_department_code"))
    db.session.execute(sa.text("ANALYZE ticket_event"))
    db.session.commit()
    found = {}
    try:
        for name, work, with_them in (("live_month", live_month, live), ("drill_down", drill_down, drill)):
            started = time.perf_counter()
            try:
                db.session.execute(sa.text(f"SET LOCAL statement_timeout = '{cap}s'"))
                work()
                seconds, capped = time.perf_counter() - started, False
            except sa.exc.OperationalError:  # canceling statement due to statement timeout
                db.session.rollback()
                seconds, capped = time.perf_counter() - started, True
            shown = f"more than {cap} s (cancelled)" if capped else f"{seconds:.2f} s"
            print(f"{name.replace('_', ' ')} without the department statistics: {shown}, "
                  f"{'at least ' if capped else ''}{seconds / with_them:.1f}x the time with them", flush=True)
            found[f"no_statistics_{name}_s"] = round(seconds, 3)
            found[f"no_statistics_{name}_capped"] = capped
            found[f"no_statistics_over_with_{name}"] = round(seconds / with_them, 1)
    finally:
        db.session.rollback()
        db.session.execute(sa.text(definition))
        db.session.execute(sa.text("ANALYZE ticket_event"))
        db.session.commit()
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--receipts", type=int, default=300_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cap", type=int, default=120,
                        help="PostgreSQL: seconds allowed to one run without the department statistics (default 120)")
    args = parser.parse_args()
    import sqlalchemy as sa

    from benchdb import fresh_app, scratch_folder, timed
    from ticketing.extensions import db
    from ticketing.models import AssessmentItem, AssessmentReport, Department, User
    from ticketing.services import assessment
    from ticketing.services.reference_data import ensure_reference_data

    app = fresh_app(args.database_url, scratch_folder("bench_assessment_"))
    with app.app_context():
        ensure_reference_data(db.session)
        supervisor = User(username="bench_supervisor", display_name="考核基准", role="supervisor",
                          password_hash="!")
        db.session.add(supervisor)
        db.session.commit()
        department_ids = {d.code: d.id for d in db.session.scalars(sa.select(Department))}
        supervisor_id = supervisor.id
        # end the session's transaction before the load: on SQLite (WAL, explicit BEGIN) a transaction
        # begun earlier would keep reading the empty snapshot
        db.session.commit()
        load_seconds, counts, expected = build(args.receipts, department_ids, supervisor_id)
        engine = db.engine.dialect.name
        print(f"engine {engine}, month {MONTH}, as of {NOW:%Y-%m-%d %H:%M} UTC; loaded in {load_seconds:.0f} s: "
              f"{counts['receipts']:,} receipts, {counts['ticket']:,} tickets, {counts['ticket_event']:,} events, "
              f"{counts['callback']:,} callbacks, {counts['assessment_contest']:,} contests", flush=True)

        by_size = sorted(expected, key=lambda code: expected[code]["received"])
        largest_code, middle_code = by_size[-1], by_size[len(by_size) // 2]
        largest_id = department_ids[largest_code]

        seen_received = []

        def live_month():
            report = assessment.month_report(db.session, MONTH, now=NOW)
            seen_received.append(sum(row.received for row in report.rows))
            db.session.rollback()
            return report

        def live_month_reused():
            report = assessment.month_report(db.session, MONTH, now=NOW, max_age=timedelta(minutes=5))
            db.session.rollback()
            return report

        def drill_down(department_id=largest_id):
            department = db.session.get(Department, department_id)
            result = assessment.counted_tickets(db.session, MONTH, department, now=NOW)
            db.session.rollback()
            return result

        def issue():
            actor = db.session.get(User, supervisor_id)
            report = assessment.issue_month(db.session, MONTH, actor=actor, now=NOW)
            db.session.commit()
            return report.id

        def unissue():
            db.session.execute(sa.delete(AssessmentItem))
            db.session.execute(sa.delete(AssessmentReport))
            db.session.commit()

        live, live_runs, live_report = timed("live month (month_report, not issued)", live_month, args.repeat)
        drill, drill_runs, (_, drill_total) = timed(f"drill-down {largest_code} (counted_tickets, live)",
                                                    drill_down, args.repeat)
        middle, middle_runs, _ = timed(f"drill-down {middle_code} (median size, live)",
                                       lambda: drill_down(department_ids[middle_code]), args.repeat)
        # what every later request within ASSESSMENT_LIVE_CACHE_SECONDS gets: the stored live figures
        assessment.month_report(db.session, MONTH, now=NOW, max_age=timedelta(minutes=5))
        db.session.commit()
        reused, reused_runs, reused_report = timed("live month reused (month_report, stored)", live_month_reused,
                                                   args.repeat)
        issuing, issue_runs, _ = timed("issue month (issue_month + commit)", issue, args.repeat, between=unissue)
        read, read_runs, issued_report = timed("issued month read (month_report, snapshot)", live_month,
                                               args.repeat)
        read_drill, read_drill_runs, (_, read_drill_total) = timed(
            f"issued drill-down {largest_code} (snapshot)", drill_down, args.repeat)
        jit = {}
        if engine == "postgresql":  # the app turns PostgreSQL's JIT off (config.py); what it costs when on
            def with_jit(work):
                def run():
                    db.session.execute(sa.text("SET LOCAL jit = on"))
                    return work()
                return run

            unissue()
            jit_live, jit_live_runs, _ = timed("live month, JIT on", with_jit(live_month), args.repeat)
            jit_drill, jit_drill_runs, _ = timed(f"drill-down {largest_code}, JIT on", with_jit(drill_down), args.repeat)
            jit = {"jit_on_live_month_s": round(jit_live, 3), "jit_on_drill_down_s": round(jit_drill, 3),
                   "jit_on_over_off_live_month": round(jit_live / live, 2),
                   "jit_on_over_off_drill_down": round(jit_drill / drill, 2),
                   "runs_jit_on": {"live_month": jit_live_runs, "drill_down": jit_drill_runs}}
            print(f"JIT on / off (the app's setting): live month {jit_live / live:.2f}x, drill-down "
                  f"{jit_drill / drill:.2f}x")
            jit.update(without_statistics(db, live_month, drill_down, live, drill, args.cap))
            issue()
        ratio = live / read if read else None
        print(f"live month / reused live month: {live / reused:,.0f}x; live month / issued snapshot read: {ratio:,.0f}x; "
              f"live drill-down / snapshot drill-down: {drill / read_drill:,.1f}x")

        # are the figures right? against the generator's own counts, and live against issued
        problems = []
        live_rows = {row.department_code: row for row in live_report.rows}
        for code, wanted in sorted(expected.items()):
            row = live_rows.get(code)
            for name in COUNTS:
                got = getattr(row, name) if row else None
                if got != wanted[name]:
                    problems.append(f"{code}.{name}: live {got}, expected {wanted[name]}")
        if not reused_report.cached or [r.stored() for r in reused_report.rows] != [r.stored() for r in live_report.rows]:
            problems.append("the reused live month differs from the computed one")
        issued_rows = {row.department_code: row for row in issued_report.rows}
        for code, row in live_rows.items():
            if row.stored() != issued_rows[code].stored():
                problems.append(f"{code}: issued snapshot differs from the live figures")
        if drill_total != expected[largest_code]["received"] or read_drill_total != drill_total:
            problems.append(f"drill-down count {drill_total} / snapshot {read_drill_total}, "
                            f"expected {expected[largest_code]['received']}")
        if any(seen != counts["receipts"] for seen in seen_received):
            problems.append(f"month_report runs saw {seen_received} receipts")
        totals = {name: sum(getattr(row, name) for row in live_report.rows) for name in COUNTS}
        print("month totals: " + ", ".join(f"{name} {value:,}" for name, value in totals.items()))
        print("departments: " + ", ".join(f"{row.department_code} {row.received:,} ({row.score})"
                                          for row in live_report.rows))
        print("check: " + ("live figures match the generated data and the issued snapshot" if not problems
                           else f"{len(problems)} mismatches:\n  " + "\n  ".join(problems[:40])))
        print(json.dumps({
            "engine": engine, "receipts": counts["receipts"], "tickets": counts["ticket"],
            "events": counts["ticket_event"], "callbacks": counts["callback"],
            "contests": counts["assessment_contest"], "load_s": round(load_seconds, 1),
            "live_month_s": round(live, 3), "drill_down_s": round(drill, 3), "drill_down_department": largest_code,
            "drill_down_receipts": drill_total,
            "median_drill_down_s": round(middle, 3), "median_drill_down_department": middle_code,
            "median_drill_down_receipts": expected[middle_code]["received"], "issue_s": round(issuing, 3),
            "reused_live_month_s": round(reused, 4), "issued_read_s": round(read, 4), "issued_drill_down_s": round(read_drill, 4),
            "live_vs_issued_read": round(ratio, 1) if ratio else None,
            "runs": {"live_month": live_runs, "drill_down": drill_runs, "median_drill_down": middle_runs, "issue": issue_runs, "reused_live_month": reused_runs,
                     "issued_read": read_runs, "issued_drill_down": read_drill_runs},
            "figures_check": "ok" if not problems else f"{len(problems)} mismatches", **jit,
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
