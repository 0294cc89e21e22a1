"""What the database benchmarks share: the app on an empty schema, built by the migrations, and a timer."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def scratch_folder(prefix: str) -> Path:
    """A new temporary folder for one run (its SQLite file can take most of a gigabyte), removed when the run ends."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def fresh_app(database_url: str | None, folder: Path):
    """The app on ``database_url`` (default: a new SQLite file in ``folder``), its schema migrated down and up.

    ``folder`` is also the instance folder. Point ``database_url`` only at a database made for the run.
    """
    from flask_migrate import downgrade, upgrade

    from ticketing import create_app

    url = database_url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
    app = create_app({"TICKETING_ENV": "testing", "TESTING": True, "SECRET_KEY": "bench-" + "k" * 40,
                      "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder)})
    with app.app_context():
        downgrade(revision="base")
        upgrade()
    return app


# the ticket columns that may not be NULL, for rows a benchmark leaves them out of
TICKET_DEFAULTS = {"channel": "hotline_12393", "type": "consult", "urgency": "normal", "title": "基准工单",
                   "content": "基准工单", "search_text": "", "designated": False, "needs_callback": False,
                   "calendar_confirmed": True, "extension_count": 0, "urge_count": 0, "reopen_count": 0,
                   "return_count": 0}


def insert_tickets(connection, rows: list[dict]) -> None:
    """Bulk-insert ticket rows (column → value) in one statement; columns a row leaves out take TICKET_DEFAULTS."""
    import sqlalchemy as sa

    if not rows:
        return
    columns = list(dict.fromkeys([*TICKET_DEFAULTS, *rows[0]]))
    connection.execute(sa.text(f"INSERT INTO ticket ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"),
                       [{**TICKET_DEFAULTS, **row} for row in rows])


def timed(label: str, action, repeat: int, between=None) -> tuple[float, list[float], object]:
    """Run ``action`` ``repeat`` times (``between`` after each but the last); print and return the median,
    every run's seconds and the last result. The session forgets its objects before each run."""
    from ticketing.extensions import db

    timings, result = [], None
    for attempt in range(repeat):
        db.session.expunge_all()
        started = time.perf_counter()
        result = action()
        timings.append(time.perf_counter() - started)
        if between is not None and attempt < repeat - 1:
            between()
    median = statistics.median(timings)
    print(f"{label:<44}{median:>9.3f} s   (runs: {', '.join(f'{t:.3f}' for t in timings)})", flush=True)
    return median, timings, result
