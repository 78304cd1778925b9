"""热点 (未诉先办): the same kind of problem coming back in one place — at least ``min_cases`` cases of one
category within ``radius_m`` of one case in the last ``days`` days. The work a leader should get ahead of."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from jiedao.cases.models import Case, Category, Status
from jiedao.cases.states import OPEN
from jiedao.insight.metrics import Scope
from jiedao.lib.geo import distance_m

DEFAULT_RADIUS_M = 200
DEFAULT_DAYS = 30
DEFAULT_MIN_CASES = 5
M_PER_DEG_LAT = 111_195.0


class Point(NamedTuple):
    pk: int
    lon: float
    lat: float
    open: bool


@dataclass
class Hotspot:
    category: Category
    cases: list[Case]
    lon: float
    lat: float
    radius_m: int

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def open_count(self) -> int:
        return sum(1 for c in self.cases if c.is_open)

    @property
    def address(self) -> str:
        return next((c.address for c in self.cases if c.address), "")


def find_hotspots(
    scope: Scope,
    now: datetime,
    *,
    radius_m: int = DEFAULT_RADIUS_M,
    days: int = DEFAULT_DAYS,
    min_cases: int = DEFAULT_MIN_CASES,
    limit: int | None = None,
) -> list[Hotspot]:
    """Clusters, largest first (then most still open); the first ``limit`` only when given. Greedy and
    deterministic: the case with the most same-category neighbours within the radius seeds a cluster of those
    neighbours; its members are not used again. Clusters are found and ranked from the points alone; only
    the cases of the clusters returned are loaded."""
    rows = (
        scope.cases()
        .filter(reported_at__gte=now - timedelta(days=days), reported_at__lt=now, lon__isnull=False)
        .exclude(status=Status.VOIDED)
        .order_by("reported_at", "pk")
        .values_list("pk", "category_id", "lon", "lat", "status")
    )
    by_category: dict[int, list[Point]] = defaultdict(list)
    for pk, category_id, lon, lat, status in rows:
        by_category[category_id].append(Point(pk, lon, lat, status in OPEN))
    clusters = [
        (category_id, seed, members)
        for category_id, points in by_category.items()
        if len(points) >= min_cases
        for seed, members in _clusters(points, radius_m, min_cases)
    ]
    categories = Category.objects.in_bulk({category_id for category_id, _, _ in clusters})
    clusters.sort(key=lambda c: (-len(c[2]), -sum(p.open for p in c[2]), categories[c[0]].code))
    clusters = clusters[:limit] if limit is not None else clusters
    cases = Case.objects.select_related("category", "community").in_bulk(
        [p.pk for _, _, members in clusters for p in members]
    )
    return [
        Hotspot(categories[category_id], [cases[p.pk] for p in members], seed.lon, seed.lat, radius_m)
        for category_id, seed, members in clusters
    ]


def _clusters(points: list[Point], radius_m: int, min_cases: int) -> list[tuple[Point, list[Point]]]:
    cell_lat = radius_m / M_PER_DEG_LAT
    cell_lon = cell_lat / max(0.1, math.cos(math.radians(points[0].lat)))
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, point in enumerate(points):
        cells[(int(point.lon // cell_lon), int(point.lat // cell_lat))].append(i)

    def near(i: int) -> list[int]:
        a = points[i]
        cx, cy = int(a.lon // cell_lon), int(a.lat // cell_lat)
        return [
            j
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for j in cells.get((cx + dx, cy + dy), ())
            if distance_m(a.lon, a.lat, points[j].lon, points[j].lat) <= radius_m
        ]

    neighbours = {i: near(i) for i in range(len(points))}
    used: set[int] = set()
    result = []
    for seed in sorted(neighbours, key=lambda i: (-len(neighbours[i]), i)):
        if seed in used:
            continue
        members = [j for j in neighbours[seed] if j not in used]
        if len(members) < min_cases:
            continue
        used.update(members)
        result.append((points[seed], [points[j] for j in sorted(members)]))
    return result
