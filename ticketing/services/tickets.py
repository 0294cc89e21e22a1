"""Ticket verbs: register, dispatch, accept, reply, return, extend, urge, callback, close, reopen, merge…

Every verb takes the session, the ticket, the actor and the time explicitly;
each goes through `workflow.transition()` (which checks the state machine and
the actor's rights, and records the event) and only flushes: the request or
command that called it commits once.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.models import (
    Callback,
    Category,
    CategoryLabel,
    Channel,
    ClosureKind,
    Department,
    InternalNote,
    Reply,
    Role,
    Satisfaction,
    Ticket,
    TicketAttachment,
    TicketStatus,
    TicketType,
    Urgency,
    User,
)
from ticketing.models.enums import ANSWERED_STATUSES, CategorySource, ExtensionState
from ticketing.services import (
    calendar, callback_claims, classification, deadlines, fulltext, locks, petition_reviews, progress_lookup,
    risk_alerts, routing, settings, workflow,
)
from ticketing.services.duplicates import MERGEABLE
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed
from ticketing.services.numbering import next_ticket_number
from ticketing.services.reference_cache import cached
from ticketing.services.validation import (
    call_reference_error, caller_errors, normalize_id_number, normalize_phone, surname_only,
)
from ticketing.services.workflow import Action, check, transition

S = TicketStatus


@dataclass
class TicketInput:
    """What intake needs to register a ticket, from a form, the API or an import row."""

    channel: str
    type: str
    content: str
    urgency: str = Urgency.NORMAL.value
    title: str = ""
    external_id: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    caller_id_number: str | None = None
    region: str | None = None
    received_at: datetime | None = None
    category_code: str | None = None  # set by a person
    department_code: str | None = None  # set by a person: dispatch at once
    transfer_reference: str | None = None  # the 12345 system's reference for a transfer in
    call_reference: str | None = None  # 来电流水号: the telephone platform's id of the call
    due_at: datetime | None = None  # the source's own 要求办结时间 (a 12345 order's 办理时限)
    extra: dict = field(default_factory=dict)


@dataclass
class RegisterResult:
    ticket: Ticket
    created: bool


#: how far ahead of the server's clock a source system's 受理时间 may be (its clock running fast)
CLOCK_SKEW = timedelta(minutes=10)


def validate_input(data: TicketInput, now: datetime | None = None) -> dict[str, str]:
    """Field → Chinese message for everything wrong with the input (empty when all is well). With ``now``, a
    受理时间 in the future is refused: the deadlines are counted from it."""
    errors: dict[str, str] = {}
    if data.channel not in Channel.__members__.values():
        errors["channel"] = "来源渠道无效"
    if data.type not in TicketType.__members__.values():
        errors["type"] = "诉求类型无效"
    if data.urgency not in Urgency.__members__.values():
        errors["urgency"] = "紧急程度无效"
    if not (data.content or "").strip():
        errors["content"] = "请填写诉求内容"
    elif len(data.content) > 20000:
        errors["content"] = "诉求内容过长（最多 20000 字）"
    if len(data.title or "") > 200:
        errors["title"] = "标题过长（最多 200 字）"
    if data.external_id is not None and len(data.external_id) > 100:
        errors["external_id"] = "外部编号过长（最多 100 字符）"
    elif data.external_id is not None and data.external_id != "" and not data.external_id.strip():
        errors["external_id"] = "外部编号不能只有空格"
    if message := call_reference_error((data.call_reference or "").strip()):
        errors["call_reference"] = message
    errors.update(caller_errors({"caller_name": data.caller_name, "caller_phone": data.caller_phone,
                                 "caller_id_number": data.caller_id_number, "region": data.region}))
    if data.transfer_reference and len(data.transfer_reference.strip()) > 100:
        errors["transfer_reference"] = "12345 转办编号过长（最多 100 字符）"
    if data.received_at is not None and data.received_at.tzinfo is None:
        errors["received_at"] = "受理时间必须带时区"
    elif data.received_at is not None and now is not None and data.received_at > now + CLOCK_SKEW:
        errors["received_at"] = "受理时间晚于当前时间，请检查来源系统的时间"
    if data.due_at is not None and data.due_at.tzinfo is None:
        errors["due_at"] = "要求办结时间必须带时区"
    return errors


def _category_by_code(session: Session, code: str | None, field_name: str = "category") -> Category | None:
    if not code:
        return None
    category = _active_categories(session).get(code)
    if category is None:
        raise ValidationFailed("业务分类无效", fields={field_name: f"没有编码为 {code} 的业务分类"})
    return category


def _active_categories(session: Session) -> dict[str, Category]:
    return cached(session, "categories", lambda: {
        c.code: c for c in session.scalars(sa.select(Category).where(Category.active.is_(True)))})


def department_by_code(session: Session, code: str | None, field_name: str = "department") -> Department:
    if not (code or "").strip():
        raise ValidationFailed("请选择承办单位", fields={field_name: "请选择承办单位"})
    department = session.scalar(sa.select(Department).where(Department.code == code))
    if department is None:
        raise ValidationFailed("承办单位无效", fields={field_name: f"没有编码为 {code} 的承办单位"})
    if not department.active:
        raise ValidationFailed("承办单位已停用", fields={field_name: f"{department.name}（{code}）已停用，请选择其他单位"})
    return department


def find_by_external_id(session: Session, channel: str, external_id: str | None) -> Ticket | None:
    if not external_id:
        return None
    return session.scalar(sa.select(Ticket).where(Ticket.channel == channel, Ticket.external_id == external_id))


def find_by_number(session: Session, number: str, *, to_change: bool = False) -> Ticket | None:
    """The ticket numbered ``number``; ``to_change`` locks its row until the transaction ends (SELECT … FOR UPDATE,
    PostgreSQL; SQLite's writers already take turns): two 签收 of one ticket at the same moment were both read as
    已派发 and both succeeded."""
    query = sa.select(Ticket).where(Ticket.number == number)
    return session.scalar(locks.for_change(query, Ticket) if to_change else query)


def lock_merge_target_first(session: Session, number: str, into_number: str | None) -> None:
    """Before a merge locks its ticket: the target first when its number comes first, so that a merge locks its two
    tickets in number order, as the batch actions do. A merge of the later into the earlier locked them the other
    way, and met 批量督办 over the same two in a deadlock (a diff review)."""
    if into_number and into_number.strip() < number:
        find_by_number(session, into_number.strip(), to_change=True)


def register_ticket(
    session: Session,
    data: TicketInput,
    *,
    actor: User | None,
    now: datetime,
    classifier=None,
    threshold: float | None = None,
    route_now: bool = True,
    via: str | None = None,
) -> RegisterResult:
    """Register a ticket; the same channel + external_id delivered again returns the first one.

    ``via``: how it came when no person registered it (an API token, a command-line import), for its history: a
    channel's push and an import from the command line were recorded alike (an event review).

    With a classifier, its suggestion is stored; a confident one dispatches the
    ticket at once, otherwise the ticket waits in triage for an agent. ``threshold``: CLASSIFIER_THRESHOLD of the
    configuration, which the administrator's setting overrides (``classification.dispatch_threshold``).
    """
    errors = validate_input(data, now)
    if data.external_id and not errors:  # " MB-1 " and "MB-1" are one letter
        data = replace(data, external_id=data.external_id.strip())
    if errors:
        raise ValidationFailed("提交的内容有误，请按提示修改", fields=errors)
    existing = find_by_external_id(session, data.channel, data.external_id)
    if existing is not None:
        # held until the transaction ends: a retry sent while the first delivery was being saved (two workers)
        # read the ticket from before it and recorded 12345's new date twice (a review)
        locks.lock_for_change(session, existing)
        _sent_again(session, existing, data, now)
        return RegisterResult(existing, created=False)
    category = _category_by_code(session, data.category_code)
    department = department_by_code(session, data.department_code) if data.department_code else None

    ticket = Ticket(
        channel=data.channel,
        external_id=data.external_id or None,
        type=data.type,
        urgency=data.urgency,
        title=(data.title or "").strip() or data.content.strip()[:30],
        content=data.content.strip(),
        caller_name=(data.caller_name or "").strip() or None,
        caller_phone=normalize_phone(data.caller_phone),
        caller_id_number=normalize_id_number(data.caller_id_number),
        region=_region_of(session, data),
        received_at=data.received_at or now,
        registered_at=now,
        created_by=actor,
        transfer_reference=data.transfer_reference,
        call_reference=(data.call_reference or "").strip() or None,
        status=S.REGISTERED.value,
    )
    risks = risk_alerts.detect(session, ticket.title, ticket.content)
    ticket.risk_flags = risk_alerts.flags(risks)
    prediction = _suggest(ticket, classifier)
    if category is None and prediction is not None:
        suggested = _active_categories(session).get(prediction.label)
        ticket.suggested_category = suggested
        if suggested is not None and prediction.confidence >= classification.dispatch_threshold(session, classifier,
                                                                                                threshold):
            ticket.category = suggested
            ticket.category_source = CategorySource.CLASSIFIER.value
    elif category is not None:
        ticket.category = category
        ticket.category_source = CategorySource.PERSON.value
        if prediction is not None:
            ticket.suggested_category = _active_categories(session).get(prediction.label)

    reply_due = calendar.reply_deadline(session, ticket, ticket.received_at)
    ticket.reply_due_at, ticket.calendar_confirmed = reply_due.due_at, reply_due.calendar_confirmed
    note = f"来源：{Channel(ticket.channel).title}"
    if data.due_at is not None:
        # the source's own time limit (12345's 办理时限) governs when it is the earlier: the centre answers the
        # platform on its terms, and its own when they are stricter (a 12345 interop review: it was refused). One
        # before the receipt makes no sense and is not taken; the order is (an order refused is an order lost)
        note += f"；来源要求 {calendar.local_text(data.due_at)} 前办结"
        if data.due_at <= ticket.received_at:
            note += "（早于受理时间，未采用）"
        elif data.due_at < ticket.reply_due_at:
            ticket.reply_due_at = data.due_at
            note += "，早于本中心时限，按来源要求"
    if data.transfer_reference:
        note += f"；12345 转办编号 {data.transfer_reference}"
    if ticket.call_reference:
        note += f"；来电流水号 {ticket.call_reference}"
    if ticket.region and ticket.region != routing.canonical_region(session, data.region):
        note += f"；所属区县按诉求内容识别为{ticket.region}"
    if via:
        note += f"；{via}"
    if risks:
        note += f"；风险提示：{risk_alerts.describe(risks)}"
    event_data = {"external_id": ticket.external_id, **({"via": via} if via else {}),
                  **({"source_due_at": calendar.iso_text(data.due_at)} if data.due_at else {})}
    if risks:
        event_data["risks"] = ticket.risk_flags
    if prediction is not None:
        event_data["suggestion"] = {"label": prediction.label, "confidence": round(prediction.confidence, 4),
                                    "model_version": prediction.model_version}
    try:
        with session.begin_nested():
            ticket.number = next_ticket_number(session, now)
            session.add(ticket)
            transition(ticket, Action.REGISTER, actor=actor, now=now, note=note, data=event_data)
            session.flush()
            fulltext.index_ticket(session, ticket)
    except IntegrityError:
        # the same delivery raced us to the unique (channel, external_id): return the winner
        existing = find_by_external_id(session, data.channel, data.external_id)
        if existing is None:
            raise
        _sent_again(session, existing, data, now)  # its words, if they differ, as for a later delivery
        return RegisterResult(existing, created=False)

    if ticket.category_source == CategorySource.PERSON.value:
        record_category_label(session, ticket, ticket.category, previous=None, actor=actor, now=now)

    if department is not None:
        dispatch(session, ticket, department, actor=actor, now=now, reason="受理时人工指定承办单位")
    elif ticket.category is not None and route_now:
        decision = routing.route(session, category=ticket.category, region=ticket.region,
                                 channel=ticket.channel, ticket_type=ticket.type)
        by_classifier = ticket.category_source == CategorySource.CLASSIFIER.value
        if decision.department is not None:  # switched off since routing read it: the call waits in 待派发, saved
            locks.lock_for_change(session, decision.department, shared=True)
        # a 风险提示 waits in 待派发 for an agent to read it, however sure the classifier is of its topic
        if (decision.department is not None and decision.department.active
                and not (by_classifier and risk_alerts.is_undecided(ticket))):
            why = decision.reason
            if by_classifier:
                why = (f"自动派发：分类“{ticket.category.name}”置信度 {ticket.classifier_confidence:.2f}"
                       f" 达到阈值；{decision.reason}")
            dispatch(session, ticket, decision.department, actor=None if by_classifier else actor, now=now,
                     reason=why, rule_id=decision.rule.id if decision.rule else None)
    return RegisterResult(ticket, created=True)


def same_text(one: str | None, other: str | None) -> bool:
    """The same letter however its spaces and line ends were exported or sent (CRLF, a trailing blank line)."""
    return "".join((one or "").split()) == "".join((other or "").split())


def _region_of(session, data: TicketInput) -> str | None:
    """The 区县 given, in its known spelling; else, or when what was given names no known 区县 (a 12345 order's
    "石门镇" or "商洛市"), the one the words name (a county review: the field kept the town, the letter went to the
    city); else what was given, as given."""
    given = routing.canonical_region(session, data.region)
    if given in routing.known_regions(session) or routing.is_a_county(given):
        return given  # a real county without a rule of its own is still where the matter is (a diff review)
    return _region_from_text(session, data) or given


def _region_from_text(session, data: TicketInput) -> str | None:
    """A letter or message without a 县区 field: the one known 区县 its words name. Not a call: the agent asks and
    types the 区县 (the form offers the list), and a caller naming a place is not always asking about it."""
    if data.channel == Channel.HOTLINE_12393.value:
        return None
    return routing.region_named_in(session, f"{data.title or ''}\n{data.content or ''}")


def _sent_again(session, delivered: Ticket, data: TicketInput, now: datetime) -> None:
    """The same channel and id delivered again with other words (12345 sending a ticket back, a citizen adding to
    a letter): the ticket stays one, and the new text is recorded on it, where it was dropped (an API review).
    While the ticket is worked it is a 来电催办 the department sees atop its inbox; after, an event in its history.
    A ticket merged into another records it on the one worked (a merge review: it went to the merged one, unseen)."""
    text = (data.content or "").strip()
    ticket = progress_lookup.kept_ticket(delivered)
    _raised_by_the_channel(session, ticket, delivered, data, now)
    came_back = (ticket.status == S.TRANSFERRED_OUT.value and ticket.channel == delivered.channel
                 and (ticket.transfers_back_to_12345 or ticket.transfers_back_to_petition_office))
    # its own time limit sent again with another date (12345 shortening it, or granting its own 延期)
    new_due = data.due_at if data.due_at is not None and now < data.due_at else None
    if new_due is not None and ticket is not delivered:  # merged away: kept for the order (撤销合并 applies it)
        if new_due != calendar.source_due_now(delivered):
            note = (f"{Channel(delivered.channel).title}再次推送同一编号（{delivered.external_id}），要求办结时间改为 "
                    f"{calendar.local_text(new_due)}")
            workflow.record_fact(delivered, Action.FOLLOW_UP, actor=None, now=now, note=note,
                                 data={"resubmitted": True, "follow_up": None, "source_due_at": calendar.iso_text(new_due)})
            # the kept ticket's people are told; its deadline is its own (a merged order's date is not handed on)
            workflow.record_fact(ticket, Action.FOLLOW_UP, actor=None, now=now,
                                 note=f"{note}（原工单 {delivered.number} 已合并到本工单，本工单答复时限不变）",
                                 data={"resubmitted": True, "follow_up": None, "for_duplicate": delivered.number})
        new_due = None
    # once answered, only what came since counts as recorded: 12345 sending "回访不满意，退回重办" again about a second
    # answer is news, not a retry (a review: it was dropped)
    since = ticket.replied_at if ticket.status_enum in ANSWERED_STATUSES else None
    if not came_back and (not text or same_text(text, delivered.content) or any(
            (e.data or {}).get("resubmitted") and same_text(e.note.rsplit("内容有变化：", 1)[-1], text)
            and (since is None or e.created_at > since)
            for e in (*delivered.events, *(ticket.events if ticket is not delivered else ())))):
        # a retry of the same delivery (its line ends or spaces aside), or this text recorded already: only a new
        # date is news (a domain audit: 12345's shortened 办理时限 sent with the same words was dropped)
        if new_due is not None and ticket.status_enum in workflow.RULES[Action.FOLLOW_UP].sources \
                and new_due != calendar.source_due_now(ticket):
            _source_due_sent_again(session, ticket, delivered, new_due, now)
        elif new_due is not None and ticket.status_enum in ANSWERED_STATUSES and new_due != _round_due_asked(ticket):
            workflow.record_fact(ticket, Action.FOLLOW_UP, actor=None, now=now,
                                 note=f"{Channel(delivered.channel).title}再次推送同一编号（{delivered.external_id}），"
                                      f"要求重办于 {calendar.local_text(new_due)} 前办结",
                                 data={"resubmitted": True, "follow_up": None, "round_due_at": calendar.iso_text(new_due)})
        return
    merged = f"，原工单 {delivered.number} 已合并到本工单" if ticket is not delivered else ""
    note = (f"{Channel(delivered.channel).title}再次推送同一编号（{delivered.external_id}）{merged}，"
            + (f"内容有变化：{text}" if text and not same_text(text, delivered.content) else "退回本中心办理"))
    if came_back:
        # sent back by where it was returned (12345, the 信访部门): it needs handling here again, not a line in its
        # history. A letter the centre transferred on to 12345 stays with 12345 when its writer adds to it
        take_back(session, ticket, note, actor=None, now=now)
        taken_back = ticket.events[-1]
        taken_back.data = {**taken_back.data, "resubmitted": True}
        if data.due_at is not None and now < data.due_at:  # its own new time limit, which governs when earlier
            taken_back.data = {**taken_back.data, "source_due_at": calendar.iso_text(data.due_at)}
            if data.due_at < ticket.reply_due_at:
                ticket.reply_due_at = data.due_at
        _raised_by_the_channel(session, ticket, delivered, data, now)  # sent back as urgent: urgent in 待派发
        return
    if ticket.status_enum in workflow.RULES[Action.FOLLOW_UP].sources:
        record_follow_up(session, ticket, note, actor=None, now=now, marks={"resubmitted": True})
        if new_due is not None and new_due != calendar.source_due_now(ticket):
            _source_due_sent_again(session, ticket, delivered, new_due, now)
    elif ticket.status_enum in ANSWERED_STATUSES:
        # answered or closed (12345's 回访不满意, sent back): not reopened on a channel's word, but put before
        # supervisors on 督办 for a week (inbox.sent_again_query), where they 重办 it or let it be; it was a line in
        # its history that nobody was shown
        workflow.record_fact(ticket, Action.FOLLOW_UP, actor=None, now=now, note=note,
                             data={"resubmitted": True, "follow_up": ticket.follow_up_count + 1,
                                   **({"round_due_at": calendar.iso_text(new_due)} if new_due else {})})
        _counted_as_followed_up(ticket, note, now)
    else:  # with another body (transferred on to 12345): a line in its history, as before
        workflow.record_fact(ticket, Action.FOLLOW_UP, actor=None, now=now, note=note,
                             data={"resubmitted": True, "follow_up": None})


def _source_due_sent_again(session, ticket: Ticket, delivered: Ticket, due: datetime, now: datetime) -> None:
    """The source sent its order again with another 要求办结时间: it is the source's date from now on (the event
    recorded here carries it, ``source_due_at``), and the deadline is counted again as at registration, the earlier of
    it and the centre's own, never into the past."""
    before = ticket.reply_due_at
    event = workflow.record_fact(ticket, Action.FOLLOW_UP, actor=None, now=now,
                                 note=f"{Channel(delivered.channel).title}再次推送同一编号（{delivered.external_id}），"
                                      f"要求办结时间改为 {calendar.local_text(due)}",
                                 data={"resubmitted": True, "follow_up": None, "source_due_at": calendar.iso_text(due)})
    if _petition_by_statute(ticket) and petition_accepted(ticket):
        own = calendar.reply_deadline(session, ticket, _accepted_at_on_this_clock(ticket)).due_at
        if ticket.extension_state != ExtensionState.APPROVED.value and (ticket.reply_due_at is None or now <= ticket.reply_due_at):
            ticket.reply_due_at = min(own, due)
    else:
        ticket.accept_due_at, ticket.reply_due_at, confirmed = calendar.deadlines_for_its_type(session, ticket, now)
        ticket.calendar_confirmed = ticket.calendar_confirmed and confirmed
    if (ticket.reply_due_at is not None and due < ticket.reply_due_at
            and calendar.extension_approved_on_the_reply_clock(ticket)):
        ticket.reply_due_at = due  # an extension the centre approved never reaches past the source's date
    event.data = {**event.data, "reply_due_at": [calendar.iso_text(before), calendar.iso_text(ticket.reply_due_at)]}
    if ticket.reply_due_at != before:
        event.note += f"（答复时限 {calendar.local_text(before)} → {calendar.local_text(ticket.reply_due_at)}）"
        ticket.updated_at = now  # the deadline the citizen and the channel see
    elif before is not None and now > before:
        # a deadline already passed stays, as the centre's own extension must be asked before it ends: the
        # department was late by it (a review: the event named the new date and nothing said it was not taken)
        event.note += f"（答复时限 {calendar.local_text(before)} 已届满，不随之延后）"


def _accepted_at_on_this_clock(ticket) -> datetime:
    return next(e.created_at for e in reversed(ticket.events) if e.action == Action.ACCEPT.value)


def _round_due_asked(ticket) -> datetime | None:
    """The 要求办结时间 the source sent for a 重办 of the answered ticket since its answer (``round_due_at``)."""
    for event in reversed(ticket.events):
        if ticket.replied_at is not None and event.created_at < ticket.replied_at:
            return None
        if (event.data or {}).get("round_due_at"):
            return datetime.fromisoformat(event.data["round_due_at"])
    return None


def _raised_by_the_channel(session, ticket: Ticket, delivered: Ticket, data: TicketInput, now: datetime) -> None:
    """The platform sent it again as urgent (12345 催办 as urgent): urgent here, if it is still worked; the same
    words would record nothing else."""
    if (data.urgency == Urgency.URGENT.value and ticket.urgency != Urgency.URGENT.value
            and ticket.status_enum in workflow.RULES[Action.MAKE_URGENT].sources):
        make_urgent(session, ticket, f"{Channel(delivered.channel).title}再次推送同一编号（{delivered.external_id}）时升为紧急",
                    actor=None, now=now, marks={"for_duplicate": delivered.number} if ticket is not delivered else None)


def _suggest(ticket: Ticket, classifier):
    if classifier is None:
        return None
    text = f"{ticket.title}\n{ticket.content}" if ticket.title else ticket.content
    prediction = classifier.predict(text)
    ticket.classifier_confidence = float(prediction.confidence)
    ticket.classifier_version = prediction.model_version
    return prediction


def record_category_label(session, ticket, category, *, previous, actor, now) -> CategoryLabel:
    label = CategoryLabel(
        ticket=ticket,
        user=actor,
        suggested_category=ticket.suggested_category,
        from_category=previous,
        to_category=category,
        model_version=ticket.classifier_version,
        created_at=now,
    )
    session.add(label)
    return label


def set_category(session, ticket: Ticket, category: Category, *, actor: User, now: datetime) -> None:
    """A person sets or corrects the category: recorded as an event and as a labelled example."""
    previous = ticket.category
    if previous is not None and previous.id == category.id and ticket.category_source == CategorySource.PERSON.value:
        return
    transition(ticket, Action.RECATEGORISE, actor=actor, now=now,
               note=f"{previous.name if previous else '未分类'} → {category.name}",
               data={"from": previous.code if previous else None, "to": category.code})
    ticket.category = category
    ticket.category_source = CategorySource.PERSON.value
    record_category_label(session, ticket, category, previous=previous, actor=actor, now=now)


def change_type(session, ticket: Ticket, new_type: str, reason: str, *, actor: User, now: datetime) -> None:
    """修改诉求类型: the type drives the deadline and the callback sample (domain.md), and a call saved as 咨询 that
    was a complaint had 3 working days instead of 15 and a 20 % chance of a callback. The deadlines are counted again
    on the new type's policy from their clocks' start, never into the past (`calendar.deadlines_for_its_type`); a
    petition keeps the statute's. A fraud report (举报) made another type shows its reporter to the department: only
    a supervisor decides that."""
    try:
        wanted = TicketType(new_type)
    except ValueError:
        raise ValidationFailed("请选择诉求类型", fields={"type": "咨询、求助、投诉、举报、建议或表扬"}) from None
    _require(reason, "reason", "请填写修改诉求类型的原因")
    check(actor, ticket, Action.CHANGE_TYPE)
    if wanted.value == ticket.type:
        raise ValidationFailed(f"该工单已是{wanted.title}", fields={"type": f"已是{wanted.title}"})
    if ticket.type == TicketType.REPORT.value and actor.role not in (Role.SUPERVISOR.value, Role.ADMIN.value):
        raise NotAllowed("举报改为其他类型会向承办单位显示举报人，须由班长修改")
    before = {"type": ticket.type, "accept_due_at": ticket.accept_due_at, "reply_due_at": ticket.reply_due_at}
    ticket.type = wanted.value
    if not _petition_by_statute(ticket):
        ticket.accept_due_at, ticket.reply_due_at, confirmed = calendar.deadlines_for_its_type(session, ticket, now)
        ticket.calendar_confirmed = ticket.calendar_confirmed and confirmed
    moved = ticket.reply_due_at != before["reply_due_at"]
    passed = before["reply_due_at"] is not None and now > before["reply_due_at"]
    # why a deadline did not move, in the event: a browser walk read only "建议 → 咨询" where 3 days had passed
    kept = ("已过答复时限" if passed else "信访件按信访工作条例" if _petition_by_statute(ticket)
            else "已批准延期" if calendar.extension_approved_on_the_reply_clock(ticket)
            else "按来源要求的办结时间" if ticket.reply_due_at == calendar.source_due_now(ticket)
            else "按新类型计算的时限已过或相同")
    transition(ticket, Action.CHANGE_TYPE, actor=actor, now=now,
               note=f"{TicketType(before['type']).title} → {wanted.title}：{reason.strip()}" + (
                   f"（答复时限 {calendar.local_text(before['reply_due_at'])} → "
                   f"{calendar.local_text(ticket.reply_due_at)}）" if moved else f"（{kept}，答复时限不变）"),
               data={"from": before["type"], "to": wanted.value,
                     **{name: [calendar.iso_text(before[name]), calendar.iso_text(getattr(ticket, name))]
                        for name in ("accept_due_at", "reply_due_at")}})


def dispatch(session, ticket, department, *, actor, now, reason="", category=None, rule_id=None) -> None:
    """派发 to a department, starting its clock to accept."""
    if category is not None:
        set_category(session, ticket, category, actor=actor, now=now)
    event = transition(ticket, Action.DISPATCH, actor=actor, now=now, note=reason,
                       data={"department": department.code, "rule_id": rule_id,
                             "decided_by": "system" if actor is None else "person"})
    _assign(session, ticket, department, now, from_receipt=True)
    if ticket.reply_due_at is not None and not _petition_by_statute(ticket) and (
            now > ticket.reply_due_at or _answer_time_ends_before_signing(ticket)):
        # it reached the centre, or the centre dispatched it, after its reply deadline (an urgent letter received on
        # a Saturday, fetched on Monday), or so near it that the time to answer ended before the time to sign (a
        # consultation dispatched at 20:00 on its last day, signed and answered the next morning, was counted
        # overdue; four hours later it would have had three days: a domain audit): the department gets its own
        # time, or it was late before it had the ticket (a simulated quarter). The event keeps the deadline it had
        _fresh_reply_clock(session, ticket, now, event)


def suggested_route(session, ticket) -> routing.RouteDecision:
    """Where 批量派发 sends the ticket, for the 待派发 page and the batch alike (a code review: the page showed a
    department for a switched-off category, which the batch then refused): the routing rules' department for its
    category (set at registration or import), else the classifier's suggestion. ValidationFailed, with what the
    agent should do, when there is none to send it to."""
    category = ticket.category or ticket.suggested_category
    if category is None:
        raise ValidationFailed("没有分类也没有系统建议，请在工单页选择分类和承办单位",
                               fields={"category": "没有分类也没有系统建议"})
    if not category.active:
        raise ValidationFailed(f"分类“{category.name}”已停用，请在工单页另选分类",
                               fields={"category": f"分类“{category.name}”已停用"})
    decision = routing.route(session, category=category, region=ticket.region, channel=ticket.channel,
                             ticket_type=ticket.type)
    if decision.department is None or not decision.department.active:
        raise ValidationFailed(f"分类“{category.name}”没有可派发的承办单位，请在工单页选择",
                               fields={"department": decision.reason})
    return decision


def routes_by_category(session, ticket, categories) -> dict[str, routing.RouteDecision]:
    """Where the rules send this ticket (its 区县, channel and type) under each category: the 派发 form follows the
    category the agent picks (a browser walk: a fraud report re-categorised kept the county's department and its
    rule's reason, and went there)."""
    return {category.code: routing.route(session, category=category, region=ticket.region, channel=ticket.channel,
                                         ticket_type=ticket.type) for category in categories}


def dispatch_as_suggested(session, ticket, *, actor, now) -> None:
    """派发 confirmed by a person without opening the ticket: the category it has (set at registration or
    import), else the classifier's suggestion, and the department the routing rules give for it, as if
    the agent had chosen both on the ticket's page."""
    check(actor, ticket, Action.DISPATCH)
    category = ticket.category or ticket.suggested_category
    decision = suggested_route(session, ticket)
    source = "按分类" if ticket.category is not None else "按系统建议"
    dispatch(session, ticket, decision.department, actor=actor, now=now, category=category,
             reason=f"{source}派发（{decision.reason}）", rule_id=decision.rule.id if decision.rule else None)


def _assign(session, ticket, department, now, event=None, *, reopening: bool = False, from_receipt: bool = False) -> None:
    """The ticket goes to ``department`` (派发, 改派, a return approved, 重办). A 协办 asked of that department ends:
    it holds the ticket now (``event``, the move's, names them). The department is held (FOR SHARE) until the
    transaction ends, and must be switched on: one being switched off at that moment received a ticket it then
    held unseen (a race review). 重办 goes back to the department that answered, switched on or not."""
    with session.no_autoflush:  # the ticket is dispatched but has no department until below
        locks.lock_for_change(session, department, shared=True)
        if not department.active and not reopening:
            raise ValidationFailed(f"承办单位“{department.name}”已停用，请另选承办单位", fields={"department": "该单位已停用"})
        lapsed = workflow.end_assists_to(ticket, department.id, now)
    if lapsed and event is not None:
        event.data = {**(event.data or {}), "assists_lapsed": lapsed}
    if department.id != ticket.department_id:
        # a 督办 was addressed to the department the ticket leaves: the next one read it as its own (a supervisor's
        # day). The urge events stay in the history
        ticket.urge_count, ticket.last_urged_at, ticket.last_urge_note = 0, None, None
    ticket.department = department
    ticket.department_id = department.id
    ticket.handler = None  # whoever accepts it next works it
    ticket.dispatched_at = now
    ticket.accepted_at = None
    if ticket.reply_due_at is None or now <= ticket.reply_due_at:
        # a mark was for the 签收 deadline, which starts again here: the scan marks the new ones when they pass. One
        # for a reply deadline that passed and goes on (a petition's 60 days) stays, or it was marked and escalated
        # again (a review of the change); a move that starts a fresh reply clock clears it itself
        ticket.overdue_marked_at = None
    # a petition's 15 days to decide on acceptance run from its receipt (信访工作条例第二十二条: 收到之日起), however
    # long it waited in 待派发. A later move (改派, a return approved, 重办) counts from the move: the department it
    # goes to must not start out late, and one that let the 15 days pass is counted late when it is moved on
    start = min(calendar.last_received(ticket), now) if from_receipt and _petition_by_statute(ticket) else now
    if event is not None and ticket.accept_due_at is not None:  # the deadline it replaces (an event review)
        event.data = {**(event.data or {}), "accept_due_from": calendar.iso_text(ticket.accept_due_at)}
    due = calendar.accept_deadline(session, ticket, start)
    ticket.accept_due_at = due.due_at
    ticket.calendar_confirmed = ticket.calendar_confirmed and due.calendar_confirmed


def _fresh_reply_clock(session, ticket, now, event=None) -> None:
    """The reply deadline counted again from now (a return approved, 重办, a dispatch or 改派 after it had passed);
    ``event`` keeps the one it replaces (reply_due_from). The fresh clock can run out again: the scan marks it then."""
    if event is not None:
        event.data = {**event.data, "reply_due_from": calendar.iso_text(ticket.reply_due_at)}
    due = calendar.reply_deadline(session, ticket, now)
    ticket.reply_due_at = due.due_at
    ticket.calendar_confirmed = ticket.calendar_confirmed and due.calendar_confirmed
    source = calendar.source_due_now(ticket)  # 12345's date, still ahead, governs the restarted clock too
    if source is not None and now < source < ticket.reply_due_at:
        ticket.reply_due_at = source
    ticket.overdue_marked_at = None


def reassign(session, ticket, department, *, actor, now, reason: str) -> None:
    """改派 by a supervisor. The reply deadline goes with the ticket, so that 改派 cannot lengthen it at will, unless
    it has passed: then the department it goes to gets a fresh one, and the department it leaves answers for the
    deadline it let pass (``left_accept_late``/``left_reply_late`` in the event, counted late in 月度考核). Before,
    the late reply was counted against the department that answered the day it received the ticket, and none
    against the one that had held it for 23 days (an assessment review). A petition keeps its statutory 60 days."""
    _require(reason, "reason", "请填写改派原因")
    if department.id == ticket.department_id:  # a late one would hand the department a fresh deadline of its own
        raise ValidationFailed("请选择另一个承办单位", fields={"department": "改派单位不能与当前承办单位相同"})
    data = {"from": None, **_left_late(ticket, now), "to": department.code}
    event = transition(ticket, Action.REASSIGN, actor=actor, now=now, note=reason, data=data)
    ticket.designated = False  # the department it goes to had no part in a dispute over a return: it may return it
    _assign(session, ticket, department, now, event)
    if not _petition_by_statute(ticket) and (data.get("left_reply_late") or _answer_time_ends_before_signing(ticket)):
        # as for a dispatch: moved so near the reply deadline that the department it goes to could not answer in time
        # (a domain audit: 改派 at 20:00 on the last day, signed and answered the next morning, was its overdue)
        _fresh_reply_clock(session, ticket, now, event)


def _answer_time_ends_before_signing(ticket) -> bool:
    """Dispatched or moved so near the reply deadline that the time to answer ends before the time to sign: the
    department gets its own time. Not when that deadline is the source's own 要求办结时间 (12345's 办理时限), which
    governs however near it is (a diff review: a 12345 order due in 20 hours was given 15 working days on dispatch)."""
    return (ticket.reply_due_at is not None and ticket.accept_due_at is not None
            and ticket.accept_due_at > ticket.reply_due_at and calendar.source_due_now(ticket) != ticket.reply_due_at)


def _by(due: datetime | None, now: datetime) -> bool:
    """On time: no deadline, or not past it (the event's on_time, which the assessment reads). Whole seconds: a
    deadline is the last second of its day (23:59:59), and an answer within that second is in time (a domain audit:
    one at 23:59:59.5 was counted late)."""
    return due is None or now.replace(microsecond=0) <= due


def _timeliness(due: datetime | None, now: datetime) -> dict:
    """An accept's, reply's or 告知法定途径's ``on_time``, and the deadline it was judged by (``due``): entering a
    year's holidays later counts that deadline again, even once the ticket has moved on to another clock."""
    return {"on_time": _by(due, now), "due": calendar.iso_text(due)}


def accept(session, ticket, *, actor, now) -> None:
    """签收. A petition's 60 days run from its acceptance (信访工作条例第三十二条: 自受理之日起 60 日内办结), not
    from its receipt: the reply deadline is counted again from now, unless an extension already set it."""
    data = _timeliness(ticket.accept_due_at, now)
    if (_petition_by_statute(ticket) and ticket.extension_state != ExtensionState.APPROVED.value
            and not _petition_accepted_on_this_clock(ticket)):
        due = calendar.reply_deadline(session, ticket, now)
        source = calendar.source_due_now(ticket)  # the 信访部门's own 办结时间 governs when it is the earlier
        if source is not None and now < source < due.due_at:
            due = deadlines.Deadline(source, due.calendar_confirmed)
        if ticket.reply_due_at is None or due.due_at > ticket.reply_due_at:
            data["reply_due_from"] = ticket.reply_due_at.isoformat() if ticket.reply_due_at else None
            ticket.reply_due_at = due.due_at
            ticket.calendar_confirmed = ticket.calendar_confirmed and due.calendar_confirmed
    transition(ticket, Action.ACCEPT, actor=actor, now=now, data=data)
    ticket.accepted_at = now
    ticket.handler = actor
    # a mark for the 签收 deadline ends with the 签收: the reply deadline is marked, and escalated, when it passes
    # (it never was: a simulated quarter found 110 tickets answered days late without a mark or an escalation). A
    # mark made once the reply deadline had passed is for that deadline, and stays
    if ticket.overdue_marked_at is not None and (ticket.reply_due_at is None
                                                 or ticket.overdue_marked_at <= ticket.reply_due_at):
        ticket.overdue_marked_at = None


def _petition_by_statute(ticket) -> bool:
    """A petition from the 信访 channel on the 信访工作条例's limits (an urgent one keeps the stricter urgent ones)."""
    return ticket.channel == Channel.PETITION_BUREAU.value and ticket.urgency != Urgency.URGENT.value


# what starts a petition's 60 days again once it was accepted: 重办, and 升为紧急 (the urgent limits). A return
# approved does not: the bureau accepted the matter once, and moving it between departments, by 改派 or by a return,
# must not lengthen the statutory limit (a domain review: 60 days became 77 after a return).
PETITION_FRESH_CLOCK = (Action.REOPEN.value, Action.MAKE_URGENT.value)


def _petition_accepted_on_this_clock(ticket) -> bool:
    """Accepted since its 60 days last started (receipt, 重办): they are set, and a second 签收 keeps them."""
    for event in reversed(ticket.events):
        if event.action in PETITION_FRESH_CLOCK:
            return False
        if event.action == Action.ACCEPT.value:
            return True
    return False


def colleagues(session, ticket) -> list[User]:
    """The department's active staff a ticket could be handed over to (转交), its handler excluded."""
    if ticket.department_id is None:
        return []
    return list(session.scalars(
        sa.select(User).where(User.department_id == ticket.department_id, User.role == Role.STAFF.value,
                              User.active.is_(True), User.id != (ticket.handler.id if ticket.handler else 0))
        .order_by(User.display_name, User.id)
    ))


def hand_over(session, ticket, to: User | None, *, actor, now, note: str = "") -> None:
    """转交: another staff member of the same department works the ticket from now on; deadlines do not move."""
    check(actor, ticket, Action.HAND_OVER)
    if to is None or to.role != Role.STAFF.value or not to.active or to.department_id != ticket.department_id:
        raise ValidationFailed("请选择本单位的在岗承办人员", fields={"to": "请选择本单位的在岗承办人员"})
    if to == ticket.handler:
        raise ValidationFailed("该工单已由此人经办", fields={"to": f"{to.display_name} 已是经办人"})
    before = ticket.handler
    transition(ticket, Action.HAND_OVER, actor=actor, now=now,
               note=f"{before.display_name if before else '—'} → {to.display_name}" + (f"：{note.strip()}" if note.strip() else ""),
               data={"from": before.username if before else None, "to": to.username})
    ticket.handler = to


def reply(session, ticket, content: str, *, actor, now, attachment_ids: Iterable[int] = ()) -> Reply:
    """答复 the citizen with the handling result; decides whether a callback is due. ``attachment_ids``: the
    ticket's files sent with the reply (a 答复函), which the channel that submitted the ticket fetches with it."""
    check(actor, ticket, Action.REPLY)  # who may reply, and when, before anything is said about the files
    _require(content, "content", "请填写答复内容")
    sent = files_to_send(ticket, attachment_ids)
    data = _timeliness(ticket.reply_due_at, now)
    if sent:
        data["attachments"] = [a.id for a in sent]
    transition(ticket, Action.REPLY, actor=actor, now=now, data=data,
               note=("随答复发送：" + "、".join(a.original_name for a in sent)) if sent else "")
    answer = Reply(ticket=ticket, author=actor, department_id=ticket.department_id, content=content.strip(),
                   kind=ClosureKind.HANDLED.value, created_at=now)
    session.add(answer)
    for attachment in sent:
        attachment.reply = answer  # one sent with an earlier round's reply goes with this one now (its event says so)
    ticket.replied_at = now
    ticket.needs_callback = needs_callback(session, ticket)
    return answer


def sendable_files(ticket: Ticket) -> list[TicketAttachment]:
    """The ticket's files a reply may carry: not removed, and not one holding the caller's identity (an ID card,
    a signed letter), which a channel publishing its answers must not receive."""
    return [a for a in ticket.attachments if a.removed_at is None and not a.identifies_caller]


def files_to_send(ticket: Ticket, attachment_ids: Iterable[int]) -> list[TicketAttachment]:
    wanted = list(dict.fromkeys(attachment_ids or ()))
    sendable = {a.id: a for a in sendable_files(ticket)}
    if unknown := [i for i in wanted if i not in sendable]:
        held = {a.id for a in ticket.attachments if a.removed_at is None and a.identifies_caller}
        message = ("含来电人身份信息的附件不随答复发送" if set(unknown) <= held
                   else "随答复发送的附件须是本工单现有的附件")
        raise ValidationFailed(message, fields={"attachments": message})
    return [sendable[i] for i in wanted]


def needs_callback(session, ticket: Ticket) -> bool:
    """Sampling: every petition and every reply after a 重办 (the citizen was not satisfied: is the new answer
    better?); per type, the share an administrator set (deterministic per ticket). Never without a phone number:
    nobody can call back an anonymous letter, which waited in the queue until three 未联系上 were invented (a
    callback review); its channel may still return the citizen's 评价."""
    if not ticket.caller_phone:
        return False
    if ticket.channel == Channel.PETITION_BUREAU.value or ticket.reopen_count:
        return True
    share = float(settings.get_setting(session, "callback_share").get(ticket.type, 0.0))
    if share >= 1.0:
        return True
    bucket = int(hashlib.sha256(ticket.number.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < share


def return_ticket(session, ticket, reason: str, *, actor, now) -> None:
    """退回: not this department's matter, within the window, and not a designated ticket."""
    check(actor, ticket, Action.RETURN)
    _require(reason, "reason", "请填写退回理由")
    if refused := return_refusal(session, ticket, now):
        raise InvalidTransition(refused)
    elapsed = _working_days_since_dispatch(session, ticket, now)
    before = ticket.status
    transition(ticket, Action.RETURN, actor=actor, now=now, note=reason, data={"working_days_after_dispatch": elapsed})
    ticket.status_before_return = before
    ticket.return_count += 1


def return_refusal(session, ticket, now) -> str | None:
    """Why the ticket's department may not return it now (the ticket page says so in place of the form), or None."""
    if ticket.designated:
        return "该工单经退回审核为指定承办，不能再次退回"
    if ticket.answered_by_its_department:
        return "本单位已答复过该工单，重办时不能退回"
    window = int(settings.get_setting(session, "return_window_working_days"))
    if _working_days_since_dispatch(session, ticket, now) > window:
        return f"已超过退回时限（派发后 {window} 个工作日内），不能退回"
    return None


def actions_open_now(session, user, ticket, now) -> list[Action]:
    """The actions this user may take on the ticket now: ``allowed_actions`` less those the ticket's own rules
    refuse (a return past the window, designated or answered before; an extension past the deadline or a
    petition's second; 直接办结 of anything but a consultation) or that have nothing to act on. The ticket page
    and the API both offer exactly these (a code review: the API listed 直接办结 on a complaint and 申请延期 while
    one waited, then answered 409); the page says why in place of a refused return or extension."""
    actions = workflow.allowed_actions(user, ticket)
    if Action.RETURN in actions and return_refusal(session, ticket, now):
        actions.remove(Action.RETURN)
    if Action.REQUEST_EXTENSION in actions and (ticket.extension_state == ExtensionState.REQUESTED.value
                                                or extension_refusal(ticket, now)):
        actions.remove(Action.REQUEST_EXTENSION)
    if Action.ANSWER_ON_THE_SPOT in actions and ticket.type != TicketType.CONSULT.value:
        actions.remove(Action.ANSWER_ON_THE_SPOT)
    if Action.HAND_OVER in actions and not colleagues(session, ticket):  # nobody in the department to take it
        actions.remove(Action.HAND_OVER)
    # what the page offers only when there is something to act on (an API review: each of these was listed on
    # an ordinary ticket and then answered 409 or 422)
    open_assists = [r for r in ticket.assists if r.is_open]
    nothing_to_act_on = {
        Action.APPROVE_EXTENSION: ticket.extension_state != ExtensionState.REQUESTED.value or _asks_no_later(ticket),
        Action.REFUSE_EXTENSION: ticket.extension_state != ExtensionState.REQUESTED.value,
        Action.CLEAR_RISK: not ticket.risk_flags,
        Action.GRANT_IDENTITY: not ticket.is_confidential_report or ticket.department_id is None,
        Action.MAKE_URGENT: ticket.urgency == Urgency.URGENT.value,
        Action.URGE_ASSIST: not open_assists,
        Action.WITHDRAW_ASSIST: not open_assists,
        Action.ANSWER_ASSIST: not any(r.department_id == user.department_id for r in open_assists),
        Action.TRANSFER_OUT: (user.role == Role.STAFF.value and not department_transfers_out(ticket))
        or (ticket.transfers_back_to_petition_office and petition_accepted(ticket)),
        Action.CHANGE_TYPE: ticket.type == TicketType.REPORT.value
        and user.role not in (Role.SUPERVISOR.value, Role.ADMIN.value),
        Action.REQUEST_PETITION_REVIEW: not petition_reviews.may_request(ticket),
        Action.DECIDE_PETITION_REVIEW: petition_reviews.open_review(ticket) is None,
        Action.WITHDRAW_PETITION_REVIEW: petition_reviews.open_review(ticket) is None,
        Action.TAKE_OVER_CALLBACK: not ticket.needs_callback
        or callback_claims.claimed_by_another(ticket, user, now) is None,
    }
    return [action for action in actions if not nothing_to_act_on.get(action, False)]


def _working_days_since_dispatch(session, ticket, now) -> int:
    return deadlines.working_days_between(ticket.dispatched_at, now, calendar.load_work_calendar(session))


def approve_return(session, ticket, department, *, actor, now, note: str = "") -> None:
    """同意退回: re-dispatched to the right department, which cannot return it again."""
    check(actor, ticket, Action.APPROVE_RETURN)
    if department.id == ticket.department_id:
        raise ValidationFailed("请选择另一个承办单位", fields={"department": "改派单位不能与退回单位相同"})
    event = transition(ticket, Action.APPROVE_RETURN, actor=actor, now=now, note=note,
                       data={"from": ticket.department.code, "to": department.code, "counts_against": None})
    ticket.designated = True
    ticket.status_before_return = None
    _assign(session, ticket, department, now, event)
    if _petition_by_statute(ticket) and _petition_accepted_on_this_clock(ticket):
        return  # an accepted petition's 60 days run on from its acceptance (信访工作条例第三十二条)
    _fresh_reply_clock(session, ticket, now, event)  # the return counts against nobody


def refuse_return(session, ticket, *, actor, now, note: str) -> None:
    """不同意退回: back to the department, in the state it was in. The dispute is decided: the department is the one
    designated to handle it and cannot return it again (潍坊 12345 §22), or it could send it back every day of the
    window while the reply clock runs (a domain review: returned three times, refused twice)."""
    _require(note, "note", "请填写不同意退回的理由")
    back_to = S(ticket.status_before_return or S.DISPATCHED.value)
    transition(ticket, Action.REFUSE_RETURN, actor=actor, now=now, note=note, to=back_to)
    ticket.status_before_return = None
    ticket.designated = True


EXTENSION_CEILING_DAYS = 365  # a policy without 最长延期 still has one (9999-12-31 was taken and approved)


@dataclass(frozen=True)
class ExtensionAllowance:
    days: int  # one extension adds at most this many days
    rule: str  # whose rule: "信访事项（信访工作条例）", "此类工单（办理时限设置）" or "" (the ceiling)
    latest: date | None  # the last local day it may reach (None: no deadline yet)
    earliest: date | None = None  # the first (the date field's min): the deadline's day if it ends within it, else the next


def extension_allowance(session, ticket) -> ExtensionAllowance:
    """How far one extension may move a ticket's deadline, counted in days from the deadline's day, so that the
    deadline's time of day does not take the last one away."""
    if ticket.channel == Channel.PETITION_BUREAU.value:  # 信访工作条例: at most 30 days, whatever a policy says
        days, rule = deadlines.PETITION_MAX_EXTENSION_DAYS, "信访事项（信访工作条例）"
    else:
        policy_days = calendar.find_policy(session, ticket.type, ticket.urgency, ticket.channel)["max_extension_days"]
        days, rule = (min(policy_days, EXTENSION_CEILING_DAYS), "此类工单（办理时限设置）") if policy_days else (
            EXTENSION_CEILING_DAYS, "")
    if ticket.reply_due_at is None:
        return ExtensionAllowance(days, rule, None)
    due = ticket.reply_due_at.astimezone(deadlines.LOCAL_TZ)
    # a date asked for means its day's end: the deadline's own day is later than a deadline in the day (urgent)
    earliest = due.date() if due.time() < time(23, 59, 59) else due.date() + timedelta(days=1)
    latest = due.date() + timedelta(days=days)
    if (source := calendar.source_due_now(ticket)) is not None:  # request_extension refuses a day past it
        source = source.astimezone(deadlines.LOCAL_TZ)
        latest = min(latest, source.date() if source.time() >= time(23, 59, 59) else source.date() - timedelta(days=1))
    return ExtensionAllowance(days, rule, latest, earliest)


def extension_refusal(ticket, now) -> str | None:
    """Why the ticket's department may not ask for an extension now (the ticket page says so in place of the
    form), or None."""
    if ticket.reply_due_at is not None and now > ticket.reply_due_at:  # asked late, it would undo the overdue
        return "已超过办理时限，不能再申请延期：延期须在时限届满前申请"
    if ticket.channel == Channel.PETITION_BUREAU.value and ticket.extension_count >= 1:
        return "信访事项只能延期一次（信访工作条例）"
    source = calendar.source_due_now(ticket)
    if source is not None and ticket.reply_due_at is not None and ticket.reply_due_at >= source:
        return (f"按{Channel(ticket.channel).title}要求的办结时间 {calendar.local_text(source)} 办理，本中心不能延期："
                "请向来源平台申请延期，其重新推送的办结时间将自动采用")
    return None


def request_extension(session, ticket, reason: str, until: datetime, *, actor, now) -> None:
    """申请延期 with a reason and a new date; a supervisor decides."""
    check(actor, ticket, Action.REQUEST_EXTENSION)
    _require(reason, "reason", "请填写延期理由")
    if ticket.extension_state == ExtensionState.REQUESTED.value:
        raise InvalidTransition("已有待审批的延期申请")
    if refused := extension_refusal(ticket, now):
        raise InvalidTransition(refused)
    if ticket.reply_due_at is not None and until <= ticket.reply_due_at:
        raise ValidationFailed("延期日期必须晚于当前答复时限", fields={"until": "须晚于当前答复时限"})
    source = calendar.source_due_now(ticket)
    if source is not None and until > source:
        message = f"不得晚于{Channel(ticket.channel).title}要求的办结时间 {calendar.local_text(source)}"
        raise ValidationFailed(message, fields={"until": message})
    allowed = extension_allowance(session, ticket)
    if allowed.latest is not None and until.astimezone(deadlines.LOCAL_TZ).date() > allowed.latest:
        message = f"{allowed.rule}每次延期不得超过 {allowed.days} 日，最晚延至 {allowed.latest.isoformat()}"
        raise ValidationFailed(message, fields={"until": message})
    transition(ticket, Action.REQUEST_EXTENSION, actor=actor, now=now, note=reason,
               data={"until": until.isoformat()})
    ticket.extension_state = ExtensionState.REQUESTED.value
    ticket.extension_until = until
    ticket.extension_reason = reason


def approve_extension(session, ticket, *, actor, now, note: str = "", shown_until: datetime | None = None) -> None:
    """批准延期. ``shown_until``: the date the supervisor's page showed; a request changed since is not approved
    unseen (one refused by a colleague and asked again for a later date was approved from a stale page)."""
    check(actor, ticket, Action.APPROVE_EXTENSION)
    _require_pending_extension(ticket, shown_until)
    if _asks_no_later(ticket):
        # holidays entered since the request moved the deadline past the date asked for (a year-end review: approving
        # it moved the deadline back into the Spring Festival)
        due = ticket.reply_due_at.astimezone(deadlines.LOCAL_TZ).date().isoformat()
        raise InvalidTransition(f"节假日调整后答复时限已是 {due}，不早于申请延至的日期，无需延期：请不批准，"
                                "承办单位需要时可另行申请")
    source = calendar.source_due_now(ticket)
    if source is not None and ticket.extension_until > source:
        raise InvalidTransition(f"{Channel(ticket.channel).title}要求的办结时间已改为 {calendar.local_text(source)}，"
                                "早于申请延至的日期：请不批准，承办单位需要时可另行申请")
    transition(ticket, Action.APPROVE_EXTENSION, actor=actor, now=now, note=note,
               data={"from": ticket.reply_due_at.isoformat() if ticket.reply_due_at else None,
                     "until": ticket.extension_until.isoformat(), "tell_citizen": True})
    ticket.reply_due_at = ticket.extension_until
    ticket.extension_state = ExtensionState.APPROVED.value
    ticket.extension_told_at = None  # the citizen is owed a notice of the new date (services/notices)
    ticket.extension_count += 1
    ticket.overdue_marked_at = None


def _asks_no_later(ticket) -> bool:
    """A pending extension to a date no later than the deadline (holidays entered since moved it)."""
    return ticket.reply_due_at is not None and ticket.extension_until is not None \
        and ticket.extension_until <= ticket.reply_due_at


def refuse_extension(session, ticket, *, actor, now, note: str = "", shown_until: datetime | None = None) -> None:
    """不批准延期, saying why (as 不同意退回 does): a request decided after the deadline cannot be made again, so the
    department has only this to go by."""
    check(actor, ticket, Action.REFUSE_EXTENSION)
    _require(note, "note", "请填写不批准延期的理由")
    _require_pending_extension(ticket, shown_until)
    transition(ticket, Action.REFUSE_EXTENSION, actor=actor, now=now, note=note,
               data={"until": ticket.extension_until.isoformat()})
    ticket.extension_state = ExtensionState.REFUSED.value


def _require_pending_extension(ticket, shown_until: datetime | None = None) -> None:
    if ticket.extension_state != ExtensionState.REQUESTED.value:
        raise InvalidTransition("该工单没有待审批的延期申请")
    # both aware (UTCDateTime, actions.parse_until): compared as moments
    if shown_until is not None and ticket.extension_until is not None and shown_until != ticket.extension_until:
        asked = ticket.extension_until.astimezone(deadlines.LOCAL_TZ).date().isoformat()
        raise InvalidTransition(f"延期申请已变更（现申请延至 {asked}），请核对后再审批")


def urge(session, ticket, note: str, *, actor, now) -> None:
    """督办: the department sees the note at the top of its inbox."""
    _require(note, "note", "请填写督办意见")
    if workflow.just_done(ticket, Action.URGE, actor=actor, now=now, note=note):
        return  # the same 督办 sent twice: once
    transition(ticket, Action.URGE, actor=actor, now=now, note=note)
    ticket.urge_count += 1
    ticket.last_urged_at = now
    ticket.last_urge_note = note


def record_follow_up(session, ticket, note: str, *, actor, now, marks: dict | None = None) -> None:
    """来电催办: the citizen called again about a ticket still being worked. Recorded on that ticket (not a
    new one to merge), counted, and shown to the department atop its inbox and to supervisors on 督办. Words
    of a danger in what the caller said this time add to the ticket's 风险提示. ``marks``: more for the event's
    data (a channel's delivery sent again is ``resubmitted``)."""
    _require(note, "note", "请填写来电人这次反映的内容")
    if workflow.just_done(ticket, Action.FOLLOW_UP, actor=actor, now=now, note=note):
        return  # the same form sent twice is one repeat call (it counted 催2)
    data = {"follow_up": ticket.follow_up_count + 1, **(marks or {})}
    if added := risk_alerts.add_from(session, ticket, note):  # what the caller said this time may be a danger
        data["risks"] = risk_alerts.flags(added)
    transition(ticket, Action.FOLLOW_UP, actor=actor, now=now, note=note, data=data)
    _counted_as_followed_up(ticket, note, now)


def _counted_as_followed_up(ticket: Ticket, note: str, now: datetime) -> None:
    ticket.follow_up_count += 1
    ticket.last_follow_up_at = now
    ticket.last_follow_up_note = note


#: a failed 回访 recorded again this soon is the same try sent twice (an outbound dialler's retry after a timeout),
#: which would use up the citizen's attempts
REPEATED_TRY = timedelta(minutes=5)


def record_callback(session, ticket, *, reached: bool, satisfaction: str | None, solved: bool | None,
                    note: str = "", actor, now, reopen_if_unhappy: bool = False, declined: bool = False) -> Callback:
    """回访: reached or not, satisfaction and whether solved; unhappy can reopen (重办). ``declined``: the citizen
    answered and does not want to be asked (来电人不接受回访), which ends the round and counts in no figure."""
    if ticket.status != S.REPLIED.value and actor is not None:
        _say_who_called_back(ticket)
    check(actor, ticket, Action.CALLBACK)
    callback_claims.refuse_another_agents_call(ticket, actor, now)
    if declined:
        reached, satisfaction, solved = False, None, None
    elif reached:
        if satisfaction not in Satisfaction.__members__.values():
            raise ValidationFailed("请选择满意度", fields={"satisfaction": "请选择满意、基本满意或不满意"})
        if solved is None:
            raise ValidationFailed("请选择问题是否解决", fields={"solved": "请选择是否解决"})
    else:
        satisfaction, solved = None, None
        last = session.scalar(sa.select(sa.func.max(Callback.created_at)).where(
            Callback.ticket_id == ticket.id, Callback.reached.is_(False)))
        if last is not None and now - last < REPEATED_TRY:  # a dialler retrying its request: one try, not two
            raise InvalidTransition(f"{REPEATED_TRY.seconds // 60} 分钟内已记录过一次未联系上，不重复计次")
    # 未联系上: the ticket stays in the callback queue for another try, until the last allowed attempt
    attempt = 1 + (0 if reached or declined else failed_callbacks(session, ticket))
    allowed = max(1, int(settings.get_setting(session, "callback_attempts")))
    final = reached or declined or attempt >= allowed
    if declined:
        note = "来电人不接受回访" + (f"：{note}" if note else "")
    elif not reached:
        # the setting may have been lowered since the earlier tries: this one is then the last, and says so
        of = f"共 {allowed} 次" if attempt <= allowed else f"回访尝试次数已调整为 {allowed} 次，不再重拨"
        note = f"未联系上（第 {attempt} 次，{of}）" + (f"：{note}" if note else "")
    # what the citizen said, both halves: 满意 alone read as the reason when the matter was 未解决 (a walk)
    said = "、".join(w for w in (Satisfaction(satisfaction).title if satisfaction else "",
                                {True: "已解决", False: "未解决"}.get(solved, "")) if w)
    # the history names the verdict too: a callback recorded without a note was a blank row there (a browser walk)
    transition(ticket, Action.CALLBACK, actor=actor, now=now, note=said + (f"：{note}" if note else "") if reached
               else note, to=None if final else S.REPLIED,
               data={"reached": reached, "satisfaction": satisfaction, "solved": solved,
                     "attempt": attempt, "final": final, **({"declined": True} if declined else {})})
    callback = Callback(ticket=ticket, agent=actor, department_id=ticket.department_id, reached=reached,
                        satisfaction=satisfaction, solved=solved, declined=declined, note=note or "",
                        created_at=now)
    session.add(callback)
    ticket.called_back_at = now
    callback_claims.release(ticket)  # a failed try too: the next one is anyone's once it is due again
    dissatisfied = reached and satisfaction == Satisfaction.DISSATISFIED.value
    if reopen_if_unhappy and (dissatisfied or reached and solved is False):
        reopen(session, ticket, f"回访{'不满意' if dissatisfied else '未解决'}：" + (note or said), actor=actor, now=now)
    return callback


def _say_who_called_back(ticket: Ticket) -> None:
    """A callback recorded on a ticket someone has just called back: who did, when, and what the citizen said (it said
    only 不能执行“回访”, and the agent did not know whose answer stood)."""
    done = next((e for e in reversed(ticket.events) if e.action == Action.CALLBACK.value), None)
    round_began = ticket.replied_at or ticket.closed_at
    if (done is not None and ticket.status in (S.CALLED_BACK.value, S.CLOSED.value)
            and (round_began is None or done.created_at >= round_began)):
        data = done.data or {}
        said = done.note or ("已联系上" + (f"，{Satisfaction(data['satisfaction']).title}" if data.get("satisfaction")
                                         else "") if data.get("reached") else "未联系上")
        raise InvalidTransition(f"该工单已由{done.actor_label} {calendar.local_text(done.created_at)} 回访"
                                f"（{said}），不再重复回访")


def callback_script(ticket: Ticket) -> str:
    """回访话术: what the agent says first on a callback, from the ticket: when the citizen called, about what,
    and who answered when; then the two questions the callback records."""
    # a title nobody typed is the text's first 30 characters, cut anywhere ("喂 那个 我问一下啊…"): the category then
    about = (f"{ticket.category.name}方面的问题" if ticket.category is not None
             and ticket.title == ticket.content.strip()[:30] else f"“{ticket.title}”")
    said = f"您在{deadlines.spoken_date(ticket.received_at)}反映的{about}"
    answered = (f"{ticket.department.name if ticket.department else '承办单位'}已于"
                f"{deadlines.spoken_date(ticket.replied_at)}答复" if ticket.replied_at else "已经办理")
    return (f"您好，这里是12393医保服务热线，耽误您一分钟做个回访。{said}，{answered}。"
            "请问您对办理结果满意吗？您反映的问题解决了吗？")


def failed_callbacks(session, ticket) -> int:
    """回访 attempts that did not reach the citizen since the current reply (a reopen starts a new round)."""
    return failed_callbacks_of(session, [ticket]).get(ticket.id, 0)


def failed_callbacks_of(session, tickets_: list[Ticket]) -> dict[int, int]:
    """`failed_callbacks` for a page of tickets at once (the 回访 queue marks them): ticket id → failed tries."""
    replied = {t.id: t.replied_at for t in tickets_}
    counts: dict[int, int] = {}
    for ticket_id, created_at in session.execute(
            sa.select(Callback.ticket_id, Callback.created_at)
            .where(Callback.ticket_id.in_(list(replied)), Callback.reached.is_(False), Callback.declined.is_(False))):
        if replied[ticket_id] is None or created_at >= replied[ticket_id]:
            counts[ticket_id] = counts.get(ticket_id, 0) + 1
    return counts


def close(session, ticket, *, actor, now, note: str = "") -> None:
    """办结归档: after the callback, or after the reply when no callback is due."""
    check(actor, ticket, Action.CLOSE)
    if ticket.status == S.REPLIED.value and ticket.needs_callback:
        raise InvalidTransition("该工单需先回访，才能办结")
    if ticket.left_unhappy:  # the brief: 重办 when the citizen is not satisfied; archiving instead is explained
        _require(note, "note", "群众回访不满意或未解决：请重办，或填写不重办即归档的理由")
    transition(ticket, Action.CLOSE, actor=actor, now=now, note=note)
    ticket.closed_at = now
    ticket.closure_kind = ClosureKind.HANDLED.value


def answer_on_the_spot(session, ticket, answer: str, *, actor, now) -> Reply:
    """直接办结: an agent answers a consultation during the call."""
    check(actor, ticket, Action.ANSWER_ON_THE_SPOT)
    _require(answer, "answer", "请填写答复内容")
    if ticket.type != TicketType.CONSULT.value:
        raise InvalidTransition("只有咨询类工单可以直接办结")
    if ticket.category is None:  # closed now, never dispatched: nobody would give it one later (page, form and API)
        raise ValidationFailed("当场办结的工单须有业务分类，请选择（采用答复口径时会自动带出）",
                               fields={"category": "请选择业务分类"})
    transition(ticket, Action.ANSWER_ON_THE_SPOT, actor=actor, now=now, note=answer)
    return _close_with_reply(session, ticket, answer, ClosureKind.ON_THE_SPOT, actor=actor, now=now)


def tell_legal_channel(session, ticket, advice: str, *, actor, now) -> Reply:
    """告知法定途径: courts, arbitration, review, discipline inspection or a petition. A petition not yet accepted is
    told so as its decision not to accept (不予受理), owed within the 15 days to decide (信访工作条例第二十二条), not
    the 60 to handle: a petition review found one told on day 28, overdue since day 16, counted on time."""
    _require(advice, "advice", "请填写告知的法定途径")
    # still at the centre or with a department that has not accepted it (a diff review: one still registered,
    # told on day 28, was judged by the 60 days)
    undecided_petition = _petition_by_statute(ticket) and ticket.status in (S.REGISTERED.value, S.DISPATCHED.value)
    if undecided_petition:
        # ("deadline": entering holidays judges it by that one again)
        data = {**_timeliness(calendar.decision_due(session, ticket), now), "deadline": "accept"}
    else:
        data = _timeliness(ticket.reply_due_at, now)
    transition(ticket, Action.LEGAL_CHANNEL, actor=actor, now=now, note=advice,  # on time as of now: a reopen
               data=data)  # moves the deadline
    return _close_with_reply(session, ticket, advice, ClosureKind.LEGAL_CHANNEL, actor=actor, now=now)


def _close_with_reply(session, ticket, content, kind: ClosureKind, *, actor, now) -> Reply:
    answer = Reply(ticket=ticket, author=actor, department_id=ticket.department_id, content=content.strip(),
                   kind=kind.value, created_at=now)
    session.add(answer)
    ticket.replied_at = now
    ticket.closed_at = now
    ticket.closure_kind = kind.value
    return answer


def reopen(session, ticket, reason: str, *, actor, now) -> None:
    """重办: back to the same department with a fresh deadline, counted as a reopen."""
    check(actor, ticket, Action.REOPEN)
    _require(reason, "reason", "请填写重办原因")
    if ticket.department is None:
        raise InvalidTransition("该工单没有承办单位，不能重办")
    asked = _round_due_asked(ticket)  # 12345's 退回重办 with its own 办理时限
    event = transition(ticket, Action.REOPEN, actor=actor, now=now, note=reason,
                       data={"department": ticket.department.code,
                             **({"source_due_at": calendar.iso_text(asked)} if asked and now < asked else {})})
    ticket.reopen_count += 1
    ticket.closed_at = None
    ticket.closure_kind = None
    ticket.replied_at = None
    ticket.extension_state = None
    _assign(session, ticket, ticket.department, now, event, reopening=True)
    _fresh_reply_clock(session, ticket, now, event)


def merge(session, ticket, into: Ticket, *, actor, now, note: str = "") -> None:
    """合并 a duplicate into an earlier ticket: it keeps its history and is not counted again."""
    check(actor, ticket, Action.MERGE)
    if into.id == ticket.id:
        raise ValidationFailed("不能合并到自身", fields={"into": "不能合并到自身"})
    # earlier by (received, id): a total order, so that two tickets received at the same moment cannot be merged
    # into each other at once, and two merges lock their tickets in one order (later, then earlier)
    if not is_earlier(into, ticket):
        raise ValidationFailed("只能合并到更早的工单", fields={"into": "主工单必须早于被合并的工单"})
    if differs := different_callers(ticket, into):
        raise ValidationFailed(f"两件工单的来电人不同（{differs}）：合并只用于同一人的同一诉求，请分别办理",
                               fields={"into": f"{into.number} 的来电人不是本工单的来电人"})
    locks.lock_for_change(session, into)  # it may be merged elsewhere at this moment
    if into.status == S.MERGED.value:
        raise ValidationFailed("目标工单已被合并", fields={"into": f"{into.number} 已合并到其他工单，请选择主工单"})
    if into.status not in MERGEABLE:
        # the new call would get no reply and no callback of its own (a merge review): the duplicates panel never
        # offered these, a typed number or the API did
        message = (f"{into.number} 状态为“{into.status_enum.title}”，不能作为主工单：群众对原答复不满意请对其重办，"
                   "新的诉求请单独办理")
        raise InvalidTransition(message, fields={"into": message})
    if _petition_by_statute(ticket) and not _petition_by_statute(into):
        # its written 受理告知 and 60 days (信访工作条例) would end with it (a merge review)
        message = "信访件只能合并到信访件：其受理告知和办理时限须按信访工作条例执行，请单独办理"
        raise ValidationFailed(message, fields={"into": message})
    transition(ticket, Action.MERGE, actor=actor, now=now, note=note, data={"into": into.number})
    ticket.merged_into = into
    ticket.merged_into_id = into.id
    workflow.record_fact(into, Action.MERGE, actor=actor, now=now, note=f"合并了重复工单 {ticket.number}",
                         data={"merged": ticket.number})
    # what made the duplicate urgent or risky is the kept ticket's now: the risk list and its deadline lost them
    into.risk_flags = risk_alerts.join_flags(into, ticket)
    if (ticket.urgency == Urgency.URGENT.value and into.urgency != Urgency.URGENT.value
            and into.status_enum in workflow.RULES[Action.MAKE_URGENT].sources):
        make_urgent(session, into, f"合并的重复工单 {ticket.number} 为紧急件", actor=actor, now=now,
                    marks={"for_duplicate": ticket.number})


def merged_duplicates(session, ticket) -> list[Ticket]:
    """The tickets merged into this one, earliest first: the kept ticket's page lists them."""
    return list(session.scalars(sa.select(Ticket).where(Ticket.merged_into_id == ticket.id)
                                .order_by(Ticket.received_at, Ticket.id)))


def unmerge(session, ticket, reason: str, *, actor, now) -> None:
    """撤销合并: a duplicate merged by mistake (the same caller's other matter) goes back to the state it was merged
    from, counted again as its own (a merge review: a wrong merge could be neither undone nor recorded). A deadline
    that passed while it was merged starts again from now: nobody held it; one that had passed before the merge
    stays (a late department is not let off by a merge and its undoing), as does a petition's statutory clock. A
    handler no longer in the department (moved or disabled meanwhile) gives the ticket back to the department to
    accept. The urgency the merge handed on to the kept ticket is taken back with its deadlines; its 风险提示 stay
    for a person to clear (a diff review)."""
    check(actor, ticket, Action.UNMERGE)
    _require(reason, "reason", "请填写撤销合并的原因")
    merged = next((e for e in reversed(ticket.events) if e.action == Action.MERGE.value
                   and (e.data or {}).get("into")), None)
    back_to = S(merged.from_status) if merged is not None and merged.from_status else S.REGISTERED
    into = ticket.merged_into
    event = transition(ticket, Action.UNMERGE, actor=actor, now=now, note=reason.strip(),
                       data={"from": into.number if into else None}, to=back_to)
    ticket.merged_into, ticket.merged_into_id = None, None
    merged_at = merged.created_at if merged is not None else now

    def passed_while_merged(due):
        return due is not None and merged_at < due <= now

    petition = _petition_by_statute(ticket)
    if back_to is S.DISPATCHED and passed_while_merged(ticket.accept_due_at) and not petition:
        event.data = {**event.data, "accept_due_from": calendar.iso_text(ticket.accept_due_at)}
        ticket.accept_due_at = calendar.accept_deadline(session, ticket, now).due_at
    if passed_while_merged(ticket.reply_due_at) and not petition:
        _fresh_reply_clock(session, ticket, now, event)
    handler = ticket.handler
    if back_to is S.ACCEPTED and handler is not None and not (handler.active
                                                               and handler.department_id == ticket.department_id):
        ticket.status, ticket.handler, ticket.accepted_at = S.DISPATCHED.value, None, None
        ticket.accept_due_at = calendar.accept_deadline(session, ticket, now).due_at
        event.to_status = S.DISPATCHED.value
        event.data = {**event.data, "handler_gone": handler.username}
    if not petition and any(e.action == Action.FOLLOW_UP.value and (e.data or {}).get("source_due_at")
                            and e.created_at >= merged_at for e in ticket.events):
        # its source sent another date while it was merged (12345 shortening it, or giving more time): counted as
        # when it is sent to a ticket being worked, the earlier of it and the centre's own (a review: a later one
        # was not taken)
        before = ticket.reply_due_at
        _, ticket.reply_due_at, confirmed = calendar.deadlines_for_its_type(session, ticket, now)
        ticket.calendar_confirmed = ticket.calendar_confirmed and confirmed
        if ticket.reply_due_at != before:
            event.data = {**event.data, "reply_due_at": [calendar.iso_text(before), calendar.iso_text(ticket.reply_due_at)]}
    if into is not None:
        restored, asked_by_channel = _take_back_urgency(session, into, ticket, now)
        note = f"撤销合并 {ticket.number}：{reason.strip()}"
        if restored:
            note += f"；紧急程度恢复为一般，答复时限恢复为 {calendar.local_text(into.reply_due_at)}"
        workflow.record_fact(into, Action.UNMERGE, actor=actor, now=now, note=note,
                             data={"unmerged": ticket.number, **({"restored": restored} if restored else {})})
        if asked_by_channel and ticket.urgency != Urgency.URGENT.value and ticket.status_enum in \
                workflow.RULES[Action.MAKE_URGENT].sources:  # its channel asked for this one to be urgent
            make_urgent(session, ticket, "撤销合并：来源渠道曾要求本工单加急", actor=None, now=now)


def _take_back_urgency(session, into: Ticket, duplicate: Ticket, now) -> tuple[dict | None, bool]:
    """The urgency a merge of ``duplicate`` handed on to ``into`` (its 升为紧急 says for which), or the duplicate's
    channel asked for on it, and the deadlines it replaced, when the kept ticket is still worked and no other urgent
    duplicate remains in it: what was restored, and whether the channel had asked (the duplicate is urgent then)."""
    handed = next((e for e in reversed(into.events) if e.action == Action.MAKE_URGENT.value
                   and (e.data or {}).get("for_duplicate") == duplicate.number), None)
    still_urgent = any(t.urgency == Urgency.URGENT.value for t in merged_duplicates(session, into)
                       if t.id != duplicate.id)
    if handed is None or into.urgency != Urgency.URGENT.value or still_urgent or into.status not in MERGEABLE:
        return None, False
    before = {name: (handed.data or {}).get(name, [None, None])[0] for name in ("reply_due_at", "accept_due_at")}
    into.urgency = Urgency.NORMAL.value
    for name, value in before.items():
        if value is not None:
            setattr(into, name, datetime.fromisoformat(value))
    due = into.current_due_at
    if into.overdue_marked_at is not None and not (due is not None and deadlines.is_overdue(due, now)):
        into.overdue_marked_at = None  # the scan marks it again, and escalates, when the restored deadline passes
    into.updated_at = now  # the deadline the citizen and the channel see changed back
    return before, handed.actor_id is None


def is_earlier(one: Ticket, other: Ticket) -> bool:
    """Whether ``one`` came before ``other``: by receipt, then by id (letters imported with a date and no time)."""
    return (one.received_at, one.id) < (other.received_at, other.id)


def different_callers(ticket, other) -> str | None:
    """Why two tickets are plainly from two people, or None. A duplicate is the same person's same matter
    (domain.md): a second caller merged away would get no reply and no callback of their own. Two ID numbers
    decide it; otherwise the phone and the name must both differ, since one person may call from another
    phone, or give a surname one time and a full name the next. A ticket without a caller (a letter) may merge."""
    def known(value):
        return (value or "").strip()
    if known(ticket.caller_id_number) and known(other.caller_id_number):
        return None if known(ticket.caller_id_number).upper() == known(other.caller_id_number).upper() else "身份证号不同"
    if known(ticket.caller_phone) and known(other.caller_phone) and known(ticket.caller_phone) != known(other.caller_phone) \
            and known(ticket.caller_name) and known(other.caller_name) \
            and not _may_name_one_person(known(ticket.caller_name), known(other.caller_name)):
        return "电话和姓名都不同"
    return None


def _may_name_one_person(name: str, other: str) -> bool:
    """"王女士" and "王秀兰" may be one person (a surname with a form of address, then the full name); "王五" and
    "赵六", or "王女士" and "李女士", are not."""
    if name == other:
        return True
    for one, two in ((name, other), (other, name)):
        if (surname := surname_only(one)) is not None and two.startswith(surname):
            return True
    return False


#: 信访工作条例: a petition not the bureau's matter goes back within the days to decide on acceptance; once accepted,
#: it is the bureau's to finish (answered, or told the legal channel)
PETITION_ACCEPTED_STAYS = "信访事项已受理，不能再退回信访部门：请办理答复，或告知法定途径"
#: 其他: outside medical insurance (pensions, employment…), to be transferred out (domain.md)
OUTSIDE_MEDICAL_INSURANCE = "QT"


def petition_accepted(ticket: Ticket) -> bool:
    """The bureau accepted the petition (a 签收), whatever followed: a return asked, 改派, 重办."""
    return any(e.action == Action.ACCEPT.value for e in ticket.events)


def department_transfers_out(ticket: Ticket) -> bool:
    """A department may itself transfer out only a ticket of 其他 (QT): the one it goes to by default (12393热线中心)
    receives such tickets to pass them on; another department that finds a ticket not its own asks to return it."""
    return ticket.category is not None and ticket.category.code == OUTSIDE_MEDICAL_INSURANCE


def transfer_out(session, ticket, reference: str, *, actor, now, note: str = "") -> None:
    """转出至 12345, keeping the other system's reference; a petition not the bureau's matter goes back to the 信访部门
    that sent it instead (退回信访部门), with its 文号 or the letter that returns it."""
    check(actor, ticket, Action.TRANSFER_OUT)
    if actor is not None and actor.role == Role.STAFF.value and not department_transfers_out(ticket):
        raise NotAllowed("承办单位只能转出“其他”（非医保事项）类工单；不属于本单位的请申请退回")
    petition = ticket.transfers_back_to_petition_office
    if petition and petition_accepted(ticket):
        raise InvalidTransition(PETITION_ACCEPTED_STAYS)
    # the department it leaves, and the deadlines it had let pass, as 改派 records them: a transfer taken back later
    # (重新受理) cleared the department and with it the lateness 月度考核 had counted (a review of the new flows)
    left = _left_late(ticket, now)
    if ticket.transfers_back_to_12345:  # its own order goes back, under 12345's number, with the reason
        _require(note, "note", "请填写退回 12345 的理由（不属于医保业务的依据）")
        reference = (reference or "").strip() or ticket.transfer_reference or ticket.external_id or ""
        transition(ticket, Action.TRANSFER_OUT, actor=actor, now=now, note=note,
                   data={"reference": reference, "to": "12345_return", **left})
        ticket.transfer_reference = ticket.transfer_reference or reference
        return
    _require(reference, "reference", "请填写退回信访部门的函件文号" if petition else "请填写 12345 的转办编号")
    if petition:
        _require(note, "note", "请填写不属于医保部门职责的理由")
    transition(ticket, Action.TRANSFER_OUT, actor=actor, now=now, note=note,
               data={"reference": reference, **({"to": "petition_office"} if petition else {}), **left})
    ticket.transfer_reference = reference


def _left_late(ticket, now) -> dict:
    """The department a ticket leaves (改派, 转出) and which of its deadlines had passed: what 月度考核 counts late."""
    if ticket.department is None:
        return {}
    data = {"from": ticket.department.code}
    waiting = ticket.status in (S.DISPATCHED.value, S.ACCEPTED.value, S.RETURN_REQUESTED.value)
    # not accepted by its deadline, whether still waiting or asked to be returned meanwhile
    # with the deadline that had passed: a holiday entered later can show the department was not late after all
    # (calendar.recalculate_deadlines counts it again)
    if waiting and ticket.accepted_at is None and ticket.accept_due_at is not None and now > ticket.accept_due_at:
        data["left_accept_late"], data["left_accept_due"] = True, calendar.iso_text(ticket.accept_due_at)
    if waiting and ticket.reply_due_at is not None and now > ticket.reply_due_at:
        data["left_reply_late"], data["left_reply_due"] = True, calendar.iso_text(ticket.reply_due_at)
    return data


def take_back(session, ticket, reason: str, *, actor, now) -> None:
    """重新受理: a ticket transferred out comes back (12345 returns it as a medical-insurance matter, the 信访部门
    insists it is the bureau's): 待派发 again, with a reply deadline counted from now. ``actor`` None: its channel
    sent it again, which said so; it was recorded and left 已转出 where nobody saw it (a 12345 interop review)."""
    _require(reason, "reason", "请填写重新受理的原因（对方退回的理由）")
    event = transition(ticket, Action.TAKE_BACK, actor=actor, now=now, note=reason.strip(),
                       data={"reference": ticket.transfer_reference})
    ticket.department, ticket.department_id, ticket.handler = None, None, None
    # a 督办 was the department's, which it has left: it put the ticket atop 待派发 with its old words (a review)
    ticket.urge_count, ticket.last_urged_at, ticket.last_urge_note = 0, None, None
    ticket.accept_due_at, ticket.dispatched_at, ticket.accepted_at = None, None, None
    _fresh_reply_clock(session, ticket, now, event)


def make_urgent(session, ticket, reason: str, *, actor, now, marks: dict | None = None) -> None:
    """升为紧急: the ticket works to the urgent time limits counted from now, never later than the deadlines
    it had. A department waiting to accept it is texted on the next scan, as for an urgent dispatch."""
    _require(reason, "reason", "请填写升为紧急的原因")
    check(actor, ticket, Action.MAKE_URGENT)
    if ticket.urgency == Urgency.URGENT.value:
        raise InvalidTransition("该工单已是紧急件")
    before = {"reply_due_at": ticket.reply_due_at, "accept_due_at": ticket.accept_due_at}
    ticket.urgency = Urgency.URGENT.value
    reply_due = calendar.reply_deadline(session, ticket, now)
    if ticket.reply_due_at is None or reply_due.due_at < ticket.reply_due_at:
        ticket.reply_due_at = reply_due.due_at
        ticket.calendar_confirmed = ticket.calendar_confirmed and reply_due.calendar_confirmed
    if ticket.status == S.DISPATCHED.value:
        accept_due = calendar.accept_deadline(session, ticket, now)
        if ticket.accept_due_at is None or accept_due.due_at < ticket.accept_due_at:
            ticket.accept_due_at = accept_due.due_at
    transition(ticket, Action.MAKE_URGENT, actor=actor, now=now,
               note=f"{reason.strip()}（答复时限 {calendar.local_text(before['reply_due_at'])} → "
                    f"{calendar.local_text(ticket.reply_due_at)}）",
               data={**{name: [calendar.iso_text(value), calendar.iso_text(getattr(ticket, name))]
                        for name, value in before.items()}, **(marks or {})})


def add_note(session, ticket, content: str, *, actor, now) -> InternalNote:
    """内部备注: for staff and supervisors only, never shown to the citizen."""
    _require(content, "content", "请填写备注内容")
    same = next((n for n in ticket.notes if n.author_id == actor.id and n.content == content.strip()
                 and now - n.created_at <= workflow.RESUBMITTED_WITHIN), None)
    if same is not None:
        return same  # the same note sent twice
    transition(ticket, Action.NOTE, actor=actor, now=now, note="添加内部备注")
    note = InternalNote(ticket=ticket, author=actor, content=content.strip(), created_at=now)
    session.add(note)
    return note


def _require(value: str | None, field_name: str, message: str) -> None:
    if not (value or "").strip():
        raise ValidationFailed(message, fields={field_name: message})

