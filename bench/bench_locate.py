"""Benchmark: which grid (网格) holds a point — GridIndex against a polygon-by-polygon scan.

    python bench/bench_locate.py [--grids 10000] [--points 200000] [--naive-points 500] [--seed 1]

Builds a made-up city of sub-districts (10 communities x 20 grids each, laid out by ``demo_layout``, about
3.5 ha per grid), then locates random points inside the sub-districts' extents. Prints one line per figure:
what, data size, figure, unit. Timings are medians of three runs; compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Polygon

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from jiedao.lib.geo import GridIndex, area_m2, demo_layout, naive_locate

COMMUNITIES = 10
GRIDS_PER_COMMUNITY = 20
RADIUS_M = 1500.0  # ~7 km² per sub-district: a dense urban 街道
CITY = (120.62, 31.30)  # Suzhou


def build_city(grid_count: int, seed: int) -> tuple[list[tuple[str, Polygon]], np.ndarray]:
    """Grids of a made-up city, and each sub-district's bounds (min lon, min lat, max lon, max lat)."""
    per_street = COMMUNITIES * GRIDS_PER_COMMUNITY
    streets = math.ceil(grid_count / per_street)
    side = math.ceil(math.sqrt(streets))
    spacing = 2.4 * RADIUS_M / 111_195  # degrees of latitude between sub-district centres
    items, extents = [], []
    for s in range(streets):
        lon = CITY[0] + (s % side) * spacing / math.cos(math.radians(CITY[1]))
        lat = CITY[1] - (s // side) * spacing
        street_code = f"320508{s + 1:03d}"
        codes = [f"{street_code}{c + 1:03d}" for c in range(COMMUNITIES)]
        layout = demo_layout(lon, lat, RADIUS_M, codes, GRIDS_PER_COMMUNITY, seed=f"{seed}/{s}")
        grids = [(f"{code}{n:03d}", g) for code, gs in layout.items() for n, g in enumerate(gs, 1)]
        items.extend(grids)
        extents.append(shapely.total_bounds(np.array([g for _code, g in grids], dtype=object)))
    return items[:grid_count], np.array(extents)


def timed(fn, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def line(what: str, size: str, figure: float, unit: str) -> None:
    print(f"{what:<34} {size:<28} {figure:>14,.1f} {unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--naive-points", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    items, extents = build_city(args.grids, args.seed)
    line("demo_layout (city generated)", f"grids={len(items)}", time.perf_counter() - start, "s")
    line("mean grid area", f"grids={len(items)}", statistics.fmean(area_m2(g) for _c, g in items), "m²")

    build_s, index = timed(lambda: GridIndex(items))
    line("GridIndex build", f"grids={len(items)}", build_s * 1000, "ms")

    # Points inside a random sub-district's bounding box: most fall in a grid, some in the gaps between.
    rng = np.random.default_rng(args.seed)
    which = rng.integers(0, len(extents), args.points)
    lons = rng.uniform(extents[which, 0], extents[which, 2])
    lats = rng.uniform(extents[which, 1], extents[which, 3])

    bulk_s, located = timed(lambda: index.locate_many(lons, lats))
    size = f"grids={len(items)} points={args.points}"
    line("GridIndex.locate_many", size, args.points / bulk_s, "points/s")
    line("points inside a grid", size, 100 * sum(k is not None for k in located) / args.points, "%")

    one = min(args.points, 20_000)
    single_s, _ = timed(lambda: [index.locate(x, y) for x, y in zip(lons[:one], lats[:one], strict=True)])
    line("GridIndex.locate (one call each)", f"grids={len(items)} points={one}", one / single_s, "points/s")

    sample = min(args.points, args.naive_points)
    naive_s, expected = timed(
        lambda: [naive_locate(items, x, y) for x, y in zip(lons[:sample], lats[:sample], strict=True)], runs=1
    )
    line(
        "naive_locate (scan every polygon)",
        f"grids={len(items)} points={sample}",
        sample / naive_s,
        "points/s",
    )
    agree = sum(a == b for a, b in zip(expected, located[:sample], strict=True))
    line("agreement with naive_locate", f"points={sample}", 100 * agree / sample, "%")
    line(
        "speed-up locate_many / naive",
        f"grids={len(items)}",
        (args.points / bulk_s) / (sample / naive_s),
        "x",
    )
    line("speed-up locate / naive", f"grids={len(items)}", (one / single_s) / (sample / naive_s), "x")


if __name__ == "__main__":
    main()
