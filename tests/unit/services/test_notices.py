"""联系来电人 and the notices owed: 延期告知 after each approved extension, 受理告知 of an accepted petition."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import extend, make_ticket
from ticketing.models import ContactPurpose, TicketStatus
from ticketing.services import inbox, notices, tickets
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ticketing.services.actions import perform_action

S = TicketStatus
EXTENSION, ACCEPTANCE = ContactPurpose.EXTENSION, ContactPurpose.ACCEPTANCE


def owed(db):
    return set(db.session.scalars(sa.select(inbox.Ticket.number).where(inbox.notices_owed_condition())))


def extended(db, users, now):
    return extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now)


def test_an_approved_extension_is_owed_to_the_citizen_until_a_contact_reaches_them(db, users, now):
    ticket = extended(db, users, now)
    assert ticket.pending_notices == [EXTENSION] and owed(db) == {ticket.number}
    assert notices.suggested_purpose(ticket) is EXTENSION

    notices.record_contact(db.session, ticket, purpose="extension", method="phone", reached=False,
                           actor=users["staff_dybz"], now=now + timedelta(hours=1))
    db.session.flush()
    assert ticket.pending_notices == [EXTENSION] and ticket.extension_told_at is None  # an attempt is not a notice

    told_at = now + timedelta(hours=2)
    contact = notices.record_contact(db.session, ticket, purpose="extension", method="sms", reached=True,
                                     note="已短信告知延期至下月", actor=users["staff_dybz"], now=told_at)
    db.session.flush()
    assert ticket.pending_notices == [] and ticket.extension_told_at == told_at and owed(db) == set()
    assert contact.department == users["staff_dybz"].department and contact.purpose_title == "延期告知"
    assert [(e.action, e.note) for e in ticket.events[-2:]] == [
        ("contact", "延期告知（电话，未联系上）"), ("contact", "延期告知（短信，已告知）：已短信告知延期至下月")]
    assert ticket.events[-1].data == {"purpose": "extension", "method": "sms", "reached": True}
    assert len(ticket.contacts) == 2 and ticket.status == S.ACCEPTED.value  # the state never changes


def test_a_second_extension_is_owed_again_and_the_reply_settles_it(db, users, now):
    ticket = extended(db, users, now)
    notices.record_contact(db.session, ticket, purpose="extension", method="phone", reached=True,
                           actor=users["agent"], now=now)
    ticket.extension_state = None  # allow a second request (a ticket outside the 信访 channel may extend again)
    extend(db, users, ticket, now, days=5, reason="仍需调查")
    assert ticket.pending_notices == [EXTENSION] and ticket.number in owed(db)
    tickets.reply(db.session, ticket, "已办理完毕", actor=users["staff_dybz"], now=now)
    db.session.flush()
    assert ticket.pending_notices == [] and owed(db) == set()


def test_a_refused_extension_owes_nothing(db, users, now):
    ticket = extend(db, users, make_ticket(db, users, now, status=S.ACCEPTED), now, days=3, approved=False)
    assert ticket.pending_notices == [] and owed(db) == set()


def test_an_accepted_petition_owes_a_written_notice_of_acceptance(db, users, now):
    petition = make_ticket(db, users, now, status=S.DISPATCHED, channel="petition_bureau")
    hotline = make_ticket(db, users, now, status=S.ACCEPTED)
    db.session.flush()
    assert petition.pending_notices == [] and owed(db) == set()  # not yet accepted: nothing to tell
    tickets.accept(db.session, petition, actor=users["staff_dybz"], now=now)
    db.session.flush()
    assert petition.pending_notices == [ACCEPTANCE] and hotline.pending_notices == [] and owed(db) == {petition.number}
    # a contact of another purpose does not settle it
    notices.record_contact(db.session, petition, purpose="materials", method="phone", reached=True,
                           note="请补充住院发票复印件", actor=users["staff_dybz"], now=now)
    assert petition.pending_notices == [ACCEPTANCE]
    # 书面告知: a phone call does not settle it (a petition review)
    with pytest.raises(ValidationFailed) as by_phone:
        notices.record_contact(db.session, petition, purpose="acceptance", method="phone", reached=True,
                               note="电话告知已受理", actor=users["staff_dybz"], now=now)
    assert "受理告知须书面送达" in by_phone.value.fields["method"]
    assert petition.pending_notices == [ACCEPTANCE]
    notices.record_contact(db.session, petition, purpose="acceptance", method="letter", reached=True,
                           note="受理告知书已邮寄", actor=users["staff_dybz"], now=now)
    db.session.flush()
    assert petition.pending_notices == [] and petition.acceptance_told_at == now and owed(db) == set()


def test_bad_input_is_refused_with_a_reason_per_field_and_nothing_is_recorded(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    events = len(ticket.events)
    cases = [
        (dict(purpose="gossip", method="phone", reached=True), "purpose"),
        (dict(purpose="progress", method="pigeon", reached=True), "method"),
        (dict(purpose="progress", method="phone", reached=None), "reached"),
        (dict(purpose="progress", method="phone", reached=True, note="  "), "note"),  # what was said is required
    ]
    for params, field_name in cases:
        with pytest.raises(ValidationFailed) as raised:
            notices.record_contact(db.session, ticket, actor=users["staff_dybz"], now=now, **params)
        assert field_name in raised.value.fields
    assert len(ticket.events) == events and ticket.contacts == []
    # an unanswered call needs no content
    notices.record_contact(db.session, ticket, purpose="progress", method="phone", reached=False,
                           actor=users["staff_dybz"], now=now)


def test_who_may_contact_the_citizen(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    for username, error in (("staff_cbzj", NotFound), ("admin", NotAllowed)):
        with pytest.raises(error):
            notices.record_contact(db.session, ticket, purpose="progress", method="phone", reached=False,
                                   actor=users[username], now=now)
    closed = make_ticket(db, users, now, status=S.CLOSED)
    with pytest.raises(InvalidTransition):  # after the reply, the callback (回访) is the contact
        notices.record_contact(db.session, closed, purpose="progress", method="phone", reached=False,
                               actor=users["agent"], now=now)


def test_a_fraud_reporter_is_contacted_by_the_centre_not_by_the_department(db, users, now):
    report = make_ticket(db, users, now, status=S.ACCEPTED, type="report", category="JJ")
    with pytest.raises(NotAllowed, match="举报人身份保密"):
        notices.record_contact(db.session, report, purpose="progress", method="phone", reached=True, note="已受理",
                               actor=users["staff_dybz"], now=now)
    notices.record_contact(db.session, report, purpose="progress", method="phone", reached=True, note="已受理",
                           actor=users["agent"], now=now)


def test_the_action_entry_point_used_by_pages_and_the_api(db, users, now):
    ticket = extended(db, users, now)
    perform_action(db.session, ticket, "contact", {"purpose": "extension", "method": "phone", "reached": "1"},
                   actor=users["staff_dybz"], now=now)
    assert ticket.pending_notices == []
    with pytest.raises(ValidationFailed) as raised:
        perform_action(db.session, ticket, "contact", {"purpose": "extension", "method": "phone", "reached": "也许"},
                       actor=users["staff_dybz"], now=now)
    assert "reached" in raised.value.fields
