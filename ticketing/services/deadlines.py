"""Deadline arithmetic (办理时限): pure functions, no Flask, no database, no clock.

Everything here takes the current time as an argument; nothing calls
``datetime.now()``.  Callers get "now" from the one application clock.

Semantics
---------
* **Time zones.**  Every ``datetime`` going in must be tz-aware; a naive one is
  rejected with ``ValueError``.  Every ``datetime`` coming out is tz-aware UTC.
  Calendar questions ("which day is it?") are answered on the
  ``LOCAL_TZ`` (Asia/Shanghai) local date of the instant.

* **Working days** (``DeadlineUnit.WORKING_DAYS``).  N working days after a
  ticket received on local day D end at 23:59:59 local time of the N-th working
  day after D.  D itself never counts, whether or not it is a working day: a
  ticket received on Saturday with 1 working day is due Monday 23:59:59 local
  time (or on the Sunday if that Sunday is a make-up working day, 调休).  Only
  working days are counted, so a deadline that would land on a holiday is
  naturally pushed past it.  N = 0 means the end of D itself.

* **Which days are working days** (``WorkCalendar.is_working_day``): a date
  an administrator entered as a holiday is not; a date an administrator entered
  as a make-up working day is; otherwise the ``chinesecalendar`` library decides
  (weekends, public holidays and 调休).  For years that library does not cover
  (it knows 2004–2026), Monday to Friday are working days.

* **Confirmed calendars.**  A year is confirmed when ``chinesecalendar`` covers it
  or an administrator marked it confirmed.  ``Deadline.calendar_confirmed`` is
  False when any day counted (the days after D up to the due day) lies in a year
  that is not confirmed; the deadline is still computed, from weekends and
  whatever holidays the administrator entered, and the UI says it may move.

* **Hours** (``DeadlineUnit.HOURS``) are clock arithmetic: start + N hours,
  holidays and nights included.  **Calendar days**
  (``DeadlineUnit.CALENDAR_DAYS``, the 信访 channel) end at 23:59:59 local time
  of the local day N days after D, holidays included.  Both are always
  ``calendar_confirmed``.

* **Overdue.**  A ticket is overdue when ``now > due_at`` (the due instant itself
  is still on time).  ``time_left`` is ``due_at - now``, negative when overdue.

* ``working_days_between(start, end)`` counts the working days d with
  start's local date < d <= end's local date (0 when end's local date is not
  after start's).  It is the inverse of ``add_working_days``:
  ``working_days_between(s, add_working_days(s, n).due_at) == n``.  It serves
  the 5-working-day return window (退回) and the monthly assessment.

Defaults (``DEFAULT_POLICIES``, from domain.md; each centre edits its own):
accept (签收) within 1 working day, urgent within 2 hours; reply (答复) to
consult in 3, help in 5, complaint/report/suggestion/praise in 15 working days,
urgent tickets in 24 hours.  The ``petition_bureau`` channel (信访局转办,
信访工作条例) accepts within 15 and replies within 60 calendar days, extendable
once by at most 30 days (``max_extension_days``); the 60 days are counted again
from the acceptance (签收, ``tickets.accept``); an urgent petition keeps the
stricter urgent limits (2 hours / 24 hours).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "LOCAL_TZ",
    "DEFAULT_POLICIES",
    "PETITION_MAX_EXTENSION_DAYS",
    "Deadline",
    "DeadlineUnit",
    "WorkCalendar",
    "add_calendar_days",
    "add_hours",
    "add_working_days",
    "compute_due",
    "default_policy_for",
    "policy_precedence",
    "format_time_left",
    "is_overdue",
    "local_date",
    "time_left",
    "working_days_between",
]

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_END_OF_DAY = time(23, 59, 59)

#: 信访工作条例: the 60-day limit may be extended once, by at most 30 days.
PETITION_MAX_EXTENSION_DAYS = 30


class DeadlineUnit(StrEnum):
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"


UNIT_WORDS = {DeadlineUnit.WORKING_DAYS: "个工作日", DeadlineUnit.CALENDAR_DAYS: "个自然日", DeadlineUnit.HOURS: "小时"}


# --------------------------------------------------------------------------- #
# Calendar
# --------------------------------------------------------------------------- #


@lru_cache(maxsize=None)
def library_covers(year: int) -> bool:
    """True if chinesecalendar has official data for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkCalendar:
    """The working-day calendar: chinesecalendar plus the administrator's entries.

    Any iterable may be passed for the three sets; they are stored as frozensets.
    A date may not be both an extra holiday and an extra working day.
    """

    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    confirmed_years: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("extra_holidays", "extra_workdays", "confirmed_years"):
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))
        for d in self.extra_holidays | self.extra_workdays:
            if isinstance(d, datetime) or not isinstance(d, date):
                raise TypeError(f"calendar entries must be dates, got {d!r}")
        clash = self.extra_holidays & self.extra_workdays
        if clash:
            days = ", ".join(sorted(d.isoformat() for d in clash))
            raise ValueError(f"dates entered both as holiday and as working day: {days}")

    def is_working_day(self, d: date) -> bool:
        if isinstance(d, datetime) or not isinstance(d, date):
            raise TypeError(f"is_working_day takes a local date, got {d!r}")
        if d in self.extra_holidays:
            return False
        if d in self.extra_workdays:
            return True
        if library_covers(d.year):
            return chinese_calendar.is_workday(d)
        return d.weekday() < 5

    def is_year_confirmed(self, year: int) -> bool:
        return year in self.confirmed_years or library_covers(year)


@dataclass(frozen=True)
class Deadline:
    due_at: datetime  # tz-aware UTC
    calendar_confirmed: bool  # False when any day counted lies in an unconfirmed year


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _require_count(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def spoken_date(moment: datetime, *, year: bool = False, clock_time: bool = False) -> str:
    """The date as a text or a callback says it: 3月5日, 2026年3月5日, 3月5日09:00 (03月05日 read wrong aloud)."""
    local = moment.astimezone(LOCAL_TZ)
    said = f"{local.year}年" * year + f"{local.month}月{local.day}日"
    return said + (f"{local:%H:%M}" if clock_time else "")


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a tz-aware instant."""
    _require_aware(moment, "moment")
    return moment.astimezone(LOCAL_TZ).date()


def _end_of_local_day(d: date) -> datetime:
    return datetime.combine(d, _END_OF_DAY, tzinfo=LOCAL_TZ).astimezone(UTC)


def _years_confirmed(first: date, last: date, calendar: WorkCalendar) -> bool:
    return all(calendar.is_year_confirmed(y) for y in range(first.year, last.year + 1))


# --------------------------------------------------------------------------- #
# Adding time
# --------------------------------------------------------------------------- #


def add_working_days(start: datetime, days: int, calendar: WorkCalendar) -> Deadline:
    """End (23:59:59 local) of the ``days``-th working day after start's local date."""
    _require_aware(start, "start")
    _require_count(days, "days")
    received = local_date(start)
    d = received
    counted = 0
    while counted < days:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            counted += 1
    first_counted = min(received + timedelta(days=1), d)
    return Deadline(
        due_at=_end_of_local_day(d),
        calendar_confirmed=_years_confirmed(first_counted, d, calendar),
    )


def add_hours(start: datetime, hours: int) -> Deadline:
    """``start`` + ``hours`` of clock time; holidays are ignored."""
    _require_aware(start, "start")
    _require_count(hours, "hours")
    return Deadline(due_at=(start + timedelta(hours=hours)).astimezone(UTC), calendar_confirmed=True)


def add_calendar_days(start: datetime, days: int) -> Deadline:
    """End (23:59:59 local) of the local day ``days`` days after start's local date."""
    _require_aware(start, "start")
    _require_count(days, "days")
    due_day = local_date(start) + timedelta(days=days)
    return Deadline(due_at=_end_of_local_day(due_day), calendar_confirmed=True)


def compute_due(
    start: datetime, amount: int, unit: DeadlineUnit | str, calendar: WorkCalendar
) -> Deadline:
    """Dispatch on ``unit`` (a ``DeadlineUnit`` or its string value)."""
    unit = DeadlineUnit(unit)  # ValueError for an unknown unit
    if unit is DeadlineUnit.WORKING_DAYS:
        return add_working_days(start, amount, calendar)
    if unit is DeadlineUnit.HOURS:
        return add_hours(start, amount)
    return add_calendar_days(start, amount)


# --------------------------------------------------------------------------- #
# Measuring time
# --------------------------------------------------------------------------- #


def working_days_between(start: datetime, end: datetime, calendar: WorkCalendar) -> int:
    """Working days d with local_date(start) < d <= local_date(end); 0 if none."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    d = local_date(start)
    last = local_date(end)
    count = 0
    while d < last:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            count += 1
    return count


def is_overdue(due_at: datetime, now: datetime) -> bool:
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    return now > due_at


def time_left(due_at: datetime, now: datetime) -> timedelta:
    """``due_at - now``; negative when overdue."""
    _require_aware(due_at, "due_at")
    _require_aware(now, "now")
    return due_at - now


def format_time_left(due_at: datetime, now: datetime) -> str:
    """Chinese text for the time left: "剩余2天3小时", "剩余45分钟", "已超期1天2小时".

    Whole units, rounded down; zero parts are left out ("剩余2天", "剩余3小时"),
    and less than a minute reads "不足1分钟".  Days are 24-hour spans.
    """
    delta = time_left(due_at, now)
    prefix = "已超期" if is_overdue(due_at, now) else "剩余"
    total_minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = f"{days}天" + (f"{hours}小时" if hours else "")
    elif hours:
        text = f"{hours}小时" + (f"{minutes}分钟" if minutes else "")
    elif minutes:
        text = f"{minutes}分钟"
    else:
        text = "不足1分钟"
    return prefix + text


# --------------------------------------------------------------------------- #
# Default policies (domain.md, "Deadlines"); the administrator edits copies in the DB
# --------------------------------------------------------------------------- #

_NORMAL_REPLY_WORKING_DAYS = {
    "consult": 3,
    "help": 5,
    "complaint": 15,
    "report": 15,
    "suggestion": 15,
    "praise": 15,
}


def _build_default_policies() -> list[dict]:
    policies: list[dict] = []
    for channel in (None, "petition_bureau"):
        for ticket_type, reply_days in _NORMAL_REPLY_WORKING_DAYS.items():
            for urgency in ("normal", "urgent"):
                max_extension_days = None
                if urgency == "urgent":
                    accept = (2, DeadlineUnit.HOURS)
                    reply = (24, DeadlineUnit.HOURS)
                elif channel == "petition_bureau":
                    accept = (15, DeadlineUnit.CALENDAR_DAYS)
                    reply = (60, DeadlineUnit.CALENDAR_DAYS)
                    max_extension_days = PETITION_MAX_EXTENSION_DAYS
                else:
                    accept = (1, DeadlineUnit.WORKING_DAYS)
                    reply = (reply_days, DeadlineUnit.WORKING_DAYS)
                policies.append(
                    {
                        "ticket_type": ticket_type,
                        "urgency": urgency,
                        "channel": channel,
                        "accept_amount": accept[0],
                        "accept_unit": accept[1],
                        "reply_amount": reply[0],
                        "reply_unit": reply[1],
                        "max_extension_days": max_extension_days,
                    }
                )
    return policies


#: One row per (ticket_type, urgency, channel) with channel None (any) or
#: "petition_bureau".  ``max_extension_days`` is 30 for normal petitions
#: (信访工作条例) and None (no default cap) elsewhere.  Units are ``DeadlineUnit``
#: members, which are ``str`` and compare equal to their values.
DEFAULT_POLICIES: list[dict] = _build_default_policies()


def default_policy_for(
    ticket_type: str, urgency: str, channel: str | None = None, policies: Iterable[dict] | None = None
) -> dict:
    """The policy row that applies to a ticket.

    A row matches when each of its ``ticket_type``/``urgency``/``channel`` is
    None (any) or equal to the ticket's.  Among matches the order is
    ``policy_precedence``'s.  Raises
    ``LookupError`` if nothing matches.  ``policies`` defaults to
    ``DEFAULT_POLICIES``; callers may pass their own rows as dicts.
    """
    rows = DEFAULT_POLICIES if policies is None else list(policies)
    matches = [
        p
        for p in rows
        if p["ticket_type"] in (None, ticket_type)
        and p["urgency"] in (None, urgency)
        and p["channel"] in (None, channel)
    ]
    if not matches:
        raise LookupError(f"no deadline policy for {ticket_type}/{urgency}/{channel}")

    return max(matches, key=lambda p: policy_precedence(p["ticket_type"], p["urgency"], p["channel"]))


def policy_precedence(ticket_type: str | None, urgency: str | None, channel: str | None) -> tuple[bool, bool, int]:
    """How a matching time-limit row ranks (the greatest applies): a row for urgent tickets first, so that a row
    for a whole channel ("市长信箱: 10 working days") does not take an urgent letter off its 2 hours / 24 hours (a
    domain review); then a row naming the channel; then the row naming more fields."""
    return (urgency == "urgent", channel is not None, sum(x is not None for x in (ticket_type, urgency, channel)))
