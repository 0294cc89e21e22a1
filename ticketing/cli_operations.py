"""Operations commands: scan-deadlines, refresh-hotspots, recheck-risks, check-attachments."""
from __future__ import annotations


import shlex

import click
from flask import Flask

from ticketing.extensions import db
from ticketing.schema_check import needs_current_schema
from ticketing.services import attachments, clock, hotspots, risk_alerts, settings
from ticketing.services.scanning import scan_deadlines


def register(app: Flask) -> None:
    """Adds the operations commands to `flask`."""

    @app.cli.command("openapi")
    def openapi_command():
        """Print the API's OpenAPI document (JSON), as /api/v1/openapi.json serves it. (`flask spec` is APIFlask's
        own command, which works only for an APIFlask app, and this one is a Flask app with an API blueprint.)"""
        import json

        from ticketing.api import build_openapi
        from ticketing.api.views import bp

        click.echo(json.dumps(build_openapi(bp), ensure_ascii=False, indent=2))

    @app.cli.command("scan-deadlines")
    @click.option("--quiet", is_flag=True, help="print nothing when there was nothing to do (for cron)")
    @needs_current_schema
    def scan_deadlines_command(quiet: bool):
        """Mark overdue tickets and raise escalations; safe to run concurrently from cron on several servers."""
        try:
            result = scan_deadlines(db.session, clock.now_utc(),
                                    sms_command=tuple(shlex.split(app.config.get("SMS_COMMAND") or "")),
                                    sms_timeout=app.config.get("SMS_TIMEOUT", 20))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        if result.marked or result.escalated or result.alerted or result.alert_failed or not quiet:
            click.echo(str(result))

    @app.cli.command("refresh-hotspots")
    @click.option("--days", "days", type=click.Choice([str(d) for d in hotspots.DAY_CHOICES]), multiple=True,
                  help="windows to group (repeatable); default 1, 3 and 7 days")
    @click.option("--quiet", is_flag=True, help="print only refusals (for cron)")
    @needs_current_schema
    def refresh_hotspots_command(days: tuple[str, ...], quiet: bool):
        """热点诉求: group the centre's recent windows now and store them for every worker, so that the page
        opens at once (cron, every 4 minutes: a stored grouping is shown for 5)."""
        windows = tuple(int(d) for d in days) or hotspots.REFRESHED_DAYS
        try:
            done = hotspots.refresh(db.session, clock.now_utc(), days=windows,
                                    min_similarity=float(settings.get_setting(db.session, "hotspot_similarity")))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        for window, result in done:
            if isinstance(result, str):
                click.echo(f"近 {window} 天：未统计，{result}", err=True)
            elif not quiet:
                click.echo(f"近 {window} 天：比较 {result.tickets_compared} 件，{len(result.groups)} 组，"
                           f"用时 {result.seconds:.1f} 秒")

    @app.cli.command("recheck-risks")
    @needs_current_schema
    def recheck_risks_command():
        """风险提示: read the tickets still worked again with the phrases as they are now (after an upgrade from a
        version without them, or after the centre added its own), and flag those found."""
        try:
            result = risk_alerts.recheck_open_tickets(db.session, actor=None, now=clock.now_utc())
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        click.echo(f"补查在办工单 {result.read} 件，新标记风险提示 {len(result.flagged)} 件"
                   + "".join(f"\n  {t.number} {'、'.join(k.title for k in t.risk_kinds)}" for t in result.flagged))

    @app.cli.command("check-attachments")
    @needs_current_schema
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
