"""Small helpers the page views share."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ticketing.extensions import db
from ticketing.models import Ticket
from ticketing.services import attachments, clock, permissions, validation
from ticketing.services import tickets as ticket_service
from ticketing.services.actions import perform_action, perform_on_many
from ticketing.services.errors import DomainError


def require(condition: bool) -> None:
    if not condition:
        abort(403)


def require_permission(permission: permissions.Permission) -> None:
    require(permissions.has_permission(current_user, permission))


def ticket_or_404(number: str) -> Ticket:
    """A ticket the current user may see; another department's ticket is a 404, as if absent. For a POST its row
    is locked until the request commits (two people acting on it at once: the second waits and sees the first's)."""
    ticket = ticket_service.find_by_number(db.session, number, to_change=request.method == "POST")
    if ticket is None or not permissions.can_view_ticket(current_user, ticket):
        abort(404)
    return ticket


def day_arg(name: str) -> date | None:
    """A day from the query string (2026-11-23); a malformed one or one outside the years taken is flashed and
    left out, so that the rest of the filters still apply."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        flash(f"日期“{value}”格式不正确，应为 2026-11-23", "error")
        return None
    if validation.year_error(day):
        flash(f"“{value}”{validation.year_error(day)}", "error")
        return None
    return day


LAST_PAGE = 100_000  # as the API's MAX_PAGE: a page number past it would overflow the database's OFFSET (a 500)


def paginate(query, per_page: int):
    """One page of a list, the page number from ``?page=`` (a number out of range is the nearest page there is)."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), LAST_PAGE)
    listed = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if listed.pages and page > listed.pages:  # past the end: the last page (one more query, only then)
        listed = db.paginate(query, page=listed.pages, per_page=per_page, error_out=False)
    return listed


def safe_next(default: str) -> str:
    # a line break would end the Location header (a 500); another site is not a place to send anyone
    return safe_path(request.values.get("next")) or default


def safe_path(target: str | None) -> str:
    """``target`` when it is a path on this site (no scheme, host or control character), else ""."""
    target = target or ""
    parts = urlsplit(target)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target) or "\\" in target:  # browsers read /\host as //host
        return ""
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return ""


def same_site_referrer() -> str:
    """The path (and query) of the page that sent this request, when it is one of ours; else ""."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


ASKING_VERBS = ("请选择", "请填写", "请输入")


def flash_domain_error(error: DomainError) -> None:
    """The service's Chinese message, with the field messages when they add something, said once: "请选择是否联系上来电人",
    not "请选择是否联系上：请选择是否联系上来电人"; "请选择满意度：满意、基本满意或不满意"."""
    flash(domain_error_text(error), "error")


def domain_error_text(error: DomainError) -> str:
    message, detail = error.message, "；".join(error.fields.values())
    if not detail or detail in message:  # "内容过长：最多 2000 字，现有 2500 字" needs no "：最多 2000 字" after it
        return message
    if detail.startswith(message):
        return detail
    verb = next((v for v in ASKING_VERBS if message.startswith(v) and detail.startswith(v)), None)
    return f"{message}：{detail[len(verb):] if verb else detail}"


def save_form(form, apply, success: str) -> bool:
    """Run the service on a valid form and commit; otherwise put its Chinese errors on the form's fields."""
    if not form.validate_on_submit():
        return False
    try:
        apply()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        for name, message in error.fields.items():
            if name in form:
                form[name].errors = list(form[name].errors) + [message]
        if not error.fields or not any(name in form for name in error.fields):
            flash(error.message, "error")
        return False
    flash(success, "success")
    return True


def commit_or_flash(call) -> bool:
    """Run one service call and commit once; on a DomainError roll back and flash its message."""
    try:
        call()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return False
    return True


def run_action(ticket: Ticket, action: str, params: dict) -> bool:
    """Perform a ticket action from a page form; commit once, or flash the Chinese error."""
    return commit_or_flash(
        lambda: perform_action(db.session, ticket, action, params, actor=current_user, now=clock.now_utc()))


def classifier():
    return current_app.extensions["classifier"].current()


def redirect_back(default_endpoint: str, **values):
    return redirect(safe_next(url_for(default_endpoint, **values)))


def store_uploads(ticket) -> bool:
    """Attach the request's files (field ``file``) to the ticket, each committed on its own, so one
    refused file does not lose the others; says in flashes what was kept and why any was refused.
    False when no file was chosen."""
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    identifies_caller = request.form.get("identifies_caller") == "1"
    settings, stored = attachments.upload_settings(current_app.config), []
    folder = settings["folder"]
    for upload in uploads:
        attachment = None
        try:
            attachment = attachments.attach(
                db.session, ticket, filename=upload.filename, stream=upload.stream,
                identifies_caller=identifies_caller, actor=current_user, now=clock.now_utc(), **settings)
            db.session.commit()
            stored.append(attachment.original_name)
        except DomainError as error:
            db.session.rollback()
            flash_domain_error(error)
        except BaseException:
            db.session.rollback()
            if attachment is not None:
                attachments.discard_file(folder, attachment)
            raise
    if stored:
        flash(f"已上传附件：{'、'.join(stored)}", "success")
    return bool(uploads)


def run_batch(action: str, params: dict, verb: str, back_endpoint: str):
    """A batch action (批量督办, 批量派发) on the ticked tickets (form field ``numbers``): one commit,
    the outcome flashed, back to the list it came from."""
    try:
        outcome = perform_on_many(db.session, request.form.getlist("numbers"), action, params, actor=current_user,
                                  now=clock.now_utc())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    else:
        flash_batch_outcome(outcome, verb)
    return redirect_back(back_endpoint)


def flash_batch_outcome(outcome, verb: str) -> None:
    """What a batch action (批量督办, 批量派发) did: how many, and the refused ones grouped by reason."""
    if outcome.done:
        flash(f"已{verb} {len(outcome.done)} 件。", "success")
    by_reason: dict[str, list[str]] = {}
    for number, reason in outcome.refused:
        by_reason.setdefault(reason, []).append(number)
    for reason, numbers in by_reason.items():
        flash(f"未{verb} {len(numbers)} 件（{reason}）：{'、'.join(numbers)}", "error")


def offered_number(name: str, choices: tuple[int, ...], default: int) -> int:
    """A number the page's filter offers (?name=); anything else, typed into the address, is the default."""
    value = request.args.get(name) or ""
    return int(value) if value.isascii() and value.isdigit() and int(value) in choices else default
