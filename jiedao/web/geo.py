"""GeoJSON for the pages' maps. Coordinates stay WGS-84; the browser converts when a GCJ-02 tile layer is set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from jiedao.org.models import Grid


def feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def grid_features(grids: Iterable[Grid], counts: dict[int, dict[str, int]] | None = None) -> list[dict]:
    counts = counts or {}
    features = []
    for grid in grids:
        c = counts.get(grid.pk, {})
        features.append(
            {
                "type": "Feature",
                "geometry": grid.polygon,
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "community": grid.community.name,
                    "open": c.get("open", 0),
                    "overdue": c.get("overdue", 0),
                    "warning": c.get("warning", 0),
                },
            }
        )
    return features


def community_features(grids: Iterable[Grid]) -> list[dict]:
    """One outline per community (the union of its grids), lightly simplified for a phone."""
    parts: dict[str, tuple[str, list]] = {}
    for grid in grids:
        _name, shapes = parts.setdefault(grid.community_id, (grid.community.name, []))
        shapes.append(shape(grid.polygon))
    features = []
    for code, (name, shapes) in sorted(parts.items()):
        outline = shapely.union_all(shapes).simplify(0.00002, preserve_topology=True)
        features.append(
            {"type": "Feature", "geometry": mapping(outline), "properties": {"code": code, "name": name}}
        )
    return features


def point_feature(lon: float, lat: float, **properties: Any) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }
