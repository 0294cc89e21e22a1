"""修改诉求类型: the type drives the deadline and the callback sample; a correction counts the deadlines again on
the new type's policy from their clocks' start, never into the past, and is recorded."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import extend, make_ticket
from ticketing.models import TicketStatus
from ticketing.services import calendar, tickets
from ticketing.services.errors import InvalidTransition, NotAllowed, ValidationFailed

S = TicketStatus


def policy_reply_due(db, ticket, type_):
    """What a ticket of ``type_`` received when this one was would be due by."""
    was, ticket.type = ticket.type, type_
    try:
        return calendar.reply_deadline(db.session, ticket, ticket.received_at).due_at
    finally:
        ticket.type = was


def test_a_consultation_that_was_a_complaint_gets_a_complaints_time(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    consult_due = ticket.reply_due_at
    assert consult_due == policy_reply_due(db, ticket, "consult")
    tickets.change_type(db.session, ticket, "complaint", "来电人实为投诉窗口态度", actor=users["agent"],
                        now=now + timedelta(hours=3))
    db.session.flush()
    assert ticket.type == "complaint" and ticket.reply_due_at == policy_reply_due(db, ticket, "complaint")
    assert ticket.reply_due_at > consult_due
    event = ticket.events[-1]
    assert event.action == "change_type" and event.data["from"] == "consult" and event.data["to"] == "complaint"
    assert event.data["reply_due_at"][0] != event.data["reply_due_at"][1] and "咨询 → 投诉" in event.note
    assert "答复时限" in event.note and ticket.updated_at == now + timedelta(hours=3)  # the citizen's view changed


def test_a_shorter_deadline_never_falls_into_the_past(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")
    complaint_due = ticket.reply_due_at
    tickets.change_type(db.session, ticket, "consult", "只是咨询", actor=users["agent"], now=now + timedelta(days=10))
    assert ticket.reply_due_at == complaint_due  # 3 working days from receipt passed long ago: the one shown stays
    other = make_ticket(db, users, now, status=S.ACCEPTED, type="complaint")
    tickets.change_type(db.session, other, "consult", "只是咨询", actor=users["agent"], now=now + timedelta(hours=1))
    assert other.reply_due_at == policy_reply_due(db, other, "consult") < complaint_due  # still ahead: shortened


def test_what_stays_a_petitions_limits_and_an_approved_extension(db, users, now):
    petition = make_ticket(db, users, now, status=S.ACCEPTED, type="consult", channel="petition_bureau")
    due = petition.reply_due_at
    tickets.change_type(db.session, petition, "complaint", "信访人实为投诉", actor=users["supervisor"],
                        now=now + timedelta(hours=1))
    assert petition.reply_due_at == due and "答复时限" not in petition.events[-1].note
    extended = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED, type="consult"), now + timedelta(hours=1))
    promised = extended.reply_due_at
    tickets.change_type(db.session, extended, "complaint", "实为投诉", actor=users["agent"], now=now + timedelta(hours=2))
    assert extended.reply_due_at == promised


def test_refusals(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, type="consult")
    with pytest.raises(ValidationFailed, match="已是咨询"):
        tickets.change_type(db.session, ticket, "consult", "无", actor=users["agent"], now=now)
    with pytest.raises(ValidationFailed, match="请选择诉求类型"):
        tickets.change_type(db.session, ticket, "rumour", "无", actor=users["agent"], now=now)
    with pytest.raises(ValidationFailed, match="请填写修改诉求类型的原因"):
        tickets.change_type(db.session, ticket, "complaint", " ", actor=users["agent"], now=now)
    with pytest.raises(NotAllowed):  # a department does not set its own deadline
        tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["staff_dybz"], now=now)
    answered = make_ticket(db, users, now, status=S.REPLIED, type="consult")
    with pytest.raises(InvalidTransition):
        tickets.change_type(db.session, answered, "complaint", "实为投诉", actor=users["agent"], now=now)
    report = make_ticket(db, users, now, status=S.DISPATCHED, type="report", category="JG")
    with pytest.raises(NotAllowed, match="举报人"):  # it would show the reporter to the department
        tickets.change_type(db.session, report, "complaint", "不是举报", actor=users["agent"], now=now)
    tickets.change_type(db.session, report, "complaint", "不是举报，是价格投诉", actor=users["supervisor"], now=now)
    assert report.type == "complaint" and report.events[-1].actor == users["supervisor"]


def test_an_overdue_mark_goes_when_the_new_deadline_is_ahead(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED, type="consult")
    late = ticket.reply_due_at + timedelta(hours=1)
    ticket.overdue_marked_at = late
    tickets.change_type(db.session, ticket, "complaint", "实为投诉", actor=users["supervisor"], now=late)
    assert ticket.overdue_marked_at is None and ticket.reply_due_at > late
