"""Page blueprints, Jinja filters and the layout's context (navigation and to-do counts)."""
from __future__ import annotations

from datetime import datetime

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from ticketing.services import api_tokens, clock, deadlines, inbox, privacy
from ticketing.models.user import Role
from ticketing.services.announcements import important_unread
from ticketing.services.calendar import calendar_reminder
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.validation import mask_id_number, mask_name, mask_numbers_in_text, mask_phone

#: deadlock_detected, serialization_failure, lock_not_available, unique_violation
CONFLICT_SQLSTATES = {"40P01", "40001", "55P03", "23505"}
CONFLICT_MESSAGE = "他人同时修改了同一条记录，本次操作未保存。请刷新页面查看最新状态后重试。"

SESSION_TOKEN_MISSING = "The CSRF session token is missing."  # Flask-WTF's words when the session has no token


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Beijing time; a short "%m-%d…" format gains the year when it is not this year's (a deadline of 12-31 that is
    a year away must not read as this month's). An ISO text with its offset (a model version's created_at) too: the
    分类模型 page showed its UTC digits (a copy review)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    local = value.astimezone(LOCAL_TZ)
    if fmt.startswith("%m-%d") and local.year != clock.now_utc().astimezone(LOCAL_TZ).year:
        fmt = "%Y-" + fmt
    return local.strftime(fmt)


def register_views(app: Flask) -> None:
    from ticketing.views import (
        admin,
        agent,
        announcements,
        assessment,
        auth,
        classifier_admin,
        imports,
        knowledge,
        public,
        rate_limits,
        reviews,
        staff,
        statistics,
        supervisor,
        tickets,
    )

    from ticketing.extensions import login_manager
    from ticketing.views.common import same_site_referrer

    app.register_blueprint(classifier_admin.bp)
    app.register_blueprint(assessment.bp)

    for module in (auth, public, tickets, agent, staff, supervisor, admin, imports, statistics, knowledge, reviews,
                   announcements):
        app.register_blueprint(module.bp)
    rate_limits.init_rate_limits(app)

    @app.get("/favicon.ico")
    def favicon():  # asked for by browsers and tools that do not read the page's <link rel="icon">
        response = app.send_static_file("favicon.svg")
        response.mimetype = "image/svg+xml"
        return response

    app.add_template_filter(local_time, "local_time")
    from ticketing.services.sign_in import PASSWORD_RULE

    app.jinja_env.globals["password_rule"] = PASSWORD_RULE  # beside every password an administrator or user sets
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(mask_id_number, "mask_id")
    app.add_template_filter(mask_name, "mask_name")
    app.add_template_filter(mask_numbers_in_text, "mask_numbers")
    app.add_template_filter(privacy.without_call_reference, "without_call_reference")

    @app.context_processor
    def layout_context():
        now = clock.now_utc()
        context = {
            "now": now,
            "time_left": lambda due: deadlines.format_time_left(due, now) if due else "",
            "is_overdue": lambda due: bool(due) and deadlines.is_overdue(due, now),
        }
        if current_user.is_authenticated:
            from ticketing.extensions import db
            from ticketing.views.navigation import navigation_for

            context["navigation"] = navigation_for(current_user)
            context["todo"] = inbox.todo_counts(db.session, current_user, now)
            # 重要通知 atop every other page until marked read; asked only when the user has something unread
            if context["todo"].get("announcements") and request.blueprint != "announcements":
                context["important_notices"] = important_unread(db.session, current_user, now)
            if current_user.role == Role.ADMIN:  # only they can enter the holidays
                context["calendar_reminder"] = calendar_reminder(db.session, now=now)
                expiring = api_tokens.expiring_soon(db.session, now=now)
                context["token_reminder"] = api_tokens.expiry_reminder(expiring, now=now) if expiring else None
        return context

    def own_message(error, default: str) -> str:
        """The Chinese reason a view gave to abort(), else the page's usual message."""
        described = getattr(error, "description", None)
        return described if described and described != type(error).description else default

    @app.after_request
    def security_headers(response):
        """No other site frames the pages (a framed ticket page offered 督办, 改派 and 合并 to a click), a file is
        what its type says, addresses (ticket numbers, searches) stay on the site, and a page or export carrying
        citizens' details is not kept in a shared PC's browser cache."""
        headers = response.headers
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'self'")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint not in ("static", "favicon") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "private, no-store"
        return response

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors.html", code=403, message=own_message(error, "您没有权限访问此页面。")), 403

    @app.errorhandler(500)
    def server_error(error):
        """What went wrong is in the log; the page says so in Chinese, and the browser keeps what was typed in a
        form (static/drafts.js) for the next try."""
        from ticketing.extensions import db

        db.session.rollback()
        message = "系统出错了，这次操作没有完成。已填写的内容仍保存在本页草稿中，请稍后重试；多次出现请联系系统管理员。"
        try:
            return render_template("errors.html", code=500, message=message), 500
        except Exception:  # the database itself is unreachable: the layout's counters cannot be read
            return (f"<!doctype html><meta charset=utf-8><title>出错了</title><p>{message}</p>"
                    '<p><a href="javascript:history.back()">返回上一页</a> · <a href="/">回到首页</a></p>'), 500

    @app.errorhandler(405)
    def wrong_method(error):
        """An address only a form posts to, opened or bookmarked (Werkzeug's English page, outside the layout:
        a resilience review). The API answers its own JSON (api._json_under_prefix)."""
        message = "这个地址只用于提交表单，不能直接打开。请回到上一页，用页面上的按钮操作。"
        response = render_template("errors.html", code=405, message=message)
        return response, 405, {"Allow": ", ".join(error.valid_methods or [])}

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors.html", code=404, message=own_message(error, "页面或工单不存在。")), 404

    @app.errorhandler(CSRFError)
    def form_from_an_ended_session(error):
        # the CSRF token lives in the session: a form sent after sign-out or idle expiry fails here
        # before login_required sees it, so a signed-out user is sent to sign in, not shown an error.
        # The citizens' pages have no sign-in: they keep the error, which says to reload the page.
        if request.blueprint == "public":
            return bad_request(error)
        if current_user.is_authenticated:
            if error.description != SESSION_TOKEN_MISSING:
                return bad_request(error)
            # signed in again by 保持登录 after the session ended: back to the form's page, where the
            # browser puts back what was typed (static/drafts.js), to check and send again
            flash("页面已过期（登录曾超时），请重新提交。", "warning")
            return redirect(same_site_referrer() or url_for("auth.home"))
        if request.endpoint == "auth.login":  # the login form itself was open longer than a session lasts
            flash("页面已过期，请重新输入用户名和密码。", "warning")
            return redirect(request.full_path.rstrip("?"))
        return login_manager.unauthorized()

    @app.errorhandler(413)
    def too_large(error):
        # the body was refused before any view ran: back to the form's page, where drafts.js puts back
        # what was typed, with the limits in words
        flash(f"上传的内容过大：一次最多 {app.config['REQUEST_MAX_MB']} MB，"
              f"单个附件不超过 {app.config['ATTACHMENT_MAX_MB']} MB。请分几次上传。", "error")
        return redirect(same_site_referrer() or url_for("auth.home"))

    @app.errorhandler(DBAPIError)
    def saved_at_the_same_moment(error):
        """Two people changing the same thing at the same moment, which PostgreSQL settled by refusing one
        (a deadlock, a serialization failure, the same unique row inserted twice): the loser is told so and
        tries again, with what they typed kept (drafts.js), instead of a 500. Anything else stays a 500."""
        from ticketing.api import PREFIX, error_response
        from ticketing.extensions import db

        if getattr(error.orig, "sqlstate", None) not in CONFLICT_SQLSTATES:
            raise error
        db.session.rollback()
        app.logger.warning("refused as a concurrent change (%s): %s", error.orig.sqlstate, request.path)
        if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
            return error_response(CONFLICT_MESSAGE, 409)
        flash(CONFLICT_MESSAGE, "error")
        return redirect(same_site_referrer() or url_for("auth.home"))

    @app.errorhandler(400)
    def bad_request(error):
        message = getattr(error, "description", "") or "请求有误。"
        if "CSRF" in str(message):
            message = "页面已过期，请刷新后重试。"
        return render_template("errors.html", code=400, message=message), 400
