"""12393 医保热线工单与信访件系统."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

from ticketing.config import build_config

ROOT = Path(__file__).resolve().parent.parent


class ActivitySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a request the page makes by itself (the menu counters'
    refresh, marked with g.not_user_activity) does not re-sign the cookie: SESSION_IDLE_MINUTES then
    still counts from the user's last own request, however long a page stays open."""

    def should_set_cookie(self, app, session) -> bool:
        if g.get("not_user_activity"):
            return session.modified
        return super().should_set_cookie(app, session)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "ticketing" / "static"),
        # uploads, the demo's secret key and the default SQLite file live here
        instance_path=str((config or {}).get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH") or ROOT / "instance"),
    )
    app.config.update(build_config(app.instance_path, config))
    from ticketing import request_input

    request_input.install(app)
    app.session_interface = ActivitySessionInterface()
    app.json.ensure_ascii = False  # JSON answers carry Chinese as it is, not \u escapes
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # trust exactly PROXY_COUNT proxies' X-Forwarded-* headers, so the rate limit and the
        # logs see the client's address (and https) instead of the proxy's
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from ticketing.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from ticketing.extensions import configure_sqlite, take_the_write_lock

        with app.app_context():
            configure_sqlite(db.engine)

        @app.before_request
        def one_writer_at_a_time():
            """On SQLite a request's transaction takes the write lock when it begins (BEGIN IMMEDIATE), waiting its
            turn behind busy_timeout. A transaction that read first and writes later is refused at once, not made to
            wait, when another worker wrote in between ("database is locked", a 500 for two agents saving at the
            same moment); and most requests write (a page view of a caller is logged). PostgreSQL needs none of it."""
            if not app.config["SQLITE_REQUEST_LOCK"] or request.endpoint == "static":
                return
            if take_the_write_lock(db.session):  # not when a transaction is open already (tests share their session)
                request.environ["ticketing.write_lock"] = True

        @app.teardown_request
        def release_the_write_lock(error=None):
            """What the view left uncommitted is rolled back and the lock let go at the end of the request, as
            removing the session does when a request's application context ends (a test's outlives it)."""
            if request.environ.pop("ticketing.write_lock", False):
                db.session.rollback()
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)

    from ticketing import models  # noqa: F401  (one metadata for Alembic)
    from ticketing.services.classification import ClassifierHolder

    app.extensions["classifier"] = ClassifierHolder(app.config.get("CLASSIFIER_REGISTRY"))
    from classifiers.risk import default_phrases

    default_phrases()  # 风险提示's phrase file, read once: a mistake in it stops the start, not a registration

    from ticketing.views import register_views

    register_views(app)

    from ticketing.api import register_api

    register_api(app)

    from ticketing.cli import register_cli

    register_cli(app)
    return app
