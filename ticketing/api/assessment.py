"""/api/v1/assessment: a month's figures per department and the tickets behind them, as on the 月度考核 pages.

Supervisors' and administrators' tokens see every department; a department's staff token sees its own.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from ticketing.api import schemas
from ticketing.api.auth import SECURITY, current_api_user, token_required
from ticketing.api.presenters import counted_ticket_dict, figures_dict, iso
from ticketing.api.views import ERRORS, bp
from ticketing.extensions import db
from ticketing.models import Department
from ticketing.services import assessment, clock, permissions
from ticketing.services.errors import NotAllowed, NotFound, ValidationFailed

TAG = "月度考核"


def _month(text: str) -> str:
    month = assessment.parse_month(text)
    if month is None:
        raise ValidationFailed("考核月份格式应为 YYYY-MM，如 2026-03", fields={"month": "格式应为 YYYY-MM"})
    return month


def _user_may_view(department_id: int | None = None):
    user = current_api_user()
    if user is None or not permissions.can_view_assessment(user, department_id):
        raise NotAllowed("该令牌无权查看考核结果")
    return user


@bp.get("/assessment/<month>")
@bp.doc(summary="某月各承办单位的考核结果", tags=[TAG], security=SECURITY,
        description="已发布的月份返回冻结的结果；未发布的月份返回截至当前的实时数据（as_of）。"
                    "承办人员的令牌只返回本单位一行。各项指标的定义见 docs/assessment.md。",
        responses={422: "月份格式有误", **ERRORS})
@token_required()
@bp.output(schemas.AssessmentOut)
def month_figures(month: str):
    user = _user_may_view()
    report = assessment.month_report(db.session, _month(month), now=clock.now_utc(),
                                     max_age=assessment.cache_age(current_app.config["ASSESSMENT_LIVE_CACHE_SECONDS"]))
    scope = permissions.assessment_department_scope(user)
    rows = [figures_dict(row) for row in report.rows if scope is None or row.department_id == scope]
    db.session.commit()
    return {"month": report.month, "issued": report.is_issued, "as_of": iso(report.as_of),
            "weights": report.weights, "rows": rows}


@bp.get("/assessment/<month>/departments/<code>/tickets")
@bp.doc(summary="某单位某月计入考核的工单及各项是否达标", tags=[TAG], security=SECURITY,
        responses={404: "承办单位不存在", 422: "月份格式有误", **ERRORS})
@token_required()
@bp.input(schemas.CountedTicketQuery, location="query", arg_name="query")
@bp.output(schemas.CountedTicketsOut)
def counted_tickets(month: str, code: str, query: dict):
    month = _month(month)
    unit = db.session.scalar(sa.select(Department).where(Department.code == code))
    if unit is None:
        raise NotFound(f"承办单位 {code} 不存在")
    _user_may_view(unit.id)
    items, total = assessment.counted_tickets(db.session, month, unit, now=clock.now_utc(), limit=query["limit"])
    issued = assessment.issued_report(db.session, month) is not None
    body = {"month": month, "department": unit.code, "issued": issued, "total": total,
            "items": [counted_ticket_dict(item) for item in items]}  # before the commit expires each ticket
    db.session.commit()
    return body
