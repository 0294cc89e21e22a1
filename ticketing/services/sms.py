"""短信告知: the notices owed to a citizen (services/notices) sent as a text message through the centre's
SMS gateway, and recorded as a contact.

The gateway is whatever the centre's intranet offers (an SMS platform's command-line client, a script that
posts to its HTTP interface): ``SMS_COMMAND`` is run with ``{phone}`` replaced by the number and the message on
standard input; exit 0 means the gateway accepted it. Without ``SMS_COMMAND`` nothing is offered. A message
goes only to a mobile number, and says no more than the progress page would (number, state, date).
"""
from __future__ import annotations

import logging
import subprocess
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.extensions import no_transaction_held
from ticketing.models import CitizenContact, ContactPurpose, Ticket, User
from ticketing.services import locks, notices, privacy
from ticketing.services.deadlines import spoken_date
from ticketing.services.errors import NotAllowed, Unavailable, ValidationFailed
from ticketing.services.validation import mask_numbers_in_text, normalize_phone
from ticketing.services.workflow import Action, check

log = logging.getLogger("ticketing.sms")

SIGNATURE = "【12393医保服务热线】"


def mobile_of(ticket: Ticket) -> str | None:
    """The caller's mobile number, or None (a landline cannot take a text)."""
    digits = normalize_phone(ticket.caller_phone) or ""
    return digits if len(digits) == 11 and digits.isdigit() and digits.startswith("1") else None


def notice_text(ticket: Ticket, purpose: ContactPurpose) -> str:
    """The message for a notice owed: what the progress page would say, no more."""
    due = spoken_date(ticket.reply_due_at, year=True) if ticket.reply_due_at else "规定时限内"
    if purpose is ContactPurpose.EXTENSION:
        body = f"您反映的问题（工单号{ticket.number}）需要更多时间办理，答复期限延长至{due}。"
    elif purpose is ContactPurpose.ACCEPTANCE:
        body = f"您的信访事项（工单号{ticket.number}）已受理，将于{due}前答复。"
    else:
        raise ValidationFailed("只有延期告知和受理告知可以发短信", fields={"purpose": "不支持的短信告知"})
    return SIGNATURE + body + "可凭工单号和本手机号查询进度，或拨打12393咨询。"


def deliver(command: Sequence[str], phone: str, text: str, *, timeout: float, about: str, fallback: str) -> None:
    """Hand one message to the gateway; Unavailable, ending with ``fallback`` (what to do instead), when it
    could not run or did not accept it. ``about`` (a ticket number) is for the log."""
    args = [part.replace("{phone}", phone) for part in command]
    try:
        done = subprocess.run(args, input=text.encode("utf-8"), capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        # the error repeats the command line, with the caller's number in it (a privacy review)
        log.error("SMS gateway could not run for %s: %s", about, mask_numbers_in_text(str(error)))
        raise Unavailable(f"短信平台暂不可用，短信未发送；{fallback}") from None
    if done.returncode != 0:
        log.error("SMS gateway refused %s (exit %s): %s", about, done.returncode,  # it may echo the number
                  mask_numbers_in_text((done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()))
        raise Unavailable(f"短信平台未接受该短信，短信未发送；{fallback}")


def _told_at(ticket: Ticket, owed: ContactPurpose) -> datetime | None:
    return ticket.extension_told_at if owed is ContactPurpose.EXTENSION else ticket.acceptance_told_at


def _mark_told(ticket: Ticket, owed: ContactPurpose, when: datetime | None) -> None:
    if owed is ContactPurpose.EXTENSION:
        ticket.extension_told_at = when
    else:
        ticket.acceptance_told_at = when


def send_notice(session: Session, ticket: Ticket, purpose: str, *, actor: User, now: datetime,
                command: Sequence[str], timeout: float = 20) -> CitizenContact:
    """Send the notice owed by text and record it as a contact (短信, 已告知) with the message as its note. The
    gateway is called with no transaction open (``no_transaction_held``: what was read is committed first); the
    caller commits the contact."""
    check(actor, ticket, Action.CONTACT)
    if not command:
        raise Unavailable("未配置短信平台（SMS_COMMAND）")
    if not privacy.may_see_caller(session, actor, ticket):
        raise NotAllowed("举报人身份保密，本单位不能直接联系举报人；请由热线中心联系，或请督办授权")
    try:
        owed = ContactPurpose(purpose)
    except ValueError:
        raise ValidationFailed("请选择告知事由", fields={"purpose": "不支持的短信告知"}) from None
    if owed not in ticket.pending_notices:
        raise ValidationFailed(f"该工单没有待{owed.title}", fields={"purpose": f"没有待发送的{owed.title}"})
    phone = mobile_of(ticket)
    if phone is None:
        raise ValidationFailed("来电人没有留手机号，不能发短信，请电话或书面告知",
                               fields={"phone": "没有手机号"})
    text, number, ticket_id = notice_text(ticket, owed), ticket.number, ticket.id
    # the notice is taken as told before the commit below lets go of the ticket's lock: a second click (or a
    # colleague) meanwhile finds nothing owed, where it sent the citizen the same text again (a diff review)
    _mark_told(ticket, owed, now)
    try:
        with no_transaction_held(session):
            deliver(command, phone, text, timeout=timeout, about=number, fallback="请稍后重试或电话告知")
    except Unavailable:
        # not sent: owed again, unless someone recorded the notice meanwhile (a letter, a call): theirs stays (a
        # diff review: a colleague's letter was on record and the notice shown owed again)
        again = locks.lock_for_change(session, session.get(Ticket, ticket_id))
        if _told_at(again, owed) == now:
            _mark_told(again, owed, None)
        session.commit()
        raise
    log.info("SMS %s sent for %s", owed.value, number)  # a text sent is on record even if saving it fails now
    return notices.record_text_sent(session, session.get(Ticket, ticket_id), owed, text, actor=actor, now=now)
