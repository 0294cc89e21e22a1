"""文件导入: upload a mailbox or platform export → map its columns → preview → import (in the background) → result."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Channel, TicketType
from ticketing.services import clock, import_jobs, importing, tickets
from ticketing.services.errors import DomainError
from ticketing.services.permissions import Permission
from ticketing.views.common import classifier, flash_domain_error, require_permission

bp = Blueprint("imports", __name__, url_prefix="/imports")

PREVIEW_ROWS = 5


@bp.before_request
@login_required
def _only_intake_roles():
    require_permission(Permission.TICKET_REGISTER)


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload(upload_id: str) -> tuple[Path, dict]:
    """The stored file and its description (channel, original name); 404 for anything else."""
    return import_jobs.read_upload(_folder(), upload_id) or abort(404)


def _index_page(status: int = 200):
    recent = import_jobs.recent_imports(_folder(), now=clock.now_utc())
    return render_template("imports/index.html", channels=Channel, recent=recent), status


@bp.get("/")
def index():
    return _index_page()


@bp.post("/")
def upload():
    file, channel = request.files.get("file"), request.form.get("channel", "")
    suffix = Path(file.filename or "").suffix.lower() if file else ""
    if channel not in Channel.__members__.values() or suffix not in import_jobs.UPLOAD_SUFFIXES:
        flash("请选择来源渠道，并上传 .xlsx 或 .csv 文件", "error")
        return _index_page(400)
    upload_id = import_jobs.save_upload(_folder(), file, channel=channel, user_id=current_user.id)
    return redirect(url_for("imports.mapping", upload_id=upload_id))


@bp.route("/<upload_id>/mapping", methods=["GET", "POST"])
def mapping(upload_id: str):
    """Map columns (pre-filled from the channel's saved mapping or the header names) and preview."""
    path, meta = _upload(upload_id)
    if not path.exists():  # imported already (the file is deleted when an import ends): the back button's page
        return redirect(url_for("imports.status", upload_id=upload_id))
    try:
        sheet = importing.read_sheet(path)
        rows = [values for _, (_, values) in zip(range(PREVIEW_ROWS), sheet.rows)]
    except DomainError as error:
        flash_domain_error(error)
        return redirect(url_for("imports.index"))
    if request.method == "POST":
        chosen = {h: request.form.get(f"map-{i}", "") for i, h in enumerate(sheet.headers)}
    else:
        saved = importing.saved_mapping(db.session, meta["channel"]) or {}
        chosen = saved if set(saved) <= set(sheet.headers) and saved else importing.guess_mapping(sheet.headers)
    preview, errors = [], {}
    try:
        checked = importing.check_mapping(chosen, sheet.headers)
        preview = [_preview_row(row, checked, meta["channel"]) for row in rows]
    except DomainError as error:
        errors = error.fields
    return render_template("imports/mapping.html", upload_id=upload_id, meta=meta, headers=sheet.headers,
                           rows=rows, chosen=chosen, fields=importing.FIELDS, preview=preview, errors=errors,
                           channel_title=Channel(meta["channel"]).title, types=TicketType,
                           default_type=request.form.get("default_type", TicketType.CONSULT.value))


def _preview_row(values: dict, mapping: dict, channel: str) -> dict:
    now = clock.now_utc()
    try:
        data = importing.row_input(values, mapping, channel=channel, now=now, default_type=TicketType.CONSULT.value)
    except DomainError as error:
        return {"data": None, "problems": "；".join(error.fields.values())}
    return {"data": data, "problems": "；".join(tickets.validate_input(data).values())}


@bp.post("/<upload_id>/run")
def run(upload_id: str):
    """Check the mapping here, then import in the background and show its progress."""
    path, meta = _upload(upload_id)
    if not path.exists():  # imported already: the file is deleted when an import ends
        return redirect(url_for("imports.status", upload_id=upload_id))
    try:
        sheet = importing.read_sheet(path)
    except DomainError as error:  # a file that cannot be read, posted to directly (the mapping page says so)
        flash_domain_error(error)
        return redirect(url_for("imports.index"))
    chosen = {h: request.form.get(f"map-{i}", "") for i, h in enumerate(sheet.headers)}
    default_type = request.form.get("default_type") or TicketType.CONSULT.value
    now = clock.now_utc()
    try:
        mapping_ = importing.confirm_mapping(db.session, meta["channel"], chosen, sheet.headers, default_type,
                                             actor=current_user, now=now)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
        return redirect(url_for("imports.mapping", upload_id=upload_id))
    import_jobs.start_import(
        current_app._get_current_object(), _folder(), upload_id, source=path, channel=meta["channel"],
        mapping=mapping_, default_type=default_type, actor_id=current_user.id, now=now,
        classifier=classifier(), threshold=current_app.config.get("CLASSIFIER_THRESHOLD"))
    return redirect(url_for("imports.status", upload_id=upload_id))


@bp.post("/<upload_id>/resume")
def resume(upload_id: str):
    """Start an interrupted import again from the kept file; what was registered is skipped."""
    _upload(upload_id)
    try:
        import_jobs.resume_import(current_app._get_current_object(), _folder(), upload_id,
                                  actor_id=current_user.id, now=clock.now_utc(), classifier=classifier(),
                                  threshold=current_app.config.get("CLASSIFIER_THRESHOLD"))
    except DomainError as error:
        flash_domain_error(error)
    return redirect(url_for("imports.status", upload_id=upload_id))


@bp.get("/<upload_id>")
def status(upload_id: str):
    _, meta = _upload(upload_id)
    progress = import_jobs.read_status(_folder(), upload_id, now=clock.now_utc())
    if progress["state"] == "new":
        return redirect(url_for("imports.mapping", upload_id=upload_id))
    rejected_rows = []
    if progress["state"] == "done" and progress["rejected"]:
        rejected_rows = importing.read_rejected_csv(import_jobs.rejected_path(_folder(), upload_id), limit=500)
    return render_template("imports/result.html", progress=progress, meta=meta, upload_id=upload_id,
                           rejected_rows=rejected_rows, channel_title=Channel(meta["channel"]).title,
                           can_resume=import_jobs.can_resume(_folder(), upload_id, progress))


@bp.get("/<upload_id>/rejected.csv")
def rejected(upload_id: str):
    _upload(upload_id)
    path = import_jobs.rejected_path(_folder(), upload_id)
    if not path.exists():
        abort(404)
    return current_app.response_class(
        path.read_bytes(), mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=rejected-{upload_id[:8]}.csv"},
    )
