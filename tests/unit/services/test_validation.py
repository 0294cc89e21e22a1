"""Phone numbers as intake stores them (validation.normalize_phone), their checks, and personal numbers masked in free text."""
from __future__ import annotations

import pytest

from ticketing.services.validation import (
    call_reference_error, caller_phone_from_exchange, mask_numbers_in_text, normalize_phone, phone_error,
)


@pytest.mark.parametrize(("typed", "stored"), [
    ("13800138000", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("+86 13800138000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),  # full-width digits from a Chinese input method
    ("（0471）6612345", "0471-6612345"),  # a landline is written one way, with its area code's dash
    ("0471-6612345", "0471-6612345"),
    ("04716612345", "0471-6612345"),
    ("01062345678", "010-62345678"), ("(021) 6612 3456", "021-66123456"),  # 010 and 02x: three digits
    ("0755-86012345-801", "0755-86012345-801"),  # an extension stays
    ("+86 10 6234 5678", "1062345678"),  # without its 0 it is not a landline we can tell: left as typed
    ("", None),
    (None, None),
])
def test_normalize_phone(typed, stored):
    assert normalize_phone(typed) == stored


def test_normalised_numbers_pass_and_others_get_a_chinese_message():
    assert phone_error(normalize_phone("＋８６ １３８００１３８０００")) is None
    assert phone_error(normalize_phone("0471-6612345")) is None
    assert "电话号码格式不正确" in phone_error(normalize_phone("1380013"))


@pytest.mark.parametrize("text, masked", [
    ("我的电话13812345678，身份证150102199003071234", "我的电话138****5678，身份证150102********1234"),
    ("联系 +86 138-1234-5678 或 138 1234 5678", "联系 +86 138****5678 或 138****5678"),
    ("家里座机0471-6612345，(0471)6612345，010-12345678", "家里座机0471-***2345，(0471)***2345，010-****5678"),
    ("身份证号15010219900307123X，老证150102900307123", "身份证号150102********123X，老证150102*****7123"),
    ("电话１３８１２３４５６７８", "电话138****5678"),
    ("tel13812345678号", "tel138****5678号"),
    # as an input method types them, or grouped (an export review: these went into workbooks whole)
    ("电话139　1234　5678", "电话139****5678"), ("139.1234.5678", "139****5678"),
    ("身份证 150102 19800101 1234", "身份证 150102********1234"),
    ("座机0471 6912345", "座机0471 ***2345"), ("座机0471—6912345", "座机0471-***2345"),
])
def test_personal_numbers_inside_free_text_are_masked(text, masked):
    assert mask_numbers_in_text(text) == masked


@pytest.mark.parametrize("text", [
    "工单12393-20260302-000001 报销3000元，2023年5月4日（20230504）住院，拨打12393或12345",
    "卡号6222021234567890123",  # 19 digits: not a phone or ID number (a bank card is left as it is)
    "起付线1200元，报销比例85%，共计138123元",
])
def test_other_numbers_are_left_as_they_are(text):
    assert mask_numbers_in_text(text) == text
    assert mask_numbers_in_text(None) == mask_numbers_in_text("") == ""


@pytest.mark.parametrize(("passed", "stored"), [
    ("013912345678", "13912345678"),  # the exchange's 0 before another area's mobile
    ("13912345678", "13912345678"), ("+86 139 1234 5678", "13912345678"),
    ("04716612345", "0471-6612345"), ("0471-6612345", "0471-6612345"),  # landlines keep their 0
    ("", None),
])
def test_a_number_from_the_telephone_exchange(passed, stored):
    assert caller_phone_from_exchange(passed) == stored


def test_call_references_are_what_telephone_platforms_write():
    for fine in ("", None, "CTI-20261203-0077", "a1b2.c3:d4_e5", "X" * 64):
        assert call_reference_error(fine) is None
    for odd in ("X" * 65, "通话77", "CTI 77", "<script>"):
        assert call_reference_error(odd) == "来电流水号应为 1–64 位字母、数字或 -_.:"
