"""工单质检: supervisors draw a sample of an agent's month and check each ticket; agents read their own."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import ReviewAppeal, TicketReview, User
from ticketing.services import assessment, clock, reviews
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.permissions import Permission, has_permission
from ticketing.views.common import (
    commit_or_flash, offered_number, require, require_permission, safe_next, ticket_or_404,
)

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _verdicts() -> dict[str, bool | None]:
    """The checklist as the form sent it: 合格 "1", 不合格 "0", anything else missing."""
    return {key: {"1": True, "0": False}.get(request.form.get(key, "")) for key in reviews.item_titles(db.session)}


def _month() -> str:
    return assessment.parse_month(request.args.get("month")) or assessment.month_of(clock.now_utc())


@bp.get("/")
@login_required
def index():
    """The month's reviews per agent; with ?agent=, a sample of that agent's tickets to check and their reviews."""
    require_permission(Permission.REVIEW)
    month = _month()
    agents = db.session.scalars(sa.select(User).where(User.role.in_(("agent", "supervisor")))
                                .order_by(User.role, User.display_name)).all()
    chosen = next((a for a in agents if a.username == request.args.get("agent")), None)
    size = offered_number("size", reviews.SAMPLE_SIZES, reviews.SAMPLE_SIZES[0])
    today = clock.now_utc().astimezone(LOCAL_TZ).date().isoformat()
    return render_template(
        "reviews/index.html", month=month, agents=agents, chosen=chosen, size=size, sizes=reviews.SAMPLE_SIZES,
        scores=reviews.agent_scores(db.session, month), items=reviews.item_titles(db.session),
        pass_score=reviews.PASS_SCORE,
        sample=reviews.sample(db.session, chosen, month, size, seed=today) if chosen else [],
        done=reviews.reviews_of(db.session, chosen, month) if chosen else [],
        applicable=lambda ticket: reviews.applicable_items(db.session, ticket), appeals=db.session.scalars(reviews.pending_appeals_query()).all(),
        previous_month=assessment.shift_month(month, -1), next_month=assessment.next_month_to_show(month, clock.now_utc()))


@bp.post("/<number>")
@login_required
def record(number: str):
    require_permission(Permission.REVIEW)
    ticket = ticket_or_404(number)
    review = []

    def save():
        review.append(reviews.record_review(db.session, ticket, _verdicts(), request.form.get("comment", ""),
                                            reviewer=current_user, now=clock.now_utc()))

    if commit_or_flash(save):
        flash(f"已质检 {ticket.number}：{review[0].score} 分", "success")
    return redirect(safe_next(url_for("tickets.detail", number=ticket.number)))


@bp.get("/mine")
@login_required
def mine():
    """我的质检: an agent's reviewed tickets of the month, with the failed items and the comments; 申诉 on those
    that may still be appealed."""
    require(has_permission(current_user, Permission.TICKET_REGISTER))
    month = _month()
    done = reviews.reviews_of(db.session, current_user, month)
    now = clock.now_utc()
    return render_template("reviews/mine.html", month=month, done=done,
                           appealable={r.id for r in done if reviews.appeal_refusal(db.session, r, current_user, now) is None},
                           appeal_days=reviews.APPEAL_DAYS,
                           score=reviews.agent_scores(db.session, month).get(current_user.id),
                           items=reviews.item_titles(db.session), pass_score=reviews.PASS_SCORE,
                           previous_month=assessment.shift_month(month, -1), next_month=assessment.next_month_to_show(month, clock.now_utc()))


@bp.post("/<int:review_id>/appeal")
@login_required
def appeal(review_id: int):
    """质检申诉, filed by the agent from 我的质检."""
    require(has_permission(current_user, Permission.TICKET_REGISTER))
    review = db.session.get(TicketReview, review_id) or abort(404)

    def save():
        reviews.file_appeal(db.session, review, request.form.get("reason", ""), agent=current_user, now=clock.now_utc())

    if commit_or_flash(save):
        flash(f"已提交申诉：{review.ticket.number}，等待复核", "success")
    return redirect(safe_next(url_for("reviews.mine", month=review.month)))


@bp.post("/appeals/<int:appeal_id>")
@login_required
def decide(appeal_id: int):
    """复核 an appeal: 维持原结果 or 改判 (a new review)."""
    require_permission(Permission.REVIEW)
    appeal_ = db.session.get(ReviewAppeal, appeal_id) or abort(404)

    def save():
        reviews.decide_appeal(db.session, appeal_, request.form.get("decision", ""), request.form.get("note", ""),
                              verdicts=_verdicts(), comment=request.form.get("comment", ""),
                              decider=current_user, now=clock.now_utc())

    if commit_or_flash(save):
        flash(f"已复核申诉：{appeal_.review.ticket.number}，{appeal_.state_title}", "success")
    return redirect(safe_next(url_for("reviews.index", month=appeal_.review.month) + "#appeals"))
