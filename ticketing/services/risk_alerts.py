"""风险提示: tickets whose words speak of a danger (轻生, a patient in intensive care, a group about to gather, the
press), found by phrase at registration and in what a caller says on a later call (来电催办) (`classifiers.risk`),
and kept on the ticket as ``risk_flags``.

A flag asks a person to decide, and two actions answer it: 升为紧急 (`tickets.make_urgent`), or 解除风险提示
(`clear`) with the reason, for a phrase that was not a danger ("去年媒体曝光过"). Until then the ticket is
*undecided*: a confident classifier does not dispatch it on its own (it waits in 待派发 for an agent to read),
and it heads 督办 and counts in the supervisor's menu badge.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from classifiers import risk
from ticketing.models import Ticket, TicketEvent, TicketStatus, Urgency
from ticketing.models.enums import OPEN_STATUSES
from ticketing.services import audit, settings
from ticketing.services.errors import InvalidTransition, ValidationFailed
from ticketing.services.reference_cache import cached, forget
from ticketing.services.workflow import WORKING, Action, transition

OPEN = tuple(status.value for status in OPEN_STATUSES)
SETTING = "risk_phrases_extra"  # the centre's own phrases, in the phrase file's format (系统管理 → 风险提示词)
OWN_MAX = 20000  # characters of them


def own_phrases(session: Session) -> str:
    """The centre's own phrases as the administrator wrote them."""
    return settings.get_setting(session, SETTING) or ""


def phrases(session: Session) -> risk.PhraseList:
    """The shipped phrases with the centre's own, read once per transaction."""
    def load() -> risk.PhraseList:
        try:
            return risk.merge(risk.default_phrases(), risk.parse_phrases(own_phrases(session).splitlines()))
        except risk.PhraseError:  # saved before a kind was renamed: the shipped list still works
            return risk.default_phrases()
    return cached(session, "risk_phrases", load)


def detect(session: Session, *texts: str | None) -> list[risk.RiskHit]:
    return risk.detect("\n".join(t for t in texts if t), phrases(session))


def save_own_phrases(session: Session, text: str, *, actor, now: datetime) -> risk.PhraseList:
    """An administrator's list, checked line by line (the line and what is wrong, in Chinese); 操作日志 keeps
    how many phrases it holds."""
    text = (text or "").strip()
    if len(text) > OWN_MAX:
        raise ValidationFailed("风险提示词过多", fields={"phrases": f"最多 {OWN_MAX} 字"})
    try:
        own = risk.parse_phrases(text.splitlines())
    except risk.PhraseError as error:
        kinds = "、".join(f"[{kind.title}]" for kind in risk.KINDS)
        message = (f"第 {error.line} 行：没有“{error.kind}”这一类，可用的是 {kinds}" if error.kind is not None
                   else f"第 {error.line} 行：词语前要先写所属的类，如 [{risk.KINDS[0].title}]")
        raise ValidationFailed("风险提示词未保存", fields={"phrases": message}) from None
    settings.set_setting(session, SETTING, text)
    forget(session)  # this transaction's detections see the new list
    audit.record(session, actor, "risk phrases changed", now=now,
                 phrases=sum(len(words) for words in own.phrases.values()) + len(own.exceptions))
    return own


def flags(hits: list[risk.RiskHit]) -> str | None:
    return ",".join(risk.codes(hits)) or None


def describe(hits: list[risk.RiskHit]) -> str:
    """人身安全（“不想活”）、舆情（“曝光”）"""
    return "、".join(f"{hit.kind.title}（“{hit.phrase}”）" for hit in hits)


def add_from(session: Session, ticket: Ticket, text: str) -> list[risk.RiskHit]:
    """The kinds found in ``text`` that the ticket did not carry yet, added to its flags (kept most serious first)."""
    held = set((ticket.risk_flags or "").split(","))
    added = [hit for hit in detect(session, text) if hit.kind.code not in held]
    if added:
        ticket.risk_flags = ",".join(kind.code for kind in risk.KINDS if kind.code in held | set(risk.codes(added)))
    return added


def join_flags(ticket: Ticket, other: Ticket) -> str | None:
    """The kinds either ticket carries, most serious first: a duplicate merged into ``ticket`` hands on its own."""
    held = set((ticket.risk_flags or "").split(",")) | set((other.risk_flags or "").split(","))
    return ",".join(kind.code for kind in risk.KINDS if kind.code in held) or None


def as_dicts(hits: list[risk.RiskHit]) -> list[dict]:
    return [{"code": hit.kind.code, "title": hit.kind.title, "phrase": hit.phrase, "advice": hit.kind.advice}
            for hit in hits]


def is_undecided(ticket: Ticket) -> bool:
    return bool(ticket.risk_flags) and ticket.urgency != Urgency.URGENT.value and ticket.status in OPEN


def _flagged_and_open():
    """Flagged tickets still worked, written so that SQLite's planner (which has no statistics) reads the few
    flagged rows by their index: ``risk_flags > ''`` is a range of it where ``IS NOT NULL`` was a full scan, and
    the states are the complement of the closed ones, which no index serves, where ``IN`` led it to scan every
    open ticket by the status index. PostgreSQL reads the same index either way."""
    closed = [status.value for status in TicketStatus if status not in OPEN_STATUSES]
    return sa.and_(Ticket.risk_flags > "", Ticket.status.not_in(closed))


def undecided_condition():
    """The SQL form of `is_undecided`."""
    return sa.and_(_flagged_and_open(), Ticket.urgency != Urgency.URGENT.value)


def open_query() -> sa.Select:
    """Flagged tickets still worked, those nobody has decided on first, then the newest."""
    return (sa.select(Ticket).where(_flagged_and_open())
            .order_by((Ticket.urgency == Urgency.URGENT.value), Ticket.received_at.desc(), Ticket.id))


def clear(session: Session, ticket: Ticket, reason: str, *, actor, now: datetime) -> None:
    """解除风险提示: the words were not a danger. The event keeps which kinds were cleared and why."""
    if not (reason or "").strip():
        raise ValidationFailed("请填写解除风险提示的原因", fields={"reason": "请填写解除风险提示的原因"})
    if not ticket.risk_flags:
        raise InvalidTransition("该工单没有风险提示")
    titles = "、".join(kind.title for kind in ticket.risk_kinds)
    transition(ticket, Action.CLEAR_RISK, actor=actor, now=now, note=f"{titles}：{reason.strip()}",
               data={"cleared": ticket.risk_flags})
    ticket.risk_flags = None



@dataclass
class Recheck:
    read: int  # tickets still worked, not flagged and never cleared
    flagged: list[Ticket]


def recheck_open_tickets(session: Session, *, actor, now: datetime) -> Recheck:
    """补查: the tickets still worked read again with the phrases as they are now: those registered before 风险提示
    existed, or before the centre added a phrase. Each one found is flagged with an event (补查风险提示), and heads
    督办 as any flag does. A ticket whose flag someone cleared is not flagged again."""
    cleared = sa.select(TicketEvent.ticket_id).where(TicketEvent.action == Action.CLEAR_RISK.value)
    candidates = session.execute(sa.select(Ticket.id, Ticket.title, Ticket.content).where(
        Ticket.status.in_([status.value for status in WORKING]), Ticket.risk_flags.is_(None),
        Ticket.id.not_in(cleared))).all()
    found = {ticket_id: hits for ticket_id, title, content in candidates if (hits := detect(session, title, content))}
    flagged = list(session.scalars(sa.select(Ticket).where(Ticket.id.in_(list(found))).order_by(Ticket.id))) if found else []
    for ticket in flagged:
        hits = found[ticket.id]
        transition(ticket, Action.RECHECK_RISK, actor=actor, now=now, note=describe(hits), data={"risks": flags(hits)})
        ticket.risk_flags = flags(hits)
    if actor is not None:
        audit.record(session, actor, "risk recheck", now=now, tickets=len(candidates), flagged=len(flagged))
    return Recheck(len(candidates), flagged)
