"""通知公告: everyone reads what is addressed to their role and marks it read; supervisors and administrators
publish, withdraw, and see who has read each one."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ticketing.extensions import db
from ticketing.models import Department
from ticketing.models.user import ROLE_TITLES
from ticketing.services import announcements, clock
from ticketing.services.errors import NotFound
from ticketing.views.admin_forms import AnnouncementForm
from ticketing.views.common import commit_or_flash, paginate, save_form

bp = Blueprint("announcements", __name__, url_prefix="/announcements")
PER_PAGE = 20


@bp.context_processor
def role_titles():
    return {"roles": ROLE_TITLES}  # keyed by Role, a str enum: a role's code finds its title


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    now = clock.now_utc()
    publisher = announcements.can_publish(current_user)
    form = AnnouncementForm() if publisher else None
    if form is not None:
        form.departments.choices = [(d.code, d.name) for d in db.session.scalars(
            sa.select(Department).where(Department.active.is_(True)).order_by(Department.id))]
    if request.method == "POST":
        if not publisher:
            abort(403, "只有督办班长和系统管理员可以发布通知公告")
        if save_form(form, lambda: announcements.publish(
                db.session, title=form.title.data, content=form.content.data, roles=form.roles.data,
                important=form.important.data, expires_on=form.expires_on.data, actor=current_user, now=now,
                departments=form.departments.data or []),
                "通知公告已发布"):
            return redirect(url_for("announcements.index"))
    page = paginate(announcements.current_query(current_user, now), per_page=PER_PAGE)
    read = announcements.read_among(db.session, current_user, [a.id for a in page.items])
    return render_template("announcements/index.html", page=page, form=form, read=read)


@bp.get("/sent")
@login_required
def sent():
    """Every announcement, newest first, with how many of its readers have marked it read."""
    if not announcements.can_publish(current_user):
        abort(403, "只有督办班长和系统管理员可以查看发布记录")
    now = clock.now_utc()
    page = paginate(announcements.publisher_query(), per_page=PER_PAGE)
    reads = announcements.read_counts(db.session, [a.id for a in page.items])
    return render_template("announcements/sent.html", page=page, reads=reads,
                           state_of=lambda a: announcements.state_of(a, now),
                           audience_size=lambda a: announcements.audience_size(db.session, a),
                           units=lambda a: announcements.department_names(db.session, a))


def _announcement(announcement_id: int):
    try:
        return announcements.get_for(db.session, current_user, announcement_id, clock.now_utc())
    except NotFound as error:
        abort(404, error.message)


@bp.get("/<int:announcement_id>")
@login_required
def detail(announcement_id: int):
    announcement = _announcement(announcement_id)
    receipts = announcements.receipts(db.session, announcement) if announcements.can_publish(current_user) else None
    read = announcement.is_for(current_user) and announcements.has_read(db.session, announcement, current_user)
    return render_template("announcements/detail.html", a=announcement, receipts=receipts, read=read,
                           units=announcements.department_names(db.session, announcement),
                           state=announcements.state_of(announcement, clock.now_utc()))


@bp.post("/<int:announcement_id>/read")
@login_required
def read(announcement_id: int):
    announcement = _announcement(announcement_id)
    commit_or_flash(lambda: announcements.mark_read(db.session, announcement, current_user, clock.now_utc()))
    if request.form.get("back") == "detail":
        return redirect(url_for("announcements.detail", announcement_id=announcement.id))
    return redirect(url_for("announcements.index"))


@bp.post("/read-all")
@login_required
def read_all():
    commit_or_flash(lambda: announcements.mark_all_read(db.session, current_user, clock.now_utc()))
    return redirect(url_for("announcements.index"))


@bp.post("/<int:announcement_id>/withdraw")
@login_required
def withdraw(announcement_id: int):
    announcement = _announcement(announcement_id)
    if commit_or_flash(lambda: announcements.withdraw(db.session, announcement, actor=current_user,
                                                      now=clock.now_utc())):
        flash(f"已撤回：{announcement.title}", "success")
    return redirect(url_for("announcements.detail", announcement_id=announcement.id))
