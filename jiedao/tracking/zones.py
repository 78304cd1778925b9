"""The zones each device must be checked against, kept in memory and rebuilt when zones or shifts change.

A device is checked against the zones of the active shifts that name it, directly or through its crew.
Every change of a zone or shift bumps a counter; each process looks at the counter at most once a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from shapely.geometry import MultiPolygon, Polygon

from jiedao.core import versions
from jiedao.tracking.geometry import zone_shape
from jiedao.tracking.models import Shift, Zone

VERSION_COUNTER = "tracking.zones.version"
CHECK_EVERY_SECONDS = 1.0


@dataclass
class ZoneIndex:
    shapes: dict[int, Polygon | MultiPolygon] = field(default_factory=dict)
    by_device: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def zones_of(self, device_id: int) -> tuple[int, ...]:
        return self.by_device.get(device_id, ())


def bump_zone_version() -> None:
    """Tell every process that zones or shifts changed (inside the transaction that changed them)."""
    versions.bump(VERSION_COUNTER)
    _cache.invalidate()


def _build() -> ZoneIndex:
    shapes = {
        zone.pk: zone_shape(zone.kind, zone.geometry, zone.width_m)
        for zone in Zone.objects.filter(active=True)
    }
    shifts = Shift.objects.filter(active=True, zone__active=True)
    pairs = set(shifts.values_list("devices__id", "zone_id"))
    pairs |= set(shifts.values_list("crew__tracking_devices__id", "zone_id"))
    by_device: dict[int, set[int]] = defaultdict(set)
    for device_id, zone_id in pairs:
        if device_id is not None and zone_id in shapes:
            by_device[device_id].add(zone_id)
    return ZoneIndex(shapes, {pk: tuple(sorted(ids)) for pk, ids in by_device.items()})


_cache = versions.VersionedCache(VERSION_COUNTER, _build, min_check_seconds=CHECK_EVERY_SECONDS)


def current() -> ZoneIndex:
    return _cache.get()
