"""Time the file import: a synthetic 100,000-row CSV built from the classifier corpus.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--classifier]
    DATABASE_URL=postgresql://… .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --alongside [--rows 6000]

With --alongside, an agent saves a call every 0.25 s while the file is imported, first in batches of 1,000
rows (as the page did), then as the page does now (import_jobs.LIVE_BATCH rows, import_jobs.end_batch between
them), and the call saves' waits and the import's rate are printed for both, with their ratios.

Builds the CSV (mail_id,title,query,query_date) in a temporary directory,
imports it into a fresh database (SQLite in the temporary directory, or the
empty PostgreSQL database given by DATABASE_URL, which is upgraded first),
then imports it a second time (everything is skipped) and prints both timings.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_csv(path: Path, rows: int, seed: int = 12393) -> None:
    texts = []
    for corpus in sorted((ROOT / "classifiers" / "data" / "corpus").glob("*.csv")):
        with corpus.open(encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["mail_id", "title", "query", "query_date"])
        for i in range(rows):
            text = rng.choice(texts)
            when = start + timedelta(minutes=5 * i)
            writer.writerow([f"BENCH{i:07d}", text[:20], text + f"（编号{i}）",
                             when.strftime("%Y/%-m/%-d %H:%M") if i % 2 else when.strftime("%Y-%m-%d")])


def import_beside_calls(app, csv_path: Path, channel: str, batch: int, end_batch) -> dict:
    """Import the file in a thread, as the page does, while this thread saves a call every 0.25 s as an agent's
    request would (taking SQLite's write lock first); the calls' waits in seconds and the import's rate."""
    import threading

    from ticketing.extensions import db, take_the_write_lock
    from ticketing.models import Role, User
    from ticketing.services import clock, importing, tickets

    done, imported = threading.Event(), {}

    def run_import():
        try:
            with app.app_context():
                session = db.session()
                take_the_write_lock(session)
                sheet = importing.read_sheet(csv_path)
                mapping = importing.check_mapping(importing.guess_mapping(sheet.headers), sheet.headers)
                started = time.perf_counter()
                result = importing.import_rows(session, sheet.rows, mapping, channel=channel, actor=None,
                                               now=clock.now_utc(), batch_size=batch,
                                               on_batch=lambda _: end_batch(session))
                session.commit()
                imported.update(rows=result.rows, created=result.created, seconds=time.perf_counter() - started)
                db.session.remove()
        finally:
            done.set()

    waits = []
    with app.app_context():
        agent_id = db.session.scalar(sa.select(User.id).where(User.role == Role.AGENT.value))
        db.session.commit()  # no read transaction left open: a request begins with the write lock
        thread = threading.Thread(target=run_import)
        thread.start()
        failed = 0
        while not done.is_set():
            started = time.perf_counter()
            try:
                take_the_write_lock(db.session)
                data = tickets.TicketInput(channel="hotline_12393", type="consult", content="咨询异地就医备案怎么办理",
                                           category_code="YD", caller_phone="13800138000")
                tickets.register_ticket(db.session, data, actor=db.session.get(User, agent_id), now=clock.now_utc())
                db.session.commit()
            except sa.exc.OperationalError:  # SQLite's "database is locked" after busy_timeout: a 500 to the agent
                db.session.rollback()
                failed += 1
            waits.append(time.perf_counter() - started)
            time.sleep(0.25)
        thread.join()
    if "rows" not in imported:
        raise SystemExit("the import failed; see the error above")
    waits.sort()
    return {"rate": imported["created"] / imported["seconds"], "calls": len(waits), "failed": failed,
            "median": waits[len(waits) // 2], "p95": waits[int(len(waits) * 0.95)], "max": waits[-1]}


def alongside(app, workdir: Path, rows: int) -> None:
    from ticketing.extensions import db
    from ticketing.models import Role, User
    from ticketing.services import import_jobs

    with app.app_context():
        agent = User(username="bench_agent", display_name="基准话务员", role=Role.AGENT.value)
        agent.set_password("bench-" + "p" * 20)
        db.session.add(agent)
        db.session.commit()

    def commit_only(session):  # what the page did between its batches of 1,000
        from ticketing.extensions import take_the_write_lock

        session.commit()
        take_the_write_lock(session)

    figures = {}
    for label, batch, end_batch in (("batches of 1,000 (before)", 1000, commit_only),
                                    (f"batches of {import_jobs.LIVE_BATCH} (the page now)", import_jobs.LIVE_BATCH,
                                     import_jobs.end_batch)):
        csv_path = workdir / f"letters_{batch}.csv"
        make_csv(csv_path, rows, seed=batch)
        channel = "mailbox_mayor" if batch == 1000 else "mailbox_director"  # each run's ids are new to its channel
        figures[label] = numbers = import_beside_calls(app, csv_path, channel, batch, end_batch)
        print(f"{label}: import {numbers['rate']:.0f} tickets created/s; {numbers['calls']} calls saved meanwhile "
              f"({numbers['failed']} failed: database is locked), waiting median {numbers['median']:.3f} s, "
              f"p95 {numbers['p95']:.3f} s, max {numbers['max']:.3f} s")
    before, now = figures.values()
    print(f"ratios now/before: call wait median {now['median'] / before['median']:.2f}, "
          f"max {now['max'] / before['max']:.3f}; import rate {now['rate'] / before['rate']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=None, help="100,000 (6,000 with --alongside)")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--classifier", action="store_true", help="use the active model of the registry")
    parser.add_argument("--alongside", action="store_true", help="an agent saves calls while the file is imported")
    args = parser.parse_args()
    args.rows = args.rows or (6000 if args.alongside else 100_000)
    from benchdb import fresh_app, scratch_folder

    workdir = scratch_folder("bench_import_")
    if args.alongside:
        from ticketing.extensions import db
        from ticketing.services.reference_data import ensure_reference_data

        app = fresh_app(os.environ.get("DATABASE_URL"), workdir)
        with app.app_context():
            ensure_reference_data(db.session)
            db.session.commit()
            print(f"database: {db.engine.dialect.name}; {args.rows} rows per import")
        alongside(app, workdir, args.rows)
        return
    csv_path = workdir / "letters.csv"
    started = time.perf_counter()
    make_csv(csv_path, args.rows)
    print(f"CSV: {args.rows} rows, {csv_path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")

    from ticketing.extensions import db
    from ticketing.services import clock, importing
    from ticketing.services.reference_data import ensure_reference_data

    app = fresh_app(os.environ.get("DATABASE_URL"), workdir)
    with app.app_context():
        ensure_reference_data(db.session)
        db.session.commit()
        classifier = app.extensions["classifier"].current() if args.classifier else None
        print(f"database: {db.engine.dialect.name}; classifier: {getattr(classifier, 'version', None)}")
        for attempt in ("first import", "re-import"):
            sheet = importing.read_sheet(csv_path)
            mapping = importing.check_mapping(importing.guess_mapping(sheet.headers), sheet.headers)

            def commit(progress):
                db.session.commit()
                db.session.expunge_all()

            started = time.perf_counter()
            result = importing.import_rows(db.session, sheet.rows, mapping, channel="mailbox_mayor", actor=None,
                                           now=clock.now_utc(), classifier=classifier, batch_size=args.batch,
                                           on_batch=commit)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"{attempt}: {result.summary()}, dispatched {result.dispatched}; "
                  f"{elapsed:.1f} s ({result.rows / elapsed:.0f} rows/s)")


if __name__ == "__main__":
    main()
