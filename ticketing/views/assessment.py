"""月度考核: the ranked month, a department's counted tickets, contests, issuing and the Excel export.

Supervisors (and administrators) see every department, decide contests and issue a month;
department staff see their own department's figures and file contests.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import AssessmentContest, ContestState, Department, Ticket
from ticketing.services import assessment, clock, permissions
from ticketing.services.assessment_export import workbook_bytes
from ticketing.services.permissions import Permission
from ticketing.views import local_time
from ticketing.views.common import commit_or_flash, require, require_permission

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


def _month(value: str | None = None) -> str:
    """The month asked for, else the previous calendar month (the one under review)."""
    return assessment.parse_month(value or request.args.get("month")) or assessment.shift_month(
        assessment.month_of(clock.now_utc()), -1)


def _report(month: str, *, refresh: bool = False) -> assessment.Report:
    """The month's report; live figures are shared by every worker for ASSESSMENT_LIVE_CACHE_SECONDS."""
    report = assessment.month_report(db.session, month, now=clock.now_utc(), refresh=refresh,
                                     max_age=assessment.cache_age(current_app.config["ASSESSMENT_LIVE_CACHE_SECONDS"]))
    db.session.commit()  # the figures just computed, stored for the next request
    return report


def _visible_rows(report: assessment.Report) -> list[assessment.Figures]:
    scope = permissions.assessment_department_scope(current_user)
    return [row for row in report.rows if scope is None or row.department_id == scope]


def _attempt(service, success: str) -> bool:
    """Run one service call; commit once and say so, or roll back and flash its Chinese message."""
    if not commit_or_flash(service):
        return False
    flash(success, "success")
    return True


@bp.get("/")
@login_required
def index():
    require(permissions.can_view_assessment(current_user))
    month, now = _month(), clock.now_utc()
    report = _report(month)
    may_issue = (permissions.has_permission(current_user, Permission.ASSESSMENT_DECIDE) and not report.is_issued
                 and assessment.has_ended(month, now))
    pending = [c for c in assessment.contests(db.session, month, permissions.assessment_department_scope(current_user))
               if c.state == ContestState.PENDING.value]
    return render_template(
        "assessment/index.html", report=report, rows=_visible_rows(report), month=month, pending=pending,
        previous_month=assessment.shift_month(month, -1), next_month=assessment.next_month_to_show(month, clock.now_utc()),
        ended=assessment.has_ended(month, now), weight_titles=assessment.WEIGHT_KEYS,
        awaiting=assessment.awaiting_decision(db.session, month) if may_issue else [],
        callbacks_outstanding=assessment.callbacks_outstanding(db.session, month) if may_issue else 0,
        unconfirmed=assessment.counted_on_an_unconfirmed_calendar(db.session, month) if may_issue else 0,
        current_weights=_typed_weights() or assessment.get_weights(db.session),
        may_decide=permissions.has_permission(current_user, Permission.ASSESSMENT_DECIDE),
        may_contest=permissions.has_permission(current_user, Permission.ASSESSMENT_CONTEST))


def _typed_weights() -> dict[str, str] | None:
    """The weights a refused save carried back (weight_accept=25…), shown in place of the stored ones."""
    typed = {key: request.args.get(f"weight_{key}") for key in assessment.WEIGHT_KEYS}
    return typed if all(value is not None for value in typed.values()) else None


@bp.get("/<month>/departments/<code>")
@login_required
def department(month: str, code: str):
    month = assessment.parse_month(month) or abort(404)
    unit = db.session.scalar(sa.select(Department).where(Department.code == code)) or abort(404)
    require(permissions.can_view_assessment(current_user, unit.id))
    report = _report(month)
    counted, total = assessment.counted_tickets(db.session, month, unit, now=clock.now_utc())
    return render_template("assessment/department.html", report=report, month=month, unit=unit,
                           row=report.row_for(unit.id), counted=counted, total=total,
                           may_contest=permissions.has_permission(current_user, Permission.ASSESSMENT_CONTEST)
                           and current_user.department_id == unit.id and not report.is_issued)


@bp.get("/<month>/contests")
@login_required
def contests(month: str):
    month = assessment.parse_month(month) or abort(404)
    require(permissions.can_view_assessment(current_user))
    scope = permissions.assessment_department_scope(current_user)
    listed = assessment.contests(db.session, month, scope)
    return render_template(
        "assessment/contests.html", month=month, contests=listed,
        against=assessment.what_pending_contests_contest(db.session, month, listed, clock.now_utc()),
        issued=assessment.issued_report(db.session, month) is not None,
        may_decide=permissions.has_permission(current_user, Permission.ASSESSMENT_DECIDE),
        may_contest=permissions.has_permission(current_user, Permission.ASSESSMENT_CONTEST))


@bp.post("/<month>/contests")
@login_required
def file_contest(month: str):
    month = assessment.parse_month(month) or abort(404)
    require_permission(Permission.ASSESSMENT_CONTEST)
    number = (request.form.get("ticket") or "").strip()
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.number == number))
    _attempt(lambda: assessment.file_contest(db.session, month, ticket, request.form.get("reason", ""),
                                             actor=current_user, now=clock.now_utc()),
             f"已提交对 {number} 的考核申诉，等待督办审核。")
    return redirect(url_for("assessment.contests", month=month))


@bp.post("/contests/<int:contest_id>/decision")
@login_required
def decide(contest_id: int):
    require_permission(Permission.ASSESSMENT_DECIDE)
    contest = db.get_or_404(AssessmentContest, contest_id)
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):  # Enter in the note once chose 同意核减, the form's first button
        flash("请点击“同意核减”或“驳回”作出决定：回车不作决定。", "error")
        return redirect(url_for("assessment.contests", month=contest.month))
    accept = decision == "accept"
    _attempt(lambda: assessment.decide_contest(db.session, contest, accept=accept, note=request.form.get("note", ""),
                                               actor=current_user, now=clock.now_utc()),
             f"已{'同意核减' if accept else '驳回申诉'}：{contest.ticket.number}")
    return redirect(url_for("assessment.contests", month=contest.month))


@bp.post("/<month>/issue")
@login_required
def issue(month: str):
    month = assessment.parse_month(month) or abort(404)
    require_permission(Permission.ASSESSMENT_DECIDE)
    if request.form.get("confirm") != "yes":
        flash("请勾选“确认发布”：发布后本月考核结果将冻结，不能再申诉。", "error")
    else:
        _attempt(lambda: assessment.issue_month(db.session, month, actor=current_user, now=clock.now_utc()),
                 f"{month} 月度考核结果已发布并冻结。")
    return redirect(url_for("assessment.index", month=month))


@bp.post("/<month>/refresh")
@login_required
def refresh(month: str):
    month = assessment.parse_month(month) or abort(404)
    require_permission(Permission.ASSESSMENT_DECIDE)
    report = _report(month, refresh=True)
    if not report.is_issued:
        flash(f"已按截至 {local_time(report.as_of)} 的数据重新计算。", "success")
    return redirect(url_for("assessment.index", month=month))


@bp.post("/weights")
@login_required
def weights():
    require_permission(Permission.ASSESSMENT_DECIDE)
    values = {key: request.form.get(key, type=int) for key in assessment.WEIGHT_KEYS}
    month = _month(request.form.get("month"))
    if not _attempt(lambda: assessment.set_weights(db.session, values, actor=current_user),
                    "综合得分权重已保存，对未发布的月份生效。"):  # refused: the boxes show what was typed, to correct
        return redirect(url_for("assessment.index", month=month, **{f"weight_{key}": request.form.get(key, "")
                                                                    for key in assessment.WEIGHT_KEYS}) + "#weights")
    return redirect(url_for("assessment.index", month=month))


@bp.get("/<month>/export.xlsx")
@login_required
def export(month: str):
    month = assessment.parse_month(month) or abort(404)
    require(permissions.can_view_assessment(current_user))
    report = _report(month)
    return Response(workbook_bytes(report, _visible_rows(report)),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=assessment-{month}.xlsx"})
