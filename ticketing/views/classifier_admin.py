"""分类模型: versions with their metrics, activate or roll back, retrain from corrections, suggestion outcomes."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.services import audit, clock, learning, settings
from ticketing.services.permissions import Permission
from ticketing.views.common import require_permission

bp = Blueprint("classifier_admin", __name__, url_prefix="/admin/classifier")
log = logging.getLogger(__name__)


def _holder():
    return current_app.extensions["classifier"]


def _job() -> learning.RetrainJob:
    return learning.RetrainJob(Path(_holder().registry.root))


@bp.get("/")
@login_required
def index():
    require_permission(Permission.ADMINISTER)
    _holder().reset()
    _holder().current()  # (re)load, so the page reports whether a model can be used
    registry = _holder().registry
    versions = registry.list_versions()
    active = registry.active_version()
    active_meta = next((v for v in versions if v["version"] == active), None)
    return render_template("admin/classifier.html", versions=versions, active=active, active_meta=active_meta,
                           unreadable=registry.unreadable_versions(),
                           job=_job().status(), error=_holder().error, in_use=_holder().version_in_use,
                           outcomes=learning.suggestion_outcomes(db.session, clock.now_utc()),
                           threshold_set=settings.get_setting(db.session, "classifier_threshold"),
                           threshold_configured=current_app.config.get("CLASSIFIER_THRESHOLD"))


@bp.post("/activate")
@login_required
def activate():
    require_permission(Permission.ADMINISTER)
    version = request.form.get("version", "")
    try:
        _holder().registry.activate(version)
    except Exception as error:  # unknown or incompatible version: say so in Chinese, change nothing; the log has all
        log.warning("activating classifier version %r refused: %s", version, error)
        flash(f"无法启用 {version}：{getattr(error, 'chinese', None) or '没有该版本，或其文件无法读取'}", "error")
    else:
        _holder().reset()
        audit.record(db.session, current_user, "classifier activated", version=version)
        db.session.commit()
        flash(f"已启用模型版本 {version}", "success")
    return redirect(url_for("classifier_admin.index"))


@bp.post("/retrain")
@login_required
def retrain():
    require_permission(Permission.ADMINISTER)
    started = _job().start(current_app._get_current_object(), _holder().registry)
    if started:
        audit.record(db.session, current_user, "classifier retrain started")
        db.session.commit()
    flash("已开始重新训练，完成后新版本会列在下方（不会自动启用）。" if started else "已有训练任务在进行。",
          "info" if started else "warning")
    return redirect(url_for("classifier_admin.index"))
