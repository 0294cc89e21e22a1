"""Deadline policies and the working-day calendar as the administrator configured them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import CalendarYear, DeadlinePolicy, Holiday, Ticket
from ticketing.services import deadlines
from ticketing.services.deadlines import Deadline, WorkCalendar
from ticketing.services.reference_cache import cached


def load_work_calendar(session: Session) -> WorkCalendar:
    return cached(session, "work_calendar", lambda: _read_work_calendar(session))


def _read_work_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(sa.select(Holiday.day, Holiday.kind)).all()
    confirmed = session.scalars(sa.select(CalendarYear.year).where(CalendarYear.confirmed.is_(True))).all()
    return WorkCalendar(
        extra_holidays=frozenset(day for day, kind in rows if kind == "holiday"),
        extra_workdays=frozenset(day for day, kind in rows if kind == "workday"),
        confirmed_years=frozenset(confirmed),
    )


def find_policy(session: Session, ticket_type: str, urgency: str, channel: str) -> dict:
    """The most specific active policy that matches; the built-in defaults if none does."""
    candidates = [
        p
        for p in cached(session, "deadline_policies", lambda: session.scalars(
            sa.select(DeadlinePolicy).where(DeadlinePolicy.active.is_(True))).all())
        if p.ticket_type in (None, ticket_type) and p.urgency in (None, urgency) and p.channel in (None, channel)
    ]
    if candidates:
        best = max(candidates, key=lambda p: (p.channel is not None, p.specificity, -p.id))
        return {
            "accept_amount": best.accept_amount,
            "accept_unit": best.accept_unit,
            "reply_amount": best.reply_amount,
            "reply_unit": best.reply_unit,
            "max_extension_days": best.max_extension_days,
        }
    return deadlines.default_policy_for(ticket_type, urgency, channel)


def accept_deadline(session: Session, ticket: Ticket, start: datetime) -> Deadline:
    policy = find_policy(session, ticket.type, ticket.urgency, ticket.channel)
    return deadlines.compute_due(start, policy["accept_amount"], policy["accept_unit"], load_work_calendar(session))


def reply_deadline(session: Session, ticket: Ticket, start: datetime) -> Deadline:
    policy = find_policy(session, ticket.type, ticket.urgency, ticket.channel)
    return deadlines.compute_due(start, policy["reply_amount"], policy["reply_unit"], load_work_calendar(session))


OPEN_FOR_DEADLINES = ("registered", "dispatched", "accepted", "return_requested")
# actions that start the reply clock again (升为紧急 starts the urgent one)
FRESH_REPLY_CLOCK = ("approve_return", "reopen", "make_urgent")


def recalculate_unconfirmed_deadlines(session: Session, *, now: datetime) -> int:
    """After an administrator changed holidays or confirmed a year: recompute the deadlines of
    open tickets that were counted on an unconfirmed calendar, recording each change as an event.

    The reply clock starts at receipt, or at the last approved return or reopen; an approved
    extension's date is the citizen's promise and stays. Returns how many tickets changed.
    """
    from ticketing.models.enums import ExtensionState
    from ticketing.services.workflow import Action, transition

    changed = 0
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.status.in_(OPEN_FOR_DEADLINES),
                                                         Ticket.calendar_confirmed.is_(False))):
        before = (ticket.accept_due_at, ticket.reply_due_at)
        confirmed = True
        if ticket.extension_state != ExtensionState.APPROVED.value:
            restarts = [e.created_at for e in ticket.events if e.action in FRESH_REPLY_CLOCK]
            reply = reply_deadline(session, ticket, max(restarts) if restarts else ticket.received_at)
            ticket.reply_due_at, confirmed = reply.due_at, reply.calendar_confirmed
        if ticket.dispatched_at is not None:
            accept = accept_deadline(session, ticket, ticket.dispatched_at)
            ticket.accept_due_at, confirmed = accept.due_at, confirmed and accept.calendar_confirmed
        ticket.calendar_confirmed = confirmed
        if (ticket.accept_due_at, ticket.reply_due_at) != before:
            transition(ticket, Action.RECALCULATE_DEADLINE, actor=None, now=now,
                       note=f"答复时限 {local_text(before[1])} → {local_text(ticket.reply_due_at)}",
                       data={"reply_due_at": [iso_text(before[1]), iso_text(ticket.reply_due_at)],
                             "accept_due_at": [iso_text(before[0]), iso_text(ticket.accept_due_at)]})
            if ticket.overdue_marked_at is not None and ticket.reply_due_at and ticket.reply_due_at > now:
                ticket.overdue_marked_at = None
            changed += 1
    session.flush()
    return changed


def iso_text(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def local_text(value: datetime | None) -> str:
    return value.astimezone(deadlines.LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else "—"
