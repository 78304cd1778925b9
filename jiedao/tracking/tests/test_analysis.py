"""Track analysis and attendance on synthetic tracks, with the working calendar's 调休 Saturday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pytest
import time_machine

from jiedao.lib.geo import distance_m
from jiedao.lib.workcalendar import SHANGHAI, WorkCalendar
from jiedao.tracking.analysis import Point, Verdict, shift_days, shift_window, stops_and_trips
from jiedao.tracking.geometry import corridor_coverage, zone_shape
from jiedao.tracking.ingest import Fix, store_fixes
from jiedao.tracking.models import Shift, Zone, ZoneKind
from jiedao.tracking.reports import attendance_rows, summarise
from jiedao.tracking.tests.conftest import make_device

LON, LAT = 120.60, 31.28
RIVER = {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.01, LAT]]}  # ~950 m west → east


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI)


def test_corridor_is_buffered_in_metres():
    area = zone_shape("corridor", RIVER, 30)
    from shapely.geometry import Point as P

    north = 30 / 111_195  # degrees of latitude for 30 m
    assert area.contains(P(LON + 0.005, LAT + north * 0.9))
    assert not area.contains(P(LON + 0.005, LAT + north * 1.1))
    with pytest.raises(ValueError):
        zone_shape("corridor", RIVER, 0)
    with pytest.raises(ValueError):
        zone_shape("polygon", RIVER, 10)


def test_corridor_coverage_counts_the_visited_share():
    lons = np.linspace(LON, LON + 0.005, 40)
    assert corridor_coverage(RIVER, 30, lons, np.full(40, LAT)) == pytest.approx(0.5, abs=0.06)
    assert corridor_coverage(RIVER, 30, np.array([]), np.array([])) == 0


def test_stops_and_trips_with_traccar_defaults():
    t0 = datetime(2026, 3, 2, 1, tzinfo=UTC)
    # ~238 m every 30 s: no two moving fixes within the 200 m stop radius
    moving = [Point(t0 + timedelta(seconds=30 * i), LON + i * 0.0025, LAT, 28) for i in range(10)]
    parked_at = moving[-1]
    parked = [
        Point(parked_at.at + timedelta(seconds=30 * i), parked_at.lon, parked_at.lat + i * 1e-6)
        for i in range(1, 12)
    ]
    last = parked[-1]
    again = [Point(last.at + timedelta(seconds=30 * i), last.lon + i * 0.0025, LAT, 20) for i in range(1, 6)]
    stops, trips = stops_and_trips(moving + parked + again)
    assert len(stops) == 1 and stops[0].seconds >= 300
    assert len(trips) == 2
    assert trips[0].distance_m == pytest.approx(distance_m(LON, LAT, moving[-1].lon, LAT), rel=0.01)
    assert trips[1].max_speed_kmh == 20
    assert stops_and_trips(moving)[0] == []


def test_shift_days_follow_the_working_calendar():
    calendar = WorkCalendar()
    days = shift_days(date(2026, 2, 27), date(2026, 3, 2), "12345", True, calendar)
    assert days == [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2)]  # 02-28 is a 调休 Saturday
    assert shift_days(date(2026, 2, 27), date(2026, 3, 2), "67", False, calendar) == [
        date(2026, 2, 28),
        date(2026, 3, 1),
    ]


def test_overnight_window():
    begin, end = shift_window(date(2026, 3, 2), time(22), time(6))
    assert (end - begin) == timedelta(hours=8) and end.date() == date(2026, 3, 3)


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)
def test_attendance_on_a_synthetic_track(world):
    boat = make_device(unit=world.units.chengguan)
    zone = Zone.objects.create(
        name="胥江河道", unit=world.units.chengguan, kind=ZoneKind.CORRIDOR, geometry=RIVER, width_m=30
    )
    shift = Shift.objects.create(
        name="上午班", zone=zone, start=time(8), end=time(12), grace_minutes=10, working_days_only=True
    )
    shift.devices.add(boat)
    saturday = date(2026, 2, 28)
    # arrives 08:05 from the south, sweeps the river east, leaves at 11:40; one fix a minute
    fixes = [Fix(local(saturday, 7, 55), LON, LAT - 0.01)]
    minutes = list(range(5, 221))  # 08:05 .. 11:40
    for n, minute in enumerate(minutes):
        share = n / (len(minutes) - 1)
        fixes.append(Fix(local(saturday, 8) + timedelta(minutes=minute), LON + 0.01 * share, LAT))
    fixes.append(Fix(local(saturday, 11, 45), LON + 0.01, LAT - 0.01))
    assert store_fixes(boat, fixes).stored == len(fixes)

    rows = attendance_rows([shift], date(2026, 2, 27), date(2026, 3, 2))
    by_day = {row.result.day: row.result for row in rows}
    assert sorted(by_day) == [date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2)]  # not Sunday 03-01
    sat = by_day[saturday]
    assert sat.verdict == Verdict.EARLY  # 11:40 < 12:00 − 10 min
    assert sat.first_inside == local(saturday, 8, 5)
    assert sat.seconds_inside == pytest.approx(215 * 60)
    assert sat.coverage == pytest.approx(1.0, abs=0.06)
    assert sat.distance_m > 950
    assert by_day[date(2026, 2, 27)].verdict == Verdict.ABSENT
    assert by_day[date(2026, 3, 2)].verdict == Verdict.ABSENT
    [total] = summarise(rows, "unit")
    assert (total.label, total.shifts, total.absent, total.early) == ("沧浪城管中队", 3, 2, 1)
    assert total.attendance_rate == pytest.approx(1 / 3)
