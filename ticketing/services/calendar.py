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
