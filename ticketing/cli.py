"""flask --app wsgi <command>: seed-demo, create-user, …"""
from __future__ import annotations

import sys

import click
from flask import Flask

from ticketing.extensions import db
from ticketing.schema_check import needs_current_schema
from ticketing.models import Role
from ticketing.cli_intake import click_error
from ticketing.services import administration, audit, clock, demo
from ticketing.services.errors import DomainError
from ticketing.services.reference_data import ensure_reference_data


def register_cli(app: Flask) -> None:
    from ticketing import cli_intake, cli_operations

    cli_intake.register(app)
    cli_operations.register(app)
    register_classifier_cli(app)

    @app.cli.command("seed-reference")
    @needs_current_schema
    def seed_reference():
        """Departments, the 14 categories, routing rules, deadline policies and standard answers of domain.md, for
        a new installation (no demo users or tickets). Creates only what is missing: an administrator's changes
        stay."""
        created = ensure_reference_data(db.session)
        db.session.commit()
        click.echo(_reference_created(created))

    @app.cli.command("seed-demo")
    @click.option("--password", envvar="DEMO_PASSWORD", default=None,
                  help="one password for every demo user (default: a random one each, printed once)")
    @click.option("--tickets", "ticket_count", default=360, show_default=True)
    @click.option("--force", is_flag=True, help="put demo data into a database that already holds a centre's own")
    @needs_current_schema
    def seed_demo(password, ticket_count, force):
        """Departments, categories, routing rules, deadline policies, demo users and demo tickets."""
        refusal = demo.not_a_demo_database(db.session)
        if refusal and not force:
            click.echo(f"{refusal}：不写入演示账号和演示工单（数据库 {db.engine.url.render_as_string()}）。"
                       "请先 unset DATABASE_URL 再 make run；确需写入请加 --force。", err=True)
            sys.exit(1)
        reference = ensure_reference_data(db.session)
        accounts = demo.ensure_demo_users(db.session, password)
        # with a model, each demo ticket carries its real suggestion, so the 30-day
        # accepted/corrected table on the 督办 page has figures from the first start
        classifier = app.extensions["classifier"].current()
        created = demo.seed_demo_tickets(db.session, now=clock.now_utc(), count=ticket_count, classifier=classifier)
        db.session.commit()
        click.echo(_reference_created(reference))
        click.echo(f"演示工单：新建 {created} 件")
        if accounts:
            click.echo("演示账号（密码只显示这一次）：")
            for account in accounts:
                click.echo(f"  {account.username:<16} {account.password:<16} {Role(account.role).title} "
                           f"{account.department_code or ''}")
        else:
            click.echo("演示账号已存在，未改动。")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--department", "department_code", default=None, help="department code, required for staff")
    @click.option("--name", "display_name", default=None)
    @needs_current_schema
    def create_user(username, role, department_code, display_name):
        """Create a user; the password is read from standard input. Checked and recorded in 操作日志 as the
        admin page's 新增用户 is (by 系统)."""
        if role == Role.STAFF.value and not department_code:
            raise click.UsageError("承办人员必须指定 --department")
        if sys.stdin.isatty():
            password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
        else:
            password = sys.stdin.readline().rstrip("\n")
        try:
            administration.create_user(db.session, username=username, display_name=display_name or username,
                                       role=role, department_code=department_code, password=password, actor=None,
                                       chosen_by_owner=True)
        except DomainError as error:
            db.session.rollback()
            raise click_error(error) from None
        db.session.commit()
        click.echo(f"已创建用户 {username}（{Role(role).title}）")


def register_classifier_cli(app: Flask) -> None:
    @app.cli.group("classifier")
    def classifier_group():
        """Train, retrain, list and activate classifier versions."""

    def registry():
        return app.extensions["classifier"].registry

    @classifier_group.command("train")
    @needs_current_schema  # the version it activates is recorded in 操作日志
    def train():
        """Train from the shipped corpus; activated when no version is active."""
        from classifiers.corpus import load_shipped_corpus
        from classifiers.train import train_model

        before = registry().active_version()
        metadata = train_model(load_shipped_corpus(), registry(), progress=_echo_progress)
        click.echo(f"新版本 {metadata['version']}：macro-F1 {metadata['cv_metrics']['macro_f1']:.3f}")
        if registry().active_version() != before:  # it was the first: the centre classifies with it now
            audit.record(db.session, None, "classifier activated", version=metadata["version"])
            db.session.commit()
            click.echo(f"已启用 {metadata['version']}")

    @classifier_group.command("retrain")
    @needs_current_schema
    def retrain():
        """Shipped corpus + people's confirmed and corrected categories → a new version (not activated)."""
        from ticketing.services import learning

        audit.record(db.session, None, "classifier retrain started")
        db.session.commit()
        metadata = learning.retrain(db.session, registry(), progress=_echo_progress)
        click.echo(f"新版本 {metadata['version']} 已登记（未启用）：macro-F1 {metadata['cv_metrics']['macro_f1']:.3f}，"
                   f"训练样本 {metadata.get('n_samples')}")

    @classifier_group.command("list")
    def list_versions():
        active = registry().active_version()
        for meta in registry().list_versions():
            mark = "*" if meta["version"] == active else " "
            click.echo(f"{mark} {meta['version']}  macro-F1 {meta['cv_metrics']['macro_f1']:.3f}  "
                       f"n={meta.get('n_samples')}  threshold={meta.get('threshold')}")

    @classifier_group.command("activate")
    @click.argument("version")
    @needs_current_schema  # before the registry changes: the audit row it writes needs the tables
    def activate(version):
        from classifiers.model import ModelUnusable, ModelVersionMismatch
        from classifiers.registry import UnknownVersion

        try:
            registry().activate(version)
        except (UnknownVersion, ModelVersionMismatch, ModelUnusable, FileNotFoundError) as error:
            raise click.ClickException(str(error)) from error
        audit.record(db.session, None, "classifier activated", version=version)
        db.session.commit()
        click.echo(f"已启用 {version}")


def _reference_created(created: dict[str, int]) -> str:
    names = {"departments": "承办单位", "categories": "业务分类", "routing_rules": "路由规则",
             "deadline_policies": "办理时限", "standard_answers": "答复口径", "review_items": "质检项目"}
    return "基础数据：" + "，".join(f"{names.get(key, key)}新建 {n} 条" for key, n in created.items())


def _echo_progress(step: str, fraction: float) -> None:
    click.echo(f"  {fraction:5.0%} {step}")
