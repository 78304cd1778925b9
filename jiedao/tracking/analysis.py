"""Reading a track (轨迹分析): stops and trips, distance, time inside a zone, and attendance of a shift.

Pure functions over points in time order; no database. Defaults follow Traccar: a stop is at least 180 s
spent within 200 m.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from jiedao.lib.geo import distance_m
from jiedao.lib.workcalendar import SHANGHAI, WorkCalendar

STOP_RADIUS_M = 200.0
STOP_MIN_SECONDS = 180.0
MAX_GAP_SECONDS = 300.0  # a longer silence inside a zone is not counted as time inside


class Point(NamedTuple):
    at: datetime
    lon: float
    lat: float
    speed_kmh: float = 0.0


@dataclass(frozen=True, slots=True)
class Stop:
    start: datetime
    end: datetime
    lon: float
    lat: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Trip:
    start: datetime
    end: datetime
    distance_m: float
    max_speed_kmh: float

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def km(self) -> float:
        return self.distance_m / 1000


def path_length_m(points: Sequence[Point]) -> float:
    return sum(distance_m(a.lon, a.lat, b.lon, b.lat) for a, b in pairwise(points))


def stops_and_trips(
    points: Sequence[Point], *, radius_m: float = STOP_RADIUS_M, min_seconds: float = STOP_MIN_SECONDS
) -> tuple[list[Stop], list[Trip]]:
    """Stops: maximal runs that stay within ``radius_m`` of their first point for ``min_seconds`` or more.
    Trips: the movement between stops (and before the first and after the last), of two points or more."""
    stops: list[Stop] = []
    spans: list[tuple[int, int]] = []
    i, n = 0, len(points)
    while i < n:
        j = i + 1
        while j < n and distance_m(points[i].lon, points[i].lat, points[j].lon, points[j].lat) <= radius_m:
            j += 1
        if (points[j - 1].at - points[i].at).total_seconds() >= min_seconds:
            run = points[i:j]
            stops.append(
                Stop(
                    run[0].at,
                    run[-1].at,
                    float(np.mean([p.lon for p in run])),
                    float(np.mean([p.lat for p in run])),
                )
            )
            spans.append((i, j - 1))
            i = j
        else:
            i += 1
    trips: list[Trip] = []
    bounds = [-1, *[k for span in spans for k in span], n]
    for a, b in zip(bounds[::2], bounds[1::2], strict=True):
        segment = points[max(a, 0) : b + 1 if b < n else n]
        if len(segment) >= 2 and path_length_m(segment) > 0:
            trips.append(
                Trip(segment[0].at, segment[-1].at, path_length_m(segment), max(p.speed_kmh for p in segment))
            )
    return stops, trips


def inside_mask(points: Sequence[Point], area: Polygon | MultiPolygon) -> np.ndarray:
    if not points:
        return np.zeros(0, dtype=bool)
    return shapely.contains_xy(area, np.array([p.lon for p in points]), np.array([p.lat for p in points]))


def seconds_inside(points: Sequence[Point], inside: np.ndarray, max_gap: float = MAX_GAP_SECONDS) -> float:
    """Time between consecutive fixes that are both inside, ignoring silences longer than ``max_gap``."""
    total = 0.0
    for k in range(1, len(points)):
        if inside[k - 1] and inside[k]:
            gap = (points[k].at - points[k - 1].at).total_seconds()
            if gap <= max_gap:
                total += gap
    return total


# --- shifts -------------------------------------------------------------------------------------------


def shift_days(
    start_day: date, end_day: date, weekdays: str, working_days_only: bool, calendar: WorkCalendar
) -> list[date]:
    """The days from ``start_day`` to ``end_day`` inclusive on which a shift runs.

    ``working_days_only`` follows the working calendar (a 调休 Saturday is a working day, a holiday is not);
    otherwise ``weekdays`` lists ISO weekday digits (1 = Monday).
    """
    days = []
    day = start_day
    while day <= end_day:
        runs = calendar.is_working_day(day) if working_days_only else str(day.isoweekday()) in weekdays
        if runs:
            days.append(day)
        day += timedelta(days=1)
    return days


def shift_window(day: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The shift's instants on ``day`` (Shanghai wall clock); an end not after the start is the next day."""
    begin = datetime.combine(day, start, tzinfo=SHANGHAI)
    finish = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=SHANGHAI)
    return begin, finish


class Verdict(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    EARLY = "early"
    LATE_AND_EARLY = "late_early"
    ABSENT = "absent"


VERDICT_LABELS = {
    Verdict.ON_TIME: "正常",
    Verdict.LATE: "迟到",
    Verdict.EARLY: "早退",
    Verdict.LATE_AND_EARLY: "迟到且早退",
    Verdict.ABSENT: "缺勤",
}


@dataclass(frozen=True, slots=True)
class Attendance:
    """One device on one shift on one day (出勤)."""

    day: date
    begin: datetime
    end: datetime
    first_inside: datetime | None
    last_inside: datetime | None
    seconds_inside: float
    distance_m: float
    coverage: float | None  # share of the corridor's centre line visited; None for polygon zones
    verdict: Verdict

    @property
    def km(self) -> float:
        return self.distance_m / 1000


def attendance(
    points: Sequence[Point],
    area: Polygon | MultiPolygon,
    day: date,
    begin: datetime,
    end: datetime,
    grace: timedelta,
    coverage: float | None = None,
) -> Attendance:
    """Judge one shift from the fixes inside its window: absent with no fix inside the zone; late when the
    first fix inside comes after begin + grace; early when the last comes before end − grace."""
    window = [p for p in points if begin <= p.at <= end]
    inside = inside_mask(window, area)
    inside_at = [p.at for p, flag in zip(window, inside.tolist(), strict=True) if flag]
    first, last = (inside_at[0], inside_at[-1]) if inside_at else (None, None)
    if first is None or last is None:
        verdict = Verdict.ABSENT
    else:
        late, early = first > begin + grace, last < end - grace
        verdict = {
            (False, False): Verdict.ON_TIME,
            (True, False): Verdict.LATE,
            (False, True): Verdict.EARLY,
            (True, True): Verdict.LATE_AND_EARLY,
        }[(late, early)]
    return Attendance(
        day=day,
        begin=begin,
        end=end,
        first_inside=first,
        last_inside=last,
        seconds_inside=seconds_inside(window, inside),
        distance_m=path_length_m(window),
        coverage=coverage,
        verdict=verdict,
    )
