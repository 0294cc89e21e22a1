"""无效来电: calls an agent answers that become no ticket. A centre counts them (an agent who took forty silent
calls worked), and a number that keeps harassing the line is recognised when it rings again: the call form
says how many nuisance calls it made in the last NUISANCE_DAYS days.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import InvalidCall, User
from ticketing.services import permissions
from ticketing.services.errors import NotAllowed, ValidationFailed
from ticketing.services.validation import call_reference_error, normalize_phone, phone_error
from ticketing.services.workflow import RESUBMITTED_WITHIN

KINDS = {
    "silent": "无声或接通即挂断",
    "wrong_number": "打错电话",
    "nuisance": "骚扰、辱骂或恶意来电",
    "other_hotline": "非医保事项，已告知对应热线",
    "other": "其他",
}
NUISANCE_DAYS = 30
NOTE_MAX = 200


def record(session: Session, *, kind: str, phone: str | None, call_reference: str | None, note: str | None,
           actor: User, now: datetime) -> InvalidCall:
    """One call that is no ticket, by the agent who answered it; the same 来电流水号 again returns the first record."""
    if not permissions.has_permission(actor, permissions.Permission.TICKET_REGISTER):
        raise NotAllowed("只有接听来电的人员可以记录无效来电")
    phone = normalize_phone(phone) or None
    call_reference = (call_reference or "").strip() or None
    note = (note or "").strip()
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "请选择无效来电的类型"
    if message := phone_error(phone):
        errors["caller_phone"] = message
    if message := call_reference_error(call_reference):
        errors["call_reference"] = message
    if kind == "other" and not note:
        errors["note"] = "选择“其他”时请写明情况"
    if len(note) > NOTE_MAX:
        errors["note"] = f"说明最多 {NOTE_MAX} 字"
    if errors:
        raise ValidationFailed("无效来电未记录，请按提示修改", fields=errors)
    if call_reference is not None:  # a telephone platform retrying after a timeout: the call is recorded once
        earlier = session.scalar(sa.select(InvalidCall).where(InvalidCall.call_reference == call_reference).limit(1))
        if earlier is not None:
            return earlier
    else:  # the same form sent twice (a double click) moments ago is one call, not two in 话务员工作量
        earlier = session.scalar(sa.select(InvalidCall).where(
            InvalidCall.agent_id == actor.id, InvalidCall.kind == kind, InvalidCall.note == note,
            InvalidCall.caller_phone.is_(None) if phone is None else InvalidCall.caller_phone == phone,
            InvalidCall.created_at >= now - RESUBMITTED_WITHIN, InvalidCall.created_at <= now).limit(1))
        if earlier is not None:
            return earlier
    call = InvalidCall(kind=kind, caller_phone=phone, call_reference=call_reference, note=note, agent=actor,
                       created_at=now)
    session.add(call)
    session.flush()
    return call


def nuisance_count(session: Session, phone: str | None, now: datetime) -> int:
    """Nuisance calls from this number in the last NUISANCE_DAYS days (one range of the (phone, time) index)."""
    phone = normalize_phone(phone)
    if not phone:
        return 0
    return session.scalar(sa.select(sa.func.count(InvalidCall.id)).where(
        InvalidCall.caller_phone == phone, InvalidCall.kind == "nuisance",
        InvalidCall.created_at >= now - timedelta(days=NUISANCE_DAYS))) or 0


def by_agent(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Invalid calls per agent (user id) in [start, end)."""
    return dict(session.execute(
        sa.select(InvalidCall.agent_id, sa.func.count(InvalidCall.id))
        .where(InvalidCall.created_at >= start, InvalidCall.created_at < end).group_by(InvalidCall.agent_id)).all())


def month_query(start: datetime, end: datetime, *, kind: str | None = None) -> sa.Select:
    """The invalid calls of [start, end), newest first, optionally of one kind."""
    query = sa.select(InvalidCall).where(InvalidCall.created_at >= start, InvalidCall.created_at < end)
    if kind:
        query = query.where(InvalidCall.kind == kind)
    return query.order_by(InvalidCall.created_at.desc(), InvalidCall.id.desc())


def by_kind(session: Session, start: datetime, end: datetime) -> list[tuple[str, str, int]]:
    """(kind, title, count) in [start, end), every kind listed."""
    counts = dict(session.execute(
        sa.select(InvalidCall.kind, sa.func.count(InvalidCall.id))
        .where(InvalidCall.created_at >= start, InvalidCall.created_at < end).group_by(InvalidCall.kind)).all())
    return [(kind, title, counts.get(kind, 0)) for kind, title in KINDS.items()]


def nuisance_numbers(session: Session, now: datetime, *, limit: int = 20) -> list[tuple[str, int, datetime]]:
    """The numbers with the most nuisance calls in the last NUISANCE_DAYS days: (number, calls, last call)."""
    return [tuple(row) for row in session.execute(
        sa.select(InvalidCall.caller_phone, sa.func.count(InvalidCall.id), sa.func.max(InvalidCall.created_at))
        .where(InvalidCall.kind == "nuisance", InvalidCall.caller_phone.is_not(None),
               InvalidCall.created_at >= now - timedelta(days=NUISANCE_DAYS))
        .group_by(InvalidCall.caller_phone)
        .order_by(sa.func.count(InvalidCall.id).desc(), sa.func.max(InvalidCall.created_at).desc())
        .limit(limit)).all()]
