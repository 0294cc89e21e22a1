"""督办: near deadline, overdue, waiting for approval, urged; urge and reassign inline, or urge the ticked ones at once;
热点诉求: many callers about one matter."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Department
from ticketing.services import (
    assessment, clock, hotspots, hotspots_export, inbox, invalid_calls, learning, settings, statistics, workflow,
)
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.permissions import Permission, has_permission
from ticketing.services.errors import DomainError, NotAllowed, NotFound
from ticketing.views.common import (
    flash_domain_error, offered_number, paginate, redirect_back, require_permission, run_batch,
)

bp = Blueprint("supervisor", __name__, url_prefix="/supervise")


@bp.get("/")
@login_required
def overview():
    require_permission(Permission.SUPERVISE)
    departments = db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.id)).all()
    selected = next((d for d in departments if d.code == request.args.get("department")), None)
    now = clock.now_utc()
    near_hours = int(settings.get_setting(db.session, "near_deadline_hours"))
    load = inbox.department_load(db.session, now, near_hours=near_hours)
    sections = inbox.supervision_sections(
        db.session, now, near_hours=near_hours,
        department_id=selected.id if selected else None)
    today = statistics.day_overview(db.session, now, department_id=selected.id if selected else None)
    return render_template("supervisor/overview.html", sections=sections, departments=departments, selected=selected,
                           today=today, now=now, near_hours=near_hours,
                           load=[(d, load[d.id]) for d in departments if d.id in load],
                           Action=workflow.Action, outcomes=learning.suggestion_outcomes(db.session, clock.now_utc()),
                           can=lambda ticket, action: workflow.can_perform(current_user, ticket, action))


@bp.get("/invalid-calls")
@login_required
def invalid_call_list():
    """无效来电 of a month by kind, the numbers that harass the line most, and the calls themselves."""
    require_permission(Permission.SUPERVISE)
    now = clock.now_utc()
    month = assessment.parse_month(request.args.get("month")) or assessment.month_of(now)
    start, end = assessment.month_bounds(month)
    kind = request.args.get("kind") if request.args.get("kind") in invalid_calls.KINDS else None
    page = paginate(invalid_calls.month_query(start, end, kind=kind), per_page=50)
    return render_template("supervisor/invalid_calls.html", page=page, month=month, kind=kind,
                           kinds=invalid_calls.KINDS, by_kind=invalid_calls.by_kind(db.session, start, end),
                           nuisance=invalid_calls.nuisance_numbers(db.session, now),
                           nuisance_days=invalid_calls.NUISANCE_DAYS,
                           previous_month=assessment.shift_month(month, -1),
                           next_month=assessment.next_month_to_show(month, clock.now_utc()))


@bp.post("/urge")
@login_required
def urge_many():
    """批量督办: one note for every ticked ticket; each is urged as if one by one, and refusals are listed."""
    require_permission(Permission.SUPERVISE)
    note = request.form.get("note", "").strip()
    if not note:  # once for the batch, not once per ticket mixed with each ticket's own reason
        flash("请填写督办意见，未督办任何工单。", "error")
        return redirect_back("supervisor.overview")
    return run_batch(workflow.Action.URGE.value, {"note": note}, "督办", "supervisor.overview")


def _hotspots_asked(limit: int | None = None):
    """The page's filters and the hotspot report they ask for, or None with the reason flashed (a window
    with too many tickets). 热点诉求 is for supervisors, administrators and agents, who answer the next
    caller about the same matter the same way, and for a department's staff, about its own tickets."""
    try:
        selected = hotspots.department_grouped(db.session, current_user, request.args.get("department"))
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    scoped = hotspots.department_scope(current_user) is not None
    departments = ([selected] if scoped else db.session.scalars(
        sa.select(Department).where(Department.active.is_(True)).order_by(Department.id)).all())
    if selected is not None and selected not in departments:  # a switched-off one asked for: the select names it
        departments = [*departments, selected]
    days = offered_number("days", hotspots.DAY_CHOICES, 7)
    min_size = offered_number("min_size", hotspots.SIZE_CHOICES, 3)
    filters = {"departments": departments, "selected": selected, "days": days, "min_size": min_size,
               "scoped": scoped}
    try:
        found = hotspots.report(db.session, clock.now_utc(), days=days, min_size=min_size,
                                min_similarity=float(settings.get_setting(db.session, "hotspot_similarity")),
                                department_id=selected.id if selected else None,
                                fresh=request.args.get("fresh") == "1", limit=limit)
        db.session.commit()  # the grouping, stored for every worker
        hotspots.read_again(db.session, found)
    except DomainError as error:
        flash_domain_error(error)
        found = None
    return found, filters


GROUPS_SHOWN = 50  # 热点诉求's page: a province's week can hold hundreds of groups; the export has them all


@bp.get("/hotspots")
@login_required
def hotspot_report():
    """热点诉求: groups of similar tickets from several callers in the last days (the largest GROUPS_SHOWN)."""
    found, filters = _hotspots_asked(GROUPS_SHOWN)
    return render_template("supervisor/hotspots.html", report=found, **filters, day_choices=hotspots.DAY_CHOICES,
                           size_choices=hotspots.SIZE_CHOICES,
                           may_urge=has_permission(current_user, Permission.SUPERVISE))


@bp.get("/hotspots/export.xlsx")
@login_required
def hotspot_export():
    """导出 Excel: the same groups and their tickets, for the report to the bureau."""
    found, filters = _hotspots_asked()
    selected = filters["selected"]
    if found is None:
        return redirect(url_for("supervisor.hotspot_report", days=filters["days"], min_size=filters["min_size"],
                                department=selected.code if selected else None))
    content = hotspots_export.workbook_bytes(found, scope=selected.name if selected else "全中心",
                                             min_size=filters["min_size"])
    name = (f"hotspots-{found.computed_at.astimezone(LOCAL_TZ):%Y%m%d}-{filters['days']}d"
            + (f"-{selected.code}" if selected else ""))
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}.xlsx"})

