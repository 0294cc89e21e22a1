"""Phone numbers as intake stores them (validation.normalize_phone), and their checks."""
from __future__ import annotations

import pytest

from ticketing.services.validation import normalize_phone, phone_error


@pytest.mark.parametrize(("typed", "stored"), [
    ("13800138000", "13800138000"),
    (" 138 0013 8000 ", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("+86 13800138000", "13800138000"),
    ("0086-13800138000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),  # full-width digits from a Chinese input method
    ("（0471）6612345", "04716612345"),
    ("0471-6612345", "0471-6612345"),  # a landline keeps its dash
    ("", None),
    (None, None),
])
def test_normalize_phone(typed, stored):
    assert normalize_phone(typed) == stored


def test_normalised_numbers_pass_and_others_get_a_chinese_message():
    assert phone_error(normalize_phone("＋８６ １３８００１３８０００")) is None
    assert phone_error(normalize_phone("0471-6612345")) is None
    assert "电话号码格式不正确" in phone_error(normalize_phone("1380013"))
