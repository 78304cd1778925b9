"""Zone shapes (责任区几何): polygons as drawn, corridors as a centre line buffered in local metres.

A corridor's width is measured in metres, so the line is projected to a local azimuthal equidistant plane
around its centre (error well under 0.1% across a sub-district), buffered there, and projected back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from jiedao.lib.geo import EARTH_RADIUS_M

Project = Callable[[np.ndarray], np.ndarray]


def local_projection(lon0: float, lat0: float) -> tuple[Project, Project]:
    """Azimuthal equidistant metres around (lon0, lat0) on the mean sphere, and the inverse."""
    phi0, lam0 = math.radians(lat0), math.radians(lon0)
    sin0, cos0 = math.sin(phi0), math.cos(phi0)

    def forward(c: np.ndarray) -> np.ndarray:
        lam = np.radians(c[:, 0]) - lam0
        phi = np.radians(c[:, 1])
        cos_c = np.clip(sin0 * np.sin(phi) + cos0 * np.cos(phi) * np.cos(lam), -1.0, 1.0)
        angle = np.arccos(cos_c)
        k = np.where(angle > 1e-12, angle / np.sin(np.maximum(angle, 1e-12)), 1.0)
        x = k * np.cos(phi) * np.sin(lam)
        y = k * (cos0 * np.sin(phi) - sin0 * np.cos(phi) * np.cos(lam))
        return np.column_stack((x, y)) * EARTH_RADIUS_M

    def inverse(c: np.ndarray) -> np.ndarray:
        x, y = c[:, 0] / EARTH_RADIUS_M, c[:, 1] / EARTH_RADIUS_M
        rho = np.hypot(x, y)
        safe = np.maximum(rho, 1e-12)
        sin_c, cos_c = np.sin(rho), np.cos(rho)
        phi = np.where(rho > 1e-12, np.arcsin(cos_c * sin0 + y * sin_c * cos0 / safe), phi0)
        lam = lam0 + np.arctan2(x * sin_c, safe * cos0 * cos_c - y * sin0 * sin_c)
        return np.column_stack((np.degrees(lam), np.degrees(phi)))

    return forward, inverse


def _centre(geometry: BaseGeometry) -> tuple[float, float]:
    min_x, min_y, max_x, max_y = geometry.bounds
    return (min_x + max_x) / 2, (min_y + max_y) / 2


def zone_shape(kind: str, geometry: dict[str, Any], width_m: float) -> Polygon | MultiPolygon:
    """The area a zone covers, in WGS-84; raises ValueError for a geometry that does not fit its kind."""
    try:
        geom = shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"geometry is not valid GeoJSON: {exc}") from None
    if geom.is_empty:
        raise ValueError("geometry is empty")
    if kind == "corridor":
        if not isinstance(geom, LineString | MultiLineString):
            raise ValueError("a corridor needs a LineString or MultiLineString centre line")
        if width_m <= 0:
            raise ValueError("a corridor needs a positive width")
        forward, inverse = local_projection(*_centre(geom))
        return shapely.transform(shapely.transform(geom, forward).buffer(width_m), inverse)
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValueError("a polygon zone needs a Polygon or MultiPolygon")
    return geom if geom.is_valid else shapely.make_valid(geom)


def corridor_coverage(
    geometry: dict[str, Any], width_m: float, lons: np.ndarray, lats: np.ndarray, segment_m: float = 50.0
) -> float:
    """Share (0..1) of a corridor's centre line that came within ``width_m`` of the given points.

    The line is cut into pieces of about ``segment_m``; a piece counts as covered when a point lies within the
    corridor width of its midpoint.
    """
    line = shape(geometry)
    forward, _inverse = local_projection(*_centre(line))
    local_line = shapely.transform(line, forward)
    pieces = shapely.get_parts(shapely.segmentize(local_line, segment_m))
    mids: list[tuple[float, float]] = []
    lengths: list[float] = []
    for part in pieces:
        coords = np.asarray(part.coords)
        for a, b in pairwise(coords):
            mids.append(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
            lengths.append(float(np.hypot(*(b - a))))
    total = sum(lengths)
    if not total or not len(lons):
        return 0.0
    points = forward(np.column_stack((lons, lats)))
    tree = shapely.STRtree(shapely.points(points))
    mid_idx, _ = tree.query(shapely.points(np.array(mids)), predicate="dwithin", distance=max(width_m, 1.0))
    covered = sum(lengths[i] for i in set(mid_idx.tolist()))
    return covered / total
