"""Import and export of unit grids (单元网格) as GeoJSON (RFC 7946, WGS-84 lon/lat).

``parse_grid_collection`` never raises on bad bytes: every problem becomes a ``GridError`` naming the feature,
the field and the rule, with a message in Chinese for the person who made the file. Store nothing unless
``errors`` is empty.
"""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from jiedao.lib.divisions import communities, street
from jiedao.lib.geo import area_m2, distance_m, within_china

Polygonal = Polygon | MultiPolygon
T = TypeVar("T")

# Named CRSs that mean lon/lat on WGS-84 or CGCS2000 (the two agree to centimetres). RFC 7946 dropped
# "crs", but GIS exports still write it; anything else (projected metres, GCJ-02 …) is refused.
_LONLAT_CRS = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "urn:ogc:def:crs:EPSG::4490",
    "EPSG:4490",
}
_MAX_NAME = 100
# Bounded, depth-limited display of untrusted values inside messages.
_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 40
_CODE_HELP = "15 位数字：6 位区县 + 3 位街道 + 3 位社区 + 3 位序号（旧式 14 位为 2 位序号）"


@dataclass(frozen=True, slots=True)
class ParsedGrid:
    """One grid that passed every check; ``code`` is always the 15-digit form."""

    code: str
    name: str
    community_code: str
    polygon: Polygonal
    area_m2: float
    index: int = 0  # the 1-based feature number in the file it came from (0 when not from a file)


@dataclass(frozen=True, slots=True)
class GridError:
    """One problem: ``index`` is the 1-based feature number (None for the whole file), ``rule`` a stable
    English key, ``message`` Chinese text for people."""

    index: int | None
    code: str | None
    field: str
    rule: str
    message: str


@dataclass(slots=True)
class ParsedGrids:
    """``grids`` are the features without any error; ``errors`` in file order."""

    grids: list[ParsedGrid] = field(default_factory=list)
    errors: list[GridError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Reject(Exception):
    def __init__(self, field_name: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field_name, self.rule, self.message = field_name, rule, message


@dataclass(slots=True)
class _Feature:
    index: int
    code: str | None = None
    name: str = ""
    polygon: Polygonal | None = None
    errors: list[GridError] = field(default_factory=list)

    def reject(self, problem: _Reject) -> None:
        self.errors.append(
            GridError(self.index, self.code, problem.field_name, problem.rule, problem.message)
        )

    def label(self) -> str:
        return f"第 {self.index} 个要素" + (f"（{self.code}）" if self.code else "")


# --- decoding -------------------------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise _Reject("(file)", "json", f"JSON 不允许 {name}（非数字）")


def _decode(data: bytes) -> Any:
    try:
        text = bytes(data).decode("utf-8-sig")  # a BOM from Windows tools is harmless
    except UnicodeDecodeError as exc:
        raise _Reject(
            "(file)", "encoding", f"文件不是 UTF-8 编码：第 {exc.start + 1} 个字节无法解码"
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _Reject(
            "(file)", "json", f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"
        ) from None
    except RecursionError:
        raise _Reject("(file)", "json", "JSON 嵌套层数过深") from None
    except ValueError as exc:  # e.g. an integer literal beyond Python's digit limit
        raise _Reject("(file)", "json", f"JSON 中有无法读取的数值：{exc}") from None


def _check_collection(doc: Any) -> list[Any]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise _Reject(
            "type", "collection_type", f"顶层必须是 GeoJSON FeatureCollection，实际是 {_SHOW.repr(found)}"
        )
    crs = doc.get("crs")
    if crs is not None:
        properties = crs.get("properties") if isinstance(crs, dict) else None
        name = properties.get("name") if isinstance(properties, dict) else None
        if not isinstance(name, str) or name not in _LONLAT_CRS:
            raise _Reject(
                "crs",
                "crs",
                f"坐标系 {_SHOW.repr(name or crs)} 不受支持：请导出为 WGS-84 经纬度（EPSG:4326，RFC 7946）",
            )
    features = doc.get("features")
    if not isinstance(features, list):
        raise _Reject("features", "features", "FeatureCollection 缺少 features 数组")
    if not features:
        raise _Reject("features", "empty", "文件中没有任何网格要素")
    return features


# --- properties -----------------------------------------------------------------------------------------


def _check_code(raw: Any, street_code: str, community_codes: set[str], feature: _Feature) -> None:
    if raw is None:
        raise _Reject("properties.code", "code_missing", f"缺少网格编码 properties.code（{_CODE_HELP}）")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)  # some GIS tools write codes as numbers; 15 digits are exact in a double
    if not isinstance(raw, str):
        raise _Reject("properties.code", "code_format", f"网格编码必须是字符串：{_CODE_HELP}")
    code = raw.strip()
    if not (code.isascii() and code.isdigit() and len(code) in (14, 15)):
        raise _Reject(
            "properties.code", "code_format", f"网格编码 {_SHOW.repr(code)} 格式不对：应为 {_CODE_HELP}"
        )
    if len(code) == 14:
        code = f"{code[:12]}0{code[12:]}"
    feature.code = code
    if code[:9] != street_code:
        raise _Reject(
            "properties.code", "code_street", f"网格编码 {code} 的前 9 位不是本街道代码 {street_code}"
        )
    if code[:12] not in community_codes:
        raise _Reject(
            "properties.code",
            "code_community",
            f"网格编码 {code} 的第 10–12 位 {code[9:12]} 不是本街道的社区",
        )
    if code[12:] == "000":
        raise _Reject("properties.code", "code_sequence", f"网格编码 {code} 的序号不能是 000（从 001 起编）")


def _check_name(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _Reject("properties.name", "name", "网格名称 properties.name 必须是文字")
    if not raw.isprintable():  # control characters or lone surrogates cannot be stored or shown
        raise _Reject("properties.name", "name", "网格名称含有控制字符或无效字符")
    if len(raw.strip()) > _MAX_NAME:
        raise _Reject("properties.name", "name", f"网格名称超过 {_MAX_NAME} 个字")
    return raw.strip()


# --- geometry -------------------------------------------------------------------------------------------


def _position(raw: Any) -> tuple[float, float]:
    if (
        not isinstance(raw, list)
        or len(raw) not in (2, 3)
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
    ):
        raise _Reject(
            "geometry.coordinates",
            "coordinates",
            f"坐标点必须是 [经度, 纬度] 两个数字，实际是 {_SHOW.repr(raw)}",
        )
    lon, lat = float(raw[0]), float(raw[1])  # an altitude, allowed by RFC 7946, is dropped
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _Reject("geometry.coordinates", "coordinates", "坐标值必须是有限数字")
    return lon, lat


def _polygon_rings(raw: Any) -> list[list[tuple[float, float]]]:
    if not isinstance(raw, list) or not raw or not all(isinstance(ring, list) for ring in raw):
        raise _Reject(
            "geometry.coordinates", "coordinates", "Polygon 的 coordinates 必须是至少含一个环的数组"
        )
    return [[_position(p) for p in ring] for ring in raw]


def _check_ranges(points: list[tuple[float, float]]) -> None:
    bad = next(((x, y) for x, y in points if not within_china(x, y)), None)
    if bad is None:
        return
    if all(within_china(y, x) for x, y in points):
        raise _Reject(
            "geometry.coordinates",
            "lonlat_order",
            f"坐标疑似写成了“纬度, 经度”（如 {list(bad)}）：GeoJSON 要求“经度, 纬度”，如 [120.62, 31.30]",
        )
    if max(abs(bad[0]), abs(bad[1])) > 1000:
        raise _Reject(
            "geometry.coordinates",
            "range",
            f"坐标 {list(bad)} 像是投影坐标（米）：请导出为 WGS-84 经纬度（EPSG:4326）",
        )
    if not (-180 <= bad[0] <= 180 and -90 <= bad[1] <= 90):
        raise _Reject("geometry.coordinates", "range", f"坐标 {list(bad)} 超出经度 ±180、纬度 ±90 的范围")
    raise _Reject("geometry.coordinates", "range", f"坐标 {list(bad)} 不在中国范围内")


def _check_geometry(raw: Any) -> Polygonal:
    if not isinstance(raw, dict):
        raise _Reject("geometry", "geometry_type", "要素缺少几何图形 geometry")
    kind, coordinates = raw.get("type"), raw.get("coordinates")
    if kind == "Polygon":
        polygons = [_polygon_rings(coordinates)]
    elif kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _Reject("geometry.coordinates", "coordinates", "MultiPolygon 的 coordinates 必须是非空数组")
        polygons = [_polygon_rings(p) for p in coordinates]
    else:
        raise _Reject(
            "geometry.type",
            "geometry_type",
            f"几何类型必须是 Polygon 或 MultiPolygon，实际是 {_SHOW.repr(kind)}",
        )
    _check_ranges([p for rings in polygons for ring in rings for p in ring])
    for rings in polygons:
        for ring in rings:
            if len(ring) < 4:
                raise _Reject(
                    "geometry.coordinates",
                    "ring_size",
                    f"多边形的环至少要 4 个点（首尾相同），只有 {len(ring)} 个",
                )
            if ring[0] != ring[-1]:
                raise _Reject(
                    "geometry.coordinates",
                    "ring_closed",
                    f"多边形的环没有闭合：首点 {list(ring[0])} ≠ 末点 {list(ring[-1])}",
                )
    parts = [Polygon(rings[0], rings[1:]) for rings in polygons]
    geometry: Polygonal = parts[0] if kind == "Polygon" else MultiPolygon(parts)
    if not geometry.is_valid:
        raise _Reject("geometry", "valid", f"几何图形无效：{shapely.is_valid_reason(geometry)}")
    return geometry


def _attempt(feature: _Feature, check: Callable[..., T], *args: Any) -> T | None:
    """Run one check, recording its rejection on the feature instead of stopping the import."""
    try:
        return check(*args)
    except _Reject as problem:
        feature.reject(problem)
        return None


# --- checks across features -----------------------------------------------------------------------------


def _check_boundary(features: list[_Feature], boundary: Polygonal, tolerance_m: float) -> None:
    shapely.prepare(boundary)
    for feature in features:
        if boundary.covers(feature.polygon):
            continue
        outside = feature.polygon.difference(boundary)
        # How far the part outside reaches: from its vertices to the nearest point of the boundary.
        lines = shapely.shortest_line(shapely.points(shapely.get_coordinates(outside)), boundary)
        reach = max(
            (distance_m(*ends[0], *ends[1]) for ends in map(shapely.get_coordinates, lines)), default=0.0
        )
        if reach > tolerance_m:
            feature.reject(
                _Reject(
                    "geometry",
                    "boundary",
                    f"网格超出街道边界 {reach:.1f} 米（超出部分 {area_m2(outside):.1f} m²）",
                )
            )


def _check_overlaps(
    features: list[_Feature], existing: Sequence[tuple[str, Polygonal]], tolerance_m2: float
) -> None:
    imported = {f.code for f in features}
    # An existing grid whose code is being imported is about to be replaced, so it cannot collide.
    others = [(code, polygon) for code, polygon in existing if code not in imported]
    new = np.array([f.polygon for f in features], dtype=object)
    every = np.array([*new, *(polygon for _code, polygon in others)], dtype=object)
    a, b = shapely.STRtree(every).query(new, predicate="intersects")
    # Each pair of new grids once (reported on the later feature), and every new/existing pair.
    keep = (b < a) | (b >= len(new))
    a, b = a[keep], b[keep]
    shared = shapely.intersection(new[a], every[b])
    for i, j, piece in zip(a.tolist(), b.tolist(), shared, strict=True):
        if piece.area == 0:
            continue  # neighbours touching along an edge
        overlap = area_m2(piece)
        if overlap <= tolerance_m2:
            continue
        other = features[j].label() if j < len(new) else f"已有网格 {others[j - len(new)][0]}"
        features[i].reject(_Reject("geometry", "overlap", f"与{other}重叠 {overlap:.1f} m²"))


def parse_grid_collection(
    data: bytes,
    *,
    street_code: str,
    boundary: Polygonal | None,
    existing: Iterable[tuple[str, Polygonal]] = (),
    overlap_tolerance_m2: float = 1.0,
    boundary_tolerance_m: float = 1.0,
) -> ParsedGrids:
    """Check an uploaded grid file for one sub-district (街道) and return its grids and problems.

    ``existing`` are grids already stored for the sub-district: a new grid may overlap them (and the other new
    grids) by at most ``overlap_tolerance_m2``, except the stored grid with its own code, which it replaces.
    With a ``boundary``, no grid may reach more than ``boundary_tolerance_m`` metres outside it. Codes of 14
    digits are normalised to 15.
    """
    street(street_code)  # the caller's own code: unknown is a programming error, not a file error
    result = ParsedGrids()
    try:
        raw_features = _check_collection(_decode(data))
    except _Reject as problem:
        result.errors.append(GridError(None, None, problem.field_name, problem.rule, problem.message))
        return result

    community_codes = {c.code for c in communities(street_code)}
    features: list[_Feature] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_features, 1):
        feature = _Feature(index)
        features.append(feature)
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            feature.reject(_Reject("type", "feature_type", f"第 {index} 个要素不是 GeoJSON Feature 对象"))
            continue
        properties = raw.get("properties")
        if properties is None:
            properties = {}  # RFC 7946 allows null properties; the missing code is reported below
        elif not isinstance(properties, dict):
            feature.reject(_Reject("properties", "properties", "properties 必须是对象"))
            properties = {}
        _attempt(feature, _check_code, properties.get("code"), street_code, community_codes, feature)
        feature.name = _attempt(feature, _check_name, properties.get("name")) or ""
        feature.polygon = _attempt(feature, _check_geometry, raw.get("geometry"))
        if feature.code is not None:
            if feature.code in first_index:
                feature.reject(
                    _Reject(
                        "properties.code",
                        "code_duplicate",
                        f"网格编码 {feature.code} 与第 {first_index[feature.code]} 个要素重复",
                    )
                )
            else:
                first_index[feature.code] = index

    shaped = [f for f in features if f.polygon is not None]
    if boundary is not None and shaped:
        _check_boundary(shaped, boundary, boundary_tolerance_m)
    if shaped:
        _check_overlaps(shaped, list(existing), overlap_tolerance_m2)

    for feature in features:
        result.errors.extend(feature.errors)
        if not feature.errors and feature.code is not None and feature.polygon is not None:
            result.grids.append(
                ParsedGrid(
                    code=feature.code,
                    name=feature.name,
                    community_code=feature.code[:12],
                    polygon=feature.polygon,
                    area_m2=area_m2(feature.polygon),
                    index=feature.index,
                )
            )
    return result


# --- export ---------------------------------------------------------------------------------------------


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    # RFC 7946 right-hand rule: exterior counter-clockwise, holes clockwise.
    oriented = orient(polygon, sign=1.0)
    rings = [oriented.exterior, *oriented.interiors]
    return [np.round(np.asarray(ring.coords)[:, :2], 6).tolist() for ring in rings]


def polygon_geojson(polygon: Polygonal) -> dict[str, Any]:
    """A Polygon or MultiPolygon as an RFC 7946 geometry (right-hand rule, 6 decimals ≈ 0.1 m)."""
    if isinstance(polygon, Polygon):
        return {"type": "Polygon", "coordinates": _rings(polygon)}
    return {"type": "MultiPolygon", "coordinates": [_rings(p) for p in polygon.geoms]}


def grids_to_geojson(grids: Iterable[ParsedGrid]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of grids (WGS-84 lon/lat, 6 decimals ≈ 0.1 m)."""
    features = []
    for grid in grids:
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "community_code": grid.community_code,
                    "area_m2": round(grid.area_m2, 1),
                },
                "geometry": polygon_geojson(grid.polygon),
            }
        )
    return {"type": "FeatureCollection", "features": features}
