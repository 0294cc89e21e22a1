import logging

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from ticketing.extensions import db, login_manager
from ticketing.models import User
from ticketing.services import administration, clock, inbox, sign_in
from ticketing.views.common import safe_next, same_site_referrer, save_form
from ticketing.views.forms import ChangePasswordForm, LoginForm
from ticketing.views.navigation import start_endpoint
from ticketing.views.rate_limits import note_refused_sign_in, retry_minutes

bp = Blueprint("auth", __name__)
log = logging.getLogger("ticketing.auth")


@login_manager.user_loader
def load_user(session_id: str):
    """The signed-in user, unless the account was deactivated or its password changed since sign-in."""
    user_id = session_id.partition(".")[0]
    user = db.session.get(User, int(user_id)) if user_id.isascii() and user_id.isdigit() else None
    return user if user is not None and user.active and user.holds_session(session_id) else None


SIGNED_OUT = "登录已超时或已退出，请重新登录。"


@login_manager.unauthorized_handler
def sign_in_first():
    """To the login page, and back afterwards. A form sent after the session ended comes back to the page
    the form was on (its action is often POST-only), where the browser keeps what was typed (static/drafts.js)."""
    if request.method in ("GET", "HEAD"):
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    flash(SIGNED_OUT, "warning")
    return redirect(url_for("auth.login", next=same_site_referrer() or None))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(start_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = sign_in.authenticate(db.session, form.username.data, form.password.data, now=clock.now_utc(),
                                        policy=sign_in.LockoutPolicy.from_config(current_app.config))
        except sign_in.SignInRefused as refused:
            db.session.commit()  # the count of wrong passwords, and a lock, are kept
            note_refused_sign_in()
            flash(refused.message, "error")
        else:
            # the session is given the password checked, before the commit lets a 重置密码 waiting on the account
            # change it (after the commit, the reloaded user carried the new password's token)
            login_user(user, remember=form.remember.data)
            db.session.commit()
            session.permanent = True  # re-signed on every request: SESSION_IDLE_MINUTES without one signs out
            return redirect(safe_next(url_for(start_endpoint(user))))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


@bp.errorhandler(429)
def too_many_refused_sign_ins(error):
    """LOGIN_FAILURE_LIMIT reached for this address: the form is shown again, with why it refuses."""
    log.warning("sign-in refused: too many refused sign-ins from %s", get_remote_address())
    flash(f"本机登录失败次数过多，请 {retry_minutes()} 分钟后再试。如需立即使用，请联系系统管理员。", "error")
    return render_template("auth/login.html", form=LoginForm(formdata=None)), 429


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@login_required
def home():
    return redirect(url_for(start_endpoint(current_user)))


@bp.get("/todo.json")
def todo_counts():
    """The menu counters for an open page to refresh itself. It is not the user's activity (see
    ActivitySessionInterface) unless the page says the user typed or clicked since its last refresh
    (?active=1), and a signed-out browser gets 401 so the page can say so."""
    g.not_user_activity = request.args.get("active") != "1"
    if not current_user.is_authenticated:
        return jsonify(error=SIGNED_OUT), 401
    counts = inbox.todo_counts(db.session, current_user, clock.now_utc())
    return jsonify(total=counts.pop("total"), counts=counts)


#: what someone who must change their password may still reach (the page itself, signing out, files it uses)
BEFORE_THE_NEW_PASSWORD = frozenset({"auth.change_password", "auth.logout", "auth.todo_counts", "static", "favicon"})


@bp.before_app_request
def password_first():
    """A password the administrator chose (a new account, a reset), or one set before the password rule that a
    sign-in found below it, is changed before anything else is opened: the administrator knew it, and the account
    sees citizens' ID and phone numbers (a new-staff review). The API's
    bearer tokens are not sessions and are not stopped here."""
    if (request.endpoint in BEFORE_THE_NEW_PASSWORD or request.path.startswith("/api/")
            or not current_user.is_authenticated or not current_user.must_change_password):
        return None
    flash("这是管理员为您设置的密码，或是不合现行密码规则的旧密码，请先修改为只有您自己知道、合乎规则的密码。", "warning")
    return redirect(url_for("auth.change_password"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """修改密码, for every role. The new password ends the user's other sessions; this one carries on."""
    form = ChangePasswordForm()
    if save_form(form, lambda: administration.change_own_password(db.session, current_user, form.current.data,
                                                                   form.password.data),
                 "密码已修改，其他已登录的浏览器需要重新登录。"):
        remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
        login_user(current_user._get_current_object(), remember=remembered)  # the session id includes the password
        return redirect(url_for(start_endpoint(current_user)))
    return render_template("auth/password.html", form=form), 400 if request.method == "POST" else 200
