"""The department's inbox."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.services import assists, attachments, clock, inbox, queues, workflow
from ticketing.services.permissions import Permission
from ticketing.views.common import paginate, require_permission, run_batch

bp = Blueprint("staff", __name__, url_prefix="/inbox")
NOTES_SHOWN = 20  # urged and called-about tickets listed atop the inbox; the heading counts them all
OPINIONS_DAYS = 3  # 协办意见 received on the department's tickets still worked are named atop the inbox this long

STATES = [("todo", "待办"), ("mine", "我经办的"), ("dispatched", "待签收"), ("accepted", "办理中"),
          ("return_requested", "退回待审"), ("notify", "待告知"), ("assist", "协办"),
          ("done", "已答复/办结")]


@bp.get("/", endpoint="inbox")
@login_required
def inbox_page():
    require_permission(Permission.INBOX)
    state = request.args.get("state", "todo")
    if state == "assist":
        return _assist_page()
    query = inbox.department_query(current_user.department_id, state, handler_id=current_user.id)
    page = paginate(query, per_page=30)
    urged, urged_total = inbox.first_and_total(db.session, inbox.urged_query(current_user.department_id), NOTES_SHOWN)
    now = clock.now_utc()
    followed_up, followed_up_total = inbox.first_and_total(
        db.session, inbox.followed_up_query(now, current_user.department_id), NOTES_SHOWN)
    workload = inbox.handler_workload(db.session, current_user.department_id, now)
    return render_template("staff/inbox.html", page=page, state=state, states=STATES, urged=urged, workload=workload,
                           queue=state if state in queues.QUEUES else None,
                           urged_total=urged_total, followed_up_total=followed_up_total,
                           followed_up=followed_up, follow_up_days=inbox.FOLLOW_UP_DAYS,
                           unanswered={t.id for t in followed_up if inbox.follow_up_unanswered(t, now)},
                           handed_over=inbox.handed_over_to(db.session, current_user, now),
                           handed_over_days=inbox.HANDED_OVER_DAYS,
                           opinions=assists.received_since(db.session, current_user.department_id,
                                                           now - timedelta(days=OPINIONS_DAYS)),
                           opinions_days=OPINIONS_DAYS,
                           files=attachments.counts_for(db.session, page.items),
                           awaited=assists.awaited_among(db.session, page.items))


def _assist_page():
    """协办: what other departments asked this one to check or answer, the soonest due first; below it, the
    latest answered."""
    page = paginate(assists.department_queue(current_user.department_id), per_page=30)
    answered = db.session.scalars(assists.answered_by_department(current_user.department_id).limit(NOTES_SHOWN)).all()
    return render_template("staff/assists.html", page=page, answered=answered, state="assist", states=STATES)


@bp.post("/accept", endpoint="accept_many")
@login_required
def accept_many():
    """批量签收: the ticked tickets are accepted as if one by one (each an event, each worked by the acceptor);
    any that cannot be (accepted meanwhile, reassigned) are listed with the reason."""
    require_permission(Permission.INBOX)
    return run_batch(workflow.Action.ACCEPT.value, {}, "签收", "staff.inbox")
