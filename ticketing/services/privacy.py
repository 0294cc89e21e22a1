"""Callers' personal information: masked in lists, whole only for those who work the ticket, every view logged.

Fraud reporters stay confidential (医疗保障基金使用监督管理条例 §35): the
handling department sees the report but not the reporter unless a supervisor
granted it for that ticket.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from ticketing.models import Category, PersonalDataView, ReporterIdentityGrant, Role, Ticket, TicketType, User
from ticketing.services.workflow import Action, check, transition
from ticketing.services import permissions


def identity_granted(session: Session, ticket: Ticket, department_id: int | None) -> bool:
    if department_id is None:
        return False
    return session.scalar(
        sa.select(sa.func.count()).select_from(ReporterIdentityGrant).where(
            ReporterIdentityGrant.ticket_id == ticket.id, ReporterIdentityGrant.department_id == department_id
        )
    ) > 0


def may_see_caller(session: Session, user: User, ticket: Ticket) -> bool:
    """Whether this user may see the caller's details unmasked on the ticket's page."""
    role = user.role_enum
    if role is Role.STAFF:
        if ticket.department_id != user.department_id:
            return False
        if ticket.is_confidential_report:
            return identity_granted(session, ticket, user.department_id)
        return True
    return sees_every_caller(user)


def sees_every_caller(user: User) -> bool:
    """Agents and supervisors see every ticket's caller whole; staff only their own department's (not a fraud
    reporter unless granted); administrators none."""
    return user.role_enum in (Role.AGENT, Role.SUPERVISOR)


def caller_visible_condition(user: User):
    """`may_see_caller` as a WHERE condition on Ticket, for searches by a caller's number: a match on a number the
    user sees masked would tell them the hidden digits (or who reported fraud)."""
    role = user.role_enum
    if role is not Role.STAFF:
        return sa.true() if sees_every_caller(user) else sa.false()
    fraud = sa.select(Category.id).where(Category.code == "JJ")
    target = aliased(Ticket)
    # (IS NOT NULL first: a NULL IN (…) is NULL, and NOT NULL would drop the ticket from every search)
    report = sa.or_(Ticket.type == TicketType.REPORT.value,
                    sa.and_(Ticket.category_id.is_not(None), Ticket.category_id.in_(fraud)))
    # a duplicate merged into a report is confidential as well (one merge away here; Ticket.is_confidential_report
    # follows longer chains, which need a merged ticket merged again, for the pages)
    merged_into_report = sa.and_(Ticket.merged_into_id.is_not(None), Ticket.merged_into_id.in_(
        sa.select(target.id).where(sa.or_(target.type == TicketType.REPORT.value, target.category_id.in_(fraud)))))
    confidential = sa.or_(report, merged_into_report)
    granted = sa.exists().where(ReporterIdentityGrant.ticket_id == Ticket.id,
                                ReporterIdentityGrant.department_id == user.department_id)
    return sa.and_(Ticket.department_id == user.department_id, sa.or_(sa.not_(confidential), granted))


def without_call_reference(text: str | None, ticket: Ticket) -> str:
    """A note with the ticket's 来电流水号 hidden (the registration's note names it), for whoever may not see the
    caller: the id fetches the call's recording."""
    if not text or not ticket.call_reference:
        return text or ""
    return text.replace(ticket.call_reference, "（已隐藏）")


def same_caller(session: Session, user: User, ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """该来电人的其他工单: the caller's other tickets by phone number, newest first, for someone who may see this
    caller; only tickets ``user`` may see, and whose caller they may see (a fraud report's reporter stays
    unlinked for the department that may not know who reported)."""
    if not ticket.caller_phone or not may_see_caller(session, user, ticket):
        return []
    query = permissions.visible_tickets(user, sa.select(Ticket).where(
        Ticket.caller_phone == ticket.caller_phone, Ticket.id != ticket.id).order_by(Ticket.received_at.desc()))
    found = session.scalars(query.limit(limit * 2)).all()
    return [other for other in found if may_see_caller(session, user, other)][:limit]


def log_view(session: Session, user: User, ticket: Ticket, *, now: datetime, via: str = "page") -> None:
    session.add(PersonalDataView(ticket_id=ticket.id, user_id=user.id, via=via, created_at=now))


def grant_identity(session: Session, ticket: Ticket, reason: str, *, actor: User, now: datetime) -> ReporterIdentityGrant:
    from ticketing.services.errors import InvalidTransition, ValidationFailed
    check(actor, ticket, Action.GRANT_IDENTITY)
    if not ticket.is_confidential_report:  # a code review: recorded on an ordinary consultation
        raise InvalidTransition("该工单不是举报件，承办单位本就可以看到来电人信息，无需授权")
    if not (reason or "").strip():
        raise ValidationFailed("请填写授权理由", fields={"reason": "请填写授权理由"})
    if ticket.department_id is None:
        raise ValidationFailed("工单尚未派发", fields={"reason": "工单尚未派发，无承办单位可授权"})
    if identity_granted(session, ticket, ticket.department_id):  # sent twice: it was a 500 on the unique key
        raise InvalidTransition(f"已授权{ticket.department.name}查看举报人身份，无需再次授权")
    transition(ticket, Action.GRANT_IDENTITY, actor=actor, now=now, note=reason,
               data={"department": ticket.department.code})
    grant = ReporterIdentityGrant(ticket_id=ticket.id, department_id=ticket.department_id, granted_by=actor,
                                  reason=reason.strip(), created_at=now)
    session.add(grant)
    return grant


def views_of(session: Session, ticket: Ticket) -> list[PersonalDataView]:
    return list(session.scalars(
        sa.select(PersonalDataView).where(PersonalDataView.ticket_id == ticket.id).order_by(PersonalDataView.id.desc())
    ))
