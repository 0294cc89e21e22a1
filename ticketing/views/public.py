"""群众 pages, without login: the progress lookup (工单进度查询) and the download of the files sent with the reply
it shows, rate-limited per client address (the lookups, POSTs, count, and the downloads apart; see
ticketing/views/rate_limits.py)."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template
from flask_limiter.util import get_remote_address
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from ticketing.extensions import db
from ticketing.file_responses import file_download
from ticketing.services import attachments, clock, progress_lookup
from ticketing.services.errors import DomainError, NotFound
from ticketing.views.forms import ChineseForm

bp = Blueprint("public", __name__)
log = logging.getLogger("ticketing.public")

RATE_LIMITED_MESSAGE = "查询过于频繁，请稍后再试。如需帮助，请拨打 12393 医保服务热线。"


class ProgressForm(ChineseForm):
    number = StringField("工单号", validators=[Length(max=40, message="工单号过长")])
    phone = StringField("电话号码", validators=[Length(max=30, message="电话号码过长")])

    def validate_number(self, field):
        if message := progress_lookup.ticket_number_error(field.data):
            raise ValidationError(message)

    def validate_phone(self, field):
        if message := progress_lookup.phone_error(field.data):
            raise ValidationError(message)


@bp.route("/progress", methods=["GET", "POST"])
def progress():
    form = ProgressForm()
    if not form.validate_on_submit():
        return render_template("public/progress.html", form=form), 400 if form.errors else 200
    result = progress_lookup.lookup_progress(db.session, form.number.data, form.phone.data, now=clock.now_utc(),
                                             key=current_app.secret_key)
    if result.progress is None:
        log.info("progress lookup failed (%s): number=%s phone#=%s client=%s", result.failure,
                 progress_lookup.normalize_ticket_number(form.number.data),
                 progress_lookup.phone_fingerprint(form.phone.data, current_app.secret_key),
                 get_remote_address())
    form.phone.raw_data, form.phone.data = [], ""  # the page never repeats the phone number
    return render_template("public/progress.html", form=form, result=result)


@bp.get("/progress/files/<token>")
def reply_file(token: str):
    """A file sent with the reply, by the signed link the lookup gave (the phone is in no address)."""
    try:
        found = progress_lookup.reply_file(db.session, token, key=current_app.secret_key, now=clock.now_utc())
        try:
            path, name = attachments.sent_copy(found, folder=attachments.folder_of(current_app.config))
        except NotFound:  # gone from the store: for the citizen, one more file no longer offered
            log.warning("reply file %s of ticket %s is missing from the store", found.id, found.ticket.number)
            raise NotFound(progress_lookup.FILE_GONE) from None
    except DomainError as error:
        return render_template("public/progress.html", form=ProgressForm(formdata=None), alert=error.message), \
            error.http_status
    return file_download(path, found.content_type, name)


@bp.errorhandler(429)
def rate_limited(error):
    return render_template("public/progress.html", form=ProgressForm(formdata=None), alert=RATE_LIMITED_MESSAGE), 429
