import math
import random

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from jiedao.lib import geo
from jiedao.lib.divisions import communities, district_streets
from jiedao.lib.geo import (
    GridIndex,
    area_m2,
    demo_layout,
    demo_street_area,
    distance_m,
    district_boundary,
    gcj02_to_wgs84,
    naive_locate,
    number_grids,
    wgs84_to_gcj02,
    within_china,
)

# Published eviltransform test vectors: (wgs lat, wgs lon) → (gcj lat, gcj lon).
EVILTRANSFORM = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


# --- distances and coordinate systems -------------------------------------------------------------------


def test_distance_of_one_degree_of_latitude():
    assert distance_m(120.0, 31.0, 120.0, 32.0) == pytest.approx(math.pi * 6_371_008.8 / 180, rel=1e-12)
    assert distance_m(120.6, 31.3, 120.6, 31.3) == 0
    assert distance_m(0, 0, 180, 0) == pytest.approx(math.pi * 6_371_008.8)


def test_distance_is_symmetric_and_shrinks_with_latitude():
    d = distance_m(120.60, 31.30, 120.61, 31.31)
    assert d == distance_m(120.61, 31.31, 120.60, 31.30)
    assert distance_m(0, 60, 1, 60) == pytest.approx(distance_m(0, 0, 1, 0) / 2, rel=1e-4)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_matches_eviltransform(wgs, gcj):
    lon, lat = wgs84_to_gcj02(wgs[1], wgs[0])
    assert lon == pytest.approx(gcj[1], abs=1e-9)
    assert lat == pytest.approx(gcj[0], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_gcj02_inverse_recovers_wgs84(wgs, gcj):
    lon, lat = gcj02_to_wgs84(gcj[1], gcj[0])
    assert distance_m(lon, lat, wgs[1], wgs[0]) < 0.001


@pytest.mark.parametrize("point", [(139.767125, 35.681236), (2.35, 48.85), (-104.99, 39.74), (0.0, 0.0)])
def test_outside_china_is_unchanged(point):
    assert not within_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


def test_within_china():
    assert within_china(120.62, 31.30)
    assert within_china(87.6, 43.8)  # Ürümqi
    assert not within_china(31.30, 120.62)  # swapped


def _exact_box_area(lon1, lat1, lon2, lat2):
    """Exact area of a lon/lat box on the WGS-84 ellipsoid (integral of M·N·cosφ)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)

    def primitive(t):
        return t / (2 * (1 - e2 * t * t)) + math.atanh(e * t) / (2 * e)

    sin1, sin2 = math.sin(math.radians(lat1)), math.sin(math.radians(lat2))
    return a * a * (1 - e2) * math.radians(lon2 - lon1) * (primitive(sin2) - primitive(sin1))


@pytest.mark.parametrize("lat", [18.0, 31.3, 45.0, 53.0])
@pytest.mark.parametrize(("size", "rel"), [(0.001, 1e-8), (0.01, 1e-8), (0.5, 1e-6), (10.0, 1e-4)])
def test_area_against_exact_ellipsoidal_boxes(lat, size, rel):
    exact = _exact_box_area(110.0, lat, 110.0 + size, lat + size)
    assert area_m2(box(110.0, lat, 110.0 + size, lat + size)) == pytest.approx(exact, rel=rel)


def test_area_of_holes_multipolygons_and_empty():
    outer, hole = box(120.60, 31.30, 120.62, 31.32), box(120.605, 31.305, 120.615, 31.315)
    with_hole = Polygon(outer.exterior.coords, [hole.exterior.coords])
    assert area_m2(with_hole) == pytest.approx(area_m2(outer) - area_m2(hole), rel=1e-6)
    other = box(120.70, 31.30, 120.71, 31.31)
    assert area_m2(MultiPolygon([outer, other])) == pytest.approx(area_m2(outer) + area_m2(other), rel=1e-6)
    assert area_m2(Polygon()) == 0.0


# --- GridIndex ------------------------------------------------------------------------------------------


def _two_by_two():
    # a | b
    # --+--
    # c | d      around (120.62, 31.30), 0.01° squares
    return [
        ("c", box(120.61, 31.29, 120.62, 31.30)),
        ("a", box(120.61, 31.30, 120.62, 31.31)),
        ("d", box(120.62, 31.29, 120.63, 31.30)),
        ("b", box(120.62, 31.30, 120.63, 31.31)),
    ]


def test_locate_inside_outside_and_on_borders():
    index = GridIndex(_two_by_two())
    assert len(index) == 4
    assert index.locate(120.615, 31.305) == "a"
    assert index.locate(120.625, 31.295) == "d"
    assert index.locate(120.70, 31.30) is None
    assert index.locate(120.62, 31.295) == "c"  # c|d border → lowest key
    assert index.locate(120.625, 31.30) == "b"  # b/d border
    assert index.locate(120.62, 31.30) == "a"  # the corner of all four
    assert index.locate(120.63, 31.31) == "b"  # outer corner still belongs to its grid


def test_locate_does_not_depend_on_insertion_order():
    items = _two_by_two()
    rng = np.random.default_rng(3)
    lons = np.round(rng.uniform(120.605, 120.635, 500), 3)  # rounded: many points fall on borders
    lats = np.round(rng.uniform(31.285, 31.315, 500), 3)
    assert GridIndex(items).locate_many(lons, lats) == GridIndex(items[::-1]).locate_many(lons, lats)


def test_locate_many_edge_cases():
    index = GridIndex(_two_by_two())
    assert index.locate_many([], []) == []
    assert index.locate_many([math.nan, 120.615], [31.305, math.nan]) == [None, None]
    assert GridIndex([]).locate_many([120.615], [31.305]) == [None]
    with pytest.raises(ValueError, match="equal length"):
        index.locate_many([1.0, 2.0], [1.0])


def test_grid_index_rejects_bad_input():
    with pytest.raises(ValueError, match="unique"):
        GridIndex([("a", box(0, 0, 1, 1)), ("a", box(1, 0, 2, 1))])
    with pytest.raises(TypeError, match="Polygon"):
        GridIndex([("a", shapely.Point(0, 0))])


def test_grid_index_agrees_with_naive_scan_on_demo_layout():
    codes = [c.code for c in communities("320508020")][:6]
    layout = demo_layout(120.62, 31.30, 1500, codes, 8, seed=11)
    items = [pair for code, grids in layout.items() for pair in number_grids(code, grids)]
    index = GridIndex(items)
    rng = random.Random(5)
    points = [(rng.uniform(120.60, 120.64), rng.uniform(31.28, 31.32)) for _ in range(400)]
    # Vertices lie on two or three grids' borders at once: the hardest case for tie-breaking.
    points += [tuple(xy) for _code, grid in items for xy in list(grid.exterior.coords)[:2]]
    lons, lats = zip(*points, strict=True)
    located = index.locate_many(lons, lats)
    assert located == [naive_locate(items, lon, lat) for lon, lat in points]
    assert sum(key is not None for key in located) > 100


# --- demo layout ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def canglang_layout():
    codes = [c.code for c in communities("320508020")]
    return demo_layout(120.62, 31.30, 2000, codes, lambda code: 5 + int(code[-1]), seed=7)


def test_demo_layout_counts_and_validity(canglang_layout):
    assert list(canglang_layout) == [c.code for c in communities("320508020")]
    for code, grids in canglang_layout.items():
        assert len(grids) == 5 + int(code[-1])
        assert all(isinstance(g, Polygon) and g.is_valid and not g.is_empty for g in grids)


def test_demo_grids_tile_the_area_and_communities_are_their_union(canglang_layout):
    grids = np.array([g for gs in canglang_layout.values() for g in gs], dtype=object)
    whole = shapely.union_all(grids)
    assert isinstance(whole, Polygon) and not whole.interiors  # no gaps
    assert whole.area == pytest.approx(shapely.area(grids).sum(), rel=1e-12)  # no overlaps
    assert area_m2(whole) == pytest.approx(math.pi * 2000**2, rel=0.25)
    left, right = shapely.STRtree(grids).query(grids, predicate="intersects")
    pairs = left < right
    assert shapely.area(shapely.intersection(grids[left[pairs]], grids[right[pairs]])).max() < 1e-15
    for community in canglang_layout.values():
        union = shapely.union_all(community)
        assert isinstance(union, Polygon) and not union.interiors


def test_demo_layout_is_deterministic(canglang_layout):
    codes = list(canglang_layout)
    again = demo_layout(120.62, 31.30, 2000, codes, lambda code: 5 + int(code[-1]), seed=7)
    assert {c: [g.wkb for g in gs] for c, gs in again.items()} == {
        c: [g.wkb for g in gs] for c, gs in canglang_layout.items()
    }
    other = demo_layout(120.62, 31.30, 2000, codes, lambda code: 5 + int(code[-1]), seed=8)
    assert other[codes[0]][0].wkb != canglang_layout[codes[0]][0].wkb


def test_demo_grids_are_listed_in_numbering_order(canglang_layout):
    for code, grids in canglang_layout.items():
        numbered = number_grids(code, grids)
        assert [c for c, _g in numbered] == [f"{code}{n:03d}" for n in range(1, len(grids) + 1)]
        assert [g for _c, g in numbered] == grids


def test_demo_communities_are_placed_in_reading_order(canglang_layout):
    placed = list(canglang_layout.values())
    first_y = shapely.union_all(placed[0]).centroid.y
    last_y = shapely.union_all(placed[-1]).centroid.y
    assert first_y > last_y  # the first community is in the north, the last in the south


def test_demo_layout_edge_cases():
    single = demo_layout(120.62, 31.30, 500, ["320508020014"], 1, seed=1)
    assert len(single["320508020014"]) == 1
    assert area_m2(single["320508020014"][0]) == pytest.approx(math.pi * 500**2, rel=0.3)
    with pytest.raises(ValueError, match="unique"):
        demo_layout(120.62, 31.30, 500, ["320508020014", "320508020014"], 2, seed=1)
    with pytest.raises(ValueError, match=r"1\.\.999"):
        demo_layout(120.62, 31.30, 500, ["320508020014"], 0, seed=1)
    with pytest.raises(ValueError, match="positive"):
        demo_layout(120.62, 31.30, 0, ["320508020014"], 1, seed=1)


def test_number_grids_west_to_east_then_north_to_south():
    # A 3 x 3 block of 100 m squares given in shuffled order.
    squares = {
        (row, col): box(
            120.62 + col * 0.001, 31.30 - row * 0.001, 120.621 + col * 0.001, 31.301 - row * 0.001
        )
        for row in range(3)
        for col in range(3)
    }
    shuffled = list(squares.items())
    random.Random(1).shuffle(shuffled)
    numbered = number_grids("320508020014", [g for _rc, g in shuffled])
    expected = [f"320508020014{n:03d}" for n in range(1, 10)]
    assert [code for code, _g in numbered] == expected
    assert [g for _c, g in numbered] == [squares[(r, c)] for r in range(3) for c in range(3)]
    with pytest.raises(ValueError, match="12 digits"):
        number_grids("32050802001", [])
    assert number_grids("320508020014", []) == []


# --- real district outlines -----------------------------------------------------------------------------


def test_district_boundary_of_gusu():
    gusu = district_boundary("320508")
    assert isinstance(gusu, Polygon) and gusu.is_valid
    assert 70e6 < area_m2(gusu) < 95e6  # 姑苏区 is about 83 km²
    assert gusu.contains(shapely.Point(120.6266, 31.3239))  # 拙政园, WGS-84
    assert district_boundary("329999") is None
    assert district_boundary("130171") is None  # a development zone, not a GB/T 2260 county


def test_district_outlines_are_wgs84_not_gcj02():
    # The Great Hall of the People is in 西城区, just west of the 东城区 line: its WGS-84 position falls in
    # 西城区, while the same point shifted to GCJ-02 would land in 东城区.
    great_hall = (116.3873, 39.9033)
    assert district_boundary("110102").contains(shapely.Point(great_hall))
    assert district_boundary("110101").contains(shapely.Point(wgs84_to_gcj02(*great_hall)))


def test_demo_street_areas_of_gusu_are_inside_and_apart():
    gusu = district_boundary("320508")
    spots = [demo_street_area(s.code) for s in district_streets("320508")]
    share = math.sqrt(area_m2(gusu) / len(spots) / math.pi)
    for lon, lat, radius in spots:
        assert gusu.contains(shapely.Point(lon, lat))
        assert 0.3 * share <= radius <= 0.8 * share
    for i, (lon1, lat1, _r1) in enumerate(spots):
        for lon2, lat2, _r2 in spots[i + 1 :]:
            assert distance_m(lon1, lat1, lon2, lat2) > share
    assert demo_street_area("320508020") == spots[3]  # cached and deterministic
    geo._district_spots.cache_clear()
    assert demo_street_area("320508020") == spots[3]


def test_demo_street_area_of_a_zone_without_outline_uses_its_city():
    code = district_streets("130171")[0].code  # 石家庄高新技术产业开发区
    lon, lat, radius = demo_street_area(code)
    assert geo._geocn_boundary("city", "156130100").contains(shapely.Point(lon, lat))
    assert radius > 0
