"""One entry point for ticket actions with their parameters, shared by pages and the API.

`perform_action(session, ticket, "return", {"reason": "…"}, actor=…, now=…)`
parses and checks the parameters, then calls the verb in services/tickets.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, Ticket, TicketStatus, User
from ticketing.services import assists, caller_corrections, callback_claims, notices, permissions, petition_reviews, risk_alerts, tickets
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import DomainError, ValidationFailed
from ticketing.services.validation import within_limit, year_error
from ticketing.services.workflow import Action

API_ACTIONS = {
    "dispatch", "accept", "reply", "return", "approve_return", "refuse_return", "request_extension",
    "approve_extension", "refuse_extension", "urge", "callback", "close", "reopen", "merge", "unmerge", "take_back", "reassign",
    "answer_on_the_spot", "legal_channel", "transfer_out", "recategorise", "note", "hand_over",
    "contact", "follow_up", "make_urgent", "clear_risk", "request_assist", "answer_assist", "withdraw_assist",
    "urge_assist", "change_type", "request_petition_review", "decide_petition_review", "withdraw_petition_review",
    "take_over_callback", "correct_caller",
}


def parse_bool(value, field_name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on", "是"}:
        return True
    if text in {"0", "false", "no", "off", "否"}:
        return False
    raise ValidationFailed("参数有误", fields={field_name: "应为是或否"})


def _ids(value, field_name: str) -> list[int]:
    """Row ids from a form's checkboxes (strings) or the API's list of numbers."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    try:
        return [int(str(v).strip()) for v in values if str(v).strip()]
    except ValueError:
        raise ValidationFailed("参数有误", fields={field_name: "应为附件编号"}) from None


def parse_until(value, field_name: str = "until") -> datetime:
    """A date (end of that local day) or an ISO 8601 time with zone."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValidationFailed("请填写延期日期", fields={field_name: "请填写延期日期"})
        parsed = _checked(text, field_name, datetime.fromisoformat)
        if _is_a_date(text):  # 2026-03-30 or 20260330: the end of that day (the basic form was its first second)
            parsed = datetime.combine(parsed.date(), time(23, 59, 59), LOCAL_TZ)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(ZoneInfo("UTC"))


def parse_day(value, field_name: str) -> date | None:
    """A calendar date (2026-03-30, or the basic 20260330), None when not given."""
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    return _checked(text, field_name, date.fromisoformat) if text else None


def _checked(text: str, field_name: str, parse):
    """``parse(text)``, or the Chinese message for a date that is malformed or out of range."""
    try:
        parsed = parse(text)
    except ValueError:
        raise ValidationFailed("日期格式不正确", fields={field_name: "例如 2026-12-31"}) from None
    if year_error(parsed):
        raise ValidationFailed("日期超出范围", fields={field_name: year_error(parsed)})
    return parsed


def _is_a_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# the longest text each parameter takes, on the pages as in the API (api/schemas.ActionIn says the same): a
# 100,000-character 督办意见 filled the top of the ticket page
# (协办's request and opinion are checked by services/assists, with its own words)
TEXT_LIMITS = {"reason": 2000, "note": 2000, "content": 20000, "answer": 20000, "advice": 20000, "into": 32,
               "reference": 100, "to": 80, "department": 20, "category": 10, "until": 40, "until_shown": 40,
               "reviewing_body": 100, "decision": 20, "type": 20}


def _text(params: dict, key: str) -> str:
    value = params.get(key)
    text = "" if value is None else str(value).strip()
    limit = TEXT_LIMITS.get(key)
    return within_limit(text, key, limit) if limit else text


def perform_action(session: Session, ticket: Ticket, action: str, params: dict, *, actor: User, now: datetime):
    if action not in API_ACTIONS:
        raise ValidationFailed("未知的操作", fields={"action": f"不支持的操作：{action}"})
    verb = Action(action)
    p = params or {}
    match verb:
        case Action.DISPATCH if parse_bool(p.get("as_suggested"), "as_suggested"):
            tickets.dispatch_as_suggested(session, ticket, actor=actor, now=now)
        case Action.DISPATCH | Action.REASSIGN | Action.APPROVE_RETURN:
            department = tickets.department_by_code(session, _text(p, "department"))
            if verb is Action.DISPATCH:
                category = _category(session, _text(p, "category")) if _text(p, "category") else None
                tickets.dispatch(session, ticket, department, actor=actor, now=now, category=category,
                                 reason=_text(p, "note") or "人工派发")
            elif verb is Action.REASSIGN:
                tickets.reassign(session, ticket, department, actor=actor, now=now, reason=_text(p, "reason"))
            else:
                tickets.approve_return(session, ticket, department, actor=actor, now=now, note=_text(p, "note"))
        case Action.ACCEPT:
            tickets.accept(session, ticket, actor=actor, now=now)
        case Action.REPLY:
            tickets.reply(session, ticket, _text(p, "content"), actor=actor, now=now,
                          attachment_ids=_ids(p.get("attachments"), "attachments"))
        case Action.RETURN:
            tickets.return_ticket(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.REFUSE_RETURN:
            tickets.refuse_return(session, ticket, actor=actor, now=now, note=_text(p, "note"))
        case Action.REQUEST_EXTENSION:
            tickets.request_extension(session, ticket, _text(p, "reason"), parse_until(p.get("until")),
                                      actor=actor, now=now)
        case Action.APPROVE_EXTENSION | Action.REFUSE_EXTENSION:
            # the date the page showed (the API may send it too): a request changed since is not decided unseen
            shown = parse_until(p.get("until_shown"), "until_shown") if _text(p, "until_shown") else None
            decide = tickets.approve_extension if verb is Action.APPROVE_EXTENSION else tickets.refuse_extension
            decide(session, ticket, actor=actor, now=now, note=_text(p, "note"), shown_until=shown)
        case Action.URGE:
            tickets.urge(session, ticket, _text(p, "note"), actor=actor, now=now)
        case Action.FOLLOW_UP:
            tickets.record_follow_up(session, ticket, _text(p, "note"), actor=actor, now=now)
        case Action.MAKE_URGENT:
            tickets.make_urgent(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.CLEAR_RISK:
            risk_alerts.clear(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.REQUEST_ASSIST:
            department = tickets.department_by_code(session, _text(p, "department"))
            assists.request_assist(session, ticket, department, _text(p, "request"), actor=actor, now=now)
        case Action.ANSWER_ASSIST:
            assists.answer_assist(session, ticket, _text(p, "opinion"), actor=actor, now=now)
        case Action.URGE_ASSIST:
            assists.urge_assist(session, ticket, _text(p, "department"), _text(p, "note"), actor=actor, now=now)
        case Action.WITHDRAW_ASSIST:
            assists.withdraw_assist(session, ticket, _text(p, "department"), _text(p, "reason"), actor=actor, now=now)
        case Action.CALLBACK:
            declined = p.get("reached") == "declined"  # 来电人不接受回访
            reached = False if declined else parse_bool(p.get("reached"), "reached")
            if reached is None:
                raise ValidationFailed("请选择是否联系上", fields={"reached": "请选择是否联系上来电人"})
            tickets.record_callback(
                session, ticket, reached=reached, satisfaction=_text(p, "satisfaction") or None,
                solved=parse_bool(p.get("solved"), "solved"), note=_text(p, "note"), actor=actor, now=now,
                reopen_if_unhappy=bool(parse_bool(p.get("reopen"), "reopen")), declined=declined,
            )
        case Action.CLOSE:
            tickets.close(session, ticket, actor=actor, now=now, note=_text(p, "note"))
        case Action.REOPEN:
            tickets.reopen(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.MERGE:
            number = _text(p, "into")
            into = session.scalar(sa.select(Ticket).where(Ticket.number == number)) if number else None
            if into is None:
                raise ValidationFailed("主工单不存在", fields={"into": f"找不到工单 {number or '（未填写）'}"})
            tickets.merge(session, ticket, into, actor=actor, now=now, note=_text(p, "note"))
        case Action.TAKE_BACK:
            tickets.take_back(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.UNMERGE:
            tickets.unmerge(session, ticket, _text(p, "reason"), actor=actor, now=now)
        case Action.ANSWER_ON_THE_SPOT:
            tickets.answer_on_the_spot(session, ticket, _text(p, "answer") or _text(p, "content"), actor=actor, now=now)
        case Action.LEGAL_CHANNEL:
            tickets.tell_legal_channel(session, ticket, _text(p, "advice") or _text(p, "content"), actor=actor, now=now)
        case Action.TRANSFER_OUT:
            tickets.transfer_out(session, ticket, _text(p, "reference"), actor=actor, now=now, note=_text(p, "note"))
        case Action.RECATEGORISE:
            tickets.set_category(session, ticket, _category(session, _text(p, "category")), actor=actor, now=now)
        case Action.CHANGE_TYPE:
            tickets.change_type(session, ticket, _text(p, "type"), _text(p, "reason"), actor=actor, now=now)
        case Action.NOTE:
            tickets.add_note(session, ticket, _text(p, "content"), actor=actor, now=now)
        case Action.HAND_OVER:
            username = _text(p, "to")
            to = session.scalar(sa.select(User).where(User.username == username)) if username else None
            tickets.hand_over(session, ticket, to, actor=actor, now=now, note=_text(p, "note"))
        case Action.REQUEST_PETITION_REVIEW:
            petition_reviews.request_review(
                session, ticket, reviewing_body=_text(p, "reviewing_body"), reason=_text(p, "reason"),
                requested_on=parse_day(p.get("requested_on"), "requested_on"),
                answer_received_on=parse_day(p.get("answer_received_on"), "answer_received_on"), actor=actor, now=now)
        case Action.DECIDE_PETITION_REVIEW:
            petition_reviews.decide_review(session, ticket, decision=_text(p, "decision"), opinion=_text(p, "opinion"),
                                           decided_on=parse_day(p.get("decided_on"), "decided_on"), actor=actor,
                                           now=now)
        case Action.TAKE_OVER_CALLBACK:
            callback_claims.take_over(session, ticket, actor=actor, now=now)
        case Action.CORRECT_CALLER:
            given = {name: p[name] for name in caller_corrections.FIELDS if name in p}
            caller_corrections.correct_caller(session, ticket, given, _text(p, "reason"), actor=actor, now=now)
        case Action.WITHDRAW_PETITION_REVIEW:
            petition_reviews.withdraw_review(session, ticket, reason=_text(p, "reason"), actor=actor, now=now)
        case Action.CONTACT:
            notices.record_contact(session, ticket, purpose=_text(p, "purpose"), method=_text(p, "method"),
                                   reached=parse_bool(p.get("reached"), "reached"), note=_text(p, "note"),
                                   actor=actor, now=now)
    session.flush()
    return ticket


MAX_BATCH = 200  # tickets one batch action may touch: a page's worth, never "everything"


@dataclass
class BatchOutcome:
    done: list[Ticket] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (ticket number, the Chinese reason)


def perform_on_many(session: Session, numbers: list[str], action: str, params: dict, *, actor: User,
                    now: datetime) -> BatchOutcome:
    """The same action on several tickets (批量督办), each in its own savepoint: a ticket that refuses
    (closed meanwhile, not the actor's to act on, unknown) is reported with its reason and the others
    go through. Each ticket gets its own event, as if acted on one by one."""
    numbers = list(dict.fromkeys(n.strip() for n in numbers if n and n.strip()))
    if not numbers:
        raise ValidationFailed("请先勾选工单", fields={"numbers": "没有勾选任何工单"})
    if len(numbers) > MAX_BATCH:
        raise ValidationFailed(f"一次最多处理 {MAX_BATCH} 件", fields={"numbers": f"勾选了 {len(numbers)} 件"})
    # locked, in number order (two batches over the same tickets never wait for each other crosswise), as a single
    # action locks its ticket: a ticket accepted one by one meanwhile is refused here, not accepted twice
    found = {t.number: t for t in session.scalars(sa.select(Ticket).where(Ticket.number.in_(numbers))
                                                  .order_by(Ticket.number).with_for_update(of=Ticket))}
    outcome = BatchOutcome()
    for number in numbers:
        ticket = found.get(number)
        if ticket is None or not permissions.can_view_ticket(actor, ticket):
            outcome.refused.append((number, "工单不存在"))
            continue
        try:
            with session.begin_nested():
                perform_action(session, ticket, action, params, actor=actor, now=now)
        except DomainError as error:
            session.refresh(ticket)
            outcome.refused.append((number, error.message))
        else:
            outcome.done.append(ticket)
    return outcome


def _category(session, code: str) -> Category:
    category = session.scalar(sa.select(Category).where(Category.code == code, Category.active.is_(True)))
    if category is None:
        raise ValidationFailed("业务分类无效", fields={"category": f"没有编码为 {code or '（空）'} 的业务分类"})
    return category


#: what a page says after an action whose title does not read well after 已 (已来电催办)
DONE_WORDS = {Action.FOLLOW_UP: "已记录来电催办", Action.NOTE: "已添加内部备注",
              Action.REFUSE_RETURN: "已驳回退回申请，仍由原单位办理", Action.REFUSE_EXTENSION: "未批准延期"}


def done_message(ticket: Ticket, action: str) -> str:
    """What the page says after the action succeeded. A callback try that did not reach the citizen, with
    tries left, says which try it was and that the ticket stays in the queue (the status did not move)."""
    verb = Action(action)
    if verb is Action.CALLBACK:
        callback = next((e for e in reversed(ticket.events) if e.action == Action.CALLBACK.value), None)
        if ticket.status == TicketStatus.REPLIED.value:
            return f"{ticket.number} {callback.note}，工单留在回访队列待再次回访"
        if ticket.status == TicketStatus.DISPATCHED.value:  # 不满意 with 重办 ticked
            return f"已回访：{ticket.number} 群众不满意或未解决，已重办，重新派发{ticket.department.name}"
        if callback is not None and not callback.data.get("reached"):
            if callback.data.get("declined"):
                return f"已回访：{ticket.number} 来电人不接受回访，本轮回访结束，可以办结归档"
            return f"已回访：{ticket.number} {callback.note}，不再重拨，可以办结归档"
    if verb is Action.TRANSFER_OUT:  # it said 已转出至12345 after 退回12345 (a browser walk)
        back = "已退回12345" if ticket.transfers_back_to_12345 else (
            "已退回信访部门" if ticket.transfers_back_to_petition_office else "已转出至12345")
        return f"{back}：{ticket.number}"
    if verb in (Action.REQUEST_PETITION_REVIEW, Action.DECIDE_PETITION_REVIEW) and ticket.petition_reviews:
        review = ticket.petition_reviews[-1]
        if verb is Action.REQUEST_PETITION_REVIEW:
            return (f"已登记{review.stage_title}请求：{ticket.number}，{review.reviewing_body}应于 "
                    f"{review.due_at.astimezone(LOCAL_TZ):%Y-%m-%d} 前出具{review.stage_title}意见")
        return f"已录入{review.stage_title}意见（{review.decision_title}）：{ticket.number}"
    if verb is Action.CONTACT:  # it said 已联系来电人 when 未联系上 was ticked (a copy review)
        contact = next((e for e in reversed(ticket.events) if e.action == Action.CONTACT.value), None)
        reached = contact is not None and contact.data.get("reached")
        return f"已记录联系来电人（{'已告知' if reached else '未联系上'}）：{ticket.number}"
    return f"{DONE_WORDS.get(verb, '已' + verb.title)}：{ticket.number}"
