"""工单统计: a month's intake by type, channel, category, region and day, beside the month before."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Department
from ticketing.services import assessment, assists, clock, permissions, statistics
from ticketing.services.statistics_export import workbook_bytes
from ticketing.views import local_time
from ticketing.views.common import require

bp = Blueprint("statistics", __name__, url_prefix="/statistics")


def _month_and_scope() -> tuple[str, int | None]:
    """Supervisors and administrators see the whole centre, or one department they choose (?department=CODE,
    with its 经办人); department staff their own department."""
    require(permissions.can_view_assessment(current_user))
    month = assessment.parse_month(request.args.get("month")) or assessment.month_of(clock.now_utc())
    scope = permissions.assessment_department_scope(current_user)
    code = request.args.get("department")
    if scope is None and code:
        chosen = db.session.scalar(sa.select(Department).where(Department.code == code))
        if chosen is None:
            abort(404, f"承办单位 {code} 不存在")
        scope = chosen.id
    return month, scope


@bp.get("/")
@login_required
def index():
    month, scope = _month_and_scope()
    stats = statistics.month_statistics(db.session, month, department_id=scope, now=clock.now_utc())
    handlers = statistics.handler_month(db.session, month, scope) if scope else []
    agents = statistics.agent_month(db.session, month) if scope is None else []
    return render_template("statistics/index.html", stats=stats, month=month, handlers=handlers, agents=agents,
                           assist_rows=_assist_rows(month, scope),
                           # the statute binds the bureau: the centre's figure, not a department's
                           petitions=statistics.petition_month(db.session, month, now=clock.now_utc())
                           if scope is None else None,
                           petition_note=statistics.PETITION_NOTE,
                           unit=db.session.get(Department, scope) if scope else None,
                           departments=[] if permissions.assessment_department_scope(current_user) else
                           db.session.scalars(sa.select(Department).order_by(Department.code)).all(),
                           first_day=stats.by_day[0][0].isoformat(), last_day=stats.by_day[-1][0].isoformat(),
                           previous_month=assessment.shift_month(month, -1),
                           next_month=assessment.next_month_to_show(month, clock.now_utc()))


@bp.get("/export.xlsx")
@login_required
def export():
    month, scope = _month_and_scope()
    stats = statistics.month_statistics(db.session, month, department_id=scope, now=clock.now_utc())
    unit = db.session.get(Department, scope) if scope else None
    content = workbook_bytes(stats, scope=unit.name if unit else "全中心", as_of=local_time(clock.now_utc()),
                             handlers=statistics.handler_month(db.session, month, scope) if scope else [],
                             agents=statistics.agent_month(db.session, month) if scope is None else [],
                             assist_rows=_assist_rows(month, scope),
                             petitions=statistics.petition_month(db.session, month, now=clock.now_utc())
                             if scope is None else None)
    name = f"statistics-{month}-{unit.code}.xlsx" if unit else f"statistics-{month}.xlsx"
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _assist_rows(month: str, scope: int | None) -> list[assists.AssistMonth]:
    return assists.month_by_department(db.session, *assessment.month_bounds(month), department_id=scope)
