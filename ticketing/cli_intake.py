"""Intake commands: create-token, list-tokens, revoke-token, import-tickets."""
from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app

from ticketing.extensions import db, take_the_write_lock
from ticketing.schema_check import needs_current_schema
from ticketing.models import Channel, TicketType, User
from ticketing.services import api_tokens, clock, import_jobs, importing
from ticketing.services.errors import DomainError


def click_error(error: DomainError) -> click.ClickException:
    """A service's Chinese message (and its field messages) as the command's error."""
    detail = "；".join(f"{k}: {v}" for k, v in error.fields.items())
    return click.ClickException(f"{error.message}{'（' + detail + '）' if detail else ''}")


def register(app: Flask) -> None:
    """Adds the intake commands to `flask`."""

    @app.cli.command("create-token")
    @click.option("--channel", type=click.Choice([c.value for c in Channel]), default=None,
                  help="a channel token: may only create that channel's tickets")
    @click.option("--user", "username", default=None, help="a user token: acts with that user's permissions")
    @click.option("--name", default=None, help="what the token is for (shown in lists)")
    @click.option("--days", type=int, default=None,
                  help="valid for this many days (1-3650); without it the token is valid until revoked")
    @needs_current_schema
    def create_token(channel, username, name, days):
        """Print a new /api/v1 bearer token (only its SHA-256 is stored: copy it now)."""
        if (channel is None) == (username is None):
            raise click.UsageError("请指定 --channel 或 --user 之一")
        user = None
        if username:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            if user is None or not user.active:
                raise click.ClickException(f"没有启用的用户 {username}")
        try:
            issued = api_tokens.issue_token(db.session, now=clock.now_utc(), channel=channel, user=user, name=name,
                                            valid_days=days)
        except DomainError as error:
            raise click_error(error) from None
        db.session.commit()
        scope = f"渠道 {channel}（{Channel(channel).title}），只能提交该渠道的工单" if channel else f"用户 {username}"
        from ticketing.views import local_time

        validity = f"有效至 {local_time(issued.record.expires_at)}" if days else "吊销前一直有效"
        click.echo(f"# 令牌 #{issued.record.id}，{scope}，{validity}。只显示这一次：", err=True)
        click.echo(issued.token)

    @app.cli.command("list-tokens")
    @needs_current_schema
    def list_tokens():
        """List the /api/v1 tokens: id, state, scope, name, created, valid until and last used (never the token)."""
        from ticketing.models.intake import ApiToken
        from ticketing.views import local_time

        now = clock.now_utc()
        for token in db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)):
            scope = f"渠道 {token.channel}" if token.channel else f"用户 {token.user.username if token.user else '?'}"
            state = ("已吊销" if not token.active else
                     "已过期" if token.expires_at is not None and now >= token.expires_at else "启用")
            click.echo(f"#{token.id}\t{state}\t{scope}\t{token.name}\t"
                       f"创建 {local_time(token.created_at)}\t有效至 {local_time(token.expires_at) or '吊销前'}\t"
                       f"最近使用 {local_time(token.last_used_at) or '—'}")

    @app.cli.command("revoke-token")
    @click.argument("token_id", type=int)
    @needs_current_schema
    def revoke_token(token_id):
        """Revoke a token by its id (from list-tokens): its next request gets a 401."""
        record = api_tokens.revoke(db.session, token_id)
        if record is None:
            raise click.ClickException(f"没有编号为 {token_id} 的令牌")
        db.session.commit()
        click.echo(f"已吊销令牌 #{record.id}（{record.name}）")

    @app.cli.command("import-tickets")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--channel", type=click.Choice([c.value for c in Channel]), required=True)
    @click.option("--map", "map_option", default="",
                  help="SOURCE=FIELD,… (default: the channel's saved mapping, else guessed from the headers)")
    @click.option("--type", "default_type", type=click.Choice([t.value for t in TicketType]),
                  default=TicketType.CONSULT.value, show_default=True,
                  help="type for rows without one (the classifier's type suggestion is used first)")
    @click.option("--batch", "batch_size", default=importing.DEFAULT_BATCH, show_default=True)
    @click.option("--save-mapping/--no-save-mapping", default=False, help="remember this mapping for the channel")
    @needs_current_schema
    def import_tickets(path, channel, map_option, default_type, batch_size, save_mapping):
        """Import a .xlsx or .csv export; the same file again creates nothing new."""
        now = clock.now_utc()
        try:
            sheet = importing.read_sheet(path)
            mapping = (importing.parse_mapping_option(map_option) if map_option
                       else importing.saved_mapping(db.session, channel) or importing.guess_mapping(sheet.headers))
            mapping = importing.check_mapping(mapping, sheet.headers)
            if save_mapping:
                importing.save_mapping(db.session, channel, mapping, actor=None, now=now)
                db.session.commit()
        except DomainError as error:
            raise click_error(error) from None
        click.echo("列映射：" + "，".join(f"{s}→{t}" for s, t in mapping.items()), err=True)
        classifier = current_app.extensions["classifier"].current()
        db.session.commit()
        take_the_write_lock(db.session)  # before the first batch reads (SQLite)

        def commit_batch(progress: importing.ImportResult) -> None:
            import_jobs.end_batch(db.session)  # as a page's import: calls saved meanwhile go first (SQLite)
            db.session.expunge_all()
            click.echo(f"  … 已处理 {progress.rows} 行：{progress.summary()}", err=True)

        result = importing.import_rows(
            db.session, sheet.rows, mapping, channel=channel, actor=None, now=now, classifier=classifier,
            threshold=current_app.config.get("CLASSIFIER_THRESHOLD"), default_type=default_type,
            batch_size=batch_size, on_batch=commit_batch, via=f"命令行导入 {Path(path).name}",
        )
        db.session.commit()
        importing.refresh_statistics(db.session, result)
        click.echo(f"新建 {result.created} 件（其中自动派发 {result.dispatched} 件）")
        click.echo(f"已存在跳过 {result.skipped} 件")
        click.echo(f"拒收 {len(result.rejected)} 行")
        for row in result.rejected:
            click.echo(f"  第 {row.row} 行 {row.external_id or '（无编号）'}：{row.reason}")
