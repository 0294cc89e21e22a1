"""What the database benchmarks share: the app on an empty schema, built by the migrations."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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
