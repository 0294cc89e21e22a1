"""Deadline arithmetic (ticketing.services.deadlines).

Every expected date below was checked against chinesecalendar 1.11.0
(``test_calendar_facts`` asserts the facts the other tables rely on), so a
change of the library's data shows up there first.

Calendar facts used (chinesecalendar):
  2026 New Year: Jan 1–3 off, Sun Jan 4 is a make-up working day.
  2025 National Day + Mid-Autumn: Oct 1–8 off; Sun Sep 28 and Sat Oct 11 work.
  2026 Mid-Autumn Sep 25–27 off; National Day Oct 1–7 off; Sun Sep 20 and Sat Oct 10 work.
  2026 Spring Festival: Feb 15–23 off; Sat Feb 14 and Sat Feb 28 work.
  2027 and 2030 are not covered.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from ticketing.services.deadlines import (
    DEFAULT_POLICIES,
    LOCAL_TZ,
    Deadline,
    DeadlineUnit,
    WorkCalendar,
    add_calendar_days,
    add_hours,
    add_working_days,
    compute_due,
    default_policy_for,
    format_time_left,
    is_overdue,
    time_left,
    working_days_between,
)

PLAIN = WorkCalendar()


def local(y, m, d, hh=0, mm=0, ss=0, us=0):
    """An aware Asia/Shanghai datetime."""
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=LOCAL_TZ)


def end_of(iso):
    """23:59:59 local time of the given date, as UTC."""
    y, m, d = map(int, iso.split("-"))
    return local(y, m, d, 23, 59, 59).astimezone(UTC)


def D(iso):
    return date.fromisoformat(iso)


def assert_utc(moment):
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


# --------------------------------------------------------------------------- #
# The calendar facts the tables rely on
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        ("2025-12-31", True),
        ("2026-01-01", False),
        ("2026-01-02", False),
        ("2026-01-03", False),
        ("2026-01-04", True),  # Sunday, make-up day for New Year
        ("2025-09-27", False),
        ("2025-09-28", True),  # Sunday, make-up day
        ("2025-10-01", False),
        ("2025-10-06", False),  # Mid-Autumn 2025
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, make-up day
        ("2026-09-20", True),  # Sunday, make-up day
        ("2026-09-25", False),  # Mid-Autumn 2026
        ("2026-09-27", False),
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, make-up day
        ("2026-02-14", True),  # Saturday, make-up day
        ("2026-02-17", False),  # Spring Festival
        ("2026-02-23", False),
        ("2026-02-24", True),
    ],
)
def test_calendar_facts(day, is_workday):
    assert chinese_calendar.is_workday(D(day)) is is_workday
    assert PLAIN.is_working_day(D(day)) is is_workday


@pytest.mark.parametrize("year", [2027, 2030])
def test_uncovered_years_really_are_uncovered(year):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(year, 1, 4))


# --------------------------------------------------------------------------- #
# add_working_days on the real calendar
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("start", "days", "due_day"),
    [
        # ordinary week (March 2025 has no holidays)
        pytest.param(local(2025, 3, 11, 10), 1, "2025-03-12", id="tue+1"),
        pytest.param(local(2025, 3, 11, 10), 3, "2025-03-14", id="tue+3"),
        pytest.param(local(2025, 3, 11, 10), 5, "2025-03-18", id="tue+5-over-weekend"),
        pytest.param(local(2025, 3, 11, 0, 0, 0), 1, "2025-03-12", id="start-of-day"),
        pytest.param(local(2025, 3, 11, 23, 59, 59), 1, "2025-03-12", id="end-of-day"),
        pytest.param(local(2025, 3, 11, 10), 0, "2025-03-11", id="zero-days-same-day"),
        # Friday -> Monday; weekend starts: the start day never counts
        pytest.param(local(2025, 3, 14, 16), 1, "2025-03-17", id="fri->mon"),
        pytest.param(local(2025, 3, 15, 9), 1, "2025-03-17", id="sat->mon"),
        pytest.param(local(2025, 3, 16, 9), 1, "2025-03-17", id="sun->mon"),
        # the local date decides, not the UTC date (16:30 UTC = 00:30 next day local)
        pytest.param(datetime(2025, 3, 11, 16, 30, tzinfo=UTC), 1, "2025-03-13", id="utc-input-next-local-day"),
        pytest.param(datetime(2025, 3, 11, 15, 59, tzinfo=UTC), 1, "2025-03-12", id="utc-input-same-local-day"),
        # year end: 2026 New Year Jan 1-3 off, Sunday Jan 4 is a make-up working day
        pytest.param(local(2025, 12, 31, 15), 1, "2026-01-04", id="2025-12-31+1->sun-makeup"),
        pytest.param(local(2025, 12, 31, 15), 2, "2026-01-05", id="2025-12-31+2"),
        pytest.param(local(2025, 12, 30, 15), 2, "2026-01-04", id="2025-12-30+2"),
        pytest.param(local(2025, 12, 31, 15), 5, "2026-01-08", id="2025-12-31+5"),
        pytest.param(local(2025, 12, 31, 15), 15, "2026-01-22", id="2025-12-31+15"),
        # National Day + Mid-Autumn 2025: Oct 1-8 off, Sun Sep 28 and Sat Oct 11 work
        pytest.param(local(2025, 9, 30, 17), 1, "2025-10-09", id="2025-09-30+1-over-golden-week"),
        pytest.param(local(2025, 9, 26, 17), 1, "2025-09-28", id="2025-fri->sun-makeup"),
        pytest.param(local(2025, 9, 27, 9), 1, "2025-09-28", id="2025-sat->sun-makeup"),
        pytest.param(local(2025, 10, 10, 9), 1, "2025-10-11", id="2025-fri->sat-makeup"),
        pytest.param(local(2025, 9, 30, 9), 3, "2025-10-11", id="2025-09-30+3-ends-on-sat-makeup"),
        pytest.param(local(2025, 9, 29, 9), 15, "2025-10-27", id="2025-09-29+15"),
        pytest.param(local(2025, 9, 30, 9), 15, "2025-10-28", id="2025-09-30+15"),
        # 2026: Mid-Autumn Sep 25-27, National Day Oct 1-7; Sun Sep 20 and Sat Oct 10 work
        pytest.param(local(2026, 9, 24, 9), 1, "2026-09-28", id="2026-thu->mon-over-mid-autumn"),
        pytest.param(local(2026, 9, 19, 9), 1, "2026-09-20", id="2026-sat->sun-makeup"),
        pytest.param(local(2026, 9, 18, 9), 5, "2026-09-24", id="2026-09-18+5-counts-sun-makeup"),
        pytest.param(local(2026, 9, 30, 9), 1, "2026-10-08", id="2026-09-30+1-over-national-day"),
        pytest.param(local(2026, 10, 9, 9), 1, "2026-10-10", id="2026-fri->sat-makeup"),
        # Spring Festival 2026: Feb 15-23 off, Sat Feb 14 and Sat Feb 28 work
        pytest.param(local(2026, 2, 13, 9), 1, "2026-02-14", id="2026-fri->sat-makeup-spring"),
        pytest.param(local(2026, 2, 13, 9), 2, "2026-02-24", id="2026-over-spring-festival"),
        pytest.param(local(2026, 2, 27, 9), 1, "2026-02-28", id="2026-fri->sat-makeup-feb28"),
    ],
)
def test_add_working_days(start, days, due_day):
    result = add_working_days(start, days, PLAIN)
    assert result == Deadline(due_at=end_of(due_day), calendar_confirmed=True)
    assert_utc(result.due_at)
    # the due instant is 23:59:59 local time
    assert result.due_at.astimezone(LOCAL_TZ).time().isoformat() == "23:59:59"


@pytest.mark.parametrize(
    ("start", "days", "naive_due_day", "due_day"),
    [
        # without holidays these would fall on a holiday; counting working days pushes them past it
        pytest.param(local(2025, 9, 29, 9), 3, "2025-10-02", "2025-10-10", id="2025-national-day"),
        pytest.param(local(2026, 9, 23, 9), 2, "2026-09-25", "2026-09-28", id="2026-mid-autumn"),
        pytest.param(local(2025, 12, 30, 9), 2, "2026-01-01", "2026-01-04", id="2026-new-year"),
        pytest.param(local(2026, 2, 12, 9), 3, "2026-02-17", "2026-02-24", id="2026-spring-festival"),
    ],
)
def test_deadline_that_would_land_on_a_holiday_is_pushed_past_it(start, days, naive_due_day, due_day):
    assert not chinese_calendar.is_workday(D(naive_due_day))
    assert add_working_days(start, days, PLAIN).due_at == end_of(due_day)


@pytest.mark.parametrize(
    ("start", "days", "due_day"),
    [
        pytest.param(local(2025, 10, 3, 11), 1, "2025-10-09", id="2025-national-day"),
        pytest.param(local(2025, 10, 5, 11), 5, "2025-10-14", id="2025-national-day+5"),
        pytest.param(local(2026, 1, 1, 11), 1, "2026-01-04", id="2026-new-year"),
        pytest.param(local(2026, 2, 17, 11), 1, "2026-02-24", id="2026-spring-festival"),
        pytest.param(local(2026, 9, 26, 11), 1, "2026-09-28", id="2026-mid-autumn"),
    ],
)
def test_start_on_a_holiday(start, days, due_day):
    assert add_working_days(start, days, PLAIN).due_at == end_of(due_day)


# --------------------------------------------------------------------------- #
# Years chinesecalendar does not cover; administrator entries
# --------------------------------------------------------------------------- #

ADMIN_2027 = WorkCalendar(extra_holidays=frozenset({D("2027-01-01")}))
ADMIN_2030 = WorkCalendar(
    extra_holidays=frozenset(D(f"2030-10-0{i}") for i in range(1, 8)),
    extra_workdays=frozenset({D("2030-09-29")}),  # a Sunday make-up day
)
CONFIRMED_2030 = WorkCalendar(
    extra_holidays=ADMIN_2030.extra_holidays,
    extra_workdays=ADMIN_2030.extra_workdays,
    confirmed_years=frozenset({2030}),
)


@pytest.mark.parametrize(
    ("start", "days", "calendar", "due_day", "confirmed"),
    [
        # weekends only: 2027-01-01 is a Friday and counts as a working day
        pytest.param(local(2026, 12, 31, 10), 1, PLAIN, "2027-01-01", False, id="2026-12-31+1-into-2027"),
        pytest.param(local(2027, 3, 5, 10), 1, PLAIN, "2027-03-08", False, id="2027-fri->mon"),
        pytest.param(local(2030, 9, 30, 10), 1, PLAIN, "2030-10-01", False, id="2030-weekdays-only"),
        pytest.param(local(2030, 9, 27, 10), 5, PLAIN, "2030-10-04", False, id="2030+5"),
        # the counted days stay in 2026: confirmed
        pytest.param(local(2026, 12, 30, 10), 1, PLAIN, "2026-12-31", True, id="2026-12-30+1-stays-in-2026"),
        pytest.param(local(2026, 12, 31, 10), 0, PLAIN, "2026-12-31", True, id="zero-days-in-2026"),
        # administrator-entered holiday is respected
        pytest.param(local(2026, 12, 31, 10), 1, ADMIN_2027, "2027-01-04", False, id="admin-holiday-2027"),
        pytest.param(local(2030, 9, 30, 10), 1, ADMIN_2030, "2030-10-08", False, id="admin-holidays-2030"),
        # administrator-entered make-up day is counted
        pytest.param(local(2030, 9, 27, 10), 1, ADMIN_2030, "2030-09-29", False, id="admin-workday-2030"),
        # administrator confirmed the year
        pytest.param(local(2030, 9, 30, 10), 1, CONFIRMED_2030, "2030-10-08", True, id="confirmed-2030"),
        pytest.param(local(2030, 9, 27, 10), 1, CONFIRMED_2030, "2030-09-29", True, id="confirmed-2030-workday"),
        # a confirmed 2030 does not confirm 2031
        pytest.param(local(2030, 12, 31, 10), 1, CONFIRMED_2030, "2031-01-01", False, id="confirmed-2030-into-2031"),
        pytest.param(local(2030, 12, 30, 10), 1, CONFIRMED_2030, "2030-12-31", True, id="confirmed-2030-stays"),
    ],
)
def test_uncovered_years(start, days, calendar, due_day, confirmed):
    assert add_working_days(start, days, calendar) == Deadline(end_of(due_day), confirmed)


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        (PLAIN, "2027-01-01", True),  # Friday, no data: weekday
        (PLAIN, "2027-01-02", False),  # Saturday
        (PLAIN, "2030-10-01", True),
        (ADMIN_2030, "2030-10-01", False),  # admin holiday
        (ADMIN_2030, "2030-09-29", True),  # admin make-up Sunday
        (PLAIN, "2003-06-02", True),  # before the library's range: weekday
        # admin entries win over chinesecalendar too
        (WorkCalendar(extra_holidays={D("2025-03-12")}), "2025-03-12", False),
        (WorkCalendar(extra_workdays={D("2025-10-02")}), "2025-10-02", True),
    ],
)
def test_is_working_day(calendar, day, expected):
    assert calendar.is_working_day(D(day)) is expected


@pytest.mark.parametrize(
    ("calendar", "year", "expected"),
    [
        (PLAIN, 2004, True),
        (PLAIN, 2025, True),
        (PLAIN, 2026, True),
        (PLAIN, 2027, False),
        (PLAIN, 2030, False),
        (ADMIN_2030, 2030, False),  # entering holidays alone does not confirm
        (CONFIRMED_2030, 2030, True),
        (CONFIRMED_2030, 2031, False),
    ],
)
def test_is_year_confirmed(calendar, year, expected):
    assert calendar.is_year_confirmed(year) is expected


def test_work_calendar_accepts_plain_sets_and_stays_hashable():
    cal = WorkCalendar(extra_holidays={D("2027-01-01")}, confirmed_years=[2027])
    assert cal.extra_holidays == frozenset({D("2027-01-01")})
    assert cal.confirmed_years == frozenset({2027})
    assert hash(cal) == hash(WorkCalendar(extra_holidays=frozenset({D("2027-01-01")}), confirmed_years={2027}))


def test_work_calendar_rejects_a_day_that_is_both_holiday_and_workday():
    with pytest.raises(ValueError, match="2027-01-01"):
        WorkCalendar(extra_holidays={D("2027-01-01")}, extra_workdays={D("2027-01-01")})


@pytest.mark.parametrize("bad", [local(2027, 1, 1), "2027-01-01"])
def test_work_calendar_takes_dates_only(bad):
    with pytest.raises(TypeError):
        WorkCalendar(extra_holidays={bad})
    with pytest.raises(TypeError):
        PLAIN.is_working_day(bad)


# --------------------------------------------------------------------------- #
# Hours and calendar days
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        pytest.param(local(2025, 3, 11, 22, 30), 2, local(2025, 3, 12, 0, 30), id="across-midnight"),
        pytest.param(local(2025, 3, 11, 10), 24, local(2025, 3, 12, 10), id="24h"),
        pytest.param(local(2025, 9, 30, 20), 24, local(2025, 10, 1, 20), id="into-national-day"),
        pytest.param(local(2025, 10, 3, 9), 2, local(2025, 10, 3, 11), id="on-a-holiday"),
        pytest.param(local(2026, 2, 14, 18), 24, local(2026, 2, 15, 18), id="into-spring-festival"),
        pytest.param(local(2026, 12, 31, 23), 2, local(2027, 1, 1, 1), id="into-uncovered-year"),
        pytest.param(datetime(2025, 3, 11, 15, tzinfo=UTC), 2, local(2025, 3, 12, 1), id="utc-input"),
        pytest.param(local(2025, 3, 11, 10), 0, local(2025, 3, 11, 10), id="zero"),
    ],
)
def test_add_hours(start, hours, due):
    result = add_hours(start, hours)
    assert result == Deadline(due_at=due, calendar_confirmed=True)
    assert_utc(result.due_at)


@pytest.mark.parametrize(
    ("start", "days", "due_day"),
    [
        pytest.param(local(2025, 9, 30, 10), 15, "2025-10-15", id="petition-accept-15"),
        pytest.param(local(2025, 9, 30, 10), 60, "2025-11-29", id="petition-reply-60"),
        pytest.param(local(2025, 10, 1, 10), 1, "2025-10-02", id="holidays-count"),
        pytest.param(local(2026, 12, 20, 10), 15, "2027-01-04", id="into-uncovered-year"),
        pytest.param(datetime(2025, 3, 11, 16, 30, tzinfo=UTC), 1, "2025-03-13", id="utc-input-next-local-day"),
        pytest.param(local(2025, 3, 11, 10), 0, "2025-03-11", id="zero"),
    ],
)
def test_add_calendar_days(start, days, due_day):
    result = add_calendar_days(start, days)
    assert result == Deadline(due_at=end_of(due_day), calendar_confirmed=True)
    assert_utc(result.due_at)


# --------------------------------------------------------------------------- #
# compute_due
# --------------------------------------------------------------------------- #

START = local(2025, 9, 30, 10)


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [
        (3, DeadlineUnit.WORKING_DAYS, Deadline(end_of("2025-10-11"), True)),
        (3, "working_days", Deadline(end_of("2025-10-11"), True)),
        (24, DeadlineUnit.HOURS, Deadline(local(2025, 10, 1, 10), True)),
        (24, "hours", Deadline(local(2025, 10, 1, 10), True)),
        (15, DeadlineUnit.CALENDAR_DAYS, Deadline(end_of("2025-10-15"), True)),
        (15, "calendar_days", Deadline(end_of("2025-10-15"), True)),
    ],
)
def test_compute_due(amount, unit, expected):
    assert compute_due(START, amount, unit, PLAIN) == expected


def test_compute_due_unknown_unit():
    with pytest.raises(ValueError):
        compute_due(START, 3, "weeks", PLAIN)


def test_compute_due_reports_unconfirmed_year():
    assert compute_due(local(2030, 9, 30, 10), 1, "working_days", PLAIN) == Deadline(end_of("2030-10-01"), False)


# --------------------------------------------------------------------------- #
# working_days_between
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("start", "end", "calendar", "expected"),
    [
        pytest.param(local(2025, 3, 11, 9), local(2025, 3, 11, 18), PLAIN, 0, id="same-day"),
        pytest.param(local(2025, 3, 11, 18), local(2025, 3, 12, 9), PLAIN, 1, id="next-day"),
        pytest.param(local(2025, 3, 11, 9), local(2025, 3, 18, 9), PLAIN, 5, id="one-week"),
        pytest.param(local(2025, 3, 14, 9), local(2025, 3, 16, 23), PLAIN, 0, id="fri->sun"),
        pytest.param(local(2025, 3, 14, 9), local(2025, 3, 17, 0, 1), PLAIN, 1, id="fri->mon"),
        pytest.param(local(2025, 3, 12, 9), local(2025, 3, 11, 9), PLAIN, 0, id="end-before-start"),
        pytest.param(local(2025, 9, 30, 9), local(2025, 10, 8, 18), PLAIN, 0, id="golden-week"),
        pytest.param(local(2025, 9, 30, 9), local(2025, 10, 9, 9), PLAIN, 1, id="after-golden-week"),
        pytest.param(local(2025, 9, 26, 9), local(2025, 10, 13, 9), PLAIN, 7, id="with-two-makeup-days"),
        pytest.param(local(2025, 12, 31, 9), local(2026, 1, 5, 9), PLAIN, 2, id="new-year-2026"),
        pytest.param(local(2026, 2, 13, 9), local(2026, 2, 28, 9), PLAIN, 6, id="spring-festival-2026"),
        # local dates decide: 16:30 UTC is already the next local day
        pytest.param(
            datetime(2025, 3, 11, 16, 30, tzinfo=UTC),
            datetime(2025, 3, 12, 15, 0, tzinfo=UTC),
            PLAIN,
            0,
            id="utc-inputs-same-local-day",
        ),
        pytest.param(local(2030, 9, 27, 9), local(2030, 10, 4, 9), PLAIN, 5, id="2030-weekdays"),
        pytest.param(local(2030, 9, 27, 9), local(2030, 10, 8, 9), ADMIN_2030, 3, id="2030-admin"),
    ],
)
def test_working_days_between(start, end, calendar, expected):
    assert working_days_between(start, end, calendar) == expected


@pytest.mark.parametrize(
    ("returned_at", "within_window"),
    [
        (local(2025, 10, 13, 17), True),  # 30, 9, 10, 11(Sat make-up), 13 -> 5 working days
        (local(2025, 10, 14, 9), False),  # 6th working day
    ],
)
def test_return_window_of_five_working_days(returned_at, within_window):
    dispatched_at = local(2025, 9, 29, 10)
    assert (working_days_between(dispatched_at, returned_at, PLAIN) <= 5) is within_window


@pytest.mark.parametrize(
    "start",
    [
        local(2025, 3, 14, 16),
        local(2025, 9, 26, 9),
        local(2025, 10, 3, 9),
        local(2025, 12, 31, 15),
        local(2026, 2, 13, 9),
        local(2026, 9, 19, 9),
        local(2026, 12, 28, 9),
    ],
)
@pytest.mark.parametrize("days", [0, 1, 2, 3, 5, 15])
def test_working_days_between_inverts_add_working_days(start, days):
    due = add_working_days(start, days, ADMIN_2027).due_at
    assert working_days_between(start, due, ADMIN_2027) == days


# --------------------------------------------------------------------------- #
# Overdue and time left
# --------------------------------------------------------------------------- #

DUE = end_of("2025-10-09")


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        (local(2025, 10, 9, 12), False),
        (local(2025, 10, 9, 23, 59, 59), False),  # the due instant itself is on time
        (local(2025, 10, 9, 23, 59, 59, 1), True),
        (local(2025, 10, 10, 0, 0), True),
        (datetime(2025, 10, 9, 15, 59, 59, tzinfo=UTC), False),  # same instant, UTC
        (datetime(2025, 10, 9, 16, 0, 0, tzinfo=UTC), True),
    ],
)
def test_is_overdue(now, overdue):
    assert is_overdue(DUE, now) is overdue


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (local(2025, 10, 9, 12), timedelta(hours=11, minutes=59, seconds=59)),
        (local(2025, 10, 10, 1, 59, 59), timedelta(hours=-2)),
    ],
)
def test_time_left(now, left):
    assert time_left(DUE, now) == left


NOW = datetime(2025, 10, 9, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due_at", "text"),
    [
        (NOW + timedelta(days=2, hours=3), "剩余2天3小时"),
        (NOW + timedelta(days=2, hours=3, minutes=59), "剩余2天3小时"),
        (NOW + timedelta(days=2), "剩余2天"),
        (NOW + timedelta(hours=3), "剩余3小时"),
        (NOW + timedelta(hours=3, minutes=5), "剩余3小时5分钟"),
        (NOW + timedelta(minutes=45), "剩余45分钟"),
        (NOW + timedelta(minutes=45, seconds=59), "剩余45分钟"),
        (NOW + timedelta(seconds=30), "剩余不足1分钟"),
        (NOW, "剩余不足1分钟"),
        (NOW - timedelta(seconds=30), "已超期不足1分钟"),
        (NOW - timedelta(minutes=90), "已超期1小时30分钟"),
        (NOW - timedelta(days=1, hours=2), "已超期1天2小时"),
        (NOW - timedelta(days=12), "已超期12天"),
        # time zones of the two arguments do not matter
        ((NOW + timedelta(minutes=45)).astimezone(LOCAL_TZ), "剩余45分钟"),
        ((NOW - timedelta(days=1, hours=2)).astimezone(ZoneInfo("America/New_York")), "已超期1天2小时"),
    ],
)
def test_format_time_left(due_at, text):
    assert format_time_left(due_at, NOW) == text


# --------------------------------------------------------------------------- #
# Naive datetimes and bad amounts are rejected
# --------------------------------------------------------------------------- #

NAIVE = datetime(2025, 3, 11, 10, 0)
AWARE = local(2025, 3, 11, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_days(NAIVE, 1, PLAIN), id="add_working_days"),
        pytest.param(lambda: add_hours(NAIVE, 2), id="add_hours"),
        pytest.param(lambda: add_calendar_days(NAIVE, 15), id="add_calendar_days"),
        pytest.param(lambda: compute_due(NAIVE, 3, "working_days", PLAIN), id="compute_due"),
        pytest.param(lambda: working_days_between(NAIVE, AWARE, PLAIN), id="between-start"),
        pytest.param(lambda: working_days_between(AWARE, NAIVE, PLAIN), id="between-end"),
        pytest.param(lambda: is_overdue(NAIVE, AWARE), id="is_overdue-due"),
        pytest.param(lambda: is_overdue(AWARE, NAIVE), id="is_overdue-now"),
        pytest.param(lambda: time_left(NAIVE, AWARE), id="time_left-due"),
        pytest.param(lambda: time_left(AWARE, NAIVE), id="time_left-now"),
        pytest.param(lambda: format_time_left(NAIVE, AWARE), id="format-due"),
        pytest.param(lambda: format_time_left(AWARE, NAIVE), id="format-now"),
    ],
)
def test_naive_datetime_rejected(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda: add_working_days(AWARE, -1, PLAIN), ValueError, id="negative-days"),
        pytest.param(lambda: add_hours(AWARE, -2), ValueError, id="negative-hours"),
        pytest.param(lambda: add_calendar_days(AWARE, -1), ValueError, id="negative-calendar-days"),
        pytest.param(lambda: add_hours(AWARE, 1.5), TypeError, id="float-hours"),
        pytest.param(lambda: add_working_days(AWARE, True, PLAIN), TypeError, id="bool-days"),
        pytest.param(lambda: add_hours(date(2025, 3, 11), 2), TypeError, id="date-not-datetime"),
    ],
)
def test_bad_arguments_rejected(call, error):
    with pytest.raises(error):
        call()


# --------------------------------------------------------------------------- #
# Default policies
# --------------------------------------------------------------------------- #

TYPES = ["consult", "help", "complaint", "report", "suggestion", "praise"]
WD, H, CD = DeadlineUnit.WORKING_DAYS, DeadlineUnit.HOURS, DeadlineUnit.CALENDAR_DAYS


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "channel", "accept", "reply", "max_extension_days"),
    [
        ("consult", "normal", None, (1, WD), (3, WD), None),
        ("help", "normal", None, (1, WD), (5, WD), None),
        ("complaint", "normal", None, (1, WD), (15, WD), None),
        ("report", "normal", None, (1, WD), (15, WD), None),
        ("suggestion", "normal", None, (1, WD), (15, WD), None),
        ("praise", "normal", None, (1, WD), (15, WD), None),
        *[(t, "urgent", None, (2, H), (24, H), None) for t in TYPES],
        *[(t, "normal", "petition_bureau", (15, CD), (60, CD), 30) for t in TYPES],
        *[(t, "urgent", "petition_bureau", (2, H), (24, H), None) for t in TYPES],
    ],
)
def test_default_policies(ticket_type, urgency, channel, accept, reply, max_extension_days):
    rows = [
        p
        for p in DEFAULT_POLICIES
        if (p["ticket_type"], p["urgency"], p["channel"]) == (ticket_type, urgency, channel)
    ]
    assert len(rows) == 1
    row = rows[0]
    assert (row["accept_amount"], row["accept_unit"]) == accept
    assert (row["reply_amount"], row["reply_unit"]) == reply
    assert row["max_extension_days"] == max_extension_days


def test_default_policies_shape():
    keys = {
        "ticket_type",
        "urgency",
        "channel",
        "accept_amount",
        "accept_unit",
        "reply_amount",
        "reply_unit",
        "max_extension_days",
    }
    assert all(set(p) == keys for p in DEFAULT_POLICIES)
    assert len(DEFAULT_POLICIES) == len(TYPES) * 2 * 2
    assert all(DeadlineUnit(p["accept_unit"]) and DeadlineUnit(p["reply_unit"]) for p in DEFAULT_POLICIES)


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "channel", "reply"),
    [
        ("consult", "normal", "hotline_12393", (3, WD)),  # no channel row: falls back to channel=None
        ("consult", "normal", None, (3, WD)),
        ("complaint", "normal", "petition_bureau", (60, CD)),
        ("complaint", "urgent", "petition_bureau", (24, H)),
    ],
)
def test_default_policy_for(ticket_type, urgency, channel, reply):
    row = default_policy_for(ticket_type, urgency, channel)
    assert (row["reply_amount"], row["reply_unit"]) == reply


CUSTOM = [
    {"ticket_type": None, "urgency": None, "channel": None, "reply_amount": 5},
    {"ticket_type": "complaint", "urgency": None, "channel": None, "reply_amount": 10},
    {"ticket_type": "complaint", "urgency": "urgent", "channel": None, "reply_amount": 1},
    {"ticket_type": None, "urgency": None, "channel": "mailbox_mayor", "reply_amount": 7},
]


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "channel", "reply_amount"),
    [
        ("consult", "normal", None, 5),  # only the catch-all row matches
        ("complaint", "normal", "wechat", 10),  # the row naming more fields wins
        ("complaint", "urgent", "wechat", 1),
        ("complaint", "normal", "mailbox_mayor", 7),  # a row naming the channel wins
        ("complaint", "urgent", "mailbox_mayor", 1),  # but not over a row for urgent tickets
    ],
)
def test_default_policy_for_custom_rows_with_wildcards(ticket_type, urgency, channel, reply_amount):
    assert default_policy_for(ticket_type, urgency, channel, policies=CUSTOM)["reply_amount"] == reply_amount


def test_default_policy_for_unknown_type():
    with pytest.raises(LookupError):
        default_policy_for("unknown", "normal")


@pytest.mark.parametrize(
    ("ticket_type", "urgency", "channel", "received", "accept_due", "reply_due"),
    [
        ("consult", "normal", "hotline_12393", local(2025, 9, 30, 10), end_of("2025-10-09"), end_of("2025-10-11")),
        ("help", "normal", "wechat", local(2025, 12, 31, 10), end_of("2026-01-04"), end_of("2026-01-08")),
        ("complaint", "urgent", None, local(2025, 9, 30, 23), local(2025, 10, 1, 1), local(2025, 10, 1, 23)),
        (
            "report",
            "normal",
            "petition_bureau",
            local(2025, 9, 30, 10),
            end_of("2025-10-15"),
            end_of("2025-11-29"),
        ),
    ],
)
def test_policy_end_to_end(ticket_type, urgency, channel, received, accept_due, reply_due):
    row = default_policy_for(ticket_type, urgency, channel)
    assert compute_due(received, row["accept_amount"], row["accept_unit"], PLAIN).due_at == accept_due
    assert compute_due(received, row["reply_amount"], row["reply_unit"], PLAIN).due_at == reply_due
