"""Ticket query page, ticket page and the action forms on it."""
from __future__ import annotations

import logging
import shlex
from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.file_responses import file_download
from ticketing.models import Category, Channel, ContactMethod, ContactPurpose, Department, TicketStatus, TicketType
from ticketing.services import (
    assists, attachments, caller_corrections, callback_claims, channel_feedback, clock, duplicates, inbox, intake_assist,
    notices, permissions, petition_reviews, privacy, queues, reviews, routing, search, sms, ticket_export, validation, workflow,
)
from ticketing.services import tickets as ticket_service
from ticketing.services.actions import done_message
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.privacy import may_see_caller
from ticketing.services.errors import DomainError, NotFound
from ticketing.views.common import (
    day_arg, flash_domain_error, paginate, require, run_action, safe_next, safe_path, same_site_referrer,
    store_uploads, ticket_or_404,
)

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
log = logging.getLogger("ticketing.export")


def _date(name: str, end: bool = False):
    """The day's first moment; with ``end``, the next day's, which the search's ``<`` leaves out (time.max left out
    a ticket received at 23:59:59.999999, which the API, counting the same way, took)."""
    day = day_arg(name)
    return None if day is None else datetime.combine(day + timedelta(days=1) if end else day, time.min, LOCAL_TZ)


def filters_from_request() -> search.TicketFilters:
    overdue, risk = request.args.get("overdue"), request.args.get("risk")
    return search.TicketFilters(
        status=request.args.get("status") or None,
        department=request.args.get("department") or None,
        category=request.args.get("category") or None,
        channel=request.args.get("channel") or None,
        type=request.args.get("type") or None,
        overdue=True if overdue == "1" else False if overdue == "0" else None,
        risk=True if risk == "1" else False if risk == "0" else None,
        q=request.args.get("q") or None,
        phone=validation.normalize_phone(request.args.get("phone")) or None,
        received_from=_date("received_from"),
        received_to=_date("received_to", end=True),
        handler=request.args.get("handler") or None,
        assist=request.args.get("assist") if request.args.get("assist") in search.ASSIST_FILTERS else None,
    )


@bp.get("/")
@login_required
def index():
    filters = filters_from_request()
    query = search.ticket_query(db.session, current_user, filters, clock.now_utc())
    page = paginate(query, per_page=30)
    return render_template(
        "tickets/index.html", page=page, filters=filters, files=attachments.counts_for(db.session, page.items),
        awaited=assists.awaited_among(db.session, page.items), statuses=TicketStatus, types=TicketType,
        channels=Channel, categories=_categories(switched_off_too=True), departments=_departments(switched_off_too=True),
        assist_filters=search.ASSIST_FILTERS, described=search.describe_filters(db.session, filters),  # on paper, where the form is not
    )


@bp.get("/export.xlsx")
@login_required
def export():
    """The query page's tickets as a workbook: the same filters, the same visibility, callers masked."""
    filters = filters_from_request()
    now = clock.now_utc()
    query = search.ticket_query(db.session, current_user, filters, now)
    content, count = ticket_export.workbook_bytes(db.session, query, now=now, description=search.describe_filters(db.session, filters))
    # which filters, not their values: a phone number or an ID number searched for stays out of the log
    log.info("ticket export by %s: %d tickets (filters: %s)", current_user.username, count,
             ",".join(sorted(key for key, value in request.args.items() if value)) or "none")
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename=tickets-{now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.xlsx"})


def _suggested_route(ticket):
    """Where the routing rules send it (its 区县, channel and type counted), for the 派发 form to start on: it started
    on the category's default department, so a county's letter went to the city (a county review)."""
    try:
        return ticket_service.suggested_route(db.session, ticket)
    except DomainError:
        return None


@bp.get("/<number>")
@login_required
def detail(number: str):
    ticket = ticket_or_404(number)
    show_caller = may_see_caller(db.session, current_user, ticket)
    if show_caller and (ticket.caller_phone or ticket.caller_name or ticket.caller_id_number):
        privacy.log_view(db.session, current_user, ticket, now=clock.now_utc())
        db.session.commit()
    files, hidden_files = attachments.listed(db.session, current_user, ticket)
    now = clock.now_utc()
    actions = ticket_service.actions_open_now(db.session, current_user, ticket, now)  # as the API lists them
    may = workflow.allowed_actions(current_user, ticket)  # before the ticket's own rules: the page says why not
    ticket_reviews, may_review = reviews.visible_reviews(db.session, ticket, current_user)
    queue = queues.for_user(current_user, request.args.get("queue"))
    calling = None  # 正在回访: another agent calling this citizen back now
    if workflow.Action.CALLBACK in actions:
        calling = callback_claims.on_opening(db.session, ticket, current_user, now,
                                             from_callback_queue=queue is not None and queue.name == "callbacks")
        db.session.commit()
    place = queues.place_of(db.session, current_user, queue, ticket, clock.now_utc(),
                            then=request.args.get("then")) if queue else None
    return render_template(
        "tickets/detail.html", ticket=ticket, show_caller=show_caller,
        queue=queue.name if queue else None, place=place, then=place.next_number if place else None,
        colleagues=ticket_service.colleagues(db.session, ticket) if workflow.Action.HAND_OVER in actions else [],
        answers=_standard_answers(ticket) if {workflow.Action.REPLY, workflow.Action.ANSWER_ON_THE_SPOT} & set(actions) else [],
        files=files, hidden_files=hidden_files, accept_files=attachments.ACCEPT_ATTRIBUTE,
        sendable=ticket_service.sendable_files(ticket) if workflow.Action.REPLY in actions else [],
        reply_goes_to=channel_feedback.given_the_reply(db.session, ticket) if workflow.Action.REPLY in actions else [],
        caller_on_progress_page=channel_feedback.CALLER_ON_PROGRESS_PAGE,
        may_remove_attachment=attachments.may_remove, may_read_notes=permissions.can_read_notes(current_user, ticket),
        max_file_mb=current_app.config["ATTACHMENT_MAX_MB"],
        actions=actions, Action=workflow.Action,
        categories=_categories(), departments=_departments(),
        assist_days=assists.working_days(db.session) if workflow.Action.REQUEST_ASSIST in actions else None,
        my_assist=assists.open_request(ticket, current_user.department_id)
        if workflow.Action.ANSWER_ASSIST in actions else None,
        awaited=assists.awaited(ticket) if workflow.Action.REPLY in actions else [],
        duplicates=ticket_service.merged_duplicates(db.session, ticket),
        route=_suggested_route(ticket) if workflow.Action.DISPATCH in actions else None,
        routes=ticket_service.routes_by_category(db.session, ticket, _categories())
        if workflow.Action.DISPATCH in actions else {},
        extension=ticket_service.extension_allowance(db.session, ticket)
        if workflow.Action.REQUEST_EXTENSION in actions else None,
        return_refused=ticket_service.return_refusal(db.session, ticket, now) if workflow.Action.RETURN in may else None,
        extension_refused=ticket_service.extension_refusal(ticket, now)
        if workflow.Action.REQUEST_EXTENSION in may and ticket.extension_state != "requested" else None,
        pii_views=privacy.views_of(db.session, ticket) if current_user.role in ("supervisor", "admin") else [],
        identity_granted=workflow.Action.GRANT_IDENTITY in actions
        and privacy.identity_granted(db.session, ticket, ticket.department_id),
        same_caller=privacy.same_caller(db.session, current_user, ticket),
        contact_purposes=ContactPurpose.choices(), contact_methods=ContactMethod.choices(),
        ticket_types=TicketType.choices() if workflow.Action.CHANGE_TYPE in actions else [],
        regions=routing.known_regions(db.session) if workflow.Action.CORRECT_CALLER in actions else [],
        caller_fields=caller_corrections.FIELDS,
        contact_purpose=notices.suggested_purpose(ticket),
        sms_to=sms.mobile_of(ticket) if current_app.config.get("SMS_COMMAND") and show_caller else None,
        follow_up_unanswered=inbox.follow_up_unanswered(ticket, clock.now_utc()),
        sent_again=inbox.sent_again(ticket, clock.now_utc()),
        callback_retry_at=inbox.callback_retry_at(db.session, ticket, clock.now_utc())
        if workflow.Action.CALLBACK in actions else None,
        callback_script=ticket_service.callback_script(ticket) if workflow.Action.CALLBACK in actions else "",
        calling=calling, claim_minutes=callback_claims.CLAIM_MINUTES,
        ticket_reviews=ticket_reviews, may_review=may_review,
        review_items=reviews.item_titles(db.session) if ticket_reviews or may_review else {},
        review_applicable=reviews.applicable_items(db.session, ticket) if may_review else [],
        pass_score=reviews.PASS_SCORE, back=list_back(),
        petition_stage=petition_reviews.next_stage(ticket)
        if workflow.Action.REQUEST_PETITION_REVIEW in actions else None,
        petition_contested_on=petition_reviews.contested_opinion_date(ticket)
        if workflow.Action.REQUEST_PETITION_REVIEW in actions else None,
        petition_open=petition_reviews.open_review(ticket), petition_concluded=petition_reviews.is_concluded(ticket),
        petition_late=petition_reviews.is_late, is_concluded_petition=petition_reviews.is_concluded,
        # the numbers only of tickets this user may open (a department's staff: its own)
        concluded_petitions=[t for t in petition_reviews.concluded_for_phone(db.session, ticket.caller_phone,
                                                                             except_id=ticket.id)
                             if permissions.can_view_ticket(current_user, t)]
        if petition_reviews.is_petition(ticket) and ticket.status_enum.is_open else [], petition_within_days=petition_reviews.REQUEST_WITHIN_DAYS,
    )


@bp.post("/<number>/actions/<action>")
@login_required
def act(number: str, action: str):
    moved = _moved_away(number)
    if moved is not None:
        return moved
    if action == "merge":
        ticket_service.lock_merge_target_first(db.session, number, request.form.get("into"))
    ticket = ticket_or_404(number)
    params = {key: value for key, value in request.form.items() if key != "csrf_token"}
    params["attachments"] = request.form.getlist("attachments")  # the reply's 随答复发送 boxes, one value each
    if run_action(ticket, action, params):
        flash(done_message(ticket, action), "success")
    return redirect(safe_next(_back_to(ticket)))


@bp.post("/<number>/callback-claim")
@login_required
def renew_callback_claim(number: str):
    """正在回访, renewed by the open page while the agent is on the call: the claim is the agent's still, or says who
    has it now (JSON); ``give_back`` (the page fell idle) ends the agent's claim. The ticket is read without the lock a POST takes: the claim locks the agent's row, then the
    tickets, in that order, as opening a page does (two tabs of one agent deadlocked otherwise; a review)."""
    ticket = ticket_service.find_by_number(db.session, number)
    if ticket is None or not permissions.can_view_ticket(current_user, ticket):
        abort(404)
    now = clock.now_utc()
    if workflow.Action.CALLBACK not in ticket_service.actions_open_now(db.session, current_user, ticket, now):
        return jsonify({"mine": False, "by": None})
    if request.form.get("give_back"):  # the page fell idle
        callback_claims.give_back(db.session, ticket, current_user)
        db.session.commit()
        return jsonify({"mine": False, "by": None})
    calling = callback_claims.claim(db.session, ticket, current_user, now)
    db.session.commit()
    return jsonify({"mine": calling is None, "by": calling.display_name if calling else None})


TYPED_FIELDS = ("content", "answer", "advice", "reason", "note", "opinion", "request")


def _moved_away(number: str):
    """A department's form posted for a ticket that has since left it (改派, a return approved): it was a bare 404,
    and the reply typed into it was lost. Says so and shows what was typed, with a link back to the inbox (409)."""
    if current_user.role != "staff":
        return None
    ticket = ticket_service.find_by_number(db.session, number)
    if ticket is None or permissions.can_view_ticket(current_user, ticket):
        return None
    code = current_user.department.code if current_user.department else None
    if not any(code in ((e.data or {}).get("department"), (e.data or {}).get("to"), (e.data or {}).get("from"))
               for e in ticket.events):
        return None  # never this department's: as absent as before
    # on the page itself, not in a flash: a long reply in the session cookie made it too large, and the browser
    # dropped it with the words
    typed = next((request.form.get(name, "").strip() for name in TYPED_FIELDS if request.form.get(name, "").strip()), "")
    return render_template("tickets/moved_away.html", number=ticket.number, typed=typed), 409


def _back_to(ticket, anchor: str = "") -> str:
    """The ticket's page after a form on it, in the work queue it was opened from (with the ticket that followed
    it then) when there is one, and still offering the way back to the list it was opened from (``back``)."""
    queue = queues.for_user(current_user, request.args.get("queue"))
    back = {"back": came_from} if (came_from := list_back()) else {}
    if queue is None:
        return url_for("tickets.detail", number=ticket.number, **back) + anchor
    return url_for("tickets.detail", number=ticket.number, queue=queue.name, then=request.args.get("then"),
                   **back) + anchor


def list_back() -> str:
    """The list a ticket was opened from (督办 with its department, say), given as ``back`` to the ticket page; a
    form on that page posts without it, so it is read from the page the form was on. It was lost after 审核."""
    if request.method == "GET":
        return safe_path(request.args.get("back"))
    query = parse_qs(urlsplit(same_site_referrer()).query)
    return safe_path((query.get("back") or [""])[0])


def _standard_answers(ticket):
    """答复口径 of the ticket's category (and the suggested one), to insert into a reply."""
    codes = [c.code for c in (ticket.category, ticket.suggested_category) if c is not None]
    return intake_assist.standard_answers(db.session, f"{ticket.title}\n{ticket.content}",
                                          list(dict.fromkeys(codes))) if codes else []


@bp.post("/<number>/notices/<purpose>/sms")
@login_required
def send_notice_sms(number: str, purpose: str):
    """发短信告知: the notice owed, sent through the centre's SMS gateway and recorded as a contact."""
    ticket = ticket_or_404(number)
    command = tuple(shlex.split(current_app.config.get("SMS_COMMAND") or ""))
    try:
        contact = sms.send_notice(db.session, ticket, purpose, actor=current_user, now=clock.now_utc(),
                                  command=command, timeout=current_app.config.get("SMS_TIMEOUT", 20))
        db.session.commit()
        flash(f"已发送{contact.purpose_title}短信：{ticket.number}", "success")
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(_back_to(ticket))


@bp.get("/<number>/similar")
@login_required
def similar(number: str):
    """可能重复的工单 for 合并, fetched by the ticket page after it is shown: a worker's first search
    builds its index of the month's tickets, which takes seconds at a province's scale."""
    ticket = ticket_or_404(number)
    if not workflow.can_perform(current_user, ticket, workflow.Action.MERGE):
        return ""
    found = duplicates.candidates(
        db.session, text=f"{ticket.title}\n{ticket.content}", phone=ticket.caller_phone, now=clock.now_utc(),
        min_similarity=current_app.config["DUPLICATE_SIMILARITY"], exclude_id=ticket.id, limit=5)
    similar = [c for c in found if c.ticket.merged_into_id is None]
    return render_template("tickets/_similar.html", ticket=ticket, similar=similar,
                           apart={c.ticket.id: why for c in similar if (why := ticket_service.different_callers(ticket, c.ticket))},
                           earlier={c.ticket.id for c in similar if ticket_service.is_earlier(c.ticket, ticket)})


@bp.post("/<number>/attachments")
@login_required
def upload_attachment(number: str):
    ticket = ticket_or_404(number)
    if not store_uploads(ticket):
        flash("请选择要上传的文件。", "error")
    return redirect(_back_to(ticket, "#attachments"))


@bp.get("/<number>/attachments/<int:attachment_id>")
@login_required
def attachment(number: str, attachment_id: int):
    ticket = ticket_or_404(number)
    try:
        found, path, name = attachments.open_for(db.session, current_user, ticket, attachment_id,
                                           folder=attachments.folder_of(current_app.config), now=clock.now_utc())
    except NotFound as error:
        abort(404, error.message)
    except DomainError as error:
        abort(403, error.message)
    db.session.commit()  # the personal-data view, when the file holds the caller's identity
    return file_download(path, found.content_type, name, inline=found.content_type in attachments.INLINE_TYPES)


@bp.post("/<number>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(number: str, attachment_id: int):
    ticket = ticket_or_404(number)
    try:
        removed = attachments.remove(db.session, ticket, attachment_id, reason=request.form.get("reason", ""),
                                     actor=current_user, now=clock.now_utc())
        db.session.commit()
        flash(f"已删除附件：{removed.original_name}（删除已记录）", "success")
    except DomainError as error:
        db.session.rollback()
        flash_domain_error(error)
    return redirect(_back_to(ticket, "#attachments"))


@bp.post("/<number>/grant-identity")
@login_required
def grant_identity(number: str):
    ticket = ticket_or_404(number)
    require(workflow.Action.GRANT_IDENTITY in workflow.allowed_actions(current_user, ticket))
    try:
        privacy.grant_identity(db.session, ticket, request.form.get("reason", ""), actor=current_user, now=clock.now_utc())
        db.session.commit()
        flash("已授权承办单位查看举报人身份，授权已记录。", "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(_back_to(ticket))


def _categories(switched_off_too: bool = False):
    """The categories to choose from; to search by, the 停用 ones too (last year's tickets still have them)."""
    query = sa.select(Category).order_by(Category.active.desc(), Category.id)
    return db.session.scalars(query if switched_off_too else query.where(Category.active.is_(True))).all()


def _departments(switched_off_too: bool = False):
    """The departments to choose from; to search by, the 停用 ones too."""
    query = sa.select(Department).order_by(Department.active.desc(), Department.id)
    return db.session.scalars(query if switched_off_too else query.where(Department.active.is_(True))).all()
