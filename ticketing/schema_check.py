"""Is the database at the schema this code expects? gunicorn asks before a worker serves anything
(`gunicorn_conf.post_worker_init`): a database not yet upgraded, or left behind by an upgrade of the code, gave
every page a 500 and the operator a traceback about a missing table, with no word of `flask db upgrade`."""
from __future__ import annotations

import functools
from pathlib import Path

import click
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def schema_problem(app: Flask) -> str | None:
    """What stops this code from using the app's database, in words for the operator, or None."""
    from ticketing.extensions import db

    script = ScriptDirectory.from_config(_alembic_config())
    expected = set(script.get_heads())
    with app.app_context(), db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        url = db.engine.url.render_as_string(hide_password=True)
    if current == expected:
        return None
    if not current:
        state = "尚未建表（空数据库）"
    elif current - {rev.revision for rev in script.walk_revisions()}:
        state = f"的版本 {', '.join(sorted(current))} 比本程序新（程序版本 {', '.join(sorted(expected))}），请使用对应版本的程序"
        return f"数据库 {url} {state}。database is ahead of this code."
    else:
        state = f"停在版本 {', '.join(sorted(current))}，本程序需要 {', '.join(sorted(expected))}"
    return (f"数据库 {url} {state}：请先运行 flask --app wsgi db upgrade，再启动。"
            f" The database is not upgraded: run `flask --app wsgi db upgrade` first.")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def needs_current_schema(command):
    """A command that reads or writes the database stops with ``schema_problem``'s words, not a traceback about a
    missing column: the cron lines (scan-deadlines every few minutes) ran between a `git pull` and the
    `db upgrade` and mailed an 80-line traceback each time (a migrations review)."""
    @functools.wraps(command)
    def checked(*args, **kwargs):
        try:
            problem = schema_problem(current_app._get_current_object())
        except OperationalError as error:  # a database not created, a wrong port, user or host: 130 lines before
            raise click.ClickException(unreachable(error)) from None
        if problem:
            raise click.ClickException(problem)
        return command(*args, **kwargs)
    return checked


def unreachable(error: OperationalError) -> str:
    """The database does not answer, in a line for the operator: where, and the driver's first line of why."""
    from ticketing.extensions import db

    url = db.engine.url.render_as_string(hide_password=True)
    reason = str(error.orig or error).strip().splitlines()[0] if str(error.orig or error).strip() else type(error).__name__
    return f"无法连接数据库 {url}：{reason}。请检查 DATABASE_URL，以及数据库是否已创建、正在运行。 Cannot reach the database."
