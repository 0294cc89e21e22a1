"""Tickets and events as the API shows them: codes, ISO 8601 times in Beijing time, personal data masked unless allowed."""
from __future__ import annotations

from datetime import datetime

from flask import url_for

from ticketing.models import (Announcement, AssistRequest, Callback, CitizenContact, PetitionReview, Reply, Ticket,
                              TicketAttachment, TicketEvent, TicketStatus)
from ticketing.services import petition_reviews
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.privacy import without_call_reference
from ticketing.services.validation import mask_id_number, mask_name, mask_numbers_in_text, mask_phone


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def ticket_dict(ticket: Ticket, *, show_caller: bool = False) -> dict:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_title": TicketStatus(ticket.status).title,
        "channel": ticket.channel,
        "external_id": ticket.external_id,
        "transfer_reference": ticket.transfer_reference,
        # the telephone platform's id of the call fetches its recording: the caller's voice and number
        "call_reference": ticket.call_reference if show_caller else None,
        "type": ticket.type,
        "urgency": ticket.urgency,
        # numbers a citizen wrote into the text are masked wherever the caller's fields are, as on the pages
        "title": ticket.title if show_caller else mask_numbers_in_text(ticket.title),
        "content": ticket.content if show_caller else mask_numbers_in_text(ticket.content),
        "category": ticket.category.code if ticket.category else None,
        "suggested_category": ticket.suggested_category.code if ticket.suggested_category else None,
        "department": ticket.department.code if ticket.department else None,
        "handler": ticket.handler.display_name if ticket.handler else None,
        "handler_username": ticket.handler.username if ticket.handler else None,  # as the handler filter takes it
        "confidence": None if ticket.classifier_confidence is None else round(ticket.classifier_confidence, 4),
        "caller_name": ticket.caller_name if show_caller else (mask_name(ticket.caller_name) or None),
        "caller_phone": ticket.caller_phone if show_caller else (mask_phone(ticket.caller_phone) or None),
        "caller_id_number": ticket.caller_id_number if show_caller else (mask_id_number(ticket.caller_id_number) or None),
        "caller_masked": not show_caller,
        "region": ticket.region,
        "received_at": iso(ticket.received_at),
        "registered_at": iso(ticket.registered_at),
        "accept_due_at": iso(ticket.accept_due_at),
        "reply_due_at": iso(ticket.reply_due_at),
        "calendar_confirmed": ticket.calendar_confirmed,
        "closure_kind": ticket.closure_kind,
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "pending_notices": [purpose.value for purpose in ticket.pending_notices],
        "follow_up_count": ticket.follow_up_count,
        "last_follow_up_at": iso(ticket.last_follow_up_at),
        "risk_flags": [kind.code for kind in ticket.risk_kinds],
    }


#: where a fraud report went inside the centre: not for the channel that submitted it, as on /progress and in the
#: channel's feed (GET /channel/tickets/{ref} says 医疗保障部门)
CONFIDENTIAL_ROUTING = ("category", "suggested_category", "confidence", "department")


def ticket_dict_for_channel(ticket: Ticket) -> dict:
    """A ticket as returned to the channel that submitted it (again): without the name of the person handling it,
    and without the routing of a fraud report."""
    people = ("handler", "handler_username")
    hidden = (*people, *CONFIDENTIAL_ROUTING) if ticket.is_confidential_report else people
    return ticket_dict(ticket) | dict.fromkeys(hidden)


def page_dict(page, items: list[dict]) -> dict:
    """A paged list (Flask-SQLAlchemy's Pagination) as the API gives it (schemas.PageOut)."""
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}


def event_dict(event: TicketEvent, *, show_caller: bool = False) -> dict:
    return {
        "action": event.action,
        "action_title": event.action_title,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_label,
        "note": event.note if show_caller else without_call_reference(mask_numbers_in_text(event.note), event.ticket),
        "created_at": iso(event.created_at),
    }


def channel_ticket_dict(item) -> dict:
    """A ticket as the channel that submitted it sees it (services/channel_feedback.ChannelTicket)."""
    p = item.progress
    return {
        "number": item.number, "external_id": item.external_id, "updated_at": iso(item.updated_at),
        "received_at": iso(p.received_at), "state": p.state, "explanation": p.explanation,
        "department": p.department, "due_at": iso(p.due_at), "overdue": p.overdue, "extended": p.extended,
        "merged": p.merged, "reply": p.reply, "replied_at": iso(p.replied_at), "reply_note": p.reply_note,
        "reply_attachments": [reply_file_dict(item, a) for a in item.reply_files],
        "evaluable": item.evaluable,
    }


def reply_file_dict(item, attachment: TicketAttachment) -> dict:
    """A file sent with the reply, for the channel (its name masked as for anyone who may not see the caller)."""
    return {"id": attachment.id, "name": mask_numbers_in_text(attachment.original_name),
            "content_type": attachment.content_type, "size": attachment.size_bytes, "sha256": attachment.sha256,
            # by the ticket number: a channel's own id may hold a "/" (SZ/2026/0101), which no path can carry
            "url": url_for("api.channel_reply_file", reference=item.number, attachment_id=attachment.id)}


def contact_dict(contact: CitizenContact, *, show_caller: bool = False) -> dict:
    return {
        "purpose": contact.purpose, "purpose_title": contact.purpose_title, "method": contact.method,
        "reached": contact.reached, "note": contact.note if show_caller else mask_numbers_in_text(contact.note),
        "by": contact.author.display_name if contact.author else None, "created_at": iso(contact.created_at),
    }


def reply_dict(reply: Reply, *, show_caller: bool = False) -> dict:
    """答复 as the ticket page shows it: what the citizen was told, by whom, when."""
    return {
        "kind": reply.kind, "content": reply.content if show_caller else mask_numbers_in_text(reply.content),
        "department": reply.department.code if reply.department else None,
        "by": reply.author.display_name if reply.author else None, "created_at": iso(reply.created_at),
        "attachments": [a.id for a in reply.sent_files],  # sent with it (随答复发送): ids of the ticket's attachments
    }


def callback_dict(callback: Callback, *, show_caller: bool = False) -> dict:
    """回访 (or a channel's 评价) as the ticket page shows it; the answers only when the citizen was reached."""
    return {
        "reached": callback.reached, "declined": callback.declined, "satisfaction": callback.satisfaction,
        "solved": callback.solved, "outcome_title": callback.outcome_title,
        "note": callback.note if show_caller else mask_numbers_in_text(callback.note),
        "by": callback.agent.display_name if callback.agent else None, "created_at": iso(callback.created_at),
    }


def announcement_dict(announcement: Announcement, read: bool) -> dict:
    return {"id": announcement.id, "title": announcement.title, "content": announcement.content,
            "important": announcement.important, "author": announcement.author.display_name,
            "published_at": iso(announcement.published_at), "expires_at": iso(announcement.expires_at), "read": read}


def assist_dict(assist: AssistRequest, *, now: datetime, show_caller: bool = False) -> dict:
    """协办 as the API shows it; the texts are masked like the ticket's own for whoever may not see the caller."""
    def text(value: str | None) -> str | None:
        return value if show_caller or value is None else mask_numbers_in_text(value)
    return {
        "id": assist.id, "ticket": assist.ticket.number, "department": assist.department.code,
        "department_name": assist.department.name, "state": assist.state, "request": text(assist.request),
        "requested_by": assist.requested_by.display_name if assist.requested_by else None,
        "requested_at": iso(assist.requested_at), "due_at": iso(assist.due_at),
        "overdue": assist.is_open and assist.due_at < now, "opinion": text(assist.opinion),
        "answered_by": assist.answered_by.display_name if assist.answered_by else None,
        "answered_at": iso(assist.answered_at), "withdraw_reason": text(assist.withdraw_reason),
        "closed_at": iso(assist.closed_at), "urged_at": iso(assist.urged_at), "urge_note": text(assist.urge_note),
    }


def petition_review_dict(review: PetitionReview, *, now: datetime, show_caller: bool = False) -> dict:
    """信访复查、复核 as the API shows it; the texts masked like the ticket's own."""
    def text(value: str | None) -> str | None:
        return value if show_caller or value is None else mask_numbers_in_text(value)
    return {
        "stage": review.stage, "stage_title": review.stage_title, "reviewing_body": review.reviewing_body,
        "reason": text(review.reason), "answer_received_on": review.answer_received_on.isoformat(),
        "requested_on": review.requested_on.isoformat(), "due_at": iso(review.due_at),
        "overdue": petition_reviews.is_late(review, now),
        "recorded_by": review.recorded_by.display_name if review.recorded_by else None,
        "decision": review.decision, "opinion": text(review.opinion),
        "decided_on": review.decided_on.isoformat() if review.decided_on else None,
        "decided_by": review.decided_by.display_name if review.decided_by else None,
        "withdrawn_at": iso(review.withdrawn_at), "withdraw_reason": text(review.withdraw_reason),
    }


def attachment_dict(attachment: TicketAttachment, *, show_caller: bool = False) -> dict:
    """A file's name is masked like the ticket's text (a citizen's number in it), as on the ticket page."""
    name = attachment.original_name if show_caller else mask_numbers_in_text(attachment.original_name)
    return {
        "id": attachment.id, "name": name, "content_type": attachment.content_type,
        "size": attachment.size_bytes, "sha256": attachment.sha256, "identifies_caller": attachment.identifies_caller,
        "uploaded_by": attachment.uploaded_by.display_name if attachment.uploaded_by else None,
        "uploaded_at": iso(attachment.created_at),
        "url": url_for("api.get_attachment", number=attachment.ticket.number, attachment_id=attachment.id),
    }


def has_caller_data(ticket: Ticket) -> bool:
    return bool(ticket.caller_name or ticket.caller_phone or ticket.caller_id_number)


FIGURE_COUNTS = ("received", "contested", "accept_due", "accept_on_time", "reply_due", "reply_on_time", "overdue",
                 "return_base", "returned", "extended", "reopened", "handled", "reached", "satisfied", "solved")
FIGURE_RATES = ("accept_rate", "on_time_rate", "return_rate", "satisfaction_rate", "resolution_rate")
COUNTED_FLAGS = ("contested", "accept_due", "accept_on_time", "reply_due", "reply_on_time", "overdue", "returned",
                 "extended", "reopened", "reached", "satisfied", "solved")


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def figures_dict(row) -> dict:
    """One department's month (assessment.Figures) as the API shows it: counts, rates 0–1, score, change."""
    return {
        "rank": row.rank, "department": row.department_code, "department_name": row.department_name,
        **{name: int(getattr(row, name) or 0) for name in FIGURE_COUNTS},
        **{name: _rounded(getattr(row, name), 4) for name in FIGURE_RATES},
        "handling_hours": _rounded(row.handling_hours, 1), "score": _rounded(row.score, 2),
        "previous_rank": row.previous_rank, "previous_score": _rounded(row.previous_score, 2),
        "rank_change": row.rank_change, "score_change": row.score_change,
    }


def counted_ticket_dict(counted) -> dict:
    """One ticket behind a department's figures (assessment.CountedTicket) and how it counted."""
    ticket, flags = counted.ticket, counted.flags
    return {
        "number": ticket.number, "title": mask_numbers_in_text(ticket.title), "status": ticket.status,  # a list: masked
        "received_at": iso(flags["received_at"]),
        **{name: bool(flags[name]) for name in COUNTED_FLAGS},
        "handling_hours": _rounded(flags["handling_hours"], 1),
    }
