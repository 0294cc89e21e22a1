"""Time the file import: a synthetic 100,000-row CSV built from the classifier corpus.

    .venv/bin/python bench/bench_import.py [--rows 100000] [--classifier]
    DATABASE_URL=postgresql://… .venv/bin/python bench/bench_import.py

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--classifier", action="store_true", help="use the active model of the registry")
    args = parser.parse_args()
    from benchdb import fresh_app, scratch_folder

    workdir = scratch_folder("bench_import_")
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
