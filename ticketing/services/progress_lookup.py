"""群众查询工单进度: the citizen's own ticket, by ticket number plus the phone number they left.

The citizen never logs in, so the two numbers together are the only proof of who is asking.
A ticket is shown only when both match, and a wrong number, a wrong phone or both get the same
answer (`NOT_FOUND_MESSAGE`), so the page cannot be used to learn which ticket numbers exist.

What the citizen sees is a `CitizenProgress`, built here from an allow-list of fields: the
number, the day it was received, the state in plain words, the department, the reply deadline
and whether it has passed, and the reply once there is one. Never the content, the caller's
details, internal notes, event notes, staff names, the classifier's data or another ticket's
number. Two cases show less:

* a merged ticket (合并) shows the progress of the ticket it was merged into, under the
  citizen's own number; that ticket's reply text only when it was left by the same phone;
* a fraud report (举报, 医疗保障基金使用监督管理条例 §35) shows its state and deadline but not
  the department nor the reply text, since whoever knows the reporter's phone could otherwise
  learn from the 基金监管科 name or the reply that this person reported whom.

With a reply shown come the files the department sent with it (随答复发送, `shown_reply_files`),
the very files the ticket's channel fetches, each behind a download link that holds no phone and
cannot be made up from a file's id: a signed token (`file_link`) of the ticket, the file, a keyed
hash of the phone and an expiry (`FILE_LINK_VALID`). `reply_file` checks everything again when the link is
followed, as if the lookup were made at that moment.

No request, no clock: the caller passes the session and `now`. Nothing is written; a lookup is
not a change of the ticket, so it records no event.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from ticketing.models import ClosureKind, Ticket, TicketAttachment, TicketStatus
from ticketing.models.enums import OPEN_STATUSES, ExtensionState
from ticketing.services import deadlines, validation
from ticketing.services.errors import Gone, NotFound
from ticketing.services.numbering import PREFIX

S = TicketStatus

NOT_FOUND_MESSAGE = "未找到与该工单号和电话号码匹配的工单，请核对后重试。"
NUMBER_REQUIRED = "请输入工单号。"
NUMBER_MALFORMED = "工单号格式不正确，应为“12393-年月日-6位序号”，如 12393-20260302-000123。"
PHONE_REQUIRED = "请输入登记时留下的电话号码。"
PHONE_MALFORMED = "电话号码格式不正确：请输入登记时留下的手机号，或带区号的固定电话。"

REPLY_BY_PHONE = "答复内容不在网上显示，工作人员会通过电话告知；如需了解，请拨打 12393 咨询。"
#: a merged ticket whose answer went to someone who may be another person: nobody rings this ticket's number (the
#: callback is the kept ticket's), so the page promises no call (it did, a domain review)
MERGED_REPLY_ELSEWHERE = "您反映的问题已与同一事项合并办理，答复内容不在网上显示；如需了解，请拨打 12393 咨询。"
GENERIC_DEPARTMENT = "医疗保障部门"
MAX_MERGE_HOPS = 5  # merging into a merged ticket is refused, but never loop on bad data

FILE_LINK_VALID = timedelta(minutes=30)
FILE_LINK_SALT = "progress.reply-file"  # a link signed for nothing else, with the application's key
FILE_LINK_INVALID = "下载链接无效，请重新查询工单进度，在查询结果中下载。"
FILE_LINK_EXPIRED = (f"下载链接已过期（查询后 {FILE_LINK_VALID.seconds // 60} 分钟内有效），"
                     "请重新查询工单进度，在查询结果中下载。")
FILE_GONE = "该文件已不再提供下载。如有疑问，请拨打 12393 医保服务热线。"

_NUMBER_DIGITS = re.compile(rf"^{PREFIX}(\d{{8}})(\d{{6}})$")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−_.·()（）]")  # spaces, every dash a phone keyboard types, brackets
_PHONE_DIGITS = re.compile(r"^\d{7,20}$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class CitizenProgress:
    """Everything the citizen is shown, and nothing else."""

    number: str  # the citizen's own ticket number, also when it was merged into another
    received_at: datetime
    state: str  # 已受理 / 办理中 / 已答复 / 已办结 / 已转办
    explanation: str  # one sentence on what is happening
    department: str | None
    due_at: datetime | None  # reply deadline (答复期限)
    overdue: bool
    extended: bool  # the deadline was extended (the citizen is told, domain.md)
    calendar_confirmed: bool
    merged: bool
    reply: str | None
    replied_at: datetime | None
    reply_note: str | None  # why the reply text is not shown, when answered but withheld


@dataclass(frozen=True)
class ReplyFileLink:
    """A file sent with the reply shown, as the citizen's page lists it."""

    name: str  # numbers in it masked, as the channel gets it
    size: str  # 12 KB
    token: str  # for the download link (`file_link`)
    until: datetime  # when the link stops working


@dataclass(frozen=True)
class LookupResult:
    """`progress` when found; otherwise `failure` says why, for the log only, never for the page."""

    progress: CitizenProgress | None
    failure: str | None = None  # no_ticket | phone_mismatch | no_phone_on_ticket
    reply_files: tuple[ReplyFileLink, ...] = ()  # sent with the reply shown, each with its download link

    @property
    def message(self) -> str | None:
        return None if self.progress is not None else NOT_FOUND_MESSAGE


def _clean(value: str | None) -> str:
    """Full-width to half-width (NFKC), then drop spaces, dashes and brackets."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def normalize_ticket_number(value: str | None) -> str | None:
    """12393-YYYYMMDD-NNNNNN however it was typed (full-width, spaces, other dashes, none), or None."""
    match = _NUMBER_DIGITS.match(_clean(value))
    if match is None:
        return None
    return f"{PREFIX}-{match.group(1)}-{match.group(2)}"


def normalize_phone(value: str | None) -> str | None:
    """The phone's digits only, for comparing with the stored number, or None when it cannot be one.

    Separators go first (`_clean`), then intake's `validation.normalize_phone` drops +86/0086;
    a mobile typed with a bare 86 in front is also accepted.
    """
    digits = (validation.normalize_phone(_clean(value)) or "").replace("-", "")  # a landline comes back dashed
    if digits.startswith("86") and _MOBILE.match(digits[2:]):
        digits = digits[2:]
    return digits if _PHONE_DIGITS.match(digits) else None


def ticket_number_error(value: str | None) -> str | None:
    """A Chinese message when the ticket number is missing or cannot be one, else None."""
    if not _clean(value):
        return NUMBER_REQUIRED
    return None if normalize_ticket_number(value) else NUMBER_MALFORMED


def phone_error(value: str | None) -> str | None:
    if not _clean(value):
        return PHONE_REQUIRED
    return None if normalize_phone(value) else PHONE_MALFORMED


def phone_fingerprint(value: str | None, key: str | bytes) -> str:
    """A keyed hash of the phone's digits: failed lookups can be told apart in the log without the number."""
    if isinstance(key, str):
        key = key.encode()
    digits = normalize_phone(value) or _clean(value)
    return hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:12]


def same_phone(stored: str | None, digits: str) -> bool:
    stored_digits = normalize_phone(stored)
    return stored_digits is not None and hmac.compare_digest(stored_digits, digits)


def lookup_progress(session: Session, number: str | None, phone: str | None, *, now: datetime,
                    key: str | bytes | None = None) -> LookupResult:
    """The citizen's view of a ticket when both the number and the phone match it. With the application's
    ``key``, the files sent with the reply shown are listed, each with a download link signed with it."""
    canonical, digits = normalize_ticket_number(number), normalize_phone(phone)
    ticket = None
    if canonical is not None:
        ticket = session.scalar(sa.select(Ticket).where(Ticket.number == canonical))
    if ticket is None:
        return LookupResult(None, "no_ticket")
    if not ticket.caller_phone:
        return LookupResult(None, "no_phone_on_ticket")
    if digits is None or not same_phone(ticket.caller_phone, digits):
        return LookupResult(None, "phone_mismatch")
    progress = citizen_view(ticket, digits, now=now)
    links = () if key is None else tuple(
        ReplyFileLink(validation.mask_numbers_in_text(a.original_name), a.size_label,
                      file_link(ticket, a, digits, key=key, now=now), now + FILE_LINK_VALID)
        for a in shown_reply_files(ticket, progress))
    return LookupResult(progress, reply_files=links)


def kept_ticket(ticket: Ticket) -> Ticket:
    """The ticket whose progress counts: the one it was merged into (at the end of the chain), if any."""
    current = ticket
    for _ in range(MAX_MERGE_HOPS):
        if current.status != S.MERGED.value or current.merged_into is None:
            break
        current = current.merged_into
    return current


def citizen_view(ticket: Ticket, phone_digits: str, *, now: datetime) -> CitizenProgress:
    """Build the allow-listed view; `ticket` is the citizen's own, already matched on the phone."""
    handled = kept_ticket(ticket)
    merged = handled is not ticket
    status = S(handled.status)
    confidential = ticket.is_confidential_report or handled.is_confidential_report
    state, explanation = _state_words(handled)
    if merged:
        explanation = "您反映的问题已与同一事项合并办理，以下为合并后的办理进度。" + explanation

    department = None
    if handled.department is not None and status not in (S.REGISTERED, S.RETURN_REQUESTED, S.TRANSFERRED_OUT):
        department = GENERIC_DEPARTMENT if confidential else handled.department.name

    due_at = handled.reply_due_at if status not in (S.TRANSFERRED_OUT, S.MERGED) else None
    is_open = status in OPEN_STATUSES

    reply, replied_at, reply_note = None, None, None
    answered = status in (S.REPLIED, S.CALLED_BACK, S.CLOSED) and handled.replied_at is not None
    if answered and handled.replies:
        replied_at = handled.replied_at
        if confidential:
            reply_note = REPLY_BY_PHONE
        elif merged and not same_person(ticket, handled, phone_digits):
            reply_note = MERGED_REPLY_ELSEWHERE
        else:
            reply = handled.replies[-1].content  # the answer of the current round (a reopen starts a new one)

    return CitizenProgress(
        number=ticket.number,
        received_at=ticket.received_at,
        state=state,
        explanation=explanation,
        department=department,
        due_at=due_at,
        overdue=bool(is_open and due_at is not None and deadlines.is_overdue(due_at, now)),
        extended=is_open and handled.extension_state == ExtensionState.APPROVED.value,
        calendar_confirmed=handled.calendar_confirmed,
        merged=merged,
        reply=reply,
        replied_at=replied_at,
        reply_note=reply_note,
    )


#: names that name nobody: two callers recorded so may be two people
PLACEHOLDER_NAMES = frozenset({"匿名", "市民", "群众", "网友", "来电人", "来信人", "信访人", "举报人", "无", "未知", "不详",
                               "未留", "未提供", "保密"})


def same_person(own: Ticket, kept: Ticket, phone_digits: str) -> bool:
    """Whether the answer given on ``kept`` was given to whoever left ``own`` (merged into it): the same phone, else
    the same ID number, else, where one of the two left no phone, the same full name. A letter has no phone, and one
    merged into its writer's call was shown no answer and promised a call to a number it never gave (a domain
    review). Two phones that differ are two callers unless their ID numbers agree; and "王女士", a bare surname or
    "匿名" names nobody in particular (a review: two 匿名 callers merged, and one read the other's answer)."""
    if same_phone(kept.caller_phone, phone_digits):
        return True
    own_id, kept_id = ((t.caller_id_number or "").strip().upper() for t in (own, kept))
    if own_id and kept_id:
        return own_id == kept_id
    if phone_digits and kept.caller_phone:
        return False
    own_name, kept_name = ((t.caller_name or "").strip() for t in (own, kept))
    return own_name == kept_name and _names_someone(own_name)


def _names_someone(name: str) -> bool:
    return (len(name) >= 2 and validation.surname_only(name) is None and name not in PLACEHOLDER_NAMES
            and not name.startswith("匿名"))


def shown_reply_files(ticket: Ticket, progress: CitizenProgress) -> tuple[TicketAttachment, ...]:
    """The files sent with the reply shown (`progress`, the citizen's or the channel's view of ``ticket``), and
    only when it is shown: a fraud report's, or a merged ticket's answer to another caller, is withheld with its
    files. Only files still sendable (`tickets.sendable_files`): never one removed or holding the caller's identity."""
    from ticketing.services.tickets import sendable_files  # tickets imports this module

    if progress.reply is None:
        return ()
    handled = kept_ticket(ticket)
    sendable = {a.id for a in sendable_files(handled)}
    return tuple(a for a in handled.replies[-1].sent_files if a.id in sendable)


def _file_links(key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=FILE_LINK_SALT)


def file_link(ticket: Ticket, attachment: TicketAttachment, phone_digits: str, *, key: str | bytes,
              now: datetime) -> str:
    """A download link's token: the citizen's ticket number, the file, a keyed hash of the phone that matched (never
    the phone), and until when it holds, signed with ``key``. The expiry is in the signed data and read against the
    caller's ``now``, like every time in the code base, not against itsdangerous's own reading of the clock."""
    until = int((now + FILE_LINK_VALID).timestamp())
    return _file_links(key).dumps([ticket.number, attachment.id, phone_fingerprint(phone_digits, key), until])


def reply_file(session: Session, token: str, *, key: str | bytes, now: datetime) -> TicketAttachment:
    """The file a download link names, when a lookup made now with the same phone would still list it: the token is
    ours and not expired, the ticket still has that phone, its reply is still shown, and the file is still sent with
    it. Gone for an expired link, NotFound with the citizen's message for anything else."""
    try:
        number, attachment_id, phone_hash, until = _file_links(key).loads(token)
        until = int(until)
    except (BadSignature, TypeError, ValueError):
        raise NotFound(FILE_LINK_INVALID) from None
    if now.timestamp() >= until:
        raise Gone(FILE_LINK_EXPIRED)
    ticket = session.scalar(sa.select(Ticket).where(Ticket.number == str(number)))
    digits = normalize_phone(ticket.caller_phone) if ticket is not None else None
    if digits is None or not hmac.compare_digest(phone_fingerprint(digits, key), str(phone_hash)):
        raise NotFound(FILE_GONE)  # the phone was corrected since: the one that matched proves nothing now
    for attachment in shown_reply_files(ticket, citizen_view(ticket, digits, now=now)):
        if attachment.id == attachment_id:
            return attachment
    raise NotFound(FILE_GONE)


def _state_words(ticket: Ticket) -> tuple[str, str]:
    """The state as a citizen would say it, and one sentence on what happens next."""
    status = S(ticket.status)
    if status is S.REGISTERED:
        return "已受理", "您的诉求已登记，正在确定承办单位。"
    if status is S.RETURN_REQUESTED:
        return "办理中", "正在协调确定承办单位。"
    if status is S.DISPATCHED:
        if ticket.reopen_count:
            return "办理中", "已重新交承办单位办理。"
        return "办理中", "已转交承办单位，等待承办单位接收办理。"
    if status is S.ACCEPTED:
        return "办理中", "承办单位已接收，正在办理。"
    if status is S.REPLIED:
        return "已答复", "承办单位已答复。"
    if status is S.CALLED_BACK:  # "已回访" to a citizen nobody reached (three tries, or declined) is untrue
        return "已答复", "承办单位已答复，工作人员已回访。" if ticket.reached_since_reply else "承办单位已答复。"
    if status is S.CLOSED:
        if ticket.closure_kind == ClosureKind.ON_THE_SPOT.value:
            return "已办结", "已在来电时当场答复并办结。"
        if ticket.closure_kind == ClosureKind.LEGAL_CHANNEL.value:
            return "已办结", "该事项需通过法定途径解决，已告知办理途径。"
        return "已办结", "已答复并办结。"
    if status is S.TRANSFERRED_OUT and ticket.transfers_back_to_petition_office:
        return "已退回", "该事项不属于医保部门职责，已退回信访部门，后续进展请向信访部门查询。"
    if status is S.TRANSFERRED_OUT and ticket.transfers_back_to_12345:
        why = next((e.note for e in reversed(ticket.events) if e.action == "transfer_out"), "")
        return "已退回", f"该事项不属于医保业务，已退回 12345 热线办理{'：' + why if why else ''}。"
    if status is S.TRANSFERRED_OUT:
        number = f"（12345 编号 {ticket.transfer_reference}）" if ticket.transfer_reference else ""
        return "已转办", f"该事项不属于医保业务，已转至 12345 热线办理{number}，后续进展请向 12345 查询。"
    return "办理中", "正在办理。"  # merged without a ticket to follow: say no more than that
