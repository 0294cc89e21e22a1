"""督办: near deadline, overdue, waiting for approval, urged."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required

from ticketing.extensions import db
from ticketing.models import Department, Ticket
from ticketing.services import clock, inbox, settings
from ticketing.services.permissions import Permission
from ticketing.views.common import require_permission

bp = Blueprint("supervisor", __name__, url_prefix="/supervise")


@bp.get("/")
@login_required
def overview():
    require_permission(Permission.SUPERVISE)
    now = clock.now_utc()
    hours = int(settings.get_setting(db.session, "near_deadline_hours"))
    base = sa.select(Ticket).order_by(Ticket.reply_due_at).limit(50)
    sections = [
        ("overdue", "已超期", db.session.scalars(base.where(inbox.overdue_condition(now))).all()),
        ("near", f"{hours} 小时内到期", db.session.scalars(base.where(inbox.near_deadline_condition(now, hours))).all()),
        ("extensions", "延期待审批", db.session.scalars(inbox.extension_requests_query().limit(50)).all()),
        ("returns", "退回待审核", db.session.scalars(inbox.returns_query().limit(50)).all()),
        ("urged", "督办中", db.session.scalars(
            base.where(Ticket.last_urged_at.is_not(None), Ticket.status.in_(inbox.DEPARTMENT_WORK))).all()),
    ]
    departments = db.session.scalars(sa.select(Department).where(Department.active.is_(True))).all()
    return render_template("supervisor/overview.html", sections=sections, departments=departments)
