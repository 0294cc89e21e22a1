"""Full-text search on a million tickets: jieba index (FTS5 / PostgreSQL GIN) against SQL LIKE, same run.

    python bench/bench_search.py [--rows 1000000] [--database-url URL]

Builds a fresh database with the migrations, bulk-loads synthetic tickets made
from the shipped corpus (texts recombined so that they are not all identical),
then times the search page's query (first page of 30, newest first, plus the
count for the pager) for several queries, with the index and with LIKE.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUERIES = ["报销", "异地就医", "门诊慢特病 认定", "医保电子凭证 激活", "生育津贴", "集采 药品 价格", "挂床住院"]


def build(app, rows: int, seed: int = 7) -> float:
    import sqlalchemy as sa

    from classifiers.corpus import load_shipped_corpus
    from classifiers.tokenize import search_terms
    from ticketing.extensions import db

    rng = random.Random(seed)
    texts = [e.text for e in load_shipped_corpus()]
    # recombine sentences so the million texts are varied
    pieces = [p for t in texts for p in t.replace("。", "。|").split("|") if p.strip()]
    started = time.perf_counter()
    engine = db.engine
    now = datetime(2026, 11, 1, tzinfo=UTC)
    batch = 5000
    with engine.begin() as connection:
        postgres = connection.dialect.name == "postgresql"
        for start in range(0, rows, batch):
            values = []
            for i in range(start + 1, min(rows, start + batch) + 1):
                content = "".join(rng.sample(pieces, 2))
                received = now - timedelta(minutes=i)
                values.append({"id": i, "number": f"12393-B-{i:08d}", "channel": "hotline_12393", "type": "consult",
                               "urgency": "normal", "title": content[:20], "content": content,
                               "search_text": " ".join(search_terms(content)), "status": "closed",
                               "received_at": received if postgres else received.replace(tzinfo=None),
                               "registered_at": received if postgres else received.replace(tzinfo=None),
                               "closed_at": received if postgres else received.replace(tzinfo=None)})
            connection.execute(sa.text(
                "INSERT INTO ticket (id, number, channel, type, urgency, title, content, search_text, status, "
                "received_at, registered_at, closed_at, designated, needs_callback, calendar_confirmed, "
                "extension_count, urge_count, reopen_count, return_count) VALUES (:id, :number, :channel, :type, "
                ":urgency, :title, :content, :search_text, :status, :received_at, :registered_at, :closed_at, "
                "false, false, true, 0, 0, 0, 0)"), values)
            if not postgres:
                connection.execute(sa.text("INSERT INTO ticket_fts(rowid, search_text) VALUES (:id, :search_text)"),
                                   values)
        if postgres:
            connection.execute(sa.text("ANALYZE ticket"))
    return time.perf_counter() - started


def time_query(session, make_query, repeat: int) -> tuple[float, int]:
    import sqlalchemy as sa

    timings, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        query = make_query()
        session.scalars(query.limit(30)).all()
        total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file in a temporary folder")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import sqlalchemy as sa

    from benchdb import fresh_app, scratch_folder
    from ticketing.extensions import db
    from ticketing.models import Ticket
    from ticketing.services import fulltext

    app = fresh_app(args.database_url, scratch_folder("bench_search_"))
    with app.app_context():
        load_seconds = build(app, args.rows)
        print(f"engine {db.engine.dialect.name}, {args.rows:,} tickets loaded in {load_seconds:.0f} s")
        print(f"{'query':<22}{'matches':>10}{'index ms':>10}{'LIKE ms':>10}{'LIKE/index':>12}")
        for q in QUERIES:
            base = sa.select(Ticket).order_by(Ticket.received_at.desc(), Ticket.id.desc())
            indexed, n = time_query(db.session, lambda: fulltext.restrict(db.session, base, q), args.repeat)
            like_condition = sa.and_(*[sa.or_(Ticket.title.like(f"%{w}%"), Ticket.content.like(f"%{w}%"))
                                       for w in q.split()])
            like, n_like = time_query(db.session, lambda: base.where(like_condition), args.repeat)
            print(f"{q:<20}{n:>10,}{indexed * 1000:>10.1f}{like * 1000:>10.1f}{like / indexed:>12.1f}"
                  f"   (LIKE finds {n_like:,})")


if __name__ == "__main__":
    main()
