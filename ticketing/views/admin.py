"""系统管理: users, departments, categories, routing rules, deadline policies, holidays."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import login_required

from ticketing.extensions import db
from ticketing.models import Category, DeadlinePolicy, Department, Holiday, RoutingRule, User
from ticketing.services.permissions import Permission
from ticketing.views.common import require_permission

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@login_required
def index():
    require_permission(Permission.ADMINISTER)
    return render_template(
        "admin/index.html",
        users=db.session.scalars(sa.select(User).order_by(User.role, User.username)).all(),
        departments=db.session.scalars(sa.select(Department).order_by(Department.id)).all(),
        categories=db.session.scalars(sa.select(Category).order_by(Category.id)).all(),
        rules=db.session.scalars(sa.select(RoutingRule).order_by(RoutingRule.priority.desc())).all(),
        policies=db.session.scalars(sa.select(DeadlinePolicy).order_by(DeadlinePolicy.id)).all(),
        holidays=db.session.scalars(sa.select(Holiday).order_by(Holiday.day)).all(),
    )
