"""gunicorn will not serve a database this code cannot use: every page was a 500 and the log spoke of a missing
table, not of `flask db upgrade`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from flask_migrate import downgrade, upgrade

from ticketing import create_app
from ticketing.schema_check import schema_problem


def _app(tmp_path):
    return create_app({"TICKETING_ENV": "testing", "TESTING": True, "SECRET_KEY": "k" * 40,
                       "INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}"})


def test_the_schema_check_names_what_to_run(tmp_path):
    app = _app(tmp_path)
    assert "尚未建表" in schema_problem(app) and "flask --app wsgi db upgrade" in schema_problem(app)
    with app.app_context():
        upgrade()
    assert schema_problem(app) is None
    with app.app_context():
        downgrade(revision="-1")
    behind = schema_problem(app)
    assert "停在版本" in behind and "flask --app wsgi db upgrade" in behind


def test_gunicorn_stops_with_the_reason_on_a_database_not_upgraded(tmp_path):
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "TICKETING_ENV": "demo"}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([gunicorn, "-c", "python:ticketing.gunicorn_conf", "-w", "1", "-b", "127.0.0.1:0", "wsgi:app"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "尚未建表" in done.stderr and "flask --app wsgi db upgrade" in done.stderr


def test_the_cron_commands_on_a_database_not_upgraded_say_what_to_run(tmp_path):
    """scan-deadlines and refresh-hotspots (cron, every few minutes) gave an 80-line traceback about a missing
    column between a `git pull` and `db upgrade` (a migrations review)."""
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="-1")
    runner = app.test_cli_runner()
    # classifier retrain and activate too: activate switched the model, then failed on the audit table (a README
    # walk-through)
    for command in (["scan-deadlines", "--quiet"], ["refresh-hotspots", "--quiet"], ["list-tokens"],
                    ["classifier", "retrain"], ["classifier", "activate", "20261205T000000Z-abcdef"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 1 and "flask --app wsgi db upgrade" in result.output, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    with app.app_context():
        upgrade()
    assert runner.invoke(args=["list-tokens"]).exit_code == 0


def test_the_reason_reaches_gunicorns_error_log_file(tmp_path):
    """With --error-logfile (as the README suggests) the app's lines went to standard error, not the file: the
    reason gunicorn stopped, the export audit and refused sign-ins (a README walk-through)."""
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "TICKETING_ENV": "demo"}
    env.pop("DATABASE_URL", None)
    error_log = tmp_path / "error.log"
    done = subprocess.run([gunicorn, "-c", "python:ticketing.gunicorn_conf", "-w", "1", "-b", "127.0.0.1:0",
                           "--error-logfile", str(error_log), "wsgi:app"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True, text=True, timeout=120)
    written = error_log.read_text(encoding="utf-8")
    assert done.returncode == 3 and "ticketing: 数据库" in written and "flask --app wsgi db upgrade" in written
