"""群众查询工单进度: both numbers must match, one message for every miss, and only citizen-safe fields."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.factories import make_ticket
from ticketing.models import TicketStatus
from ticketing.services import channel_feedback, progress_lookup, tickets
from ticketing.services.progress_lookup import NOT_FOUND_MESSAGE, lookup_progress

S = TicketStatus
PHONE = "13800138000"


def shown(progress) -> str:
    """Every value the citizen's view carries, as one string to search for secrets."""
    return " ".join(str(value) for value in dataclasses.asdict(progress).values())


def test_both_numbers_match_shows_the_citizen_view(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    result = lookup_progress(db.session, ticket.number, PHONE, now=now + timedelta(hours=1))
    progress = result.progress
    assert result.failure is None and result.message is None
    assert progress.number == ticket.number
    assert progress.received_at == ticket.received_at
    assert progress.state == "办理中" and "正在办理" in progress.explanation
    assert progress.department == "待遇保障科"
    assert progress.due_at == ticket.reply_due_at and progress.overdue is False
    assert progress.reply is None and progress.replied_at is None and progress.merged is False


@pytest.mark.parametrize("typed", [
    "１２３９３－{day}－{seq}",  # full-width digits and dashes
    " 12393 {day} {seq} ",
    "12393{day}{seq}",
    "12393—{day}—{seq}",
])
def test_ticket_number_is_normalised(db, users, now, typed):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    _, day, seq = ticket.number.split("-")
    if "１" in typed:
        day, seq = (s.translate(str.maketrans("0123456789", "０１２３４５６７８９")) for s in (day, seq))
    assert lookup_progress(db.session, typed.format(day=day, seq=seq), PHONE, now=now).progress is not None


@pytest.mark.parametrize("typed", ["+86 138 0013 8000", "＋８６－１３８－００１３－８０００", "0086-13800138000",
                                   "8613800138000", "138-0013-8000", "(138)00138000"])
def test_mobile_number_is_normalised(db, users, now, typed):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED)
    assert lookup_progress(db.session, ticket.number, typed, now=now).progress is not None


@pytest.mark.parametrize("typed", ["0471-1234567", "0471 1234567", "（0471）1234567", "04711234567"])
def test_landline_is_normalised(db, users, now, typed):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone="0471-1234567")
    assert lookup_progress(db.session, ticket.number, typed, now=now).progress is not None


def test_wrong_phone_wrong_number_or_both_say_the_same(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    other_number = ticket.number[:-6] + "999999"
    misses = [
        lookup_progress(db.session, ticket.number, "13900139000", now=now),
        lookup_progress(db.session, other_number, PHONE, now=now),
        lookup_progress(db.session, other_number, "13900139000", now=now),
        lookup_progress(db.session, ticket.number, "138001380", now=now),  # a prefix is not a match
    ]
    assert all(m.progress is None for m in misses)
    assert {m.message for m in misses} == {NOT_FOUND_MESSAGE}
    assert [m.failure for m in misses] == ["phone_mismatch", "no_ticket", "no_ticket", "phone_mismatch"]


def test_a_ticket_without_a_phone_cannot_be_looked_up(db, users, now):
    ticket = make_ticket(db, users, now, status=S.DISPATCHED, caller_phone=None, channel="letter")
    result = lookup_progress(db.session, ticket.number, PHONE, now=now)
    assert result.progress is None and result.message == NOT_FOUND_MESSAGE


@pytest.mark.parametrize(("number", "phone", "number_error", "phone_error"), [
    ("", "", "请输入工单号。", "请输入登记时留下的电话号码。"),
    ("  ", " - ", "请输入工单号。", "请输入登记时留下的电话号码。"),
    ("12393-2026-1", "abc", progress_lookup.NUMBER_MALFORMED, progress_lookup.PHONE_MALFORMED),
    ("12345-20260302-000001", "123", progress_lookup.NUMBER_MALFORMED, progress_lookup.PHONE_MALFORMED),
    ("12393-20260302-000001", "13800138000", None, None),
])
def test_input_errors_in_chinese(number, phone, number_error, phone_error):
    assert progress_lookup.ticket_number_error(number) == number_error
    assert progress_lookup.phone_error(phone) == phone_error


def test_reply_shown_only_once_answered(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    assert lookup_progress(db.session, ticket.number, PHONE, now=now).progress.reply is None
    tickets.add_note(db.session, ticket, "内部：已电话联系医院", actor=users["staff_dybz"], now=now + timedelta(hours=1))
    tickets.reply(db.session, ticket, "您的住院费用已按规定报销。", actor=users["staff_dybz"], now=now + timedelta(hours=2))
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now + timedelta(hours=3)).progress
    assert progress.state == "已答复"
    assert progress.reply == "您的住院费用已按规定报销。" and progress.replied_at == now + timedelta(hours=2)
    assert "内部" not in shown(progress)
    # reopened (重办): the old answer is not the answer any more
    tickets.reopen(db.session, ticket, "群众不满意", actor=users["agent"], now=now + timedelta(hours=4))
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now + timedelta(hours=5)).progress
    assert progress.state == "办理中" and progress.reply is None and "重新" in progress.explanation


def test_closed_on_the_spot_shows_the_answer(db, users, now):
    ticket = make_ticket(db, users, now, type="consult")
    tickets.answer_on_the_spot(db.session, ticket, "起付线为 800 元。", actor=users["agent"], now=now)
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now).progress
    assert progress.state == "已办结" and "当场答复" in progress.explanation
    assert progress.reply == "起付线为 800 元。" and progress.overdue is False


def test_overdue_while_open_and_not_after_closing(db, users, now):
    ticket = make_ticket(db, users, now, status=S.ACCEPTED)
    late = ticket.reply_due_at + timedelta(days=1)
    assert lookup_progress(db.session, ticket.number, PHONE, now=late).progress.overdue is True
    closed = make_ticket(db, users, now, status=S.CLOSED)
    assert lookup_progress(db.session, closed.number, PHONE, now=late).progress.overdue is False


def test_nothing_secret_in_the_view(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED, caller_name="李建国", caller_id_number=None,
                         content="住院报销少了两千元", title="报销争议")
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now).progress
    text = shown(progress)
    for secret in ("李建国", PHONE, "住院报销少了两千元", "报销争议", "staff_dybz", "agent", "DY", "待遇报销"):
        assert secret not in text, secret
    assert {f.name for f in dataclasses.fields(progress)} == {
        "number", "received_at", "state", "explanation", "department", "due_at", "overdue", "extended",
        "calendar_confirmed", "merged", "reply", "replied_at", "reply_note"}


def test_confidential_report_shows_progress_but_not_who_handles_it_nor_the_answer(db, users, now):
    ticket = make_ticket(db, users, now, status=S.REPLIED, type="report", caller_name="赵举报",
                         content="某医院挂床住院")
    assert ticket.is_confidential_report
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now + timedelta(hours=2)).progress
    assert progress.state == "已答复" and progress.due_at == ticket.reply_due_at
    assert progress.department == progress_lookup.GENERIC_DEPARTMENT
    assert progress.reply is None and progress.reply_note == progress_lookup.REPLY_BY_PHONE
    text = shown(progress)
    for secret in ("赵举报", "挂床", "已办理", "待遇保障科", "举报", PHONE):
        assert secret not in text, secret


def test_merged_ticket_shows_the_progress_of_the_one_it_joined(db, users, now):
    first = make_ticket(db, users, now, status=S.ACCEPTED, caller_phone="13911112222", caller_name="钱先生")
    # the same person calling again from another phone (two people's tickets are not merged)
    duplicate = make_ticket(db, users, now + timedelta(hours=1), caller_phone=PHONE, caller_name="钱先生")
    tickets.merge(db.session, duplicate, first, actor=users["agent"], now=now + timedelta(hours=2))
    progress = lookup_progress(db.session, duplicate.number, PHONE, now=now + timedelta(hours=3)).progress
    assert progress.merged is True and progress.number == duplicate.number
    assert progress.state == "办理中" and progress.department == "待遇保障科"
    assert progress.due_at == first.reply_due_at and progress.received_at == duplicate.received_at
    for secret in (first.number, "13911112222"):
        assert secret not in shown(progress)
    # the other number does not open the first ticket with this phone
    assert lookup_progress(db.session, first.number, PHONE, now=now).progress is None
    # the answer went to the first ticket's number: its text stays with whoever holds that phone
    tickets.reply(db.session, first, "钱先生您好，已为您办理。", actor=users["staff_dybz"], now=now + timedelta(hours=4))
    progress = lookup_progress(db.session, duplicate.number, PHONE, now=now + timedelta(hours=5)).progress
    assert progress.state == "已答复" and progress.reply is None
    assert progress.reply_note == progress_lookup.MERGED_REPLY_ELSEWHERE and "钱先生" not in shown(progress)
    assert "电话告知" not in progress.reply_note  # nobody rings this ticket's number: the callback is the first's


def test_merged_by_the_same_caller_shows_the_answer(db, users, now):
    first = make_ticket(db, users, now, status=S.ACCEPTED)
    again = make_ticket(db, users, now + timedelta(hours=1))
    tickets.merge(db.session, again, first, actor=users["agent"], now=now + timedelta(hours=2))
    tickets.reply(db.session, first, "已为您办理。", actor=users["staff_dybz"], now=now + timedelta(hours=3))
    progress = lookup_progress(db.session, again.number, " 138 0013 8000", now=now + timedelta(hours=4)).progress
    assert progress.merged and progress.reply == "已为您办理。"


def test_transferred_out_points_to_12345(db, users, now):
    ticket = make_ticket(db, users, now, category="QT")
    tickets.transfer_out(db.session, ticket, "12345-REF-1", actor=users["agent"], now=now)
    progress = lookup_progress(db.session, ticket.number, PHONE, now=now).progress
    assert progress.state == "已转办" and "12345" in progress.explanation
    # the number to ask 12345 with (a 12345 interop review: told to ask 12345, the citizen had nothing to ask by)
    assert progress.department is None and progress.due_at is None and "12345 编号 12345-REF-1" in progress.explanation


def test_phone_fingerprint_hides_the_number_but_tells_lookups_apart():
    one = progress_lookup.phone_fingerprint("138 0013 8000", "k" * 32)
    assert one == progress_lookup.phone_fingerprint("+8613800138000", "k" * 32)
    assert one != progress_lookup.phone_fingerprint("13900139000", "k" * 32)
    assert "8000" not in one and len(one) == 12


def test_the_same_persons_letter_merged_into_their_call_shows_the_answer(db, users, now):
    """A letter has no phone: one merged into its writer's call was shown no answer and promised a call to a number
    it never gave, and a call merged into the writer's letter the same (a domain review). The same full name, or ID
    number, is the same person; "王女士" twice may be two."""
    call = make_ticket(db, users, now, status=S.ACCEPTED, caller_name="王秀兰", caller_phone="13800138000")
    letter = make_ticket(db, users, now + timedelta(hours=1), channel="mailbox_mayor", caller_name="王秀兰",
                         caller_phone=None, external_id="ML-1")
    tickets.merge(db.session, letter, call, actor=users["agent"], now=now + timedelta(hours=2))
    tickets.reply(db.session, call, "经核实，已按规定报销。", actor=users["staff_dybz"], now=now + timedelta(hours=3))
    assert progress_lookup.citizen_view(letter, "", now=now + timedelta(hours=4)).reply == "经核实，已按规定报销。"
    assert channel_feedback.channels_given_the_reply(db.session, call) == ["市长信箱"]  # the reply form says so

    kept = make_ticket(db, users, now, status=S.ACCEPTED, channel="mailbox_mayor", caller_name="赵女士",
                       caller_phone=None, caller_id_number="11010519491231002X", external_id="ML-2")
    again = make_ticket(db, users, now + timedelta(hours=1), caller_name="赵丽", caller_phone="13700001111",
                        caller_id_number="11010519491231002X")
    other = make_ticket(db, users, now + timedelta(hours=1), caller_name="赵女士", caller_phone="13700002222")
    for duplicate in (again, other):
        tickets.merge(db.session, duplicate, kept, actor=users["agent"], now=now + timedelta(hours=2))
    tickets.reply(db.session, kept, "已为您办理。", actor=users["staff_dybz"], now=now + timedelta(hours=3))
    assert lookup_progress(db.session, again.number, "13700001111", now=now + timedelta(hours=4)).progress.reply \
        == "已为您办理。"  # the same ID number
    seen = lookup_progress(db.session, other.number, "13700002222", now=now + timedelta(hours=4)).progress
    assert seen.reply is None and seen.reply_note == progress_lookup.MERGED_REPLY_ELSEWHERE  # 赵女士 may be another


@pytest.mark.parametrize("name", ["匿名", "市民", "王", "张伟"])
def test_two_callers_with_different_phones_and_one_name_keep_their_answers_apart(db, users, now, name):
    """Two callers with two phones and no ID number, recorded under one name that names nobody (匿名, a bare
    surname) or a common full name, merged: the second read the first's answer (a review)."""
    kept = make_ticket(db, users, now, status=S.ACCEPTED, channel="transfer_12345", caller_name=name,
                       caller_phone="13911112222", external_id="A-1")
    other = make_ticket(db, users, now + timedelta(hours=1), channel="transfer_12345", caller_name=name,
                        caller_phone="13722223333", external_id="A-2")
    tickets.merge(db.session, other, kept, actor=users["agent"], now=now + timedelta(hours=2))
    tickets.reply(db.session, kept, "您本人的报销款 3200 元已退回。", actor=users["staff_dybz"], now=now + timedelta(hours=3))
    seen = lookup_progress(db.session, other.number, "13722223333", now=now + timedelta(hours=4)).progress
    assert seen.reply is None and seen.reply_note == progress_lookup.MERGED_REPLY_ELSEWHERE
    assert channel_feedback.channel_view(other, now=now + timedelta(hours=4)).progress.reply is None
    letter = make_ticket(db, users, now + timedelta(hours=1), channel="mailbox_mayor", caller_name=name,
                         caller_phone=None, external_id="ML-9")  # no phone: the name alone must name someone
    tickets.merge(db.session, letter, kept, actor=users["agent"], now=now + timedelta(hours=2))
    shown = progress_lookup.citizen_view(letter, "", now=now + timedelta(hours=4)).reply
    assert (shown is not None) == (name == "张伟")
