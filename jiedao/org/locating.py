"""locate(lon, lat) → grid, for single points and in bulk, over an in-memory spatial index of all grids.

The index is rebuilt when the grid version counter moves (every grid import bumps it), so several
processes stay consistent without sharing memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import shape

from jiedao.core import versions
from jiedao.lib.geo import GridIndex
from jiedao.org.models import Grid

VERSION_COUNTER = "grids.version"


@dataclass(frozen=True, order=True)
class Placement:
    """Where a point lies: its grid, community and street (ids only — no query needed); ordered by grid id."""

    grid_id: int
    community_id: str
    street_id: str


def _build() -> GridIndex:
    grids = Grid.objects.values_list("pk", "community_id", "street_id", "polygon")
    return GridIndex(
        (Placement(pk, community, street), shape(polygon)) for pk, community, street, polygon in grids
    )


_cache = versions.VersionedCache(VERSION_COUNTER, _build)


def bump_grid_version() -> None:
    """Tell every process that grids changed (call inside the transaction that changed them)."""
    versions.bump(VERSION_COUNTER)


def invalidate_grid_index() -> None:
    """Forget this process's index (tests roll the version counter back with their transaction)."""
    _cache.invalidate()


def grid_index() -> GridIndex:
    return _cache.get()


def place(lon: float, lat: float) -> Placement | None:
    """The grid, community and street of a point (WGS-84) from the in-memory index, or None outside."""
    return grid_index().locate(lon, lat)


def locate(lon: float, lat: float) -> Grid | None:
    """The grid containing the point (WGS-84), or None outside every grid."""
    found = place(lon, lat)
    return Grid.objects.select_related("community", "street").get(pk=found.grid_id) if found else None


def place_many(lons: Sequence[float], lats: Sequence[float]) -> list[Placement | None]:
    """``place`` for many points at once (vectorised)."""
    return grid_index().locate_many(lons, lats)


def locate_many(lons: Sequence[float], lats: Sequence[float]) -> list[int | None]:
    """Grid ids for many points at once (vectorised)."""
    return [found.grid_id if found else None for found in place_many(lons, lats)]
