"""群众下载随答复发送的文件: the lookup lists exactly the files the ticket's channel gets, each behind a signed link
that expires, and a link is checked again when followed."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from itsdangerous import URLSafeSerializer

from tests.attachment_files import JPEG, PDF, PNG
from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import attachments, channel_feedback, tickets
from ticketing.services.errors import Gone, NotFound
from ticketing.services.progress_lookup import (
    FILE_GONE, FILE_LINK_EXPIRED, FILE_LINK_INVALID, FILE_LINK_SALT, FILE_LINK_VALID, file_link, lookup_progress,
    reply_file,
)

S = TicketStatus
PHONE = "13800138000"
KEY = "k" * 32


def _attach(db, ticket, users, now, folder, name, data=PDF, *, identifies_caller=False):
    return attachments.attach(db.session, ticket, filename=name, stream=BytesIO(data), identifies_caller=identifies_caller,
                              actor=users["staff_dybz"], now=now, folder=folder, max_bytes=1024 * 1024)


def _answered(db, users, now, folder, *, ticket=None, **fields):
    """A ticket whose department sent 答复函.pdf with its reply, and kept 核查照片.jpg and the caller's 身份证.png back."""
    ticket = ticket or make_ticket(db, users, now, status=S.ACCEPTED, **fields)
    at = now + timedelta(hours=1)
    letter = _attach(db, ticket, users, at, folder, "答复函.pdf")
    photo = _attach(db, ticket, users, at, folder, "核查照片.jpg", JPEG)
    card = _attach(db, ticket, users, at, folder, "身份证.png", PNG, identifies_caller=True)
    tickets.reply(db.session, ticket, "经核实，报销款已发放，答复函随附。", actor=users["staff_dybz"],
                  now=at + timedelta(minutes=5), attachment_ids=[letter.id])
    db.session.flush()
    return ticket, letter, photo, card


def _listed(db, number, now, phone=PHONE):
    return lookup_progress(db.session, number, phone, now=now, key=KEY).reply_files


def test_the_reply_lists_only_the_files_sent_with_it_and_each_link_downloads_it(db, users, now, tmp_path):
    ticket, letter, _, _ = _answered(db, users, now, tmp_path)
    later = now + timedelta(hours=2)
    (link,) = _listed(db, ticket.number, later)
    assert link.name == "答复函.pdf" and link.size == letter.size_label and link.until == later + FILE_LINK_VALID
    signed = URLSafeSerializer(KEY, salt=FILE_LINK_SALT).loads(link.token)  # readable by anyone, so no phone in it
    assert signed[:2] == [ticket.number, letter.id] and PHONE not in str(signed) and "8000" not in str(signed)
    assert reply_file(db.session, link.token, key=KEY, now=later) is letter
    # without the application's key there is nothing to sign links with, and no file is listed
    assert lookup_progress(db.session, ticket.number, PHONE, now=later).reply_files == ()


def test_a_name_holding_a_number_is_masked_as_the_channel_gets_it(db, users, now, tmp_path):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    letter = _attach(db, ticket, users, now, tmp_path, "答复函-13800138000.pdf")
    tickets.reply(db.session, ticket, "已办理。", actor=users["staff_dybz"], now=now + timedelta(hours=1),
                  attachment_ids=[letter.id])
    (link,) = _listed(db, ticket.number, now + timedelta(hours=2))
    assert "13800138000" not in link.name and link.name.endswith(".pdf")


def test_a_link_expires_after_its_time(db, users, now, tmp_path):
    ticket, letter, _, _ = _answered(db, users, now, tmp_path)
    looked_up = now + timedelta(hours=2)
    (link,) = _listed(db, ticket.number, looked_up)
    assert reply_file(db.session, link.token, key=KEY, now=looked_up + FILE_LINK_VALID - timedelta(seconds=1)) is letter
    with pytest.raises(Gone) as refused:
        reply_file(db.session, link.token, key=KEY, now=looked_up + FILE_LINK_VALID)
    assert refused.value.message == FILE_LINK_EXPIRED and refused.value.http_status == 410


@pytest.mark.parametrize("forge", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),           # the signature altered
    lambda token: URLSafeSerializer("another key", salt=FILE_LINK_SALT).dumps(          # signed with another key
        URLSafeSerializer(KEY, salt=FILE_LINK_SALT).loads(token)),
    lambda token: URLSafeSerializer(KEY).dumps(URLSafeSerializer(KEY, salt=FILE_LINK_SALT).loads(token)),  # no salt
    lambda token: "not-a-token",
    lambda token: URLSafeSerializer(KEY, salt=FILE_LINK_SALT).dumps({"n": 1}),          # ours, but not a link's data
])
def test_a_forged_link_is_refused(db, users, now, tmp_path, forge):
    ticket, _, _, _ = _answered(db, users, now, tmp_path)
    (link,) = _listed(db, ticket.number, now + timedelta(hours=2))
    with pytest.raises(NotFound) as refused:
        reply_file(db.session, forge(link.token), key=KEY, now=now + timedelta(hours=2))
    assert refused.value.message == FILE_LINK_INVALID


def test_a_file_removed_after_the_lookup_is_no_longer_given(db, users, now, tmp_path):
    ticket, letter, _, _ = _answered(db, users, now, tmp_path)
    (link,) = _listed(db, ticket.number, now + timedelta(hours=2))
    attachments.remove(db.session, ticket, letter.id, reason="发错文件", actor=users["staff_dybz"],
                       now=now + timedelta(hours=2, minutes=1))
    with pytest.raises(NotFound) as refused:
        reply_file(db.session, link.token, key=KEY, now=now + timedelta(hours=2, minutes=2))
    assert refused.value.message == FILE_GONE
    assert _listed(db, ticket.number, now + timedelta(hours=3)) == ()


def test_a_file_holding_the_callers_identity_is_never_listed_nor_given_even_by_a_validly_signed_link(
        db, users, now, tmp_path):
    ticket, _, photo, card = _answered(db, users, now, tmp_path)
    later = now + timedelta(hours=2)
    for kept_back in (card, photo):  # a link the lookup never gave, signed with the right key
        with pytest.raises(NotFound) as refused:
            reply_file(db.session, file_link(ticket, kept_back, PHONE, key=KEY, now=later), key=KEY, now=later)
        assert refused.value.message == FILE_GONE
    # even were it recorded as sent with the reply (a repair by hand, a bug elsewhere), it stays back, for the
    # channel too: the rule is one
    card.reply = ticket.replies[-1]
    db.session.flush()
    assert [link.name for link in _listed(db, ticket.number, later)] == ["答复函.pdf"]
    assert [a.id for a in channel_feedback.channel_view(ticket, now=later).reply_files] == [ticket.replies[-1].attachments[0].id]
    with pytest.raises(NotFound):
        reply_file(db.session, file_link(ticket, card, PHONE, key=KEY, now=later), key=KEY, now=later)


def test_a_fraud_reports_files_are_withheld_like_its_reply(db, users, now, tmp_path):
    ticket, letter, _, _ = _answered(db, users, now, tmp_path, type="report")
    later = now + timedelta(hours=2)
    result = lookup_progress(db.session, ticket.number, PHONE, now=later, key=KEY)
    assert result.progress.reply is None and result.progress.reply_note and result.reply_files == ()
    with pytest.raises(NotFound) as refused:
        reply_file(db.session, file_link(ticket, letter, PHONE, key=KEY, now=later), key=KEY, now=later)
    assert refused.value.message == FILE_GONE


def _merged(db, users, now, tmp_path, *, duplicate_phone):
    """王女士 called twice, the second time from ``duplicate_phone`` (no ID number given either time, so another
    phone may be another 王女士); the second ticket was merged into the first, answered with a file."""
    first = make_ticket(db, users, now, status=S.ACCEPTED, caller_id_number=None)
    duplicate = make_ticket(db, users, now + timedelta(minutes=30), caller_phone=duplicate_phone,
                            caller_id_number=None)
    tickets.merge(db.session, duplicate, first, actor=users["agent"], now=now + timedelta(minutes=40))
    _, letter, _, _ = _answered(db, users, now, tmp_path, ticket=first)
    return first, duplicate, letter


def test_a_merged_ticket_gets_the_files_of_the_answer_it_joined_from_the_same_phone(db, users, now, tmp_path):
    _, duplicate, letter = _merged(db, users, now, tmp_path, duplicate_phone=PHONE)
    later = now + timedelta(hours=2)
    (link,) = _listed(db, duplicate.number, later)
    assert link.name == "答复函.pdf" and reply_file(db.session, link.token, key=KEY, now=later) is letter


def test_a_merged_ticket_whose_answer_went_to_another_phone_gets_no_file(db, users, now, tmp_path):
    _, duplicate, letter = _merged(db, users, now, tmp_path, duplicate_phone="13911112222")
    later = now + timedelta(hours=2)
    result = lookup_progress(db.session, duplicate.number, "13911112222", now=later, key=KEY)
    assert result.progress.merged and result.progress.reply is None and result.reply_files == ()
    with pytest.raises(NotFound):
        reply_file(db.session, file_link(duplicate, letter, "13911112222", key=KEY, now=later), key=KEY, now=later)


def test_a_link_stops_once_the_reply_is_no_longer_shown_or_the_phone_was_corrected(db, users, now, tmp_path):
    ticket, _, _, _ = _answered(db, users, now, tmp_path)
    (link,) = _listed(db, ticket.number, now + timedelta(hours=2))
    ticket.caller_phone = "13900139000"  # the agent corrected the number: the old one proves nothing now
    with pytest.raises(NotFound):
        reply_file(db.session, link.token, key=KEY, now=now + timedelta(hours=2))
    ticket.caller_phone = PHONE
    assert reply_file(db.session, link.token, key=KEY, now=now + timedelta(hours=2))
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["supervisor"], now=now + timedelta(hours=2))
    with pytest.raises(NotFound):  # 重办: being worked again, no reply shown until the new one
        reply_file(db.session, link.token, key=KEY, now=now + timedelta(hours=2, minutes=1))


@pytest.mark.parametrize("case", ["plain", "removed", "fraud", "merged same phone", "merged other phone"])
def test_the_citizen_lists_exactly_what_the_channel_gets(db, users, now, tmp_path, case):
    if case.startswith("merged"):
        phone = PHONE if case == "merged same phone" else "13911112222"
        _, ticket, _ = _merged(db, users, now, tmp_path, duplicate_phone=phone)
    else:
        ticket, letter, _, _ = _answered(db, users, now, tmp_path, type="report" if case == "fraud" else "complaint")
        phone = PHONE
        if case == "removed":
            attachments.remove(db.session, ticket, letter.id, reason="发错文件", actor=users["staff_dybz"],
                               now=now + timedelta(hours=1, minutes=30))
    later = now + timedelta(hours=2)
    channel = channel_feedback.channel_view(ticket, now=later).reply_files
    citizen = lookup_progress(db.session, ticket.number, phone, now=later, key=KEY).reply_files
    assert [link.name for link in citizen] == [a.original_name for a in channel]
    assert bool(citizen) == (case in ("plain", "merged same phone"))
