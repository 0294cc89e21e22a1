"""What the call form needs: register a call, and live suggestions while the agent types."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, Channel, Ticket, TicketEvent, TicketType, User
from ticketing.services import (
    classification, duplicates, invalid_calls, knowledge, petition_reviews, privacy, risk_alerts, routing, tickets,
    workflow,
)
from ticketing.services.errors import ValidationFailed
from ticketing.services.validation import mask_numbers_in_text, mask_phone, normalize_phone
from ticketing.services.workflow import RESUBMITTED_WITHIN, Action

#: a category the model gives less than this is not asked for standard answers on the call form
ANSWER_CATEGORY_FLOOR = 0.05


def same_call_just_registered(session: Session, form: dict, *, actor: User, now: datetime) -> Ticket | None:
    """The ticket this agent registered moments ago from the very same form (a double click, a browser's retry
    made two tickets of one call, both dispatched), or None. The same caller, words and channel within
    RESUBMITTED_WITHIN; one call about two matters is two different texts."""
    content = (form.get("content") or "").strip()
    phone = normalize_phone(form.get("caller_phone")) or None
    registered = (sa.select(TicketEvent.ticket_id).where(
        TicketEvent.action == Action.REGISTER.value, TicketEvent.actor_id == actor.id,
        TicketEvent.created_at >= now - RESUBMITTED_WITHIN, TicketEvent.created_at <= now))
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.id.in_(registered)).order_by(Ticket.id.desc())):
        if ((ticket.content or "").strip() == content and (ticket.caller_phone or None) == phone
                and ticket.channel == (form.get("channel") or Channel.HOTLINE_12393.value)):
            return ticket
    return None


def register_call(session: Session, form: dict, *, answer_now: bool, actor: User, now: datetime, classifier,
                  threshold: float | None = None):
    """Register what the agent typed; answer a consultation on the spot when asked. ``threshold``: as for
    ``tickets.register_ticket``."""
    data = tickets.TicketInput(
        channel=form.get("channel") or Channel.HOTLINE_12393.value,
        type=form["type"],
        urgency=form["urgency"],
        title=form.get("title") or "",
        content=form["content"],
        caller_name=form.get("caller_name"),
        caller_phone=form.get("caller_phone"),
        caller_id_number=form.get("caller_id_number"),
        region=form.get("region"),
        category_code=form.get("category") or None,
        department_code=None if answer_now else (form.get("department") or None),
        transfer_reference=form.get("transfer_reference") or None,
        call_reference=form.get("call_reference") or None,
    )
    if answer_now:
        if data.type != TicketType.CONSULT.value:
            raise ValidationFailed("只有咨询可以当场答复并直接办结", fields={"type": "只有咨询可以当场答复并直接办结"})
        if not (form.get("answer") or "").strip():
            raise ValidationFailed("请填写当场答复内容", fields={"answer": "请填写当场答复内容"})
        result = tickets.register_ticket(session, data, actor=actor, now=now, classifier=classifier, route_now=False,
                                         threshold=threshold)
        if result.ticket.category is None:  # closed now, never dispatched: nobody would give it one later
            raise ValidationFailed("当场办结的工单须有业务分类，请选择（采用答复口径时会自动带出）",
                                   fields={"category": "请选择业务分类"})
        tickets.answer_on_the_spot(session, result.ticket, form["answer"], actor=actor, now=now)
        return result.ticket
    # a category the agent chose (or accepted) is the person's; left empty, the confidence policy decides
    return tickets.register_ticket(session, data, actor=actor, now=now, classifier=classifier,
                                   threshold=threshold).ticket


@dataclass(frozen=True)
class Suggestion:
    """The model's suggestion among the categories in use: one switched off since the model was trained is not
    offered (an administrator review: it was suggested on the call form, Alt+7 "adopted" it into an empty select and
    the call went without a category; a code review: /classify still named it)."""

    prediction: object  # classifiers.model.Prediction
    top: list[tuple[Category, float]]  # the categories in use, most likely first
    category: Category | None  # the model's first choice, when in use
    confident: bool  # taken without an agent (classification.dispatch_threshold)

    @property
    def reasons(self) -> list[str]:
        return list(self.prediction.reasons) if self.category is not None else []

    def route(self, session: Session, *, region: str | None = None, channel: str | None = None,
              ticket_type: str | None = None):
        """Where the rules send the suggested category for this 区县, channel and type: the call form suggested the
        category's default department while a county's rule sent it elsewhere (a county review)."""
        if self.category is None:
            return None
        return routing.route(session, category=self.category, region=routing.canonical_region(session, region),
                             channel=channel or None, ticket_type=ticket_type or None)


def suggest(session: Session, classifier, text: str, threshold: float | None = None) -> Suggestion:
    """The call form's and /classify's suggestion for ``text``; ``threshold`` as for ``tickets.register_ticket``."""
    prediction = classifier.predict(text)
    in_use = {c.code: c for c in session.scalars(sa.select(Category).where(Category.active.is_(True)))}
    category = in_use.get(prediction.label)
    confident = category is not None and \
        prediction.confidence >= classification.dispatch_threshold(session, classifier, threshold)
    return Suggestion(prediction, [(in_use[code], float(p)) for code, p in prediction.top if code in in_use],
                      category, confident)


def assist(session: Session, *, text: str, phone: str, classifier, now: datetime, min_similarity: float,
           viewer: User, want_caller: bool = False, threshold: float | None = None, region: str = "",
           channel: str | None = None, ticket_type: str | None = None) -> dict:
    """What the call form shows ``viewer`` beside what is typed: suggestions, 风险提示 (with or without a model),
    similar tickets, the phone's history, and, with ``want_caller``, the name and district the number's caller gave
    last time (``caller``, with its ticket; logged as a view of that ticket's caller, as opening it would be).
    Someone who sees callers masked elsewhere (an administrator) gets neither the name nor unmasked titles."""
    whole = privacy.sees_every_caller(viewer)
    phone = normalize_phone(phone) or ""
    answer: dict = {"suggestions": [], "reasons": [], "department": None, "type": None, "answers": [],
                    "similar": [], "history": [], "concluded_petitions": [], "model": None if classifier is None else classifier.version,
                    "risks": risk_alerts.as_dicts(risk_alerts.detect(session, text))}
    if classifier is not None and len(text.strip()) >= 4:
        suggested = suggest(session, classifier, text, threshold)
        answer["suggestions"] = [{"code": category.code, "name": category.name, "p": round(p, 3)}
                                 for category, p in suggested.top]
        answer["reasons"] = suggested.reasons
        answer["type"] = suggested.prediction.type
        answer["confident"] = suggested.confident
        # the categories the model gives some chance; one at 0.00 only crowded the list (an on-the-spot review)
        answer["answers"] = standard_answers(session, text, [category.code for category, p in suggested.top
                                                             if p >= ANSWER_CATEGORY_FLOOR])
        decision = suggested.route(session, region=region, channel=channel, ticket_type=ticket_type)
        if decision is not None and decision.department is not None:
            answer["department"] = {"code": decision.department.code, "name": decision.department.name,
                                    "reason": decision.reason}
    # a number's tickets only for someone who sees callers whole: an administrator could otherwise type a number
    # and learn whether it had reported fraud (a privacy review); similar texts are offered to all
    phone = phone if whole else ""
    if text.strip() or phone:
        for candidate in duplicates.candidates(session, text=text, phone=phone or None, now=now,
                                               min_similarity=min_similarity):
            answer["similar"].append(_brief(candidate.ticket, whole=whole) | {
                "similarity": None if candidate.similarity is None else round(candidate.similarity, 2),
                "same_phone": candidate.same_phone})
    if phone:
        history = session.scalars(sa.select(Ticket).where(Ticket.caller_phone == phone)
                                  .order_by(Ticket.received_at.desc()).limit(10)).all()
        answer["history"] = [_brief(t, whole=whole) for t in history]
        # 复核 concluded: the same facts and reasons are not accepted again (信访工作条例第三十六条)
        answer["concluded_petitions"] = [t.number for t in petition_reviews.concluded_for_phone(session, phone)]
        known = next((t for t in history if t.caller_name or t.region), None) if want_caller and whole else None
        if known is not None:  # a repeat caller: the name and district given last time, for the agent to confirm
            answer["caller"] = {"name": known.caller_name or "", "region": known.region or "", "number": known.number}
            privacy.log_view(session, viewer, known, now=now, via="call_form")
    answer["nuisance_calls"] = invalid_calls.nuisance_count(session, phone, now) if phone else 0
    answer["phone_masked"] = mask_phone(phone)
    return answer


def standard_answers(session: Session, text: str, category_codes: list[str], limit: int = 6) -> list[dict]:
    """The standard answers of the suggested categories that the caller's words match best (知识库's search within
    them), then the categories' others: it listed the categories' oldest answers whatever was said (an
    on-the-spot review: "异地就医直接结算失败" did not bring up the answer of that name)."""
    if not category_codes:
        return []
    rank = {code: i for i, code in enumerate(category_codes)}
    hits = knowledge.search_answers(session, text, category_codes=category_codes, limit=None)
    hits.sort(key=lambda h: (h.partial, -h.score, rank[h.category_code], h.id))
    chosen = [h.to_dict() for h in hits[:limit]]
    for code in category_codes:  # then the categories' other answers, best suggestion first, oldest first
        if len(chosen) >= limit:
            break
        shown = {a["id"] for a in chosen}
        asked = bool(knowledge.query_words(text))  # what fills the list matches fewer of the words, if any
        chosen += [h.to_dict() | {"partial": asked}
                   for h in knowledge.search_answers(session, "", category_code=code, limit=None)
                   if h.id not in shown][:limit - len(chosen)]
    return chosen


def _brief(ticket: Ticket, *, whole: bool) -> dict:
    return {"number": ticket.number, "title": ticket.title if whole else mask_numbers_in_text(ticket.title),
            "status": ticket.status_enum.title,
            "received_at": ticket.received_at.isoformat(),
            "category": ticket.category.name if ticket.category else None,
            "department": ticket.department.name if ticket.department else None,
            # still being worked: a repeat call about it is recorded there (来电催办), not as a new ticket
            "follow_up": ticket.status_enum in workflow.RULES[workflow.Action.FOLLOW_UP].sources}

