"""Operations commands: scan-deadlines, check-attachments."""
from __future__ import annotations


import click
from flask import Flask

from ticketing.extensions import db
from ticketing.services import attachments, clock
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

    @app.cli.command("check-attachments")
    def check_attachments_command():
        """Check that every attachment's file is in ATTACHMENT_DIR, unchanged (exit 1 if not): after a restore."""
        folder = attachments.folder_of(app.config)
        result = attachments.check_storage(db.session, folder)
        for label, found in (("缺失", result.missing), ("内容已变（SHA-256 不符）", result.altered)):
            for a in found:
                click.echo(f"{label}：工单 {a.ticket.number} 附件 #{a.id}「{a.original_name}」→ {folder / a.stored_name}")
        click.echo(f"已检查 {result.checked} 个附件：缺失 {len(result.missing)}，内容已变 {len(result.altered)}（{folder}）")
        if not result.ok:
            raise SystemExit(1)
