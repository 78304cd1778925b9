"""Demo tracking data (演示定位数据): 14 river-cleaning boats, sanitation vehicles and two patrol phones on the
sub-district's own geometry, their zones and shifts, and a few days of simulated tracks stored through the
ingest path. Deterministic for a seed; running it again adds nothing twice."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from jiedao.core import clock
from jiedao.core.calendar import get_calendar
from jiedao.lib.geo import demo_street_area
from jiedao.lib.workcalendar import SHANGHAI
from jiedao.org.models import Grid, Region, Unit, UnitKind
from jiedao.tracking.analysis import shift_days, shift_window
from jiedao.tracking.geometry import local_projection
from jiedao.tracking.ingest import Fix, store_fixes
from jiedao.tracking.models import Device, DeviceKind, Protocol, Shift, Zone, ZoneKind
from jiedao.tracking.services import record_config_change

BOATS = 14
VEHICLES = 4
PHONES = 2
RIVERS = ("胥江", "护城河", "学士河")
CORRIDOR_WIDTH_M = 25.0
FIX_SECONDS = 30
DOCK_OFFSET = 0.001  # degrees of latitude, about 110 m


@dataclass
class DemoResult:
    devices: int
    zones: int
    shifts: int
    stored: int


def street_area(street_code: str) -> Polygon | MultiPolygon:
    """The sub-district's outline: its grids, else its boundary, else a demo circle inside its district."""
    polygons = [shape(g.polygon) for g in Grid.objects.filter(street_id=street_code)]
    if polygons:
        return shapely.union_all(polygons).buffer(0)
    region = Region.objects.filter(code=street_code).first()
    if region is not None and region.boundary:
        return shape(region.boundary)
    lon, lat, radius = demo_street_area(street_code)
    forward, inverse = local_projection(lon, lat)
    return shapely.transform(shapely.transform(shapely.Point(lon, lat), forward).buffer(radius), inverse)


def river_lines(area: BaseGeometry, rng: random.Random) -> list[LineString]:
    """Gently winding west–east lines across the area at a quarter, half and three quarters of its height."""
    min_x, min_y, max_x, max_y = area.bounds
    lines = []
    for share in (0.25, 0.5, 0.75):
        y0 = min_y + (max_y - min_y) * share
        xs = np.linspace(min_x, max_x, 40)
        phase = rng.uniform(0, math.pi)
        ys = y0 + (max_y - min_y) * 0.04 * np.sin(np.linspace(0, 3 * math.pi, 40) + phase)
        clipped = LineString(np.column_stack((xs, ys))).intersection(area.buffer(-0.0005))
        parts = [p for p in shapely.get_parts(clipped) if isinstance(p, LineString)]
        if parts:
            lines.append(max(parts, key=lambda p: p.length))
    return lines


def sanitation_polygons(area: BaseGeometry) -> list[Polygon]:
    """The area cut into four quadrants (环卫作业区)."""
    min_x, min_y, max_x, max_y = area.bounds
    mid_x, mid_y = (min_x + max_x) / 2, (min_y + max_y) / 2
    boxes = [
        shapely.box(min_x, mid_y, mid_x, max_y),
        shapely.box(mid_x, mid_y, max_x, max_y),
        shapely.box(min_x, min_y, mid_x, mid_y),
        shapely.box(mid_x, min_y, max_x, mid_y),
    ]
    out = []
    for box in boxes:
        part = box.intersection(area)
        polys = [p for p in shapely.get_parts(part) if isinstance(p, Polygon)]
        if polys:
            out.append(max(polys, key=lambda p: p.area))
    return out


def _unit(street: str, *specialties: str) -> Unit:
    units = Unit.objects.filter(region__code__startswith=street, active=True)
    for specialty in specialties:
        found = units.filter(specialty=specialty).first()
        if found:
            return found
    centre = units.filter(kind=UnitKind.COMMAND_CENTRE).first() or units.first()
    if centre is None:
        raise ValueError(f"no unit in sub-district {street}; load the organisation first (load_demo)")
    return centre


def _device(identifier: str, **fields: object) -> Device:
    device = Device.objects.filter(identifier=identifier).first()
    if device is None:
        device = Device.objects.create(identifier=identifier, created_at=clock.now(), **fields)
        record_config_change(None, device, created=True, old={}, new={"identifier": identifier, **fields})
    return device


def _zone(name: str, unit: Unit, kind: str, geometry: BaseGeometry, width_m: float = 0.0) -> Zone:
    zone = Zone.objects.filter(name=name, unit=unit).first()
    if zone is None:
        zone = Zone.objects.create(
            name=name, unit=unit, kind=kind, geometry=mapping(geometry), width_m=width_m
        )
        record_config_change(None, zone, created=True, old={}, new={"name": name, "kind": kind})
    return zone


def _shift(name: str, zone: Zone, devices: list[Device], start: time, end: time, **fields: object) -> Shift:
    shift = Shift.objects.filter(name=name, zone=zone).first()
    if shift is None:
        shift = Shift.objects.create(name=name, zone=zone, start=start, end=end, **fields)
        shift.devices.set(devices)
        record_config_change(
            None, shift, created=True, old={}, new={"name": name, "devices": [d.pk for d in devices]}
        )
    return shift


def _inner_ring(polygon: Polygon) -> LineString:
    """A round about 30 m inside a polygon's edge (the vehicles' sweeping route)."""
    inner = polygon.buffer(-0.0003)
    ring = inner.exterior if isinstance(inner, Polygon) and not inner.is_empty else polygon.exterior
    return LineString(ring.coords)


def _patrol(
    path: LineString, begin: datetime, end: datetime, speed_kmh: float, rng: random.Random
) -> list[tuple[datetime, float, float, float]]:
    """Back and forth along ``path`` from ``begin`` to ``end`` at about ``speed_kmh``, with short breaks."""
    forward, inverse = local_projection(*path.centroid.coords[0])
    local = shapely.transform(path, forward)
    length = local.length
    out: list[tuple[datetime, float, float, float]] = []
    at, position, direction = begin, rng.uniform(0, length), 1
    step = speed_kmh / 3.6 * FIX_SECONDS
    while at <= end:
        resting = rng.random() < 0.01
        rest = rng.randint(8, 16) if resting else 0
        for _ in range(rest):  # a few minutes' break, drifting a metre or two
            out.append((at, position, 0.0, rng.uniform(-1, 1)))
            at += timedelta(seconds=FIX_SECONDS)
        moved = step * rng.uniform(0.8, 1.2)
        position += direction * moved
        if not 0 <= position <= length:
            direction = -direction
            position = min(max(position, 0), length)
        out.append((at, position, moved / FIX_SECONDS * 3.6, rng.uniform(-3, 3)))
        at += timedelta(seconds=FIX_SECONDS)
    points = []
    for when, distance, speed, jitter in out:
        p = local.interpolate(distance)
        lon, lat = inverse(np.array([[p.x + jitter, p.y + jitter]]))[0]
        points.append((when, float(lon), float(lat), speed))
    return points


def _simulate(device: Device, shift: Shift, path: LineString, days: list[date], rng: random.Random) -> int:
    stored = 0
    now = clock.now()
    speed = 6.0 if device.kind == DeviceKind.BOAT else 15.0 if device.kind == DeviceKind.VEHICLE else 4.0
    for day in days:
        begin, end = shift_window(day, shift.start, shift.end)
        roll = rng.random()
        if roll < 0.05:
            continue  # absent
        if roll < 0.15:
            begin += timedelta(minutes=rng.randint(15, 40))  # late
        elif roll < 0.22:
            end -= timedelta(minutes=rng.randint(20, 50))  # leaves early
        else:
            begin -= timedelta(minutes=rng.randint(0, 8))
            end += timedelta(minutes=rng.randint(0, 8))
        end = min(end, now)
        if end <= begin:
            continue
        track = _patrol(path, begin, end, speed, rng)
        # from the dock (about 110 m off the route) and back: the zone sees an entry and an exit
        (first_at, first_lon, first_lat, _v), (last_at, last_lon, last_lat, _w) = track[0], track[-1]
        fixes = [Fix(fixed_at=first_at - timedelta(minutes=5), lon=first_lon, lat=first_lat - DOCK_OFFSET)]
        fixes += [Fix(fixed_at=w, lon=lon, lat=lat, speed_kmh=v) for w, lon, lat, v in track]
        if last_at + timedelta(minutes=5) <= now:
            fixes.append(
                Fix(fixed_at=last_at + timedelta(minutes=5), lon=last_lon, lat=last_lat - DOCK_OFFSET)
            )
        # received when the last fix was taken, so the live map shows old demo devices as offline
        stored += store_fixes(device, fixes, now=max(fix.fixed_at for fix in fixes)).stored
    return stored


def build_demo(street: str, days: int, seed: int = 808) -> DemoResult:
    rng = random.Random(seed)
    area = street_area(street)
    rivers = river_lines(area, rng)
    quadrants = sanitation_polygons(area)
    water = _unit(street, "水务", "河道", "市政", "城管")
    sanitation = _unit(street, "环卫", "城管", "市政")
    patrol = _unit(street, "城管")
    corridors = [
        _zone(f"{RIVERS[i % len(RIVERS)]}保洁河段", water, ZoneKind.CORRIDOR, line, CORRIDOR_WIDTH_M)
        for i, line in enumerate(rivers)
    ]
    areas = [
        _zone(f"环卫作业{i + 1}区", sanitation, ZoneKind.POLYGON, poly) for i, poly in enumerate(quadrants)
    ]
    boats = [
        _device(
            f"1390010{n:04d}",
            protocol=Protocol.JT808,
            kind=DeviceKind.BOAT,
            name=f"保洁船{n + 1:02d}号",
            plate=f"苏姑苏船{n + 1:03d}",
            unit=water,
            auth_code=f"BOAT{n + 1:04d}",
        )
        for n in range(BOATS)
    ]
    vehicles = [
        _device(
            f"1390020{n:04d}",
            protocol=Protocol.JT808,
            kind=DeviceKind.VEHICLE,
            name=f"环卫车{n + 1:02d}号",
            plate=f"苏E{rng.randint(10000, 99999)}",
            unit=sanitation,
            auth_code=f"CAR{n + 1:04d}",
        )
        for n in range(VEHICLES)
    ]
    phones = [
        _device(
            f"patrol-{n + 1:02d}",
            protocol=Protocol.OSMAND,
            kind=DeviceKind.PERSON,
            name=f"巡查员{n + 1}号手机",
            unit=patrol,
        )
        for n in range(PHONES)
    ]
    shifts: list[tuple[Shift, list[Device], LineString]] = []
    for i, zone in enumerate(corridors):
        crew = boats[i :: len(corridors)]
        line = rivers[i]
        for name, start, end in (("上午班", time(8), time(11, 30)), ("下午班", time(13, 30), time(17))):
            shift = _shift(
                f"{zone.name}{name}", zone, crew, start, end, working_days_only=True, grace_minutes=10
            )
            shifts.append((shift, crew, line))
    for i, zone in enumerate(areas):
        crew = vehicles[i : i + 1]
        shift = _shift(
            f"{zone.name}早班", zone, crew, time(6), time(10), weekdays="1234567", grace_minutes=15
        )
        shifts.append((shift, crew, _inner_ring(shape(zone.geometry))))
    if areas:
        beat = LineString(shape(areas[0].geometry).centroid.buffer(0.002).exterior.coords)
        shift = _shift(
            "街面巡查", areas[0], phones, time(9), time(17), working_days_only=True, grace_minutes=15
        )
        shifts.append((shift, phones, beat))
    today = clock.now().astimezone(SHANGHAI).date()
    calendar = get_calendar()
    stored = 0
    for shift, crew, path in shifts:
        run_days = shift_days(
            today - timedelta(days=days - 1), today, shift.weekdays, shift.working_days_only, calendar
        )
        for device in crew:
            stored += _simulate(device, shift, path, run_days, rng)
    return DemoResult(
        devices=len(boats) + len(vehicles) + len(phones),
        zones=len(corridors) + len(areas),
        shifts=len(shifts),
        stored=stored,
    )
