"""Ticket lists with filters, shared by the query page and GET /api/v1/tickets."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import (
    AssistRequest, AssistState, Category, Channel, Department, Role, Ticket, TicketEvent, TicketStatus, TicketType, User,
)
from ticketing.services import fulltext, permissions, privacy, validation
from ticketing.services.cursors import cursor_after, parse_cursor
from ticketing.services.inbox import overdue_condition


@dataclass
class TicketFilters:
    status: str | None = None
    department: str | None = None  # code
    category: str | None = None  # code
    channel: str | None = None
    type: str | None = None
    overdue: bool | None = None
    risk: bool | None = None  # 风险提示: flagged (and not cleared), or not
    q: str | None = None
    phone: str | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    handler: str | None = None  # 经办人's user name
    changed_since: datetime | None = None  # any event (办理记录) at or after it: a department system's sync
    # 协办: "any", tickets that asked another department; "open", those still waiting for an opinion; "asked", for
    # department staff, the other departments' tickets their department was asked about (outside their own list)
    assist: str | None = None


ASSIST_FILTERS = {"any": "有协办", "open": "等待协办意见", "asked": "请本单位协办的"}


def describe_filters(session: Session, filters: TicketFilters) -> str:
    """The filters in words, for the printed list and the workbook's first row: names, not codes (a copy review saw
    分类 DY，承办单位 DYBZ，经办人 staff_dybz2)."""
    parts = []
    if filters.q:
        parts.append(f"关键词“{filters.q}”")
    if filters.phone:  # the number stays out of the file, not the fact that the list was narrowed by one
        parts.append("来电号码（已隐去）")
    for value, enum in ((filters.status, TicketStatus), (filters.type, TicketType), (filters.channel, Channel)):
        if value:
            parts.append(next((member.title for member in enum if member.value == value), f"“{value}”（无此选项）"))
    if filters.category:
        name = session.scalar(sa.select(Category.name).where(Category.code == filters.category))
        parts.append(f"分类“{name or filters.category}”")
    if filters.department:
        name = session.scalar(sa.select(Department.name).where(Department.code == filters.department))
        parts.append(f"承办单位“{name or filters.department}”")
    if filters.handler:
        name = session.scalar(sa.select(User.display_name).where(User.username == filters.handler))
        parts.append(f"经办人 {name or filters.handler}")
    if filters.overdue is not None:
        parts.append("已超期" if filters.overdue else "未超期")
    if filters.risk is not None:
        parts.append("有风险提示" if filters.risk else "无风险提示")
    if filters.assist:
        parts.append(ASSIST_FILTERS[filters.assist])
    if filters.received_from or filters.received_to:
        start = f"{filters.received_from:%Y-%m-%d}" if filters.received_from else "…"
        end = f"{filters.received_to - timedelta(days=1):%Y-%m-%d}" if filters.received_to else "…"
        parts.append(f"受理时间 {start} 至 {end}")
    return "查询条件：" + ("，".join(parts) or "全部")


def ticket_query(session: Session, user: User, filters: TicketFilters, now: datetime) -> sa.Select:
    requests = sa.select(AssistRequest.ticket_id)
    if filters.assist == "asked" and user.role_enum is Role.STAFF:  # visible to them as the department asked
        query = sa.select(Ticket).where(Ticket.id.in_(requests.where(AssistRequest.department_id == user.department_id)))
    else:
        query = permissions.visible_tickets(user, sa.select(Ticket))
        if filters.assist == "any":
            query = query.where(Ticket.id.in_(requests))
        elif filters.assist == "open":
            query = query.where(Ticket.id.in_(requests.where(AssistRequest.state == AssistState.OPEN.value)))
    if filters.status:
        query = query.where(Ticket.status == filters.status)
    if filters.department:
        query = query.join(Department, Ticket.department_id == Department.id).where(Department.code == filters.department)
    if filters.handler:
        query = query.where(Ticket.handler_id == sa.select(User.id).where(User.username == filters.handler).scalar_subquery())
    if filters.category:
        query = query.join(Category, Ticket.category_id == Category.id).where(Category.code == filters.category)
    if filters.channel:
        query = query.where(Ticket.channel == filters.channel)
    if filters.type:
        query = query.where(Ticket.type == filters.type)
    if filters.overdue is True:
        query = query.where(overdue_condition(now))
    elif filters.overdue is False:
        query = query.where(sa.not_(overdue_condition(now)))
    if filters.risk is True:
        query = query.where(Ticket.risk_flags > "")  # a range of the risk_flags index (see risk_alerts)
    elif filters.risk is False:
        query = query.where(Ticket.risk_flags.is_(None))
    if filters.phone:  # only among tickets whose caller the user sees whole (a fraud reporter stays unlinked)
        query = query.where(Ticket.caller_phone == filters.phone, privacy.caller_visible_condition(user))
    if filters.received_from:
        query = query.where(Ticket.received_at >= filters.received_from)
    if filters.received_to:
        query = query.where(Ticket.received_at < filters.received_to)
    if filters.changed_since:
        query = query.where(Ticket.id.in_(
            sa.select(TicketEvent.ticket_id).where(TicketEvent.created_at >= filters.changed_since)))
    if filters.q and filters.q.strip():
        query = fulltext.restrict(session, query, filters.q, call_visible=privacy.caller_visible_condition(user))
        if validation.mask_numbers_in_text(filters.q) != filters.q:
            # a phone or ID number in the words: matched only where the user sees such numbers whole
            query = query.where(privacy.caller_visible_condition(user))
        else:
            query = _digits_as_shown(session, user, query, filters.q.strip())
    return query.order_by(Ticket.received_at.desc(), Ticket.id.desc())


MOST_READ_AS_SHOWN = 2000


def _digits_as_shown(session: Session, user: User, query: sa.Select, text: str) -> sa.Select:
    """A query's words with digits (a number's pieces: 139 2468 5678 is indexed as three words) find a ticket whose
    caller the user sees masked only where they occur in its text as that user reads it (139****5678), or the four
    hidden digits could be tested one guess at a time (a staff walk: a fraud reporter's number, completed by search).
    Those tickets are read again as shown, at most ``MOST_READ_AS_SHOWN`` of them: beyond that (an administrator, who
    sees no caller whole, searching for a year), none of them is listed rather than the search taking seconds."""
    from classifiers.tokenize import search_terms

    if fulltext.NUMBER.match(text):
        return query
    digits = {word for word in search_terms(text, for_query=True) if fulltext.HAS_DIGIT.search(word)}
    if not digits:
        return query
    visible = privacy.caller_visible_condition(user)
    hidden = session.execute(query.where(sa.not_(visible)).order_by(None).with_only_columns(
        Ticket.id, Ticket.title, Ticket.content, Ticket.transfer_reference, Ticket.external_id)
        .limit(MOST_READ_AS_SHOWN + 1)).all()
    if len(hidden) > MOST_READ_AS_SHOWN:
        return query.where(visible)
    shown = [row.id for row in hidden if text in (row.transfer_reference, row.external_id) or digits <= set(
        search_terms(validation.mask_numbers_in_text(f"{row.title or ''}\n{row.content or ''}")))]
    return query.where(sa.or_(visible, Ticket.id.in_(shown)))


@dataclass(frozen=True)
class MovedAway:
    number: str
    moved_at: datetime
    action: str  # reassign (改派) or approve_return (同意退回并改派)


def moved_away(session: Session, user: User, since: datetime) -> list[MovedAway]:
    """The tickets that left a staff member's department (改派, 同意退回后改派) at or after ``since`` and are not its
    now: its system, syncing by changed_since, sees them no more in the list and would keep them as its own."""
    if user.role_enum is not Role.STAFF or user.department is None:
        return []
    rows = session.execute(
        sa.select(Ticket.number, TicketEvent.created_at, TicketEvent.action)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.created_at >= since, TicketEvent.action.in_(("reassign", "approve_return")),
               TicketEvent.data["from"].as_string() == user.department.code,
               Ticket.department_id != user.department_id)
        .order_by(TicketEvent.created_at, TicketEvent.id))
    latest = {number: MovedAway(number, moved_at, action) for number, moved_at, action in rows}
    return list(latest.values())


def continued_after(query: sa.Select, after: str) -> sa.Select:
    """``ticket_query`` from the ticket after the one a ``next_after`` names, in the list's order (latest received
    first): a ticket that left the list meanwhile no longer moves the rest, as it does under a page number."""
    received_at, ticket_id = parse_cursor(after)
    return query.where(sa.or_(Ticket.received_at < received_at,
                              sa.and_(Ticket.received_at == received_at, Ticket.id < ticket_id)))


def next_after(tickets: list[Ticket], more: bool) -> str | None:
    """The cursor of the last ticket listed, when more follow it."""
    return cursor_after(tickets[-1].received_at, tickets[-1].id) if more and tickets else None
