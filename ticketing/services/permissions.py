"""Who may see what. Views, templates and the API call these same functions."""
from __future__ import annotations

import enum

import sqlalchemy as sa

from ticketing.models import Role, Ticket, User


class Permission(enum.StrEnum):
    TICKET_REGISTER = "agent:ticket:register"
    TICKET_TRIAGE = "agent:ticket:dispatch"
    CALLBACK_QUEUE = "agent:callback:work"
    INBOX = "staff:ticket:handle"
    SUPERVISE = "supervisor:ticket:supervise"
    REPORTS = "supervisor:report:view"
    ADMINISTER = "admin:settings:edit"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({Permission.TICKET_REGISTER, Permission.TICKET_TRIAGE, Permission.CALLBACK_QUEUE}),
    Role.STAFF: frozenset({Permission.INBOX}),
    Role.SUPERVISOR: frozenset(
        {Permission.TICKET_REGISTER, Permission.TICKET_TRIAGE, Permission.CALLBACK_QUEUE,
         Permission.SUPERVISE, Permission.REPORTS}
    ),
    Role.ADMIN: frozenset(Permission) - {Permission.INBOX},
}


def has_permission(user: User, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[user.role_enum]


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    if user.role_enum is Role.STAFF:
        return ticket.department_id is not None and ticket.department_id == user.department_id
    return True


def visible_tickets(user: User, query: sa.Select) -> sa.Select:
    """Restrict a SELECT over Ticket to what the user may see."""
    if user.role_enum is Role.STAFF:
        return query.where(Ticket.department_id == user.department_id)
    return query
