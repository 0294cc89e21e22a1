"""Checks on what people type: phone numbers, resident ID numbers and the telephone platform's call ids."""
from __future__ import annotations

import re
import unicodedata

from ticketing.services.errors import ValidationFailed

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
#: a landline's area code and number: 010 and 02x are three digits, every other area code four (0471, 0755)
LANDLINE_PARTS = re.compile(r"^(0(?:10|2\d)|0[3-9]\d{2})-?(\d{7,8})(-\d{1,6})?$")
SERVICE = re.compile(r"^(12393|12345|95\d{3,4}|400\d{7})$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CALL_REFERENCE = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")  # 来电流水号 as telephone platforms write them

# What no text a person or a platform sends should keep: NUL (PostgreSQL refuses it, a 500 on any save), the other
# control characters (XML, hence Excel, refuses them), and lone surrogates (not encodable, a 500 on SQLite). Word's
# Shift+Enter (vertical tab) and a form feed are line breaks; tab, newline and carriage return stay.
_LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
_UNWANTED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# A text of nothing but spaces and invisible format characters (zero-width space and joiners, word joiner, BOM, soft
# hyphen, direction marks) is an empty one: "请填写…" checks took it, and a reply nobody could see was saved (a
# bad-input review). Inside a text they stay.
_BLANK = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]*")


#: what a reason, a note or a comment may hold: one pasted twice over was saved whole and shown on every page
LONGEST_NOTE = 2000


def within_limit(text: str, field: str, limit: int = LONGEST_NOTE) -> str:
    """``text`` when it is not longer than ``limit``; ValidationFailed saying so otherwise."""
    if len(text) > limit:
        raise ValidationFailed(f"内容过长：最多 {limit} 字，现有 {len(text)} 字", fields={field: f"最多 {limit} 字"})
    return text


def required_text(value: str | None, field_name: str, *, missing: str, what: str, limit: int = LONGEST_NOTE) -> str:
    """A text a form requires, stripped: ``missing`` when it is empty; when it is longer than ``limit``, says which
    text and by how much."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(missing, fields={field_name: missing})
    if len(text) > limit:
        raise ValidationFailed(f"{what}不超过 {limit} 字",
                               fields={field_name: f"{what}最多 {limit} 字，现有 {len(text)} 字"})
    return text


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the dates the system takes (year 1 or 9999 overflowed on the way to UTC)


def year_error(moment) -> str | None:
    """Why a date or time cannot be taken, or None."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return f"日期超出范围（{FIRST_YEAR}–{LAST_YEAR} 年）"
    return None


def clean_text(value: str) -> str:
    """``value`` without the characters nothing downstream can store or export (see above); "" for a blank one."""
    value = _UNWANTED.sub("", value.translate(_LINE_BREAKS))
    return "" if _BLANK.fullmatch(value) else value


def clean_data(value):
    """``clean_text`` on every string in a decoded JSON document (keys too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(item) for item in value]
    return value


def normalize_phone(value: str | None) -> str | None:
    """A phone number as stored: full-width folded, spaces and brackets dropped, +86/0086 removed.

    A landline is written one way, its area code and a dash (0471-6612345), however it was typed or passed
    ((0471)6612345, 04716612345), so that searching, the screen pop and 该来电人的其他工单 find every ticket of it.
    """
    if not value:
        return None
    value = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix):].lstrip("-")
            break
    if landline := LANDLINE_PARTS.match(value):
        area, number, extension = landline.groups()
        value = f"{area}-{number}{extension or ''}"
    return value or None


def phone_error(value: str | None) -> str | None:
    """None if the phone number is a mainland mobile or landline, else a Chinese message."""
    if value is None:
        return None
    if MOBILE.match(value) or LANDLINE.match(value) or SERVICE.match(value):
        return None
    return "电话号码格式不正确：手机号为 11 位（1 开头），固话为区号加号码，如 0471-1234567"


#: the caller's details' columns (on PostgreSQL a longer value failed the whole batch of an import, unnamed: an
#: import review, an address mapped to 县区)
LONGEST_CALLER_NAME = 50
LONGEST_REGION = 50


def caller_errors(details: dict) -> dict[str, str]:
    """Field → Chinese message for each of a caller's details in ``details`` (caller_name, caller_phone,
    caller_id_number, region; any left out is not checked) that cannot be stored: registration and 更正来电人信息
    check them alike."""
    errors: dict[str, str] = {}
    name, region = (details.get("caller_name") or "").strip(), (details.get("region") or "").strip()
    if len(name) > LONGEST_CALLER_NAME:
        errors["caller_name"] = f"姓名过长（最多 {LONGEST_CALLER_NAME} 字）"
    if len(region) > LONGEST_REGION:
        errors["region"] = f"区县过长（最多 {LONGEST_REGION} 字），请填写区县名称而不是详细地址"
    if message := phone_error(normalize_phone(details.get("caller_phone"))):
        errors["caller_phone"] = message
    if message := id_number_error(details.get("caller_id_number")):
        errors["caller_id_number"] = message
    return errors


def caller_phone_from_exchange(value: str | None) -> str | None:
    """A number as the telephone exchange passes it (来电弹屏), as stored: an 0 the exchange dials before a mobile
    from another area is dropped. None when nothing was passed."""
    number = normalize_phone(value)
    if number and number.startswith("0") and MOBILE.match(number[1:]):
        return number[1:]
    return number


def call_reference_error(value: str | None) -> str | None:
    """None if the 来电流水号 is empty or one a telephone platform would write, else a Chinese message."""
    if not value or CALL_REFERENCE.fullmatch(value):
        return None
    return "来电流水号应为 1–64 位字母、数字或 -_.:"


def normalize_id_number(value: str | None) -> str | None:
    """A resident ID number as stored: full-width digits and Ｘ folded (an input method's), spaces dropped, X upper
    case. Full-width ones failed the check digit, or were saved as typed and never matched the same caller again."""
    if not value:
        return None
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper() or None


def id_number_error(value: str | None) -> str | None:
    """None if the 18-digit resident ID number is well formed with a correct check digit."""
    value = normalize_id_number(value)
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{17}[0-9X]", value):
        return "身份证号应为 18 位，最后一位可以是数字或 X"
    total = sum(int(d) * w for d, w in zip(value[:17], ID_WEIGHTS))
    if ID_CHECK[total % 11] != value[17]:
        return "身份证号校验位不正确，请核对"
    return None


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) >= 7:
        return value[:3] + "****" + value[-4:]
    return "****"


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:6] + "********" + value[-4:] if len(value) == 18 else "****"


# personal numbers written inside free text (a title, what the citizen said): resident ID numbers
# (18 or 15 digits, grouped 6-8-4 or not), mobile numbers (with +86, grouped by spaces, dashes or dots, or
# full-width digits) and landlines (the area code followed by a dash or a space). Full-width spaces, dashes and
# dots are read as their ASCII forms first: "139　1234　5678", as a Chinese input method types it, went into
# exports whole (an export review)
_NUMBER_IN_TEXT = re.compile(
    r"(?<!\d)(?:"
    r"(?P<id>\d{6}[- ]?(?:\d{8}[- ]?\d{3}[0-9Xx]|\d{6}[- ]?\d{3}))"
    r"|(?P<country>\+?86[- ]?)?(?P<mobile>1[3-9]\d[- .]?\d{4}[- .]?\d{4})"
    r"|(?P<area>\(0\d{2,3}\)|0\d{2,3}[- ]?)(?P<local>\d{7,8})"
    r")(?!\d)"
)


def _masked(match: re.Match) -> str:
    if number := match.group("id"):
        number = re.sub(r"[- ]", "", number)
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if number := match.group("mobile"):
        digits = re.sub(r"\D", "", number)
        return (match.group("country") or "") + digits[:3] + "****" + digits[-4:]
    local = match.group("local")
    return match.group("area") + "*" * (len(local) - 4) + local[-4:]


def mask_numbers_in_text(text: str | None) -> str:
    """Free text with the personal numbers in it masked as in lists (138****5678, 150102********1234);
    other numbers (amounts, dates, ticket numbers, 12393) are left as they are. Full-width digits
    count as digits."""
    if not text:
        return ""
    folded = text.translate(_FULL_WIDTH_DIGITS)
    if folded == text:
        return _NUMBER_IN_TEXT.sub(_masked, text)
    # positions are the same in both (one character for one), so matches in the folded text mask the original
    pieces, last = [], 0
    for match in _NUMBER_IN_TEXT.finditer(folded):
        pieces += [text[last:match.start()], _masked(match)]
        last = match.end()
    return "".join(pieces) + text[last:]


_FULL_WIDTH_DIGITS = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("－"): ord("-"), ord("＋"): ord("+"),
                                                                      ord("Ｘ"): ord("X"), ord("（"): ord("("),
                                                                      ord("）"): ord(")"), ord("\u3000"): ord(" "),
                                                                      ord("—"): ord("-"), ord("–"): ord("-"),
                                                                      ord("．"): ord(".")} | {
    # text pasted from web pages and documents: no-break, thin and zero-width spaces, Unicode hyphens (a privacy
    # review: "139 1234 0003" with any of these went unmasked to the fraud department and into exports)
    ord(space): ord(" ") for space in "\u00a0\u2009\u202f\u200b\u2002\u2003\u2007\u205f"} | {
    ord(dash): ord("-") for dash in "\u2010\u2011\u2012\u2212\ufe63"}


def mask_name(value: str | None) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)


# how callers are addressed when only the surname is given: 王女士, 李先生, 张某某
FORMS_OF_ADDRESS = ("先生", "女士", "小姐", "某某", "某", "同志", "师傅", "老师", "阿姨", "大爷", "大妈")


def surname_only(name: str) -> str | None:
    """The surname of a name that is only a surname with a form of address (王女士 → 王, 欧阳先生 → 欧阳), else None."""
    for form in FORMS_OF_ADDRESS:
        if name.endswith(form) and 1 <= len(name) - len(form) <= 2:
            return name[: -len(form)]
    return None
