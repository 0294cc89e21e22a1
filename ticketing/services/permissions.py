"""Who may see what. Views, templates and the API call these same functions."""
from __future__ import annotations

import enum

import sqlalchemy as sa

from ticketing.models import Role, Ticket, User


class Permission(enum.StrEnum):
    TICKET_REGISTER = "agent:ticket:register"
    TICKET_TRIAGE = "agent:ticket:triage"
    CALLBACK_QUEUE = "agent:callback:work"
    INBOX = "staff:ticket:handle"
    SUPERVISE = "supervisor:ticket:supervise"
    REPORTS = "supervisor:report:view"
    ASSESSMENT_OWN = "staff:assessment:view"  # the own department's monthly assessment
    ASSESSMENT_CONTEST = "staff:assessment:contest"
    ASSESSMENT_DECIDE = "supervisor:assessment:decide"  # decide contests, issue a month, set weights
    REVIEW = "supervisor:ticket:review"  # 工单质检 of the agents' registration
    ADMINISTER = "admin:settings:edit"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: frozenset({Permission.TICKET_REGISTER, Permission.TICKET_TRIAGE, Permission.CALLBACK_QUEUE}),
    Role.STAFF: frozenset({Permission.INBOX, Permission.ASSESSMENT_OWN, Permission.ASSESSMENT_CONTEST}),
    Role.SUPERVISOR: frozenset(
        {Permission.TICKET_REGISTER, Permission.TICKET_TRIAGE, Permission.CALLBACK_QUEUE,
         Permission.SUPERVISE, Permission.REPORTS, Permission.ASSESSMENT_DECIDE, Permission.REVIEW}
    ),
    Role.ADMIN: frozenset(Permission) - {Permission.INBOX, Permission.ASSESSMENT_OWN, Permission.ASSESSMENT_CONTEST},
}


def has_permission(user: User, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[user.role_enum]


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    """Staff see their own department's tickets, the duplicates merged into them (a merge review: the one handling
    the kept ticket got a 404 on the duplicate's details and files), and those their department was asked to assist
    with (协办), answered or not, so that what they answered stays readable."""
    if user.role_enum is Role.STAFF:
        if ticket.department_id is not None and ticket.department_id == user.department_id:
            return True
        if ticket.merged_into is not None:  # a duplicate of the ticket it handles: the same caller's words and files
            from ticketing.services.progress_lookup import kept_ticket

            kept = kept_ticket(ticket)
            if kept.department_id is not None and kept.department_id == user.department_id:
                return True
        return user.department_id is not None and any(r.department_id == user.department_id for r in ticket.assists)
    return True


def can_read_notes(user: User, ticket: Ticket) -> bool:
    """内部备注 are the centre's and the handling department's: a department asked to assist sees the ticket, not
    them."""
    return user.role_enum is not Role.STAFF or (ticket.department_id is not None
                                                and ticket.department_id == user.department_id)


def can_view_assessment(user: User, department_id: int | None = None) -> bool:
    """按月考核: supervisors see every department; staff only their own (department_id None: the page)."""
    if has_permission(user, Permission.REPORTS):
        return True
    return has_permission(user, Permission.ASSESSMENT_OWN) and department_id in (None, user.department_id)


def assessment_department_scope(user: User) -> int | None:
    """The one department whose assessment the user sees, or None for all."""
    return None if has_permission(user, Permission.REPORTS) else user.department_id


def visible_tickets(user: User, query: sa.Select) -> sa.Select:
    """Restrict a SELECT over Ticket to what the user may see."""
    if user.role_enum is Role.STAFF:
        return query.where(Ticket.department_id == user.department_id)
    return query
