"""告知来电人: contacts with the citizen while a ticket is worked, and the notices the rules require.

Two notices are owed, and shown as owed until a contact of that purpose reaches the citizen:
- 延期告知: domain.md's lifecycle has an approved extension end with "the citizen told"; each approval
  owes a new notice (the date moved again).
- 受理告知: a petition from the 信访 channel must be told in writing that it was accepted
  (信访工作条例: 15 days), once a department has accepted it.
A notice is no longer owed once the ticket is answered, since the reply tells the citizen.

Contacts of other purposes (办理进展, a request for documents) are recorded the same way. An attempt
that does not get through is recorded too (``reached`` False) and leaves the notice owed.
`Ticket.pending_notices` says what one ticket owes; `inbox.notices_owed_condition` finds them all.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.models import CitizenContact, ContactMethod, ContactPurpose, Ticket, User
from ticketing.models.enums import ExtensionState
from ticketing.services import privacy
from ticketing.services.errors import NotAllowed, ValidationFailed
from ticketing.services.workflow import RESUBMITTED_WITHIN, Action, check, record_fact, transition

#: the ways of telling that leave the citizen something in writing, as a petition's 受理告知 must
WRITTEN_METHODS = frozenset({ContactMethod.LETTER.value, ContactMethod.SMS.value, ContactMethod.ONLINE.value})


def record_contact(session: Session, ticket: Ticket, *, purpose: str, method: str, reached: bool | None,
                   note: str = "", actor: User, now: datetime) -> CitizenContact:
    """联系来电人: record one call, text, letter or visit; a reached notice stops being owed."""
    check(actor, ticket, Action.CONTACT)
    if not privacy.may_see_caller(session, actor, ticket):
        # 基金监督管理条例 §35: whoever may not see a fraud reporter cannot be the one who contacts them
        raise NotAllowed("举报人身份保密，本单位不能直接联系举报人；请由热线中心联系，或请督办授权")
    errors = {}
    if purpose not in ContactPurpose.__members__.values():
        errors["purpose"] = "请选择联系事由"
    if method not in ContactMethod.__members__.values():
        errors["method"] = "请选择联系方式"
    if reached is None:
        errors["reached"] = "请选择是否已告知来电人"
    note = (note or "").strip()
    if purpose in (ContactPurpose.PROGRESS, ContactPurpose.MATERIALS, ContactPurpose.OTHER) and reached and not note:
        errors["note"] = "请填写告知或沟通的内容"
    if purpose == ContactPurpose.ACCEPTANCE.value and reached and method not in WRITTEN_METHODS:
        # 信访工作条例: 书面告知. A phone call cleared the notice owed (a petition review)
        errors["method"] = "受理告知须书面送达（书面、短信或网上留言回复）；电话或当面沟通请记为“告知办理进展”"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), fields=errors)
    purpose, method = ContactPurpose(purpose), ContactMethod(method)
    same = next((c for c in reversed(ticket.contacts) if c.author_id == actor.id and c.purpose == purpose.value
                 and c.method == method.value and c.reached == reached and c.note == note
                 and now - c.created_at <= RESUBMITTED_WITHIN), None)
    if same is not None:
        return same  # the same contact sent twice (a double click) is one contact
    return _written(session, ticket, purpose, method, reached, note, actor=actor, now=now, checked=True)


def record_text_sent(session: Session, ticket: Ticket, purpose: ContactPurpose, text: str, *, actor: User,
                     now: datetime) -> CitizenContact:
    """A notice the SMS gateway accepted (sms.send_notice checked who may send it before sending): recorded even if
    the ticket moved on while the text was on its way (改派, 答复). It went out; refusing the record left the notice
    told with no contact and no event (an event review)."""
    return _written(session, ticket, purpose, ContactMethod.SMS, True, text, actor=actor, now=now, checked=False)


def _written(session: Session, ticket: Ticket, purpose: ContactPurpose, method: ContactMethod, reached: bool,
             note: str, *, actor: User, now: datetime, checked: bool) -> CitizenContact:
    outcome = "已告知" if reached else "未联系上"
    (transition if checked else record_fact)(
        ticket, Action.CONTACT, actor=actor, now=now,
        note=f"{purpose.title}（{method.title}，{outcome}）" + (f"：{note}" if note else ""),
        data={"purpose": purpose.value, "method": method.value, "reached": reached})
    contact = CitizenContact(ticket=ticket, author=actor, department_id=actor.department_id, purpose=purpose.value,
                             method=method.value, reached=reached, note=note, created_at=now)
    session.add(contact)
    ticket.last_contact_at = now  # answers a 来电催办 made before it (inbox.unanswered_follow_up_condition)
    if reached and purpose is ContactPurpose.EXTENSION and ticket.extension_state == ExtensionState.APPROVED.value:
        ticket.extension_told_at = now
    if reached and purpose is ContactPurpose.ACCEPTANCE and ticket.accepted_at is not None:
        ticket.acceptance_told_at = now
    return contact


def suggested_purpose(ticket: Ticket) -> ContactPurpose:
    """The purpose the contact form starts on: the notice owed, else 办理进展."""
    owed = ticket.pending_notices
    return owed[0] if owed else ContactPurpose.PROGRESS
