"""locate(lon, lat) → grid, for single points and in bulk, over an in-memory spatial index of all grids.

The index is rebuilt when the grid version counter moves (every grid import bumps it), so several
processes stay consistent without sharing memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import shape

from jiedao.core.counters import next_value
from jiedao.core.models import Counter
from jiedao.lib.geo import GridIndex
from jiedao.org.models import Grid

VERSION_COUNTER = "grids.version"


@dataclass
class _Cached:
    version: int = -1
    index: GridIndex | None = None


_cache = _Cached()


def _current_version() -> int:
    return Counter.objects.filter(name=VERSION_COUNTER).values_list("value", flat=True).first() or 0


def bump_grid_version() -> None:
    """Tell every process that grids changed (call inside the transaction that changed them)."""
    next_value(VERSION_COUNTER)


def grid_index() -> GridIndex:
    version = _current_version()
    if _cache.index is None or _cache.version != version:
        grids = Grid.objects.values_list("pk", "polygon")
        _cache.index = GridIndex((pk, shape(polygon)) for pk, polygon in grids)
        _cache.version = version
    return _cache.index


def locate(lon: float, lat: float) -> Grid | None:
    """The grid containing the point (WGS-84), or None outside every grid."""
    grid_id = grid_index().locate(lon, lat)
    return Grid.objects.select_related("community", "street").get(pk=grid_id) if grid_id is not None else None


def locate_many(lons: Sequence[float], lats: Sequence[float]) -> list[int | None]:
    """Grid ids for many points at once (vectorised)."""
    return grid_index().locate_many(lons, lats)
