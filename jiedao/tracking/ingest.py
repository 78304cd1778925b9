"""Storing fixes (定位入库): filter, insert in one transaction, move the device's last position, detect
zone entries and exits.

``store_batch`` is the one write path for positions: the JT/T 808 listener calls it with fixes of many
terminals at once, the OsmAnd endpoint and the demo with one device. It returns only after the commit, so a
caller may acknowledge exactly what it returns as stored.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from jiedao.core import clock
from jiedao.core.copyin import copy_line
from jiedao.lib.geo import distance_m
from jiedao.tracking import zones as zone_cache
from jiedao.tracking.models import Device, Position, ZoneEvent, ZoneEventKind


@dataclass(frozen=True, slots=True)
class Fix:
    """One position as a terminal reported it, before filtering; ``fixed_at`` is timezone-aware."""

    fixed_at: datetime
    lon: float
    lat: float
    speed_kmh: float = 0.0
    course: float | None = None
    altitude: float | None = None
    accuracy: float | None = None
    valid: bool = True
    alarm: int = 0
    status: int = 0
    blind_area: bool = False
    extras: dict[str, Any] = field(default_factory=dict)


class Rule(StrEnum):
    """Why a fix was not stored (过滤规则)."""

    INVALID = "invalid"  # the terminal says the fix is not valid (未定位)
    ZERO = "zero"  # 0/0 coordinates
    DUPLICATE = "duplicate"  # a fix of this device at this instant is already stored
    FUTURE = "future"  # time beyond now + tolerance
    SPEED = "speed"  # impossible speed from the previous fix


@dataclass(slots=True)
class StoredResult:
    """What happened to the fixes of one call: how many were stored, and how many each rule dropped."""

    stored: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def received(self) -> int:
        return self.stored + sum(self.dropped.values())


@dataclass(slots=True)
class _State:
    """A device's newest stored fix while a batch is processed."""

    fixed_at: datetime | None
    lon: float | None
    lat: float | None
    start: tuple[float, float] | None = None  # where the device was before this batch
    speed: float | None = None
    course: float | None = None
    moved: bool = False
    times: set[datetime] = field(default_factory=set)
    in_order: list[Fix] = field(default_factory=list)


def max_speed_kmh(kind: str) -> float:
    return float(settings.JIEDAO["TRACKING_MAX_SPEED_KMH"].get(kind, 300))


def store_fixes(device: Device, fixes: Sequence[Fix], *, now: datetime | None = None) -> StoredResult:
    """Filter and store one device's fixes; see ``store_batch``."""
    return store_batch([(device, fixes)], now=now)[0]


def store_batch(
    items: Sequence[tuple[Device, Sequence[Fix]]], *, now: datetime | None = None
) -> list[StoredResult]:
    """Filter and store the fixes of several devices in one transaction; one result per item.

    Rules, in order: invalid fix (when TRACKING_FILTER_INVALID), 0/0 coordinates, time beyond now +
    TRACKING_FUTURE_TOLERANCE_SECONDS, duplicate instant (in the batch or already stored), and an implied
    speed from the previous fix above the device kind's TRACKING_MAX_SPEED_KMH. The speed rule and zone
    events only apply to fixes newer than the device's newest stored fix; late fixes (盲区补报) are stored
    when they pass the other rules. Every device in ``items`` gets ``last_seen_at = now``; an item with no
    fixes only does that (a heartbeat).
    """
    now = now or clock.now()
    tolerance = timedelta(seconds=settings.JIEDAO["TRACKING_FUTURE_TOLERANCE_SECONDS"])
    drop_invalid = settings.JIEDAO["TRACKING_FILTER_INVALID"]
    results = [StoredResult() for _ in items]
    device_ids = sorted({device.pk for device, _fixes in items})
    with transaction.atomic():
        states = {
            pk: _State(fixed_at, lon, lat, None if lon is None or lat is None else (lon, lat))
            for pk, fixed_at, lon, lat in _last_positions(device_ids)
        }
        limits = {device.pk: max_speed_kmh(device.kind) for device, _fixes in items}
        candidates: list[tuple[int, int, Fix]] = []  # (item, device, fix) passing the stateless rules
        for n, (device, fixes) in enumerate(items):
            tally: Tally[str] = Tally()
            for fix in fixes:
                if drop_invalid and not fix.valid:
                    tally[Rule.INVALID] += 1
                elif abs(fix.lon) < 1e-9 and abs(fix.lat) < 1e-9:
                    tally[Rule.ZERO] += 1
                elif fix.fixed_at > now + tolerance:
                    tally[Rule.FUTURE] += 1
                else:
                    candidates.append((n, device.pk, fix))
            results[n].dropped.update(tally)
        stored_before = _already_stored(candidates, states)
        rows: list[tuple[Any, ...]] = []
        candidates.sort(key=lambda c: (c[1], c[2].fixed_at))
        for n, pk, fix in candidates:
            state = states[pk]
            rule = _check(pk, fix, state, stored_before, limits[pk])
            if rule is not None:
                results[n].dropped[rule] = results[n].dropped.get(rule, 0) + 1
                continue
            results[n].stored += 1
            state.times.add(fix.fixed_at)
            rows.append(_row(pk, fix, now))
        _insert_positions(rows)
        events = _zone_events(states)
        if events:
            ZoneEvent.objects.bulk_create(events, ignore_conflicts=True)
        _update_devices(states, now)
    return results


def _ids_condition(ids: list[int]) -> tuple[str, list[Any]]:
    """``id = ANY(%s)`` with one array parameter on PostgreSQL (client-side binding of hundreds of
    parameters costs more than the query), ``id IN (…)`` elsewhere."""
    if connection.vendor == "postgresql":
        return "id = ANY(%s)", [ids]
    return f"id IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime column read by raw SQL: SQLite gives naive UTC (or text), PostgreSQL aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def _last_positions(ids: list[int]) -> list[tuple[int, datetime | None, float | None, float | None]]:
    condition, params = _ids_condition(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, last_fix_at, last_lon, last_lat FROM {Device._meta.db_table} WHERE {condition}",
            params,
        )
        return [(pk, _aware(last), lon, lat) for pk, last, lon, lat in cursor.fetchall()]


def _already_stored(
    candidates: list[tuple[int, int, Fix]], states: dict[int, _State]
) -> set[tuple[int, datetime]]:
    """(device, instant) pairs already in the table, looked up only for fixes not newer than the last one."""
    late = [
        (pk, fix.fixed_at)
        for _n, pk, fix in candidates
        if states[pk].fixed_at is not None and fix.fixed_at <= states[pk].fixed_at
    ]
    if not late:
        return set()
    found = Position.objects.filter(
        device_id__in={pk for pk, _at in late}, fixed_at__in={at for _pk, at in late}
    ).values_list("device_id", "fixed_at")
    return set(found)


def _check(
    pk: int, fix: Fix, state: _State, stored_before: set[tuple[int, datetime]], limit: float
) -> Rule | None:
    if fix.fixed_at in state.times:
        return Rule.DUPLICATE
    newest = state.fixed_at
    if newest is not None and fix.fixed_at <= newest:
        # a late fix: its neighbours in time are not at hand, so only the duplicate rule applies
        return Rule.DUPLICATE if (pk, fix.fixed_at) in stored_before else None
    if newest is not None and state.lon is not None and state.lat is not None:
        seconds = (fix.fixed_at - newest).total_seconds()
        if distance_m(state.lon, state.lat, fix.lon, fix.lat) / seconds * 3.6 > limit:
            return Rule.SPEED
    state.fixed_at, state.lon, state.lat = fix.fixed_at, fix.lon, fix.lat
    state.speed, state.course, state.moved = fix.speed_kmh, fix.course, True
    state.in_order.append(fix)
    return None


COLUMNS = (
    "device_id",
    "fixed_at",
    "received_at",
    "lon",
    "lat",
    "speed_kmh",
    "course",
    "altitude",
    "accuracy",
    "valid",
    "alarm",
    "status",
    "blind_area",
    "extras",
)


def _row(pk: int, fix: Fix, now: datetime) -> tuple[Any, ...]:
    return (
        pk,
        fix.fixed_at,
        now,
        fix.lon,
        fix.lat,
        fix.speed_kmh,
        fix.course,
        fix.altitude,
        fix.accuracy,
        fix.valid,
        fix.alarm,
        fix.status,
        fix.blind_area,
        fix.extras,
    )


def _insert_positions(rows: list[tuple[Any, ...]]) -> None:
    """Insert rows, skipping any (device, instant) already stored by a concurrent writer.

    PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING — several times faster
    than a multi-row INSERT built by the ORM. Elsewhere: bulk_create with ignore_conflicts.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        Position.objects.bulk_create(
            [Position(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
            batch_size=500,
            ignore_conflicts=True,
        )
        return
    names = ", ".join(COLUMNS)
    table = Position._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}_in ON COMMIT DELETE ROWS "
            f"AS SELECT {names} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {table}_in")  # left over when the caller's transaction is still open
        with cursor.cursor.copy(f"COPY {table}_in ({names}) FROM STDIN") as copy:
            copy.write("".join(copy_line(row) for row in rows).encode())
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}_in ON CONFLICT (device_id, fixed_at) DO NOTHING"
        )


def _zone_events(states: dict[int, _State]) -> list[ZoneEvent]:
    """Entries and exits along each device's new in-order fixes, starting from its previous position."""
    index = zone_cache.current()
    events: list[ZoneEvent] = []
    for pk, state in states.items():
        zone_ids = index.zones_of(pk)
        if not state.in_order or not zone_ids:
            continue
        lons = np.array([f.lon for f in state.in_order])
        lats = np.array([f.lat for f in state.in_order])
        for zone_id in zone_ids:
            area = index.shapes[zone_id]
            inside = shapely.contains_xy(area, lons, lats)
            before = state.start is not None and bool(shapely.contains_xy(area, *state.start))
            for fix, now_inside in zip(state.in_order, inside.tolist(), strict=True):
                if now_inside != before:
                    kind = ZoneEventKind.ENTER if now_inside else ZoneEventKind.EXIT
                    events.append(
                        ZoneEvent(
                            device_id=pk,
                            zone_id=zone_id,
                            kind=kind,
                            at=fix.fixed_at,
                            lon=fix.lon,
                            lat=fix.lat,
                        )
                    )
                    before = now_inside
    return events


def _update_devices(states: dict[int, _State], now: datetime) -> None:
    """Every device of the batch was seen now; those with newer fixes get them as their last position."""
    condition, params = _ids_condition(list(states))
    table = Device._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_seen_at = %s WHERE {condition}",
            [connection.ops.adapt_datetimefield_value(now), *params],
        )
    moved = [
        (pk, connection.ops.adapt_datetimefield_value(s.fixed_at), s.lon, s.lat, s.speed, s.course)
        for pk, s in states.items()
        if s.moved
    ]
    if not moved:
        return
    assign = "last_fix_at = v.fixed_at, last_lon = v.lon, last_lat = v.lat, last_speed = v.speed, last_course = v.course"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {table}_in (id bigint, fixed_at timestamptz, "
                "lon double precision, lat double precision, speed double precision, course double precision) "
                "ON COMMIT DELETE ROWS"
            )
            cursor.execute(f"DELETE FROM {table}_in")
            with cursor.cursor.copy(f"COPY {table}_in FROM STDIN") as copy:
                for row in moved:
                    copy.write_row(row)
            cursor.execute(f"UPDATE {table} SET {assign} FROM {table}_in AS v WHERE {table}.id = v.id")
            return
        # SQLite names the columns of VALUES column1, column2, …
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(moved))
        cursor.execute(
            f"UPDATE {table} SET {assign} FROM (SELECT column1 AS id, column2 AS fixed_at, column3 AS lon, "
            f"column4 AS lat, column5 AS speed, column6 AS course FROM (VALUES {values})) AS v "
            f"WHERE {table}.id = v.id",
            [value for row in moved for value in row],
        )
