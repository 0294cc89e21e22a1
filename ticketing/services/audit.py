"""操作日志: changes to how the centre works, each kept as an AdminEvent row (and logged on ticketing.admin).

Ticket changes have their own events (TicketEvent); this is for everything around them: routing rules,
time limits, the calendar, settings, users and passwords, departments, categories, standard answers,
classifier versions, assessment weights and account locks. Rows are only ever added. Passwords are never
written; a detail that is a password is refused here, so a caller's mistake cannot store one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ticketing.models import AdminEvent, Category, Channel, Department, PersonalDataView, TicketType, Urgency, User
from ticketing.models.user import ROLE_TITLES
from ticketing.services import clock, settings
from ticketing.services.deadlines import LOCAL_TZ, UNIT_WORDS

log = logging.getLogger("ticketing.admin")

ACTION_TITLES = {
    "routing rule created": "新建路由规则",
    "routing rule changed": "修改路由规则",
    "routing rule enabled": "启用路由规则",
    "routing rule disabled": "停用路由规则",
    "deadline policy created": "新建办理时限",
    "deadline policy changed": "修改办理时限",
    "deadline policy enabled": "启用办理时限",
    "deadline policy disabled": "停用办理时限",
    "calendar day added": "添加节假日/调休",
    "calendar day removed": "删除节假日/调休",
    "calendar year confirmed": "确认年度日历",
    "calendar year unconfirmed": "取消确认年度日历",
    "deadlines recalculated": "重算未确认日历的时限",
    "setting changed": "修改运行设置",
    "user created": "新建用户",
    "user changed": "修改用户",
    "user enabled": "启用用户",
    "user disabled": "停用用户",
    "password reset": "重置密码",
    "password changed": "修改本人密码",
    "account locked": "账号因密码错误锁定",
    "password below the rule": "登录时密码不合规则，须修改",
    "department created": "新建承办单位",
    "department changed": "修改承办单位",
    "department enabled": "启用承办单位",
    "department disabled": "停用承办单位",
    "category created": "新建业务分类",
    "category changed": "修改业务分类",
    "category enabled": "启用业务分类",
    "category disabled": "停用业务分类",
    "standard answer added": "新增答复口径",
    "standard answer changed": "修改答复口径",
    "standard answer enabled": "启用答复口径",
    "standard answer disabled": "停用答复口径",
    "classifier activated": "启用分类模型版本",
    "classifier retrain started": "开始重新训练分类模型",
    "assessment weights changed": "修改考核权重",
    "api token issued": "签发接口令牌",
    "api token revoked": "吊销接口令牌",
    "review item created": "新增质检项目",
    "review item changed": "修改质检项目",
    "review item enabled": "启用质检项目",
    "review item disabled": "停用质检项目",
    "announcement published": "发布通知公告",
    "announcement withdrawn": "撤回通知公告",
    "risk phrases changed": "修改风险提示词",
    "risk recheck": "补查在办工单的风险提示",
}
DETAIL_TITLES = {
    "id": "编号", "name": "名称", "code": "编码", "username": "用户名", "role": "角色", "department": "承办单位",
    "category": "业务分类", "region": "区县", "channel": "来源", "ticket_type": "诉求类型", "priority": "优先级",
    "urgency": "紧急程度", "accept": "签收时限", "reply": "答复时限", "day": "日期", "kind": "类型", "year": "年度",
    "tickets": "工单数", "key": "设置项", "value": "值", "title": "标题", "version": "版本", "weights": "权重",
    "until": "锁定至", "failures": "连续错误次数", "duty_phone": "值班手机", "applies_to": "适用工单",
    "parent": "上级单位", "phrases": "词语数", "shown_until": "显示至", "departments": "发给的承办单位", "flagged": "标记",
    "default_department": "默认承办单位", "max_extension_days": "最长延期（天）", "display_name": "姓名", "was": "原名称",
    "expires_at": "有效至", "before": "原值", "was_category": "原分类", "was_content": "原内容", "content": "内容",
}
# codes in the details, in the words the admin pages use (the page showed holiday, suggestion, 1 working_days)
VALUE_TITLES = {
    "ticket_type": {t.value: t.title for t in TicketType}, "urgency": {u.value: u.title for u in Urgency},
    "channel": {c.value: c.title for c in Channel}, "role": {r.value: title for r, title in ROLE_TITLES.items()},
    "kind": {"holiday": "放假", "workday": "调休上班"}, "key": settings.TITLES,
}

PER_PAGE = 50


def record(session: Session, actor: User | None, action: str, *, now: datetime | None = None, **details) -> AdminEvent:
    """Add one row for this change; the caller's transaction commits it with the change itself."""
    if action not in ACTION_TITLES:
        raise ValueError(f"unknown admin action {action!r}: add it to ACTION_TITLES")
    if any("password" in key for key in details):
        raise ValueError("passwords are never recorded")
    event = AdminEvent(created_at=now or clock.now_utc(), actor=actor,
                       actor_label=actor.display_name if actor else "系统", action=action,
                       details={key: _plain(value) for key, value in details.items()})
    session.add(event)
    log.info("%s by %s: %s", action, actor.username if actor else "system", details)
    return event


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool, list, dict)) else str(value)


def title_of(action: str) -> str:
    return ACTION_TITLES.get(action, action)


#: details that hold a department's or a category's code
DEPARTMENT_KEYS = ("department", "default_department", "parent")
CATEGORY_KEYS = ("category", "was_category")


def reference_names(session: Session) -> dict[str, dict[str, str]]:
    """Departments' and categories' names by code, for `describe` (an administrator's week: 操作日志 read TKT, DY)."""
    departments = dict(session.execute(sa.select(Department.code, Department.name)).all())
    categories = dict(session.execute(sa.select(Category.code, Category.name)).all())
    return {**{key: departments for key in DEPARTMENT_KEYS}, **{key: categories for key in CATEGORY_KEYS}}


def describe(details: dict, names: dict[str, dict[str, str]] | None = None) -> str:
    """The details in words for the page: 名称：…；优先级：…; a department or category by its name and code when
    ``names`` (reference_names) knows it."""
    return "；".join(f"{DETAIL_TITLES.get(key, key)}：{_value_words(key, value, names or {})}"
                    for key, value in details.items())


def _value_words(key: str, value, names: dict[str, dict[str, str]]) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, str) and value in names.get(key, {}):
        return f"{names[key][value]}（{value}）"
    if isinstance(value, dict):  # 回访比例 by ticket type: 咨询 20%、求助 50%
        types = VALUE_TITLES["ticket_type"]
        return "、".join(f"{types.get(k, k)} {v:.0%}" if isinstance(v, float) else f"{types.get(k, k)} {v}"
                        for k, v in value.items())
    if key in ("accept", "reply") and isinstance(value, str):  # "1 working_days"
        amount, _, unit = value.partition(" ")
        return f"{amount} {UNIT_WORDS.get(unit, unit)}".strip()
    if isinstance(value, str):
        return VALUE_TITLES.get(key, {}).get(value, value)
    return str(value)


@dataclass(frozen=True)
class AuditFilter:
    action: str = ""
    actor: str = ""  # a user name
    day_from: date | None = None
    day_to: date | None = None


def _local_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def _by_user_and_day(query: sa.Select, where: AuditFilter, user_column, time_column) -> sa.Select:
    if where.actor:
        query = query.join(User, User.id == user_column).where(User.username == where.actor.strip())
    if where.day_from:
        query = query.where(time_column >= _local_day_start(where.day_from))
    if where.day_to:
        query = query.where(time_column < _local_day_start(where.day_to + timedelta(days=1)))
    return query


def events_query(session: Session, where: AuditFilter) -> sa.Select:
    query = (sa.select(AdminEvent).options(selectinload(AdminEvent.actor))
             .order_by(AdminEvent.created_at.desc(), AdminEvent.id.desc()))
    if where.action:
        query = query.where(AdminEvent.action == where.action)
    return _by_user_and_day(query, where, AdminEvent.actor_id, AdminEvent.created_at)


def personal_data_views_query(session: Session, where: AuditFilter) -> sa.Select:
    """Who saw callers' details in full (个人信息查看记录), newest first, with the same user and day filters."""
    query = (sa.select(PersonalDataView).options(selectinload(PersonalDataView.user), selectinload(PersonalDataView.ticket))
             .order_by(PersonalDataView.created_at.desc(), PersonalDataView.id.desc()))
    return _by_user_and_day(query, where, PersonalDataView.user_id, PersonalDataView.created_at)
