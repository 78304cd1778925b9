"""Reporting periods (统计周期): a day, an ISO week, a month, a quarter, a year or a custom range of days.

Codes are what URLs, the command line and the API use: ``2026-10-21``, ``2026-W43``, ``2026-10``, ``2026Q3``,
``2026`` and ``2026-10-01..2026-10-15`` (both ends included). Days are local days (Asia/Shanghai).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}
MAX_CUSTOM_DAYS = 3 * 366


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def midnight(day: date) -> datetime:
    """The aware instant a local day starts."""
    return datetime.combine(day, time(0), tzinfo=local_zone())


def _month_start(year: int, month: int) -> date:
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def _iso_week_start(year: int, week: int) -> date:
    return date.fromisocalendar(year, week, 1)


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


def _same_day_last_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # exclusive

    @property
    def code(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.last_day.isoformat()}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """How a report names the period: 2026年10月, 2026年第43周, 2026年第三季度 …"""
        s = self.start
        if self.kind == "day":
            return f"{s.year}年{s.month}月{s.day}日"
        if self.kind == "week":
            year, week, _ = s.isocalendar()
            return f"{year}年第{week}周({s.month}月{s.day}日—{self.last_day.month}月{self.last_day.day}日)"
        if self.kind == "month":
            return f"{s.year}年{s.month}月"
        if self.kind == "quarter":
            return f"{s.year}年第{QUARTER_NAMES[(s.month - 1) // 3 + 1]}季度"
        if self.kind == "year":
            return f"{s.year}年"
        e = self.last_day
        return f"{s.year}年{s.month}月{s.day}日至{e.year}年{e.month}月{e.day}日"

    def bounds(self) -> tuple[datetime, datetime]:
        return midnight(self.start), midnight(self.end)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def previous(self) -> Period:
        """上期: the period of the same kind just before."""
        s = self.start
        if self.kind == "month":
            return Period("month", _month_start(s.year, s.month - 1), s)
        if self.kind == "quarter":
            return Period("quarter", _month_start(s.year, s.month - 3), s)
        if self.kind == "year":
            return Period("year", date(s.year - 1, 1, 1), s)
        length = self.end - s
        return Period(self.kind, s - length, s)

    def last_year(self) -> Period:
        """去年同期: the same week number, month, quarter, year or days one year earlier."""
        s = self.start
        if self.kind == "week":
            year, week, _ = s.isocalendar()
            start = _iso_week_start(year - 1, min(week, _weeks_in(year - 1)))
            return Period("week", start, start + timedelta(days=7))
        if self.kind in {"month", "quarter", "year"}:
            start = s.replace(year=s.year - 1)
            end = self.end.replace(year=self.end.year - 1)
            return Period(self.kind, start, end)
        start = _same_day_last_year(s)
        return Period(self.kind, start, start + (self.end - s))


PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})\.\.(\d{4})-(\d{2})-(\d{2})$"), "custom"),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE), "week"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})Q([1-4])$", re.IGNORECASE), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def parse_period(text: str) -> Period:
    """A Period from its code; ValueError names what is wrong."""
    text = (text or "").strip()
    for pattern, kind in PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return _build(kind, [int(g) for g in match.groups()])
            except ValueError as exc:
                raise ValueError(f"统计周期「{text}」无效:{exc}") from exc
    raise ValueError(
        f"统计周期「{text}」格式不正确,应为 2026-10-21、2026-W43、2026-10、2026Q3、2026 或 2026-10-01..2026-10-15"
    )


def _build(kind: str, n: list[int]) -> Period:
    if n[0] < 2000 or n[0] > 2100:
        raise ValueError("年份应在 2000 到 2100 之间")
    if kind == "day":
        day = date(n[0], n[1], n[2])
        return Period("day", day, day + timedelta(days=1))
    if kind == "week":
        if not 1 <= n[1] <= _weeks_in(n[0]):
            raise ValueError(f"{n[0]} 年只有 {_weeks_in(n[0])} 周")
        start = _iso_week_start(n[0], n[1])
        return Period("week", start, start + timedelta(days=7))
    if kind == "month":
        if not 1 <= n[1] <= 12:
            raise ValueError("月份应在 1 到 12 之间")
        return Period("month", date(n[0], n[1], 1), _month_start(n[0], n[1] + 1))
    if kind == "quarter":
        start = date(n[0], 3 * n[1] - 2, 1)
        return Period("quarter", start, _month_start(n[0], 3 * n[1] + 1))
    if kind == "year":
        return Period("year", date(n[0], 1, 1), date(n[0] + 1, 1, 1))
    start, last = date(n[0], n[1], n[2]), date(n[3], n[4], n[5])
    if last < start:
        raise ValueError("结束日期早于开始日期")
    if (last - start).days >= MAX_CUSTOM_DAYS:
        raise ValueError("自定义区间不能超过三年")
    return Period("custom", start, last + timedelta(days=1))


def current(kind: str, today: date) -> Period:
    """The period of ``kind`` that contains ``today``."""
    if kind == "day":
        return Period("day", today, today + timedelta(days=1))
    if kind == "week":
        start = today - timedelta(days=today.weekday())
        return Period("week", start, start + timedelta(days=7))
    if kind == "month":
        return Period("month", today.replace(day=1), _month_start(today.year, today.month + 1))
    if kind == "quarter":
        q = (today.month - 1) // 3
        return Period("quarter", date(today.year, 3 * q + 1, 1), _month_start(today.year, 3 * q + 4))
    if kind == "year":
        return Period("year", date(today.year, 1, 1), date(today.year + 1, 1, 1))
    raise ValueError(f"unknown period kind {kind}")
