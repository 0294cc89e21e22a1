"""督办: near deadline, overdue, waiting for approval, urged; urge and reassign inline, or urge the ticked ones at once."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Department
from ticketing.services import clock, inbox, learning, settings, workflow
from ticketing.services.permissions import Permission
from ticketing.views.common import require_permission, run_batch

bp = Blueprint("supervisor", __name__, url_prefix="/supervise")


@bp.get("/")
@login_required
def overview():
    require_permission(Permission.SUPERVISE)
    departments = db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.id)).all()
    selected = next((d for d in departments if d.code == request.args.get("department")), None)
    sections = inbox.supervision_sections(
        db.session, clock.now_utc(), near_hours=int(settings.get_setting(db.session, "near_deadline_hours")),
        department_id=selected.id if selected else None)
    return render_template("supervisor/overview.html", sections=sections, departments=departments, selected=selected,
                           Action=workflow.Action, outcomes=learning.suggestion_outcomes(db.session, clock.now_utc()),
                           can=lambda ticket, action: workflow.can_perform(current_user, ticket, action))


@bp.post("/urge")
@login_required
def urge_many():
    """批量督办: one note for every ticked ticket; each is urged as if one by one, and refusals are listed."""
    require_permission(Permission.SUPERVISE)
    return run_batch(workflow.Action.URGE.value, {"note": request.form.get("note", "")}, "督办", "supervisor.overview")
