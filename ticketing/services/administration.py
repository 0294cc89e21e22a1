"""What an administrator changes: routing rules, deadline policies, the calendar, settings and users.

Each function validates (Chinese messages, field by field, raised as
ValidationFailed), applies the change and flushes; the view commits once.
Each change is recorded with who made it as an AdminEvent (services/audit.py, the 操作日志 page),
in the same transaction as the change.
"""
from __future__ import annotations

import re

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import (
    AssistRequest,
    AssistState,
    CalendarYear,
    Category,
    Channel,
    DeadlinePolicy,
    Department,
    Holiday,
    Role,
    RoutingRule,
    StandardAnswer,
    Ticket,
    TicketStatus,
    TicketType,
    Urgency,
    User,
)
from ticketing.services import audit, deadlines, inbox, locks, reference_cache, routing, settings, sign_in
from ticketing.services.validation import MOBILE, mask_phone, normalize_phone, year_error
from ticketing.services.calendar import load_work_calendar, recalculate_deadlines
from ticketing.services.deadlines import UNIT_WORDS, DeadlineUnit, WorkCalendar
from ticketing.services.tickets import EXTENSION_CEILING_DAYS
from ticketing.services.errors import InvalidTransition, ValidationFailed
from ticketing.services.routing import RouteDecision

#: sign-in names appear in links (工单查询's 经办人) and logs: letters, digits, Chinese characters and _ . -
USERNAME = re.compile(r"[0-9A-Za-z_.\-\u4e00-\u9fff]+")
UNIT_TITLES = {"working_days": "个工作日", "hours": "小时", "calendar_days": "日（自然日）"}


def _fail(fields: dict[str, str]) -> None:
    if fields:
        raise ValidationFailed("提交的内容有误，请按提示修改", fields=fields)


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


# --------------------------------------------------------------------------- #
# Routing rules
# --------------------------------------------------------------------------- #


@dataclass
class RuleInput:
    name: str
    priority: int | None
    department_code: str
    category_code: str | None = None
    region: str | None = None
    channel: str | None = None
    ticket_type: str | None = None


def save_routing_rule(session: Session, rule: RoutingRule | None, data: RuleInput, *, actor: User) -> RoutingRule:
    """Create (rule=None) or edit a routing rule. A rule needs at least one condition."""
    locks.lock_named(session, "routing rules")  # the same rule added by two administrators at once was saved twice
    errors: dict[str, str] = {}
    name = _text(data.name)
    if not name:
        errors["name"] = "请填写规则名称"
    elif len(name) > 100:
        errors["name"] = "规则名称最多 100 字"
    if data.priority is None:
        errors["priority"] = "请填写优先级（整数，越大越优先）"
    elif not -10000 <= data.priority <= 10000:
        errors["priority"] = "优先级应在 -10000 到 10000 之间"
    department = _active_department(session, data.department_code)
    if department is None:
        errors["department"] = "请选择启用中的承办单位"
    category = None
    if data.category_code:
        category = session.scalar(sa.select(Category).where(Category.code == data.category_code))
        if category is None:
            errors["category"] = "业务分类无效"
        elif not category.active and (rule is None or rule.category_id != category.id):
            errors["category"] = f"业务分类“{category.name}”已停用，新工单不会归入该分类，不能为它设路由规则"
    region = _text(data.region) or None
    if region and len(region) > 50:
        errors["region"] = "区县名称最多 50 字"
    channel = data.channel or None
    if channel and channel not in Channel.__members__.values():
        errors["channel"] = "来源渠道无效"
    ticket_type = data.ticket_type or None
    if ticket_type and ticket_type not in TicketType.__members__.values():
        errors["ticket_type"] = "诉求类型无效"
    if not any((data.category_code, region, channel, ticket_type)) and "category" not in errors:
        errors["category"] = "至少设置一个条件（分类、区县、来源或类型）；无条件时按分类默认承办单位派发"
    if not errors and (rule is None or rule.active) and (other := _rule_with_the_same_conditions(
            session, rule, category.id if category else None, region, channel, ticket_type)) is not None:
        # the same rule again is a double submit (it made two); another department's is a conflict
        errors["name"] = ("已有相同的路由规则（同名、同条件、同承办单位），未重复新增"
                          if rule is None and other.name == name and other.department_id == department.id
                          else _same_conditions_message(other))
    _fail(errors)
    created = rule is None
    if rule is None:
        rule = RoutingRule()
        session.add(rule)
    rule.name, rule.priority, rule.department = name, data.priority, department
    rule.category, rule.region, rule.channel, rule.ticket_type = category, region, channel, ticket_type
    session.flush()
    audit.record(session, actor, "routing rule created" if created else "routing rule changed", id=rule.id, name=name,
           priority=rule.priority, department=department.code, category=data.category_code, region=region,
           channel=channel, ticket_type=ticket_type)
    return rule


def _rule_with_the_same_conditions(session: Session, rule: RoutingRule | None, category_id, region, channel,
                                   ticket_type) -> RoutingRule | None:
    """Another rule in use with these very conditions (its 区县 compared as one county however written): of two, only
    the higher priority, or on a tie the older, ever applies, and the list did not say which (an administrator's
    week: a second 赛罕 rule for another department was saved with 已新增 and never used)."""
    candidates = session.scalars(sa.select(RoutingRule).where(
        RoutingRule.active.is_(True), RoutingRule.id != (rule.id if rule is not None else -1),
        _is(RoutingRule.category_id, category_id), _is(RoutingRule.channel, channel),
        _is(RoutingRule.ticket_type, ticket_type)).order_by(RoutingRule.priority.desc(), RoutingRule.id))
    for other in candidates:
        if (other.region is None and region is None) or routing.same_region(other.region, region):
            return other
    return None


def _same_conditions_message(other: RoutingRule) -> str:
    return (f"与规则“{other.name}”（优先级 {other.priority}，派往{other.department.name}）条件相同，两条中只有一条会生效："
            "请修改那条规则，或先停用它")


def set_rule_active(session: Session, rule: RoutingRule, active: bool, *, actor: User) -> None:
    if active:
        locks.lock_named(session, "routing rules")
        other = _rule_with_the_same_conditions(session, rule, rule.category_id, rule.region, rule.channel,
                                               rule.ticket_type)
        if other is not None:
            raise ValidationFailed(_same_conditions_message(other))
        locks.lock_for_change(session, rule.department, shared=True)  # not switched off meanwhile
    if active and not rule.department.active:
        raise ValidationFailed(f"规则的承办单位“{rule.department.name}”已停用，请先修改规则或启用该单位")
    if active and rule.category is not None and not rule.category.active:
        raise ValidationFailed(f"规则的业务分类“{rule.category.name}”已停用，请先修改规则或启用该分类")
    rule.active = active
    session.flush()
    audit.record(session, actor, "routing rule enabled" if active else "routing rule disabled", id=rule.id, name=rule.name)


def preview_route(session: Session, *, category_code: str | None, region: str | None, channel: str | None,
                  ticket_type: str | None) -> RouteDecision:
    """Which rule (or the category's default) would apply to a ticket with these attributes."""
    category = None
    if category_code:
        category = session.scalar(sa.select(Category).where(Category.code == category_code))
    return routing.route(session, category=category, region=routing.canonical_region(session, region),
                         channel=channel or None, ticket_type=ticket_type or None)


def _active_department(session: Session, code: str | None) -> Department | None:
    """The department with this code if it is switched on, held so (FOR SHARE) until the transaction ends: a rule
    or a category's default given to a department being switched off at that moment was saved (a race review)."""
    if not code:
        return None
    department = session.scalar(sa.select(Department).where(Department.code == code))
    if department is None:
        return None
    locks.lock_for_change(session, department, shared=True)
    return department if department.active else None


# --------------------------------------------------------------------------- #
# Deadline policies
# --------------------------------------------------------------------------- #


@dataclass
class PolicyInput:
    ticket_type: str | None
    urgency: str | None
    channel: str | None
    accept_amount: int | None
    accept_unit: str
    reply_amount: int | None
    reply_unit: str
    max_extension_days: int | None = None


# the longest time limit of each unit: a year (the statute's longest is 信访's 60 days plus 30)
LONGEST_TIME_LIMIT = {DeadlineUnit.WORKING_DAYS: 250, DeadlineUnit.CALENDAR_DAYS: 365, DeadlineUnit.HOURS: 8760}


#: 信访工作条例: 15 日 to decide on acceptance (from receipt), 60 日 to handle (from acceptance), in days of the
#: calendar (the same article says 工作日 where it means them); a centre may set shorter ones
PETITION_STATUTE_DAYS = {"accept": 15, "reply": 60}


def _beyond_the_petition_statute(data: PolicyInput) -> dict[str, str]:
    """A petition policy's limits longer than the statute's (a petition review: 15 / 90 working days was saved,
    and the next petition was due two months late)."""
    errors = {}
    for prefix, title in (("accept", "签收（受理）"), ("reply", "答复（办结）")):
        amount, unit, most = getattr(data, f"{prefix}_amount"), getattr(data, f"{prefix}_unit"), PETITION_STATUTE_DAYS[prefix]
        if amount is None or unit not in DeadlineUnit.__members__.values():
            continue
        if unit == DeadlineUnit.WORKING_DAYS.value:
            errors[f"{prefix}_unit"] = "信访事项的时限按自然日计算（信访工作条例），请选“自然日”"
        elif amount > (most if unit == DeadlineUnit.CALENDAR_DAYS.value else most * 24):
            errors[f"{prefix}_amount"] = f"信访事项{title}时限不得超过信访工作条例规定的 {most} 日"
    return errors


def save_deadline_policy(session: Session, policy: DeadlinePolicy | None, data: PolicyInput, *,
                         actor: User) -> DeadlinePolicy:
    """Create (policy=None) or edit a 办理时限; applies to tickets registered or dispatched from now on."""
    locks.lock_named(session, "time limits")  # two added at once both passed the check for the same one
    errors: dict[str, str] = {}
    ticket_type, urgency, channel = data.ticket_type or None, data.urgency or None, data.channel or None
    if ticket_type and ticket_type not in TicketType.__members__.values():
        errors["ticket_type"] = "诉求类型无效"
    if urgency and urgency not in Urgency.__members__.values():
        errors["urgency"] = "紧急程度无效"
    if channel and channel not in Channel.__members__.values():
        errors["channel"] = "来源渠道无效"
    for prefix, title in (("accept", "签收"), ("reply", "答复")):
        amount, unit = getattr(data, f"{prefix}_amount"), getattr(data, f"{prefix}_unit")
        if amount is None:
            errors[f"{prefix}_amount"] = f"请填写{title}时限"
        elif amount <= 0:
            errors[f"{prefix}_amount"] = f"{title}时限必须是正整数"
        if unit not in DeadlineUnit.__members__.values():
            errors[f"{prefix}_unit"] = "时限单位无效"
        elif amount is not None and amount > (ceiling := LONGEST_TIME_LIMIT[DeadlineUnit(unit)]):
            # one year of each unit: 3,650 working days (a deadline in 2040) was taken (an administrator review)
            errors[f"{prefix}_amount"] = f"{title}时限过长：最多 {ceiling} {UNIT_WORDS[DeadlineUnit(unit)]}"
    if channel == Channel.PETITION_BUREAU.value and urgency != Urgency.URGENT.value:
        errors.update(_beyond_the_petition_statute(data))
    if data.max_extension_days is not None and not 0 < data.max_extension_days <= EXTENSION_CEILING_DAYS:
        # 3,000,000 days was saved, and every such ticket's page was then a 500 (a date past year 9999)
        errors["max_extension_days"] = f"最长延期天数应为 1–{EXTENSION_CEILING_DAYS} 的整数，不限制请留空（至多一年）"
    clash = session.scalar(sa.select(DeadlinePolicy).where(
        DeadlinePolicy.active.is_(True),
        _is(DeadlinePolicy.ticket_type, ticket_type), _is(DeadlinePolicy.urgency, urgency),
        _is(DeadlinePolicy.channel, channel),
        DeadlinePolicy.id != (policy.id if policy is not None else -1),
    ))
    if clash is not None:
        errors["ticket_type"] = "已有相同类型、紧急程度和来源的时限规则，请直接修改那一条"
    _fail(errors)
    created = policy is None
    if policy is None:
        policy = DeadlinePolicy()
        session.add(policy)
    policy.ticket_type, policy.urgency, policy.channel = ticket_type, urgency, channel
    policy.accept_amount, policy.accept_unit = data.accept_amount, data.accept_unit
    policy.reply_amount, policy.reply_unit = data.reply_amount, data.reply_unit
    policy.max_extension_days = data.max_extension_days
    session.flush()
    audit.record(session, actor, "deadline policy created" if created else "deadline policy changed", id=policy.id,
           ticket_type=ticket_type, urgency=urgency, channel=channel,
           accept=f"{policy.accept_amount} {policy.accept_unit}", reply=f"{policy.reply_amount} {policy.reply_unit}",
           max_extension_days=policy.max_extension_days)  # 最长延期 went unrecorded (an administrator review)
    return policy


def set_policy_active(session: Session, policy: DeadlinePolicy, active: bool, *, actor: User) -> None:
    if active:
        locks.lock_named(session, "time limits")
        clash = session.scalar(sa.select(DeadlinePolicy).where(
            DeadlinePolicy.active.is_(True), DeadlinePolicy.id != policy.id,
            _is(DeadlinePolicy.ticket_type, policy.ticket_type), _is(DeadlinePolicy.urgency, policy.urgency),
            _is(DeadlinePolicy.channel, policy.channel)))
        if clash is not None:
            raise ValidationFailed("已有相同条件的启用中的时限规则，不能再启用这一条")
    policy.active = active
    session.flush()
    audit.record(session, actor, "deadline policy enabled" if active else "deadline policy disabled", id=policy.id)


def _is(column, value):
    return column.is_(None) if value is None else column == value


# --------------------------------------------------------------------------- #
# Calendar
# --------------------------------------------------------------------------- #


#: the longest period entered at once: a Spring Festival or National Day break is 8–9 days, so a month is a typo
LONGEST_CALENDAR_PERIOD_DAYS = 31


def add_calendar_day(session: Session, day: date | None, kind: str, name: str, *, actor: User,
                     now: datetime | None = None) -> Holiday:
    """A holiday (放假) or a make-up working day (调休上班) the administrator enters."""
    return add_calendar_period(session, day, None, kind, name, actor=actor, now=now)[0]


def add_calendar_period(session: Session, first: date | None, last: date | None, kind: str, name: str, *,
                        actor: User, now: datetime | None = None) -> list[Holiday]:
    """Every day from ``first`` to ``last`` (``last`` None: ``first`` alone) as a holiday or a make-up working day,
    as the State Council's notice gives them (元旦 1月1日至3日放假); the deadlines they move are counted again once."""
    _calendar_change_begins(session)
    errors: dict[str, str] = {}
    last = first if last is None else last
    if first is None:
        errors["day"] = "请填写日期"
    elif year_error(first):
        errors["day"] = year_error(first)
    elif year_error(last):
        errors["last_day"] = year_error(last)
    elif last < first:
        errors["last_day"] = "结束日期不能早于开始日期"
    elif (last - first).days >= LONGEST_CALENDAR_PERIOD_DAYS:
        errors["last_day"] = f"一次最多录入 {LONGEST_CALENDAR_PERIOD_DAYS} 天，请检查结束日期"
    else:
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        taken = session.scalars(sa.select(Holiday.day).where(Holiday.day.in_(days)).order_by(Holiday.day)).all()
        if taken:
            field = "day" if first == last else "last_day"
            errors[field] = f"{'、'.join(d.isoformat() for d in taken)} 已录入，如需更改请先删除"
    if kind not in ("holiday", "workday"):
        errors["kind"] = "请选择放假或调休上班"
    elif kind == "workday" and not errors and (weekdays := [d for d in days if d.weekday() < 5]):
        # a working day already: entered so, it changed nothing and read as a mistake nobody was told of
        errors["day"] = (f"调休上班只能是周六或周日：{'、'.join(d.isoformat() for d in weekdays)} 本来就是工作日，"
                         "请检查日期或类型")
    name = _text(name)
    if len(name) > 50:
        errors["name"] = "名称最多 50 字"
    _fail(errors)
    before = load_work_calendar(session)
    holidays = [Holiday(day=day, kind=kind, name=name) for day in days]
    session.add_all(holidays)
    session.flush()
    for day in days:
        audit.record(session, actor, "calendar day added", day=day.isoformat(), kind=kind, name=name)
    _recalculate(session, now, before, first)
    return holidays


def _calendar_change_begins(session: Session) -> None:
    """Changes to the calendar one at a time, each reading the calendar as the one before left it: two holidays
    entered at once each recounted the deadlines from the calendar without the other, and one was lost (a race
    review, 8 tickets a working day short)."""
    locks.lock_named(session, "calendar")
    reference_cache.forget(session)


def remove_calendar_day(session: Session, holiday: Holiday, *, actor: User, now: datetime | None = None) -> None:
    _calendar_change_begins(session)
    if session.scalar(sa.select(Holiday.id).where(Holiday.id == holiday.id)) is None:
        raise InvalidTransition(f"{holiday.day.isoformat()} 已被他人删除")  # two administrators at once
    before = load_work_calendar(session)
    audit.record(session, actor, "calendar day removed", day=holiday.day.isoformat(), kind=holiday.kind, name=holiday.name)
    day = holiday.day
    session.delete(holiday)
    session.flush()
    _recalculate(session, now, before, day)


def set_year_confirmed(session: Session, year: int | None, confirmed: bool, *, actor: User,
                       now: datetime | None = None) -> CalendarYear:
    if year is None or not 2000 <= year <= 2100:
        raise ValidationFailed("年份无效", fields={"year": "请填写 2000 到 2100 之间的年份"})
    _calendar_change_begins(session)
    if confirmed and not deadlines.library_covers(year) and not _holidays_entered(session, year):
        # the form's status defaults to 已确认: a year confirmed with nothing entered took 1 January for a working
        # day with every mark of 日历未确认 gone (a year-end review)
        message = f"{year} 年尚未录入任何放假日：请先按国务院办公厅公布的安排录入放假和调休上班日，再确认"
        raise ValidationFailed(message, fields={"year": message})
    before = load_work_calendar(session)
    row = session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year, confirmed=confirmed)
        session.add(row)
    row.confirmed = confirmed
    session.flush()
    audit.record(session, actor, "calendar year confirmed" if confirmed else "calendar year unconfirmed", year=year)
    _recalculate(session, now, before, None)  # every unconfirmed ticket: its flag may change whatever its dates
    return row


def _holidays_entered(session: Session, year: int) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(Holiday).where(
        Holiday.kind == "holiday", Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))) > 0


def _recalculate(session: Session, now: datetime | None, before: WorkCalendar, changed_from: date | None) -> None:
    """Deadlines the change moves are counted again (when a time is given): from ``changed_from`` on, every
    ticket's; with no day (a year confirmed), the tickets counted on an unconfirmed calendar. ``before`` is the
    calendar they were counted on, read before the change."""
    if now is not None:
        count = recalculate_deadlines(session, now=now, before=before, changed_from=changed_from)
        if count:
            audit.record(session, None, "deadlines recalculated", tickets=count)


# --------------------------------------------------------------------------- #
# Settings
# --------------------------------------------------------------------------- #


@dataclass
class SettingsInput:
    callback_share: dict[str, float | None]  # type → share 0..1
    return_window_working_days: int | None
    classifier_threshold: float | None  # None: the model's own threshold
    near_deadline_hours: int | None
    callback_attempts: int | None = 3
    hotspot_similarity: float | None = 0.35
    callback_retry_minutes: int | None = 120
    assist_working_days: int | None = 3


def current_settings(session: Session) -> SettingsInput:
    return SettingsInput(
        callback_share=dict(settings.get_setting(session, "callback_share")),
        return_window_working_days=settings.get_setting(session, "return_window_working_days"),
        classifier_threshold=settings.get_setting(session, "classifier_threshold"),
        near_deadline_hours=settings.get_setting(session, "near_deadline_hours"),
        callback_attempts=settings.get_setting(session, "callback_attempts"),
        hotspot_similarity=settings.get_setting(session, "hotspot_similarity"),
        callback_retry_minutes=settings.get_setting(session, "callback_retry_minutes"),
        assist_working_days=settings.get_setting(session, "assist_working_days"),
    )


def save_settings(session: Session, data: SettingsInput, *, actor: User) -> None:
    errors: dict[str, str] = {}
    shares: dict[str, float] = {}
    for ticket_type in TicketType:
        share = data.callback_share.get(ticket_type.value)
        if share is None or not 0.0 <= share <= 1.0:
            errors[f"share_{ticket_type.value}"] = "回访比例应在 0% 到 100% 之间"
        else:
            shares[ticket_type.value] = round(float(share), 4)
    if data.return_window_working_days is None or not 1 <= data.return_window_working_days <= 60:
        errors["return_window_working_days"] = "退回时限应为 1 到 60 个工作日"
    if data.classifier_threshold is not None and not 0.0 < data.classifier_threshold <= 1.0:
        errors["classifier_threshold"] = "置信度阈值应大于 0、不超过 1；留空则使用模型训练时选定的阈值"
    if data.near_deadline_hours is None or not 1 <= data.near_deadline_hours <= 720:
        errors["near_deadline_hours"] = "临近到期提醒应为 1 到 720 小时"
    if data.callback_attempts is None or not 1 <= data.callback_attempts <= 10:
        errors["callback_attempts"] = "回访尝试次数应为 1 到 10 次"
    if data.callback_retry_minutes is None or not 0 <= data.callback_retry_minutes <= 1440:
        errors["callback_retry_minutes"] = "再次回访间隔应为 0 到 1440 分钟（0 表示随时可再拨）"
    if data.assist_working_days is None or not 1 <= data.assist_working_days <= 30:
        errors["assist_working_days"] = "协办反馈时限应为 1 到 30 个工作日"
    if data.hotspot_similarity is None or not 0.3 <= data.hotspot_similarity <= 0.9:
        errors["hotspot_similarity"] = "热点诉求相似度应在 0.3 到 0.9 之间"
    _fail(errors)
    values = {
        "callback_share": shares,
        "return_window_working_days": data.return_window_working_days,
        "classifier_threshold": data.classifier_threshold,
        "near_deadline_hours": data.near_deadline_hours,
        "callback_attempts": data.callback_attempts,
        "callback_retry_minutes": data.callback_retry_minutes,
        "assist_working_days": data.assist_working_days,
        "hotspot_similarity": data.hotspot_similarity,
    }
    for key, value in values.items():
        before = settings.get_setting(session, key)
        if before != value:
            settings.set_setting(session, key, value)
            audit.record(session, actor, "setting changed", key=key, before=before, value=value)
    session.flush()


# --------------------------------------------------------------------------- #
# Users
# --------------------------------------------------------------------------- #


def create_user(session: Session, *, username: str, display_name: str, role: str, department_code: str | None,
                password: str, actor: User | None, chosen_by_owner: bool = False) -> User:
    """A new account. Its password was chosen by the administrator, who knows it: the owner changes it at first
    sign-in; ``chosen_by_owner`` (flask create-user, typed by the one who will use it) spares them."""
    errors: dict[str, str] = {}
    username = _text(username)
    if not username:
        errors["username"] = "请填写用户名"
    elif len(username) > 50:
        errors["username"] = "用户名最多 50 个字符"
    elif not USERNAME.fullmatch(username):
        errors["username"] = "用户名只能用字母、数字、汉字和 _ . -，不能有空格或其他符号"
    elif (taken := session.scalar(sa.select(User.username).where(
            sa.func.lower(User.username) == username.lower()))) is not None:  # Admin beside admin: two look-alikes
        errors["username"] = f"用户名 {username} 已存在" if taken == username else f"已有用户 {taken}，用户名不能只差大小写"
    display_name, department = _name_role_and_department(session, _text(display_name) or username, role,
                                                         department_code, errors)
    if message := sign_in.password_error(password, username):
        errors["password"] = message
    _fail(errors)
    user = User(username=username, display_name=display_name, role=role, department=department,
                must_change_password=not chosen_by_owner)
    user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user created", username=username, role=role, department=department.code if department else None)
    return user


def _name_role_and_department(session: Session, display_name: str, role: str, department_code: str | None,
                              errors: dict[str, str]) -> tuple[str, Department | None]:
    """The checks a new user and an edited one share; the messages go into ``errors``."""
    display_name = _text(display_name)
    if len(display_name) > 50:
        errors["display_name"] = "姓名最多 50 字"
    if role not in Role.__members__.values():
        errors.setdefault("role", "请选择角色")
    department = _active_department(session, department_code)
    if department_code and department is None:
        errors["department"] = "承办单位无效"
    if role == Role.STAFF.value and department is None and "department" not in errors:
        errors["department"] = "承办人员必须指定所属承办单位"
    return display_name, department


def update_user(session: Session, user: User, *, display_name: str, role: str, department_code: str | None,
                actor: User) -> User:
    """修改用户: name, role and department (a staff member moving to another section, an agent made 班长). The
    rights follow at the user's next request. Someone still 经办人 of tickets in hand keeps their department and
    role until the tickets are handed over (转交): the department would wait for a handler it no longer has. An
    administrator does not change their own role (nobody might be left to undo it)."""
    locks.lock_for_change(session, user)
    errors: dict[str, str] = {}
    if user.id == actor.id and role != user.role:
        errors["role"] = "不能修改自己的角色"
    display_name, department = _name_role_and_department(session, _text(display_name) or user.username, role,
                                                         department_code, errors)
    moves = role != user.role or (department.id if department else None) != user.department_id
    held = tickets_in_hand(session).get(user.id, 0)
    if moves and held and not errors:
        errors["department"] = (f"{user.display_name} 仍是 {held} 件办理中工单的经办人，请先在工单页转交经办人"
                                "（退回待审的，待审核后再改）")
    _fail(errors)
    def described(person: User) -> dict:
        return {"display_name": person.display_name, "role": person.role_enum.title,
                "department": person.department.name if person.department else None}

    before = described(user)
    user.display_name, user.role, user.department = display_name, role, department
    session.flush()
    after = described(user)
    audit.record(session, actor, "user changed", username=user.username,
                 **{key: f"{before[key] or '—'} → {after[key] or '—'}" for key in after if before[key] != after[key]})
    return user


def tickets_in_hand(session: Session) -> dict[int, int]:
    """For each user who is 经办人 of accepted tickets, how many (the 用户 page, before disabling someone)."""
    return {user_id: held for user_id, (held, _) in inbox.tickets_in_hand(session).items()}


def set_user_active(session: Session, user: User, active: bool, *, actor: User) -> int:
    """Enable or disable an account; returns how many tickets in hand (已签收) a disabled user still works
    as 经办人. They stay in the department's 待办 for a colleague to take over (转交)."""
    if not active and user.id == actor.id:
        raise ValidationFailed("不能停用自己的账号")
    if user.active and not active:
        user.session_epoch += 1  # its sessions end now and stay ended when it is enabled again
    user.active = active
    session.flush()
    audit.record(session, actor, "user enabled" if active else "user disabled", username=user.username)
    return 0 if active else tickets_in_hand(session).get(user.id, 0)


def reset_password(session: Session, user: User, password: str, *, actor: User) -> None:
    if message := sign_in.password_error(password, user.username):
        raise ValidationFailed(message, fields={"password": message})
    locks.lock_for_change(session, user)  # a sign-in or a lock at this moment is settled first, then reset
    user.set_password(password)
    user.must_change_password = True  # the administrator knows it now
    sign_in.unlock(user)
    session.flush()
    audit.record(session, actor, "password reset", username=user.username)


def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    """修改密码: the user's own, given the current one. Their other sessions end (User.session_token)."""
    errors: dict[str, str] = {}
    if not user.check_password(current or ""):
        errors["current"] = "当前密码不正确"
    if message := sign_in.password_error(new, user.username):
        errors["password"] = message
    elif not errors and user.check_password(new):
        errors["password"] = "新密码不能与当前密码相同"
    _fail(errors)
    user.set_password(new)
    user.must_change_password = False
    session.flush()
    audit.record(session, user, "password changed", username=user.username)


# --------------------------------------------------------------------------- #
# Departments and categories (data, not code: domain.md)
# --------------------------------------------------------------------------- #

CODE_RE = __import__("re").compile(r"^[A-Z][A-Z0-9_]{0,19}$")


def _code_and_name(session: Session, model, code, name, *, editing, max_code: int, max_name: int,
                   noun: str) -> tuple[str, str, dict[str, str]]:
    """The rules departments and categories share: a new code is well formed and unused; a name is given and no
    other one in use has it (two 待遇保障科 made every list, 改派 and 月度考核 show identical rows; an
    administrator review). ``editing``: the row being edited, None for a new one."""
    new = editing is None
    errors: dict[str, str] = {}
    code, name = _text(code).upper(), _text(name)
    if new:
        if not CODE_RE.match(code) or len(code) > max_code:
            errors["code"] = f"编码为大写字母开头的字母、数字或下划线，最多 {max_code} 位"
        elif session.scalar(sa.select(model.id).where(model.code == code)) is not None:
            errors["code"] = f"编码 {code} 已被使用"
    if not name:
        errors["name"] = f"请填写{noun}名称"
    elif len(name) > max_name:
        errors["name"] = f"{noun}名称最多 {max_name} 字"
    elif (same := _namesake(session, model, name, editing)) is not None:
        errors["name"] = f"已有同名的{noun}（编码 {same.code}），请换一个名称"
    return code, name, errors


def _renamed(row, name: str) -> dict:
    """For 操作日志: the name a department or category had, when this save changes it (the log kept only the new
    one, so a rename could not be followed back; an administrator review)."""
    return {"was": row.name} if row.name and row.name != name else {}


def _namesake(session: Session, model, name: str, row):
    """Another department or category in use with this name (``row``: the one being saved, None for a new one)."""
    return session.scalar(sa.select(model).where(model.name == name, model.active.is_(True),
                                                 model.id != (row.id if row else 0)))


def _no_namesake(session: Session, model, row, noun: str) -> None:
    """Enabling ``row`` again may not make two in use of one name (a diff review: disable, create another of its
    name, enable the first)."""
    if (same := _namesake(session, model, row.name, row)) is not None:
        raise ValidationFailed(f"已有同名的{noun}“{row.name}”在用（编码 {same.code}），请先改名再启用")


@dataclass
class DepartmentInput:
    code: str
    name: str
    region: str | None = None
    parent_code: str | None = None
    duty_phone: str | None = None


def save_department(session: Session, department: Department | None, data: DepartmentInput, *,
                    actor: User) -> Department:
    """Create (department=None) or edit a department; the code of an existing one does not change."""
    locks.lock_named(session, "departments")  # two parents set crosswise at once made a cycle
    code, name, errors = _code_and_name(session, Department, data.code, data.name, editing=department,
                                        max_code=20, max_name=100, noun="单位")
    region = _text(data.region) or None
    if region and len(region) > 50:
        errors["region"] = "区县名称最多 50 字"
    parent = None
    if data.parent_code:
        parent = session.scalar(sa.select(Department).where(Department.code == data.parent_code))
        if parent is None:
            errors["parent"] = "上级单位无效"
        elif department is not None and parent.id == department.id:
            errors["parent"] = "上级单位不能是自身"
        elif department is not None and _is_under(parent, department):
            errors["parent"] = f"“{parent.name}”是本单位的下级单位，不能作为上级"
    duty_phone = normalize_phone(data.duty_phone)
    if duty_phone and not MOBILE.match(duty_phone):
        errors["duty_phone"] = "值班手机应为 11 位手机号（1 开头），用于接收紧急工单短信"
    _fail(errors)
    created = department is None
    if department is None:
        department = Department(code=code)
        session.add(department)
    renamed = _renamed(department, name)
    department.name, department.region, department.parent = name, region, parent
    department.duty_phone = duty_phone
    session.flush()
    audit.record(session, actor, "department created" if created else "department changed", code=department.code, name=name,
           region=region, parent=data.parent_code, duty_phone=mask_phone(duty_phone) or None, **renamed)
    return department


def _is_under(department: Department, ancestor: Department) -> bool:
    """Whether ``ancestor`` is above ``department`` (a parent, a parent's parent, …)."""
    seen = set()
    while department.parent is not None and department.id not in seen:
        seen.add(department.id)
        department = department.parent
        if department.id == ancestor.id:
            return True
    return False


def set_department_active(session: Session, department: Department, active: bool, *, actor: User) -> None:
    """A department still receiving tickets by default or by a rule cannot be switched off."""
    # no ticket is dispatched to it, and no rule or default given to it, while this decides (they hold it FOR SHARE)
    locks.lock_for_change(session, department)
    if active:
        _no_namesake(session, Department, department, "单位")
    if not active:
        defaults = session.scalars(sa.select(Category.name).where(
            Category.default_department_id == department.id, Category.active.is_(True))).all()
        rules = session.scalars(sa.select(RoutingRule.name).where(
            RoutingRule.department_id == department.id, RoutingRule.active.is_(True))).all()
        if defaults or rules:
            uses = "、".join([f"分类“{n}”的默认单位" for n in defaults] + [f"规则“{n}”" for n in rules])
            raise ValidationFailed(f"“{department.name}”仍是{uses}，请先改到其他单位再停用")
        held = session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
            Ticket.department_id == department.id, Ticket.status.in_(inbox.DEPARTMENT_WORK + (TicketStatus.RETURN_REQUESTED.value,))))
        owed = session.scalar(sa.select(sa.func.count()).select_from(AssistRequest).where(
            AssistRequest.department_id == department.id, AssistRequest.state == AssistState.OPEN.value))
        if held or owed:  # 停用 hid them: off 督办's table of departments and off 工单查询's department filter
            work = "、".join(([f"{held} 件在办工单"] if held else []) + ([f"{owed} 件待反馈的协办"] if owed else []))
            raise ValidationFailed(f"“{department.name}”还有 {work}，请先改派或撤回后再停用")
    department.active = active
    session.flush()
    audit.record(session, actor, "department enabled" if active else "department disabled", code=department.code)


@dataclass
class CategoryInput:
    code: str
    name: str
    default_department_code: str | None
    description: str = ""


def save_category(session: Session, category: Category | None, data: CategoryInput, *, actor: User) -> Category:
    """Create or edit a business category and its default department.

    A new category code is also a new label: the classifier suggests it once a
    model is retrained with examples of it.
    """
    code, name, errors = _code_and_name(session, Category, data.code, data.name, editing=category,
                                        max_code=10, max_name=50, noun="分类")
    department = _active_department(session, data.default_department_code)
    if department is None:
        errors["default_department"] = "请选择启用中的默认承办单位"
    _fail(errors)
    created = category is None
    if category is None:
        category = Category(code=code)
        session.add(category)
    renamed = _renamed(category, name)
    category.name, category.description, category.default_department = name, _text(data.description), department
    session.flush()
    audit.record(session, actor, "category created" if created else "category changed", code=category.code, name=name,
           default_department=department.code, **renamed)
    return category


def set_category_active(session: Session, category: Category, active: bool, *, actor: User) -> None:
    if active and category.default_department is not None:
        locks.lock_for_change(session, category.default_department, shared=True)
    if active and category.default_department is not None and not category.default_department.active:
        raise ValidationFailed(f"分类的默认承办单位“{category.default_department.name}”已停用，请先修改默认单位")
    if active:
        _no_namesake(session, Category, category, "分类")
    category.active = active
    session.flush()
    audit.record(session, actor, "category enabled" if active else "category disabled", code=category.code)


# --------------------------------------------------------------------------- #
# Standard answers (标准答复口径)
# --------------------------------------------------------------------------- #

def add_standard_answer(session: Session, *, category_code: str | None, title: str, content: str,
                        actor: User) -> StandardAnswer:
    category, title, content = _answer_fields(session, None, category_code, title, content)
    answer = StandardAnswer(category=category, title=title, content=content)
    session.add(answer)
    session.flush()
    audit.record(session, actor, "standard answer added", id=answer.id, category=category.code, title=answer.title)
    return answer


def save_standard_answer(session: Session, answer: StandardAnswer, *, category_code: str | None, title: str,
                         content: str, actor: User) -> StandardAnswer:
    """修改答复口径: a policy changed (a new 起付线, another office's address): the wording is corrected where
    it stands, rather than a new one added beside the old (an administrator review: only add and 停用 existed)."""
    category, title, content = _answer_fields(session, answer, category_code, title, content)
    # what it said before: what a caller was told last month can be checked against it (an on-the-spot review)
    before = {"was_category": answer.category.code if answer.category else None, "was": answer.title,
              "was_content": answer.content}
    answer.category, answer.title, answer.content = category, title, content
    session.flush()
    audit.record(session, actor, "standard answer changed", id=answer.id, category=category.code, title=title,
                 **before, content=content)
    return answer


def _answer_fields(session: Session, answer: StandardAnswer | None, category_code: str | None, title: str,
                   content: str) -> tuple[Category, str, str]:
    """The checks adding and editing share: an active category, a title, a content, not the same twice."""
    errors: dict[str, str] = {}
    category = session.scalar(sa.select(Category).where(Category.code == category_code)) if category_code else None
    if category is None:
        errors["category"] = "请选择业务分类"
    elif not category.active:
        errors["category"] = f"业务分类“{category.name}”已停用，不能为它新增答复口径"
    title, content = _text(title), _text(content)
    if not title:
        errors["title"] = "请填写口径标题"
    elif len(title) > 100:
        errors["title"] = "标题最多 100 字"
    if not content:
        errors["content"] = "请填写答复内容"
    same_title = None if errors else session.scalar(sa.select(StandardAnswer).where(
        StandardAnswer.active.is_(True), StandardAnswer.category_id == category.id, StandardAnswer.title == title,
        StandardAnswer.id != (answer.id if answer else 0)).limit(1))
    if same_title is not None and same_title.content == content:
        errors["title"] = "该分类已有相同的答复口径，未重复新增"  # sent twice, it showed twice in 插入答复口径
    elif same_title is not None:  # two buttons of one name on the call form, told apart only by hovering
        errors["title"] = "该分类已有同名的答复口径，请改用其他标题，或修改原口径"
    _fail(errors)
    return category, title, content


def set_standard_answer_active(session: Session, answer: StandardAnswer, active: bool, *, actor: User) -> None:
    if active and answer.category is not None and not answer.category.active:
        raise ValidationFailed(f"口径的业务分类“{answer.category.name}”已停用，请先启用该分类")
    answer.active = active
    session.flush()
    audit.record(session, actor, "standard answer enabled" if active else "standard answer disabled", id=answer.id)
