"""系统管理: users, routing rules, deadline policies, the calendar and run-time settings.

Views stay thin: a form validates the shape, services/administration validates
the meaning and applies the change, and the view commits once.
"""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from classifiers import risk
from ticketing.extensions import db
from ticketing.models import (
    CalendarYear,
    Category,
    Channel,
    DeadlinePolicy,
    Department,
    Holiday,
    ReviewItem,
    RoutingRule,
    StandardAnswer,
    TicketType,
    Urgency,
    User,
)
from ticketing.services import administration as admin_service
from ticketing.services import audit, clock, deadlines, reviews, risk_alerts
from ticketing.services import tickets as ticket_service
from ticketing.services.errors import DomainError
from ticketing.services.permissions import Permission
from ticketing.views.admin_forms import (
    CalendarYearForm,
    CategoryForm,
    ConfirmForm,
    DeadlinePolicyForm,
    DepartmentForm,
    HolidayForm,
    PasswordResetForm,
    ReviewItemForm,
    RiskPhrasesForm,
    RoutePreviewForm,
    RoutingRuleForm,
    SettingsForm,
    StandardAnswerForm,
    UserEditForm,
    UserForm,
)
from ticketing.views.common import day_arg, paginate, require_permission, save_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _administrators_only():
    require_permission(Permission.ADMINISTER)


def _toggle(apply, success: str) -> None:
    """A one-button POST (enable/disable/delete): CSRF-checked, flashed, committed."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        apply()
        db.session.commit()
        flash(success, "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")


def _edit_page(form, save, success: str, title: str, back: str):
    """A record's own page (admin/edit.html): saved, back to its list; refused, the form with the reasons."""
    if save_form(form, save, success):
        return redirect(url_for(back))
    return render_template("admin/edit.html", form=form, title=title,
                           back=url_for(back)), 400 if request.method == "POST" else 200


def _switch(set_active, what: str, back: str):
    """启用/停用 from a list (the form's active=1|0): ``set_active(active)``, flashed, back to the list."""
    active = request.form.get("active") == "1"
    _toggle(lambda: set_active(active), f"已{'启用' if active else '停用'}{what}")
    return redirect(url_for(back))


def _all(model, *order):
    return db.session.scalars(sa.select(model).order_by(*order)).all()


def _department_choices(blank: str | None = None) -> list[tuple[str, str]]:
    rows = db.session.scalars(sa.select(Department).where(Department.active.is_(True)).order_by(Department.id))
    return ([("", blank)] if blank else []) + [(d.code, d.name) for d in rows]


def _category_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(sa.select(Category).order_by(Category.id))
    return [("", "（任意）")] + [(c.code, f"{c.code} {c.name}") for c in rows]


TITLES = {"channel": dict(Channel.choices()), "type": dict(TicketType.choices()), "urgency": dict(Urgency.choices())}


def _int(value: Decimal | int | None):
    return None if value is None else int(value)


@bp.get("/")
def index():
    return render_template(
        "admin/index.html",
        users=_all(User, User.role, User.username),
        departments=_all(Department, Department.id),
        categories=_all(Category, Category.id),
        rules=_all(RoutingRule, RoutingRule.active.desc(), RoutingRule.priority.desc()),
        policies=_all(DeadlinePolicy, DeadlinePolicy.id),
        holidays=_all(Holiday, Holiday.day),
        titles=TITLES, units=admin_service.UNIT_TITLES,
    )


# --------------------------------------------------------------------------- routing rules

def _rule_form(rule: RoutingRule | None = None) -> RoutingRuleForm:
    form = RoutingRuleForm(obj=None)
    if rule is not None and request.method == "GET":
        form = RoutingRuleForm(data={
            "name": rule.name, "priority": rule.priority, "category": rule.category.code if rule.category else "",
            "region": rule.region or "", "channel": rule.channel or "", "ticket_type": rule.ticket_type or "",
            "department": rule.department.code})
    form.category.choices = _category_choices()
    form.department.choices = _department_choices("（请选择）")
    return form


def _rule_input(form: RoutingRuleForm) -> admin_service.RuleInput:
    return admin_service.RuleInput(
        name=form.name.data, priority=form.priority.data, department_code=form.department.data,
        category_code=form.category.data or None, region=form.region.data, channel=form.channel.data or None,
        ticket_type=form.ticket_type.data or None)


def _rules_page(form: RoutingRuleForm, status: int = 200):
    preview = RoutePreviewForm(request.args)
    preview.category.choices = _category_choices()
    decision = None
    if request.args.get("preview"):
        decision = admin_service.preview_route(
            db.session, category_code=preview.category.data or None, region=preview.region.data,
            channel=preview.channel.data or None, ticket_type=preview.ticket_type.data or None)
    rules = _all(RoutingRule, RoutingRule.active.desc(), RoutingRule.priority.desc(), RoutingRule.id)
    return render_template("admin/rules.html", rules=rules, form=form, preview=preview, decision=decision,
                           confirm=ConfirmForm(), titles=TITLES), status


@bp.get("/rules")
def rules():
    return _rules_page(_rule_form())


@bp.post("/rules")
def create_rule():
    form = _rule_form()
    if save_form(form, lambda: admin_service.save_routing_rule(db.session, None, _rule_input(form), actor=current_user),
                 f"已新增路由规则“{form.name.data}”"):
        return redirect(url_for("admin.rules"))
    return _rules_page(form, 400)


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def edit_rule(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    return _edit_page(form, lambda: admin_service.save_routing_rule(db.session, rule, _rule_input(form),
                                                                    actor=current_user),
                      f"已保存路由规则“{form.name.data}”", f"修改路由规则：{rule.name}", "admin.rules")


@bp.post("/rules/<int:rule_id>/active")
def toggle_rule(rule_id: int):
    rule = db.get_or_404(RoutingRule, rule_id)
    return _switch(lambda active: admin_service.set_rule_active(db.session, rule, active, actor=current_user),
                   f"路由规则“{rule.name}”", "admin.rules")


# --------------------------------------------------------------------------- deadline policies

def _policy_form(policy: DeadlinePolicy | None = None) -> DeadlinePolicyForm:
    if policy is not None and request.method == "GET":
        return DeadlinePolicyForm(data={
            "ticket_type": policy.ticket_type or "", "urgency": policy.urgency or "", "channel": policy.channel or "",
            "accept_amount": policy.accept_amount, "accept_unit": policy.accept_unit,
            "reply_amount": policy.reply_amount, "reply_unit": policy.reply_unit,
            "max_extension_days": policy.max_extension_days})
    return DeadlinePolicyForm()


def _policy_input(form: DeadlinePolicyForm) -> admin_service.PolicyInput:
    return admin_service.PolicyInput(
        ticket_type=form.ticket_type.data or None, urgency=form.urgency.data or None, channel=form.channel.data or None,
        accept_amount=form.accept_amount.data, accept_unit=form.accept_unit.data,
        reply_amount=form.reply_amount.data, reply_unit=form.reply_unit.data,
        max_extension_days=form.max_extension_days.data)


def _policies_page(form: DeadlinePolicyForm, status: int = 200):
    policies = _all(DeadlinePolicy, DeadlinePolicy.active.desc(), DeadlinePolicy.channel.is_not(None),
                    DeadlinePolicy.ticket_type, DeadlinePolicy.urgency, DeadlinePolicy.id)
    return render_template("admin/policies.html", policies=policies, form=form, confirm=ConfirmForm(),
                           ceiling_days=ticket_service.EXTENSION_CEILING_DAYS,
                           petition_days=deadlines.PETITION_MAX_EXTENSION_DAYS,
                           units=admin_service.UNIT_TITLES, titles=TITLES), status


@bp.get("/policies")
def policies():
    return _policies_page(_policy_form())


@bp.post("/policies")
def create_policy():
    form = _policy_form()
    if save_form(form, lambda: admin_service.save_deadline_policy(db.session, None, _policy_input(form),
                                                                  actor=current_user), "已新增办理时限"):
        return redirect(url_for("admin.policies"))
    return _policies_page(form, 400)


@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
def edit_policy(policy_id: int):
    policy = db.get_or_404(DeadlinePolicy, policy_id)
    form = _policy_form(policy)
    return _edit_page(form, lambda: admin_service.save_deadline_policy(db.session, policy, _policy_input(form),
                                                                       actor=current_user),
                      "已保存办理时限（签收时限对此后派发的工单生效，答复时限对此后受理的工单生效，已在待派发的不变；最长延期对此后的延期申请生效）", "修改办理时限", "admin.policies")


@bp.post("/policies/<int:policy_id>/active")
def toggle_policy(policy_id: int):
    policy = db.get_or_404(DeadlinePolicy, policy_id)
    return _switch(lambda active: admin_service.set_policy_active(db.session, policy, active, actor=current_user),
                   "办理时限", "admin.policies")


# --------------------------------------------------------------------------- calendar

def _calendar_page(day_form: HolidayForm, year_form: CalendarYearForm, status: int = 200):
    return render_template("admin/calendar.html", day_form=day_form, year_form=year_form,
                           holidays=_all(Holiday, Holiday.day.desc()), years=_all(CalendarYear, CalendarYear.year.desc()),
                           confirm=ConfirmForm()), status


@bp.get("/calendar")
def calendar():
    return _calendar_page(HolidayForm(formdata=None), CalendarYearForm(formdata=None))


@bp.post("/calendar/days")
def add_calendar_day():
    form = HolidayForm()
    first, last = form.day.data, form.last_day.data
    saved = f"已录入 {first} 至 {last}" if last and last != first else f"已录入 {first}"
    if save_form(form, lambda: admin_service.add_calendar_period(db.session, first, last, form.kind.data, form.name.data,
                                                                 now=clock.now_utc(), actor=current_user), saved):
        return redirect(url_for("admin.calendar"))
    return _calendar_page(form, CalendarYearForm(formdata=None), 400)


@bp.post("/calendar/days/<int:holiday_id>/delete")
def remove_calendar_day(holiday_id: int):
    holiday = db.get_or_404(Holiday, holiday_id)
    day = holiday.day
    _toggle(lambda: admin_service.remove_calendar_day(db.session, holiday, actor=current_user, now=clock.now_utc()), f"已删除 {day}")
    return redirect(url_for("admin.calendar"))


@bp.post("/calendar/years")
def confirm_year():
    form = CalendarYearForm()
    if save_form(form, lambda: admin_service.set_year_confirmed(db.session, form.year.data, form.confirmed.data == "1", now=clock.now_utc(),
                                                                actor=current_user), f"已更新 {form.year.data} 年日历状态"):
        return redirect(url_for("admin.calendar"))
    return _calendar_page(HolidayForm(formdata=None), form, 400)


# --------------------------------------------------------------------------- settings

def _shown(value: float, *, percent: bool = False) -> Decimal:
    """A setting as kept, without a needless .0: a threshold or a similarity exactly (rounded, 0.87654 was written back
    as 0.8765 when another field was saved: a review); a share as a percentage without a float's tail
    (33.330000000000005), to the 4 decimals a share is kept to."""
    value = round(float(value) * 100, 2) if percent else float(value)
    return Decimal(int(value)) if value == int(value) else Decimal(repr(value))


def _settings_form() -> SettingsForm:
    if request.method == "POST":
        return SettingsForm()
    current = admin_service.current_settings(db.session)
    data = {f"share_{t.value}": _shown(current.callback_share.get(t.value, 0), percent=True) for t in TicketType}
    data.update(return_window_working_days=current.return_window_working_days,
                near_deadline_hours=current.near_deadline_hours, callback_attempts=current.callback_attempts,
                callback_retry_minutes=current.callback_retry_minutes, assist_working_days=current.assist_working_days,
                hotspot_similarity=_shown(current.hotspot_similarity),
                classifier_threshold=None if current.classifier_threshold is None
                else _shown(current.classifier_threshold))
    return SettingsForm(data=data)


@bp.route("/settings", methods=["GET", "POST"])
def settings():
    form = _settings_form()

    def apply():
        shares = {t.value: None if form[f"share_{t.value}"].data is None else float(form[f"share_{t.value}"].data) / 100
                  for t in TicketType}
        threshold = form.classifier_threshold.data
        admin_service.save_settings(db.session, admin_service.SettingsInput(
            callback_share=shares, return_window_working_days=_int(form.return_window_working_days.data),
            classifier_threshold=None if threshold is None else float(threshold),
            near_deadline_hours=_int(form.near_deadline_hours.data),
            callback_attempts=_int(form.callback_attempts.data),
            callback_retry_minutes=_int(form.callback_retry_minutes.data),
            assist_working_days=_int(form.assist_working_days.data),
            hotspot_similarity=None if form.hotspot_similarity.data is None else float(form.hotspot_similarity.data)),
            actor=current_user)

    if save_form(form, apply, "已保存设置"):
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form), 400 if request.method == "POST" else 200


# --------------------------------------------------------------------------- users

def _users_page(form: UserForm, status: int = 200):
    users = _all(User, User.active.desc(), User.role, User.username)
    return render_template("admin/users.html", users=users, form=form, confirm=ConfirmForm(),
                           in_hand=admin_service.tickets_in_hand(db.session),
                           password_form=PasswordResetForm(formdata=None), now=clock.now_utc()), status


def _user_form() -> UserForm:
    form = UserForm()
    form.department.choices = _department_choices("（无）")
    return form


@bp.get("/users")
def users():
    return _users_page(_user_form())


@bp.post("/users")
def create_user():
    form = _user_form()
    if save_form(form, lambda: admin_service.create_user(
            db.session, username=form.username.data, display_name=form.display_name.data, role=form.role.data,
            department_code=form.department.data or None, password=form.password.data, actor=current_user),
            f"已创建用户 {form.username.data}"):
        return redirect(url_for("admin.users"))
    return _users_page(form, 400)


@bp.post("/users/<int:user_id>/active")
def toggle_user(user_id: int):
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    held = []
    _toggle(lambda: held.append(admin_service.set_user_active(db.session, user, active, actor=current_user)),
            f"已{'启用' if active else '停用'}用户 {user.username}")
    if held and held[0]:
        flash(f"{user.display_name} 仍是 {held[0]} 件办理中工单的经办人。这些工单仍在本单位待办中，"
              "请该单位承办人员在工单页“转交经办人”。", "warning")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(data=None if request.method == "POST" else {
        "display_name": user.display_name, "role": user.role,
        "department": user.department.code if user.department else ""})
    form.department.choices = _department_choices("（无）")
    if save_form(form, lambda: admin_service.update_user(
            db.session, user, display_name=form.display_name.data, role=form.role.data,
            department_code=form.department.data or None, actor=current_user), f"已修改用户 {user.username}"):
        return redirect(url_for("admin.users"))
    return render_template("admin/edit.html", form=form, title=f"修改用户：{user.username}",
                           back=url_for("admin.users")), 400 if request.method == "POST" else 200


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if save_form(form, lambda: admin_service.reset_password(db.session, user, form.password.data, actor=current_user),
                 f"已重置 {user.username} 的密码"):
        return redirect(url_for("admin.users"))
    return render_template("admin/edit.html", form=form, title=f"重置密码：{user.display_name}（{user.username}）",
                           back=url_for("admin.users")), 400 if request.method == "POST" else 200


# --------------------------------------------------------------------------- departments

def _department_form(department: Department | None = None) -> DepartmentForm:
    if department is not None and request.method == "GET":
        form = DepartmentForm(data={"code": department.code, "name": department.name, "region": department.region or "",
                                    "parent": department.parent.code if department.parent else "",
                                    "duty_phone": department.duty_phone or ""})
    else:
        form = DepartmentForm()
    form.parent.choices = _department_choices("（无）")
    if department is not None and department.parent is not None and not department.parent.active:
        # kept as it is: without its option, saving the name or 值班手机 silently took the parent away
        form.parent.choices.append((department.parent.code, f"{department.parent.name}（已停用）"))
    if department is not None:
        form.code.render_kw = {"readonly": True}
    return form


def _department_input(form: DepartmentForm, department: Department | None = None) -> admin_service.DepartmentInput:
    return admin_service.DepartmentInput(code=department.code if department else form.code.data, name=form.name.data,
                                         region=form.region.data, parent_code=form.parent.data or None,
                                         duty_phone=form.duty_phone.data)


def _departments_page(form: DepartmentForm, status: int = 200):
    return render_template("admin/departments.html", departments=_all(Department, Department.active.desc(), Department.id),
                           form=form, confirm=ConfirmForm()), status


@bp.get("/departments")
def departments():
    return _departments_page(_department_form())


@bp.post("/departments")
def create_department():
    form = _department_form()
    if save_form(form, lambda: admin_service.save_department(db.session, None, _department_input(form), actor=current_user),
                 f"已新增承办单位“{form.name.data}”"):
        return redirect(url_for("admin.departments"))
    return _departments_page(form, 400)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def edit_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    form = _department_form(department)
    return _edit_page(form, lambda: admin_service.save_department(db.session, department,
                                                                  _department_input(form, department),
                                                                  actor=current_user),
                      f"已保存承办单位“{form.name.data}”", f"修改承办单位：{department.name}", "admin.departments")


@bp.post("/departments/<int:department_id>/active")
def toggle_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    return _switch(lambda active: admin_service.set_department_active(db.session, department, active,
                                                                      actor=current_user),
                   f"承办单位“{department.name}”", "admin.departments")


# --------------------------------------------------------------------------- 质检项目

def _review_item_form(item: ReviewItem | None = None) -> ReviewItemForm:
    if item is not None and request.method == "GET":
        form = ReviewItemForm(data={"title": item.title, "applies_to": item.applies_to})
    else:
        form = ReviewItemForm()
    form.applies_to.choices = list(reviews.APPLIES_TO.items())
    return form


def _review_items_page(form: ReviewItemForm, status: int = 200):
    return render_template("admin/review_items.html", items=reviews.checklist(db.session), form=form,
                           applies_to=reviews.APPLIES_TO, confirm=ConfirmForm()), status


@bp.get("/review-items")
def review_items():
    return _review_items_page(_review_item_form())


@bp.post("/review-items")
def create_review_item():
    form = _review_item_form()
    if save_form(form, lambda: reviews.save_item(db.session, None, form.title.data, form.applies_to.data,
                                                 actor=current_user), f"已新增质检项目“{form.title.data}”"):
        return redirect(url_for("admin.review_items"))
    return _review_items_page(form, 400)


@bp.route("/review-items/<int:item_id>", methods=["GET", "POST"])
def edit_review_item(item_id: int):
    item = db.get_or_404(ReviewItem, item_id)
    form = _review_item_form(item)
    return _edit_page(form, lambda: reviews.save_item(db.session, item, form.title.data, form.applies_to.data,
                                                      actor=current_user),
                      f"已保存质检项目“{form.title.data}”", "修改质检项目", "admin.review_items")


@bp.post("/review-items/<int:item_id>/active")
def toggle_review_item(item_id: int):
    item = db.get_or_404(ReviewItem, item_id)
    return _switch(lambda active: reviews.set_item_active(db.session, item, active, actor=current_user),
                   f"质检项目“{item.title}”", "admin.review_items")


# --------------------------------------------------------------------------- 风险提示词

@bp.route("/risk-phrases", methods=["GET", "POST"])
def risk_phrases():
    """The shipped phrases by kind (read only), and the centre's own, which are added to them."""
    form = RiskPhrasesForm()
    if request.method == "GET":
        form.phrases.data = risk_alerts.own_phrases(db.session)
    elif save_form(form, lambda: risk_alerts.save_own_phrases(db.session, form.phrases.data, actor=current_user,
                                                              now=clock.now_utc()), "已保存风险提示词"):
        return redirect(url_for("admin.risk_phrases"))
    return render_template("admin/risk_phrases.html", form=form, kinds=risk.KINDS,
                           shipped=risk.default_phrases()), 400 if request.method == "POST" else 200


@bp.post("/risk-phrases/recheck")
def recheck_risks():
    """补查: the tickets still worked read again with the phrases as they are now (after adding the centre's own)."""
    result = risk_alerts.recheck_open_tickets(db.session, actor=current_user, now=clock.now_utc())
    db.session.commit()
    flash(f"已补查在办工单 {result.read} 件，新标记风险提示 {len(result.flagged)} 件"
          + ("（见督办 → 风险提示）" if result.flagged else ""), "success")
    return redirect(url_for("admin.risk_phrases") + "#recheck")


# --------------------------------------------------------------------------- categories

def _category_form(category: Category | None = None) -> CategoryForm:
    if category is not None and request.method == "GET":
        form = CategoryForm(data={"code": category.code, "name": category.name, "description": category.description,
                                  "default_department": category.default_department.code
                                  if category.default_department else ""})
    else:
        form = CategoryForm()
    form.default_department.choices = _department_choices("（请选择）")
    if category is not None:
        form.code.render_kw = {"readonly": True}
    return form


def _category_input(form: CategoryForm, category: Category | None = None) -> admin_service.CategoryInput:
    return admin_service.CategoryInput(code=category.code if category else form.code.data, name=form.name.data,
                                       default_department_code=form.default_department.data or None,
                                       description=form.description.data or "")


def _categories_page(form: CategoryForm, status: int = 200):
    return render_template("admin/categories.html", categories=_all(Category, Category.active.desc(), Category.id),
                           form=form, confirm=ConfirmForm()), status


@bp.get("/categories")
def categories():
    return _categories_page(_category_form())


@bp.post("/categories")
def create_category():
    form = _category_form()
    if save_form(form, lambda: admin_service.save_category(db.session, None, _category_input(form), actor=current_user),
                 f"已新增业务分类“{form.name.data}”"):
        return redirect(url_for("admin.categories"))
    return _categories_page(form, 400)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def edit_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = _category_form(category)
    return _edit_page(form, lambda: admin_service.save_category(db.session, category, _category_input(form, category),
                                                                actor=current_user),
                      f"已保存业务分类“{form.name.data}”", f"修改业务分类：{category.name}", "admin.categories")


@bp.post("/categories/<int:category_id>/active")
def toggle_category(category_id: int):
    category = db.get_or_404(Category, category_id)
    return _switch(lambda active: admin_service.set_category_active(db.session, category, active, actor=current_user),
                   f"业务分类“{category.name}”", "admin.categories")


# --------------------------------------------------------------------------- standard answers

def _answers_page(form: StandardAnswerForm, status: int = 200):
    answers = db.session.scalars(sa.select(StandardAnswer).join(Category)
                                 .order_by(StandardAnswer.active.desc(), Category.id, StandardAnswer.id)).all()
    return render_template("admin/answers.html", answers=answers, form=form, confirm=ConfirmForm()), status


def _answer_form() -> StandardAnswerForm:
    form = StandardAnswerForm()
    form.category.choices = [("", "（请选择）")] + _category_choices()[1:]
    return form


@bp.get("/answers")
def answers():
    return _answers_page(_answer_form())


@bp.post("/answers")
def create_answer():
    form = _answer_form()
    if save_form(form, lambda: admin_service.add_standard_answer(
            db.session, category_code=form.category.data or None, title=form.title.data, content=form.content.data,
            actor=current_user), f"已新增答复口径“{form.title.data}”"):
        return redirect(url_for("admin.answers"))
    return _answers_page(form, 400)


@bp.route("/answers/<int:answer_id>", methods=["GET", "POST"])
def edit_answer(answer_id: int):
    answer = db.get_or_404(StandardAnswer, answer_id)
    form = StandardAnswerForm(data=None if request.method == "POST" else {
        "category": answer.category.code, "title": answer.title, "content": answer.content})
    form.category.choices = [("", "（请选择）")] + _category_choices()[1:]
    if save_form(form, lambda: admin_service.save_standard_answer(
            db.session, answer, category_code=form.category.data or None, title=form.title.data,
            content=form.content.data, actor=current_user), f"已修改答复口径“{form.title.data}”"):
        return redirect(url_for("admin.answers"))
    return render_template("admin/edit.html", form=form, title=f"修改答复口径：{answer.title}",
                           back=url_for("admin.answers")), 400 if request.method == "POST" else 200


@bp.post("/answers/<int:answer_id>/active")
def toggle_answer(answer_id: int):
    answer = db.get_or_404(StandardAnswer, answer_id)
    return _switch(lambda active: admin_service.set_standard_answer_active(db.session, answer, active,
                                                                           actor=current_user),
                   f"答复口径“{answer.title}”", "admin.answers")


@bp.get("/audit")
def audit_log():
    """操作日志: who changed rules, limits, the calendar, settings, users…; and who saw callers' details in full."""
    action = request.args.get("action", "")
    where = audit.AuditFilter(action=action if action in audit.ACTION_TITLES else "",
                              actor=request.args.get("actor", "").strip(),
                              day_from=day_arg("day_from"), day_to=day_arg("day_to"))
    views = request.args.get("tab") == "views"
    query = audit.personal_data_views_query(db.session, where) if views else audit.events_query(db.session, where)
    page = paginate(query, per_page=audit.PER_PAGE)
    names = audit.reference_names(db.session)
    return render_template("admin/audit.html", page=page, where=where, views=views, actions=audit.ACTION_TITLES,
                           title_of=audit.title_of, describe=lambda details: audit.describe(details, names))
