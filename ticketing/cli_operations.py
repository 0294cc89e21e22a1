"""Operations commands: scan-deadlines."""
from __future__ import annotations

import click
from flask import Flask

from ticketing.extensions import db
from ticketing.services import clock
from ticketing.services.scanning import scan_deadlines


def register(app: Flask) -> None:
    """Adds the operations commands to `flask`."""

    @app.cli.command("scan-deadlines")
    @click.option("--quiet", is_flag=True, help="print nothing when there was nothing to do (for cron)")
    def scan_deadlines_command(quiet: bool):
        """Mark overdue tickets and raise escalations; safe to run concurrently from cron on several servers."""
        try:
            result = scan_deadlines(db.session, clock.now_utc())
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if result.marked or result.escalated or not quiet:
            click.echo(str(result))
