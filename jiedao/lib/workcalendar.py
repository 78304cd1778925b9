"""Chinese working calendar (工作日历): working days, office hours and deadline arithmetic.

Working days come from, in order: the overrides given to the calendar (a database table, for local changes
and for years the package does not know), the ``chinese_calendar`` package (statutory holidays are not working
days, adjusted working weekends 调休 are), and, for years the package does not cover, plain Monday–Friday.

All arithmetic is done on the Asia/Shanghai wall clock, which has had no DST since 1991.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_OFFICE_HOURS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

Unit = Literal["minute", "hour", "day"]
Basis = Literal["working", "natural"]

_ONE_DAY = timedelta(days=1)
_ONE_MINUTE = timedelta(minutes=1)
_UNIT_LENGTH: dict[str, timedelta] = {"minute": _ONE_MINUTE, "hour": timedelta(hours=1), "day": _ONE_DAY}


def _local(moment: datetime) -> datetime:
    """Naive Shanghai wall-clock time of an aware instant."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(SHANGHAI).replace(tzinfo=None)


def _aware(wall_clock: datetime) -> datetime:
    return wall_clock.replace(tzinfo=SHANGHAI)


@dataclass(frozen=True)
class WorkCalendar:
    """A working calendar: office periods per working day plus per-date overrides.

    ``office_hours`` are ascending, non-overlapping (start, end) periods of whole minutes.
    ``overrides`` maps a date to whether it is a working day; it wins over everything else.
    """

    office_hours: tuple[tuple[time, time], ...] = DEFAULT_OFFICE_HOURS
    overrides: Mapping[date, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        periods = tuple((start, end) for start, end in self.office_hours)
        if not periods:
            raise ValueError("office_hours needs at least one period")
        previous_end = time.min
        for start, end in periods:
            for t in (start, end):
                if t.second or t.microsecond or t.tzinfo is not None:
                    raise ValueError(f"office hours must be naive whole minutes, got {t}")
            if not previous_end <= start < end:
                raise ValueError(f"office periods must be ascending and non-overlapping, got {periods}")
            previous_end = end
        object.__setattr__(self, "office_hours", periods)
        # Snapshot: a later change to the caller's dict must not silently move computed deadlines.
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is a working day: override, else chinese_calendar, else Monday–Friday.

        ``chinese_calendar`` raises NotImplementedError outside the years it ships data for (2004–2026 in
        1.11); those years fall back to Monday–Friday until the package or an override covers them.
        """
        override = self.overrides.get(d)
        if override is not None:
            return override
        try:
            return chinese_calendar.is_workday(d)
        except NotImplementedError:
            return d.weekday() < 5

    def _periods_on(self, d: date) -> Iterator[tuple[datetime, datetime]]:
        for start, end in self.office_hours:
            yield datetime.combine(d, start), datetime.combine(d, end)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """The instant after ``minutes`` office minutes on working days have elapsed from ``start``.

        A start outside office hours begins counting at the next office period; a result that falls exactly
        on the end of a period stays there (12:00, not 13:30). Zero minutes returns ``start`` (in Shanghai).
        """
        if minutes < 0:
            raise ValueError(f"minutes must be >= 0, got {minutes}")
        cursor = _local(start)
        if minutes == 0:
            return _aware(cursor)
        remaining = timedelta(minutes=minutes)
        day = cursor.date()
        # One iteration per calendar day, so long spans cost days, not minutes.
        while True:
            if self.is_working_day(day):
                for period_start, period_end in self._periods_on(day):
                    if cursor >= period_end:
                        continue
                    begin = max(period_start, cursor)
                    available = period_end - begin
                    if remaining <= available:
                        return _aware(begin + remaining)
                    remaining -= available
            day += _ONE_DAY

    def working_minutes_between(self, a: datetime, b: datetime) -> int:
        """Whole office minutes on working days between instants ``a`` and ``b``; 0 if ``b <= a``.

        Used to freeze a running clock at suspension (缓办) and resume it with the minutes already used.
        """
        low, high = _local(a), _local(b)
        if high <= low:
            return 0
        total = timedelta()
        day = low.date()
        while day <= high.date():
            if self.is_working_day(day):
                for period_start, period_end in self._periods_on(day):
                    overlap = min(period_end, high) - max(period_start, low)
                    if overlap > timedelta():
                        total += overlap
            day += _ONE_DAY
        return total // _ONE_MINUTE

    def add(self, start: datetime, amount: int, unit: Unit, basis: Basis) -> datetime:
        """The deadline ``amount`` units after ``start``, as an Asia/Shanghai aware datetime.

        natural: plain elapsed time. working minutes/hours: office minutes on working days. working days: the
        end of the last office period of the ``amount``-th working day after the start date (the start day is
        not counted). ``amount`` 0 returns ``start``.
        """
        if amount < 0:
            raise ValueError(f"amount must be >= 0, got {amount}")
        if unit not in _UNIT_LENGTH:
            raise ValueError(f"unknown unit {unit!r}")
        if basis == "natural":
            return _aware(_local(start)) + amount * _UNIT_LENGTH[unit]
        if basis != "working":
            raise ValueError(f"unknown basis {basis!r}")
        if unit == "minute":
            return self.add_working_minutes(start, amount)
        if unit == "hour":
            return self.add_working_minutes(start, amount * 60)
        local = _local(start)
        if amount == 0:
            return _aware(local)
        day = local.date()
        counted = 0
        while counted < amount:
            day += _ONE_DAY
            if self.is_working_day(day):
                counted += 1
        return _aware(datetime.combine(day, self.office_hours[-1][1]))
