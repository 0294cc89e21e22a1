"""The agent's pages: the call form, triage, return review and callbacks."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Category, Department
from ticketing.services import (
    attachments, callback_claims, clock, inbox, intake_assist, invalid_calls, routing, tickets, validation,
)
from ticketing.services.errors import DomainError
from ticketing.services.permissions import Permission
from ticketing.views.common import classifier, flash_domain_error, paginate, require_permission, run_batch, store_uploads
from ticketing.views.forms import CallForm

bp = Blueprint("agent", __name__, url_prefix="/agent")
LATER_SHOWN = 200  # 回访's 稍后再拨 section: tickets tried within the retry interval


def _choices(form: CallForm) -> None:
    categories = db.session.scalars(sa.select(Category).where(Category.active.is_(True)).order_by(Category.id))
    departments = db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.id))
    form.category.choices = [("", "（按系统建议）")] + [(c.code, f"{c.code} {c.name}") for c in categories]
    form.department.choices = [("", "（按分类自动路由）")] + [(d.code, d.name) for d in departments]


@bp.route("/calls/new", methods=["GET", "POST"])
@login_required
def new_call():
    require_permission(Permission.TICKET_REGISTER)
    form = CallForm()
    _choices(form)
    popped = request.method == "GET" and _screen_pop(form)
    if form.validate_on_submit():
        same = intake_assist.same_call_just_registered(db.session, form.data, actor=current_user, now=clock.now_utc())
        if same is not None:  # the form sent twice: the first made the ticket
            flash(f"该来电刚才已登记为 {same.number}（{same.status_enum.title}），未重复登记", "success")
            return redirect(url_for("agent.new_call", last=same.number))
        try:
            ticket = intake_assist.register_call(
                db.session, form.data, answer_now=request.form.get("submit") == "answer",
                actor=current_user, now=clock.now_utc(), classifier=classifier(),
                threshold=current_app.config.get("CLASSIFIER_THRESHOLD"),
            )
            db.session.commit()
            flash(f"已登记 {ticket.number}（{ticket.status_enum.title}）", "success")
            store_uploads(ticket)  # the ticket is saved first: a refused file is reported, nothing typed is lost
            return redirect(url_for("agent.new_call", last=ticket.number))
        except DomainError as error:
            db.session.rollback()
            for name, message in error.fields.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + [message]
            flash(error.message, "error")
    elif request.method == "POST":  # the form's own checks (an empty 诉求内容): the same banner as the service's
        # and the caller's details checked at once, by the service's own rule (they came up a try later)
        details = {name: form[name].data for name in ("caller_name", "caller_phone", "caller_id_number", "region")}
        for name, message in validation.caller_errors(details).items():
            if not form[name].errors:
                form[name].errors = list(form[name].errors) + [message]
        flash("提交的内容有误，请按提示修改", "error")
    return _call_page(form, 400 if request.method == "POST" else 200, popped=popped)


def _call_page(form: CallForm, status: int, *, popped: bool = False, invalid: dict | None = None):
    """来电登记; ``invalid``: a refused 无效来电's kind, note and field messages, shown in its open panel."""
    return render_template("agent/new_call.html", form=form, last=request.args.get("last"), popped=popped,
                           accept_files=attachments.ACCEPT_ATTRIBUTE, invalid_kinds=invalid_calls.KINDS,
                           invalid=invalid, regions=routing.known_regions(db.session)), status


def _screen_pop(form: CallForm) -> bool:
    """来电弹屏: the telephone platform opens the form as ``?phone=…&call_id=…`` when a call is answered; the
    number and the call's id are filled in (the page then shows the number's history at once). A value that is
    not a phone number or an id is left out, with a message, and the agent types it."""
    phone, call_id = (request.args.get(key, "").strip() for key in ("phone", "call_id"))
    if phone:
        number = validation.caller_phone_from_exchange(phone)
        if message := validation.phone_error(number):
            flash(f"来电弹屏传来的号码“{phone[:30]}”未带入：{message}", "error")
        else:
            form.caller_phone.data = number
    if call_id:
        if message := validation.call_reference_error(call_id):
            flash(f"来电弹屏传来的来电流水号未带入：{message}", "error")
        else:
            form.call_reference.data = call_id
    return bool(form.caller_phone.data)


@bp.post("/calls/invalid")
@login_required
def invalid_call():
    """无效来电 from the call form: recorded, and the form is empty for the next call. Refused, the form again with
    the panel open, the kind and note kept and the reason beside them; what was typed in the call form stays in the
    browser's draft."""
    require_permission(Permission.TICKET_REGISTER)
    form = request.form
    try:
        invalid_calls.record(db.session, kind=form.get("kind", ""), phone=form.get("caller_phone"),
                             call_reference=form.get("call_reference"), note=form.get("note"),
                             actor=current_user, now=clock.now_utc())
        db.session.commit()
    except DomainError as error:  # the panel comes back open, with what was chosen and the reason beside it
        db.session.rollback()
        flash_domain_error(error)
        form_again = CallForm(formdata=None)
        _choices(form_again)
        return _call_page(form_again, 400, invalid={"kind": form.get("kind", ""), "note": form.get("note", ""),
                                                     "errors": error.fields})
    flash(f"已记录无效来电（{invalid_calls.KINDS[form['kind']]}）", "success")
    return redirect(url_for("agent.new_call"))


@bp.post("/assist")
@login_required
def assist():
    """Suggestions while the agent types: category, department, reasons, similar tickets, phone history."""
    require_permission(Permission.TICKET_REGISTER)
    payload = request.get_json(silent=True) or {}
    result = intake_assist.assist(
        db.session, text=str(payload.get("text", "")), phone=str(payload.get("phone", "")),
        classifier=classifier(), now=clock.now_utc(),
        min_similarity=float(current_app.config.get("DUPLICATE_SIMILARITY", 0.6)),
        viewer=current_user, want_caller=payload.get("caller") is True,
        threshold=current_app.config.get("CLASSIFIER_THRESHOLD"), region=str(payload.get("region") or ""),
        channel=str(payload.get("channel") or "") or None, ticket_type=str(payload.get("type") or "") or None,
    )
    db.session.commit()  # a view of an earlier caller's name, when one was shown
    return jsonify(result)


@bp.get("/triage")
@login_required
def triage():
    require_permission(Permission.TICKET_TRIAGE)
    page = paginate(inbox.triage_query(), per_page=30)
    routes, not_routed = {}, {}  # where 批量派发 sends each, or why it cannot
    for ticket in page.items:
        try:
            routes[ticket.id] = tickets.suggested_route(db.session, ticket).department
        except DomainError as why:
            not_routed[ticket.id] = why.message
    return render_template("agent/triage.html", page=page, routes=routes, not_routed=not_routed)


@bp.post("/triage/dispatch")
@login_required
def dispatch_many():
    """批量派发: the ticked tickets go where their category (or the classifier's suggestion) routes them,
    as if confirmed one by one."""
    require_permission(Permission.TICKET_TRIAGE)
    return run_batch("dispatch", {"as_suggested": "1"}, "派发", "agent.triage")


@bp.get("/returns")
@login_required
def returns():
    require_permission(Permission.TICKET_TRIAGE)
    page = paginate(inbox.returns_query(), per_page=30)
    return render_template("agent/returns.html", page=page, departments=_active(Department),
                           files=attachments.counts_for(db.session, page.items))


@bp.get("/callbacks")
@login_required
def callbacks():
    require_permission(Permission.CALLBACK_QUEUE)
    interval = inbox.callback_retry_interval(db.session)
    now = clock.now_utc()
    cutoff = now - interval
    due = inbox.callbacks_query(cutoff)
    page = paginate(callback_claims.not_claimed_by_others(due, current_user, now), per_page=30)
    # 稍后再拨: tried lately without reaching the citizen; only a few hours' worth, so listed whole (capped)
    later = db.session.scalars(inbox.callbacks_query(cutoff, later=True).limit(LATER_SHOWN)).all()
    shown = page.items + later
    return render_template("agent/callbacks.html", page=page, later=later, later_shown=LATER_SHOWN,
                           retry_at={t.id: t.called_back_at + interval for t in later},
                           retry_minutes=int(interval.total_seconds() // 60),
                           files=attachments.counts_for(db.session, shown),
                           tries=tickets.failed_callbacks_of(db.session, shown),
                           claimed_by_others=callback_claims.claimed_by_others_count(db.session, due, current_user,
                                                                                     now),
                           claim_minutes=callback_claims.CLAIM_MINUTES)


UNHAPPY_SHOWN = 100  # a day's worth at most: each is decided on its own page


@bp.get("/closing")
@login_required
def closing():
    """待办结: called back unhappy (重办, or archive with a reason, on the ticket), then the rest to archive, which
    may be archived several at once."""
    require_permission(Permission.CALLBACK_QUEUE)
    unhappy, unhappy_total = inbox.first_and_total(db.session, inbox.unhappy_query(), UNHAPPY_SHOWN)
    page = paginate(inbox.to_close_query(), per_page=50)
    return render_template("agent/closing.html", unhappy=unhappy, unhappy_total=unhappy_total, page=page,
                           files=attachments.counts_for(db.session, unhappy + page.items))


@bp.post("/closing")
@login_required
def close_many():
    """批量办结归档 of the ticked tickets (each refused one is named with its reason, an unhappy one among them)."""
    require_permission(Permission.CALLBACK_QUEUE)
    return run_batch("close", {}, "办结归档", "agent.closing")


def _active(model):
    return db.session.scalars(sa.select(model).where(model.active.is_(True)).order_by(model.id)).all()

