import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ticketing.extensions import db, login_manager
from ticketing.models import User
from ticketing.views.common import safe_next
from ticketing.views.forms import LoginForm
from ticketing.views.navigation import start_endpoint

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None  # a deactivated account loses its open sessions


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(start_endpoint(current_user)))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).where(User.username == form.username.data.strip()))
        if user is None or not user.check_password(form.password.data):
            flash("用户名或密码错误。", "error")
        elif not user.active:
            flash("该账号已停用，请联系系统管理员。", "error")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(url_for(start_endpoint(user))))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 400


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
