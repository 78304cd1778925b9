from datetime import UTC, date, datetime, time, timedelta

import chinese_calendar
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jiedao.lib.workcalendar import SHANGHAI, Basis, Unit, WorkCalendar

CAL = WorkCalendar()
# No deadline: a slow CI machine must not fail a test; no database: nothing written to the repo.
PROPERTY = settings(deadline=None, database=None, max_examples=200)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=SHANGHAI)


# --- working days -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday, 调休 before the Spring Festival
        (date(2025, 1, 28), False),  # Tuesday, Spring Festival
        (date(2025, 2, 1), False),  # Saturday inside the holiday
        (date(2025, 2, 4), False),  # last day of the holiday
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, 调休
        (date(2025, 9, 28), True),  # Sunday, 调休 before National Day
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday, 调休
        (date(2026, 2, 14), True),  # Saturday, 调休 before the 2026 Spring Festival
        (date(2026, 2, 16), False),
        (date(2026, 2, 23), False),  # Monday, still Spring Festival
        (date(2026, 2, 28), True),  # Saturday, 调休
    ],
)
def test_is_working_day_follows_chinese_calendar(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_unknown_year_falls_back_to_monday_to_friday() -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2031, 1, 1))
    assert CAL.is_working_day(date(2031, 1, 1))  # Wednesday; New Year not known for 2031
    assert not CAL.is_working_day(date(2031, 1, 4))  # Saturday


def test_overrides_win_in_unknown_and_known_years() -> None:
    overrides = {date(2031, 1, 1): False, date(2031, 1, 4): True, date(2025, 10, 8): True}
    cal = WorkCalendar(overrides=overrides)
    assert not cal.is_working_day(date(2031, 1, 1))
    assert cal.is_working_day(date(2031, 1, 4))
    assert cal.is_working_day(date(2025, 10, 8))
    # Friday 2031-01-03: the next working day is the overridden Saturday, not Monday.
    assert CAL.add(sh(2031, 1, 3, 10), 1, "day", "working") == sh(2031, 1, 6, 17, 30)
    assert cal.add(sh(2031, 1, 3, 10), 1, "day", "working") == sh(2031, 1, 4, 17, 30)


def test_overrides_are_snapshotted() -> None:
    overrides = {date(2031, 1, 4): True}
    cal = WorkCalendar(overrides=overrides)
    overrides[date(2031, 1, 4)] = False
    assert cal.is_working_day(date(2031, 1, 4))


# --- working days as a unit ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "deadline"),
    [
        # Friday before the 2025 Spring Festival: Sunday 26th is a 调休 working day.
        (sh(2025, 1, 24, 10), 1, sh(2025, 1, 26, 17, 30)),
        (sh(2025, 1, 24, 10), 2, sh(2025, 1, 27, 17, 30)),
        (sh(2025, 1, 24, 10), 3, sh(2025, 2, 5, 17, 30)),
        (sh(2025, 1, 24, 10), 6, sh(2025, 2, 8, 17, 30)),  # Saturday 调休
        (sh(2025, 1, 24, 10), 7, sh(2025, 2, 10, 17, 30)),
        # 2026 Spring Festival: 2026-02-15..23 off, Saturdays 14th and 28th working.
        (sh(2026, 2, 13, 15), 1, sh(2026, 2, 14, 17, 30)),
        (sh(2026, 2, 13, 15), 2, sh(2026, 2, 24, 17, 30)),
        (sh(2026, 2, 13, 15), 7, sh(2026, 3, 2, 17, 30)),
        # National Day 2025: 10-01..08 off, Sunday 09-28 and Saturday 10-11 working.
        (sh(2025, 9, 26, 9), 1, sh(2025, 9, 28, 17, 30)),
        (sh(2025, 9, 30, 9), 1, sh(2025, 10, 9, 17, 30)),
        (sh(2025, 9, 26, 9), 15, sh(2025, 10, 23, 17, 30)),
        # Start on a holiday: the holiday itself is not counted either.
        (sh(2025, 10, 3, 10), 1, sh(2025, 10, 9, 17, 30)),
        # Start after office hours on a working day: that day is still not counted.
        (sh(2025, 3, 3, 23, 59), 1, sh(2025, 3, 4, 17, 30)),
        (sh(2025, 3, 3, 10), 0, sh(2025, 3, 3, 10)),
    ],
)
def test_add_working_days(start: datetime, days: int, deadline: datetime) -> None:
    assert CAL.add(start, days, "day", "working") == deadline


def test_working_day_deadline_ends_at_custom_office_hours() -> None:
    cal = WorkCalendar(office_hours=((time(9, 0), time(18, 0)),))
    assert cal.add(sh(2025, 3, 3, 10), 1, "day", "working") == sh(2025, 3, 4, 18)


# --- working minutes and hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "unit", "deadline"),
    [
        (sh(2025, 3, 3, 9), 30, "minute", sh(2025, 3, 3, 9, 30)),
        (sh(2025, 3, 3, 11, 50), 30, "minute", sh(2025, 3, 3, 13, 50)),  # across lunch
        (sh(2025, 3, 3, 11, 30), 30, "minute", sh(2025, 3, 3, 12)),  # ends exactly at lunch
        (sh(2025, 3, 3, 17), 60, "minute", sh(2025, 3, 4, 9)),  # across the evening
        (sh(2025, 3, 7, 17, 20), 2, "hour", sh(2025, 3, 10, 10, 20)),  # Friday evening to Monday
        (sh(2025, 3, 3, 7), 10, "minute", sh(2025, 3, 3, 8, 40)),  # before office hours
        (sh(2025, 3, 3, 12, 30), 10, "minute", sh(2025, 3, 3, 13, 40)),  # during lunch
        (sh(2025, 10, 3, 10), 30, "minute", sh(2025, 10, 9, 9)),  # on a holiday
        (sh(2025, 1, 24, 17), 1, "hour", sh(2025, 1, 26, 9)),  # into the 调休 Sunday
        (sh(2025, 3, 3, 9, 0, 30), 1, "minute", sh(2025, 3, 3, 9, 1, 30)),  # seconds are kept
        (sh(2025, 3, 3, 8, 30), 450, "minute", sh(2025, 3, 3, 17, 30)),  # one whole office day
        (sh(2025, 3, 8, 10), 0, "minute", sh(2025, 3, 8, 10)),
    ],
)
def test_add_working_minutes_and_hours(start: datetime, amount: int, unit: Unit, deadline: datetime) -> None:
    assert CAL.add(start, amount, unit, "working") == deadline


def test_add_natural() -> None:
    start = sh(2025, 1, 28, 10)  # a holiday makes no difference
    assert CAL.add(start, 90, "minute", "natural") == sh(2025, 1, 28, 11, 30)
    assert CAL.add(start, 24, "hour", "natural") == sh(2025, 1, 29, 10)
    assert CAL.add(start, 7, "day", "natural") == sh(2025, 2, 4, 10)


def test_any_timezone_in_shanghai_out() -> None:
    start = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    bases: tuple[Basis, ...] = ("working", "natural")
    for basis in bases:
        result = CAL.add(start, 30, "minute", basis)
        assert result == sh(2025, 3, 3, 9, 30)
        assert result.tzinfo is SHANGHAI


def test_rejects_naive_negative_and_unknown() -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.add(datetime(2025, 3, 3, 9), 1, "minute", "working")
    with pytest.raises(ValueError, match=">= 0"):
        CAL.add(sh(2025, 3, 3, 9), -1, "minute", "working")
    with pytest.raises(ValueError, match="unit"):
        CAL.add(sh(2025, 3, 3, 9), 1, "week", "working")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="basis"):
        CAL.add(sh(2025, 3, 3, 9), 1, "day", "lunar")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "office_hours",
    [
        (),
        ((time(13, 0), time(12, 0)),),
        ((time(8, 0), time(12, 0)), (time(11, 0), time(17, 0))),
        ((time(8, 0, 30), time(12, 0)),),
    ],
)
def test_rejects_bad_office_hours(office_hours: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError, match="office"):
        WorkCalendar(office_hours=office_hours)


def test_fifteen_working_days_loop_over_days_not_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[date] = []
    real = chinese_calendar.is_workday

    def counting_is_workday(d: date) -> bool:
        calls.append(d)
        return real(d)

    monkeypatch.setattr(chinese_calendar, "is_workday", counting_is_workday)
    start = sh(2025, 9, 26, 9)
    assert CAL.add(start, 15, "day", "working") == sh(2025, 10, 23, 17, 30)
    assert CAL.add_working_minutes(start, 15 * 450) == sh(2025, 10, 23, 9)
    assert CAL.working_minutes_between(start, sh(2025, 10, 23, 9)) == 15 * 450
    assert len(calls) < 100


# --- working_minutes_between --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (sh(2025, 3, 3, 11), sh(2025, 3, 3, 14), 90),  # lunch excluded
        (sh(2025, 3, 3, 7), sh(2025, 3, 3, 20), 450),
        (sh(2025, 3, 7, 17), sh(2025, 3, 10, 9), 60),  # weekend excluded
        (sh(2025, 9, 30, 17), sh(2025, 10, 9, 9), 60),  # National Day excluded
        (sh(2025, 3, 3, 14), sh(2025, 3, 3, 11), 0),
        (sh(2025, 3, 3, 9), sh(2025, 3, 3, 9), 0),
        (sh(2025, 3, 3, 9), sh(2025, 3, 3, 9, 0, 59), 0),  # whole minutes only
        (datetime(2025, 3, 3, 1, tzinfo=UTC), sh(2025, 3, 3, 10), 60),
    ],
)
def test_working_minutes_between(a: datetime, b: datetime, minutes: int) -> None:
    assert CAL.working_minutes_between(a, b) == minutes


def test_suspension_freezes_and_resumes_the_clock() -> None:
    # A 7-working-day case suspended (缓办) for the National Day week keeps its used minutes.
    opened = sh(2025, 9, 29, 10)
    limit = 7 * 450
    used = CAL.working_minutes_between(opened, sh(2025, 9, 30, 10))
    resumed = sh(2025, 10, 13, 10)
    assert used == 450
    assert CAL.add_working_minutes(resumed, limit - used) == sh(2025, 10, 21, 10)


# --- properties -------------------------------------------------------------------------------------------

# 2024..2027 spans known years and the Monday–Friday fallback (2027).
instants = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)


@PROPERTY
@given(
    start=instants,
    unit=st.sampled_from(["minute", "hour", "day"]),
    basis=st.sampled_from(["working", "natural"]),
    a=st.integers(0, 2000),
    b=st.integers(0, 2000),
)
def test_add_is_monotonic_in_amount(start: datetime, unit: Unit, basis: Basis, a: int, b: int) -> None:
    low, high = sorted((a, b))
    if unit == "day":
        low, high = low // 20, high // 20
    assert CAL.add(start, low, unit, basis) <= CAL.add(start, high, unit, basis)


@PROPERTY
@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    offset=st.integers(0, 450 * 60 - 1),
    minutes=st.integers(0, 20 * 450),
)
def test_minutes_round_trip_from_office_hours(day: date, offset: int, minutes: int) -> None:
    assume(CAL.is_working_day(day))
    # offset: seconds of office time into the day, placed in the morning or the afternoon period.
    morning = 210 * 60
    if offset < morning:
        start = datetime.combine(day, time(8, 30), tzinfo=SHANGHAI) + timedelta(seconds=offset)
    else:
        start = datetime.combine(day, time(13, 30), tzinfo=SHANGHAI) + timedelta(seconds=offset - morning)
    end = CAL.add_working_minutes(start, minutes)
    assert end >= start
    assert CAL.working_minutes_between(start, end) == minutes


@PROPERTY
@given(start=instants, minutes=st.integers(0, 20 * 450))
def test_minutes_round_trip_from_any_instant(start: datetime, minutes: int) -> None:
    assert CAL.working_minutes_between(start, CAL.add_working_minutes(start, minutes)) == minutes
