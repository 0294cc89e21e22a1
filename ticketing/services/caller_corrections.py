"""更正来电人信息: a caller's name, phone, ID number or 区县 typed wrong at registration (or changed since).

A mistyped phone number made every callback fail and every SMS go to a stranger, and nothing but a new ticket could
mend it. The centre's agents and supervisors, who see every caller whole (privacy.sees_every_caller), correct them;
the event says which details changed and why, and keeps the old and new values in its data, which only those who
may see the caller are shown (a fraud reporter's name stays out of the note a department reads).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ticketing.models import Ticket, User
from ticketing.services import routing
from ticketing.services.errors import ValidationFailed
from ticketing.services.validation import caller_errors, normalize_id_number, normalize_phone, required_text
from ticketing.services.workflow import Action, check, transition

#: the details that may be corrected, in the order the page shows them
FIELDS = {"caller_name": "姓名", "caller_phone": "联系电话", "caller_id_number": "身份证号", "region": "区县"}
LONGEST_REASON = 500


def correct_caller(session: Session, ticket: Ticket, given: dict, reason: str | None, *, actor: User,
                   now: datetime) -> dict[str, list]:
    """Set the details in ``given`` (a key left out stays as it is; an empty value clears it) and record the
    change. Returns {field: [old, new]} of what changed; nothing changed is refused, as is anything malformed (the
    same rules as registration), with every field's message at once."""
    check(actor, ticket, Action.CORRECT_CALLER)
    wanted, errors = _checked(session, given)
    why = None
    try:
        why = required_text(reason, "reason", missing="请填写更正的原因", what="更正的原因", limit=LONGEST_REASON)
    except ValidationFailed as error:
        errors.update(error.fields)
    if errors:
        raise ValidationFailed("更正的内容有误，请按提示修改", fields=errors)
    changed = {name: [getattr(ticket, name), value] for name, value in wanted.items()
               if getattr(ticket, name) != value}
    if not changed:
        raise ValidationFailed("来电人信息没有变化", fields={"caller_phone": "与原来的相同，没有要更正的内容"})
    for name, (_, value) in changed.items():
        setattr(ticket, name, value)
    note = f"更正{'、'.join(FIELDS[name] for name in changed)}：{why}"
    if "region" in changed and ticket.department_id is not None and ticket.status_enum.is_open:
        note += f"（承办单位仍为{ticket.department.name}，需要时请改派）"
    transition(ticket, Action.CORRECT_CALLER, actor=actor, now=now, note=note, data={"changed": changed})
    return changed


def _checked(session: Session, given: dict) -> tuple[dict, dict[str, str]]:
    """The values as they would be stored, and a message for each that registration would refuse."""
    given = {name: "" if given[name] is None else str(given[name]).strip() for name in FIELDS if name in given}
    stored = {"caller_name": lambda text: text or None, "caller_phone": normalize_phone,
              "caller_id_number": normalize_id_number,
              "region": lambda text: routing.canonical_region(session, text) if text else None}
    return {name: stored[name](text) for name, text in given.items()}, caller_errors(given)
