import json

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LinearRing, Polygon, box

from jiedao.lib.divisions import UnknownDivision, communities
from jiedao.lib.geo import area_m2, demo_layout
from jiedao.lib.gridgeojson import ParsedGrids, grids_to_geojson, parse_grid_collection

STREET = "320508020"  # 沧浪街道
COMMUNITY = "320508020033"  # 胥江社区居委会
D = 0.001  # about 95 m east-west, 111 m north-south here


def square(col: int, row: int = 0, size: float = D) -> list:
    x, y = 120.62 + col * D, 31.30 + row * D
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def feature(code, coordinates=None, name=None, geometry_type="Polygon", **properties):
    props = {"code": code, **properties}
    if name is not None:
        props["name"] = name
    geometry = {"type": geometry_type, "coordinates": square(0) if coordinates is None else coordinates}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features, **members) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **members}).encode()


def parse(data: bytes, **kwargs) -> ParsedGrids:
    kwargs.setdefault("boundary", None)
    return parse_grid_collection(data, street_code=STREET, **kwargs)


def rules(result: ParsedGrids) -> list[tuple[int | None, str]]:
    return [(e.index, e.rule) for e in result.errors]


def only_error(result: ParsedGrids):
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


# --- what a good file gives -----------------------------------------------------------------------------


def test_good_collection():
    result = parse(
        collection(
            feature(f"{COMMUNITY}001", square(0), name=" 胥江一网格 "),
            feature(f"{COMMUNITY}002", square(1)),
            feature("320508020014001", square(0, 1)),
        )
    )
    assert result.ok and rules(result) == []
    first = result.grids[0]
    assert (first.code, first.name, first.community_code) == (f"{COMMUNITY}001", "胥江一网格", COMMUNITY)
    assert first.area_m2 == pytest.approx(area_m2(box(120.62, 31.30, 120.621, 31.301)))
    assert 10_000 < first.area_m2 < 11_000
    assert [g.name for g in result.grids[1:]] == ["", ""]
    assert [g.community_code for g in result.grids] == [COMMUNITY, COMMUNITY, "320508020014"]


def test_legacy_14_digit_and_numeric_codes_are_normalised():
    result = parse(
        collection(feature(f"{COMMUNITY}07", square(0)), feature(int(f"{COMMUNITY}008"), square(1)))
    )
    assert result.ok
    assert [g.code for g in result.grids] == [f"{COMMUNITY}007", f"{COMMUNITY}008"]


def test_multipolygon_altitude_bom_and_null_properties_handling():
    two_parts = [square(0), square(2)]
    with_altitude = [[[*xy, 12.5] for xy in square(4)[0]]]
    data = collection(
        feature(f"{COMMUNITY}001", two_parts, geometry_type="MultiPolygon"),
        feature(f"{COMMUNITY}002", with_altitude),
    )
    result = parse(b"\xef\xbb\xbf" + data)
    assert result.ok
    assert result.grids[0].polygon.geom_type == "MultiPolygon"
    nameless = {
        "type": "Feature",
        "properties": None,
        "geometry": {"type": "Polygon", "coordinates": square(0)},
    }
    assert rules(parse(collection(nameless))) == [(1, "code_missing")]


def test_accepted_crs_names():
    for name in ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4490"):
        assert parse(
            collection(feature(f"{COMMUNITY}001"), crs={"type": "name", "properties": {"name": name}})
        ).ok


def test_unknown_street_is_a_programming_error():
    with pytest.raises(UnknownDivision):
        parse_grid_collection(collection(feature(f"{COMMUNITY}001")), street_code="999999999", boundary=None)


# --- file-level rules -----------------------------------------------------------------------------------


def test_invalid_json_names_line_and_column():
    error = only_error(parse(b'{"type": "FeatureCollection",\n  "features": [,]}'))
    assert (error.index, error.code, error.field, error.rule) == (None, None, "(file)", "json")
    assert "第 2 行第 16 列" in error.message


def test_not_utf8():
    error = only_error(parse('{"type": "名"}'.encode("gbk")))
    assert error.rule == "encoding" and "第 11 个字节" in error.message  # 名 is C3 FB in GBK; FB breaks UTF-8


@pytest.mark.parametrize("data", [b'{"a": NaN}', b"[Infinity]", b"[" * 100_000, b"1" * 5000])
def test_json_that_python_would_otherwise_accept_or_crash_on(data):
    assert only_error(parse(data)).rule == "json"


@pytest.mark.parametrize(
    "doc", [[], "x", {"type": "Feature"}, {"type": "featurecollection", "features": []}, {"features": []}]
)
def test_top_level_must_be_a_feature_collection(doc):
    assert only_error(parse(json.dumps(doc).encode())).rule == "collection_type"


def test_features_must_be_a_non_empty_array():
    assert only_error(parse(b'{"type": "FeatureCollection"}')).rule == "features"
    assert only_error(parse(b'{"type": "FeatureCollection", "features": {}}')).rule == "features"
    assert only_error(parse(collection())).rule == "empty"


@pytest.mark.parametrize(
    "crs", [{"type": "name", "properties": {"name": "EPSG:4547"}}, "GCJ-02", {"properties": 1}]
)
def test_other_crs_is_refused(crs):
    error = only_error(parse(collection(feature(f"{COMMUNITY}001"), crs=crs)))
    assert (error.field, error.rule) == ("crs", "crs")


# --- feature structure and geometry ---------------------------------------------------------------------


def test_feature_must_be_a_feature_object():
    result = parse(collection(feature(f"{COMMUNITY}001"), {"type": "Polygon"}, 7))
    assert rules(result) == [(2, "feature_type"), (3, "feature_type")]
    assert [g.code for g in result.grids] == [f"{COMMUNITY}001"]


def test_properties_must_be_an_object():
    bad = {"type": "Feature", "properties": [1], "geometry": {"type": "Polygon", "coordinates": square(0)}}
    assert rules(parse(collection(bad))) == [(1, "properties"), (1, "code_missing")]


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        {"type": "Point", "coordinates": [120.62, 31.30]},
        {"type": "GeometryCollection", "geometries": []},
    ],
)
def test_only_polygons_and_multipolygons(geometry):
    bad = {"type": "Feature", "properties": {"code": f"{COMMUNITY}001"}, "geometry": geometry}
    error = only_error(parse(collection(bad)))
    assert (error.index, error.code, error.rule) == (1, f"{COMMUNITY}001", "geometry_type")


@pytest.mark.parametrize(
    "coordinates",
    [
        [],
        [[[120.62, "31.30"], [120.63, 31.30], [120.63, 31.31], [120.62, 31.30]]],
        [[[120.62, True], [120.63, 31.30], [120.63, 31.31], [120.62, 31.30]]],
        [[[120.62], [120.63, 31.30], [120.63, 31.31], [120.62]]],
        [[[120.62, 31.30, 1, 2], [120.63, 31.30], [120.63, 31.31], [120.62, 31.30, 1, 2]]],
        [[120.62, 31.30]],
        [{"x": 1}],
    ],
)
def test_malformed_coordinates(coordinates):
    assert rules(parse(collection(feature(f"{COMMUNITY}001", coordinates)))) == [(1, "coordinates")]


def test_missing_or_infinite_coordinates():
    missing = {"type": "Feature", "properties": {"code": f"{COMMUNITY}001"}, "geometry": {"type": "Polygon"}}
    assert rules(parse(collection(missing))) == [(1, "coordinates")]
    # JSON has no infinity, but Python reads an overflowing literal as one.
    huge = collection(
        feature(f"{COMMUNITY}001", [[[120.62, 31.3], [120.63, 31.3], [120.63, 31.31], [120.62, 31.3]]])
    )
    assert rules(parse(huge.replace(b"31.31", b"1e400"))) == [(1, "coordinates")]


def test_multipolygon_needs_polygons():
    data = collection(feature(f"{COMMUNITY}001", [], geometry_type="MultiPolygon"))
    assert rules(parse(data)) == [(1, "coordinates")]


def test_swapped_latitude_and_longitude():
    swapped = [[[y, x] for x, y in square(0)[0]]]
    error = only_error(parse(collection(feature(f"{COMMUNITY}001", swapped))))
    assert error.rule == "lonlat_order" and "经度, 纬度" in error.message


@pytest.mark.parametrize(
    ("ring", "hint"),
    [
        (
            [
                [40_500_000, 3_460_000],
                [40_500_100, 3_460_000],
                [40_500_100, 3_460_100],
                [40_500_000, 3_460_000],
            ],
            "投影",
        ),
        ([[120.62, 95.0], [120.63, 95.0], [120.63, 95.1], [120.62, 95.0]], "±90"),
        ([[2.35, 48.85], [2.36, 48.85], [2.36, 48.86], [2.35, 48.85]], "中国"),
    ],
)
def test_coordinates_out_of_range(ring, hint):
    error = only_error(parse(collection(feature(f"{COMMUNITY}001", [ring]))))
    assert error.rule == "range" and hint in error.message


def test_ring_must_be_closed_and_long_enough():
    open_ring = [square(0)[0][:-1]]
    assert rules(parse(collection(feature(f"{COMMUNITY}001", open_ring)))) == [(1, "ring_closed")]
    short = [[[120.62, 31.30], [120.63, 31.30], [120.62, 31.30]]]
    assert rules(parse(collection(feature(f"{COMMUNITY}001", short)))) == [(1, "ring_size")]
    hole_open = [square(0, size=0.01)[0], [[120.621, 31.301], [120.622, 31.301], [120.622, 31.302]]]
    assert rules(parse(collection(feature(f"{COMMUNITY}001", hole_open)))) == [(1, "ring_size")]


def test_invalid_geometry_is_explained():
    bowtie = [[[120.62, 31.30], [120.63, 31.31], [120.63, 31.30], [120.62, 31.31], [120.62, 31.30]]]
    error = only_error(parse(collection(feature(f"{COMMUNITY}001", bowtie))))
    assert (error.field, error.rule) == ("geometry", "valid")
    assert "Self-intersection" in error.message


# --- codes and names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        (None, "code_missing"),
        ("abc", "code_format"),
        ("3205080200330010", "code_format"),
        ("3205080200330", "code_format"),
        ("３２０５０８０２００３３００１", "code_format"),
        (3.2050802003300e14, "code_format"),
        (True, "code_format"),
        ("320508021001001", "code_street"),
        ("320505020033001", "code_street"),
        ("320508020099001", "code_community"),
        ("320508020033000", "code_sequence"),
        ("32050802003300", "code_sequence"),
    ],
)
def test_code_rules(code, rule):
    error = only_error(parse(collection(feature(code))))
    assert (error.index, error.field, error.rule) == (1, "properties.code", rule)


def test_errors_carry_the_normalised_code_once_it_is_readable():
    error = only_error(parse(collection(feature("320508020099001"))))
    assert error.code == "320508020099001"
    assert only_error(parse(collection(feature("abc")))).code is None


def test_duplicate_codes_including_legacy_form():
    result = parse(
        collection(
            feature(f"{COMMUNITY}001", square(0)),
            feature(f"{COMMUNITY}002", square(1)),
            feature(f"{COMMUNITY}01", square(2)),
        )
    )
    error = only_error(result)
    assert (error.index, error.code, error.rule) == (3, f"{COMMUNITY}001", "code_duplicate")
    assert "第 1 个要素" in error.message
    assert [g.code for g in result.grids] == [f"{COMMUNITY}001", f"{COMMUNITY}002"]


@pytest.mark.parametrize("name", [12, ["胥江"], "网" * 101, "胥江\x00", "胥江\ud800"])
def test_name_rules(name):
    error = only_error(parse(collection(feature(f"{COMMUNITY}001", name=name))))
    assert (error.field, error.rule) == ("properties.name", "name")


def test_one_feature_can_have_several_problems():
    bad = feature("320508020099001", [square(0)[0][:-1]], name=5)
    assert rules(parse(collection(bad))) == [(1, "code_community"), (1, "name"), (1, "ring_closed")]


# --- boundary and overlaps ------------------------------------------------------------------------------


def test_grid_outside_the_boundary():
    boundary = box(120.62, 31.30, 120.622, 31.301)
    # 2 x D wide: the second grid reaches one D (about 95 m) beyond the boundary.
    result = parse(
        collection(feature(f"{COMMUNITY}001", square(0)), feature(f"{COMMUNITY}002", square(2))),
        boundary=boundary,
    )
    error = only_error(result)
    assert (error.index, error.rule) == (2, "boundary")
    assert "95" in error.message


def test_boundary_tolerance_in_metres():
    boundary = box(120.62, 31.30, 120.621, 31.301)
    nudged = [[[x + 0.000005 if x > 120.6205 else x, y] for x, y in square(0)[0]]]  # about 0.5 m out
    assert parse(collection(feature(f"{COMMUNITY}001", nudged)), boundary=boundary).ok
    result = parse(
        collection(feature(f"{COMMUNITY}001", nudged)), boundary=boundary, boundary_tolerance_m=0.1
    )
    assert rules(result) == [(1, "boundary")]


def test_overlapping_grids():
    result = parse(
        collection(
            feature(f"{COMMUNITY}001", square(0)),
            feature(f"{COMMUNITY}002", square(1)),  # shares an edge: fine
            feature(f"{COMMUNITY}003", [[[x + D / 2, y] for x, y in square(0)[0]]]),  # half over 001 and 002
        )
    )
    assert rules(result) == [(3, "overlap"), (3, "overlap")]
    assert "第 1 个要素（320508020033001）" in result.errors[0].message
    assert [g.code for g in result.grids] == [f"{COMMUNITY}001", f"{COMMUNITY}002"]


def test_overlap_tolerance_in_square_metres():
    sliver = [[[x - 0.000005 if x > 120.6205 else x, y] for x, y in square(1)[0]]]  # shifted 0.5 m west
    data = collection(feature(f"{COMMUNITY}001", square(0)), feature(f"{COMMUNITY}002", sliver))
    # The sliver is about 0.5 m x 111 m = 53 m².
    assert rules(parse(data)) == [(2, "overlap")]
    assert parse(data, overlap_tolerance_m2=60).ok


def test_overlap_with_existing_grids_except_the_one_being_replaced():
    existing = [(f"{COMMUNITY}009", Polygon(square(0)[0])), (f"{COMMUNITY}001", Polygon(square(1)[0]))]
    result = parse(collection(feature(f"{COMMUNITY}001", square(0))), existing=existing)
    error = only_error(result)
    assert error.rule == "overlap" and f"已有网格 {COMMUNITY}009" in error.message
    assert parse(collection(feature(f"{COMMUNITY}009", square(0))), existing=existing).ok


# --- export ---------------------------------------------------------------------------------------------


def test_export_is_rfc7946_and_round_trips():
    clockwise = square(0)[0][::-1]
    hole = [
        [120.6202, 31.3002],
        [120.6204, 31.3002],
        [120.6204, 31.3004],
        [120.6202, 31.3004],
        [120.6202, 31.3002],
    ]
    source = collection(
        feature(f"{COMMUNITY}001", [clockwise, hole], name="胥江一"),
        feature(f"{COMMUNITY}002", [square(1), square(3)], geometry_type="MultiPolygon"),
    )
    grids = parse(source).grids
    exported = grids_to_geojson(grids)
    assert exported["type"] == "FeatureCollection"
    first = exported["features"][0]
    assert first["properties"] == {
        "code": f"{COMMUNITY}001",
        "name": "胥江一",
        "community_code": COMMUNITY,
        "area_m2": round(grids[0].area_m2, 1),
    }
    outer, inner = first["geometry"]["coordinates"]
    assert LinearRing(outer).is_ccw and not LinearRing(inner).is_ccw  # right-hand rule
    assert exported["features"][1]["geometry"]["type"] == "MultiPolygon"
    again = parse(json.dumps(exported).encode())
    assert again.ok
    assert [(g.code, g.name) for g in again.grids] == [(g.code, g.name) for g in grids]


def test_export_rounds_to_six_decimals():
    precise = [
        [[120.620000123, 31.300000456], [120.621, 31.3], [120.621, 31.301], [120.620000123, 31.300000456]]
    ]
    exported = grids_to_geojson(parse(collection(feature(f"{COMMUNITY}001", precise))).grids)
    assert exported["features"][0]["geometry"]["coordinates"][0][0] == [120.62, 31.3]


def test_demo_layout_exports_and_reimports_cleanly():
    codes = [c.code for c in communities(STREET)][:5]
    layout = demo_layout(120.62, 31.30, 1200, codes, 6, seed=3)
    features = [
        feature(f"{code}{n:03d}", shapely.geometry.mapping(grid)["coordinates"])
        for code, grids in layout.items()
        for n, grid in enumerate(grids, 1)
    ]
    boundary = shapely.union_all([g for grids in layout.values() for g in grids])
    first = parse(collection(*features), boundary=boundary)
    assert first.ok and len(first.grids) == 30
    second = parse(json.dumps(grids_to_geojson(first.grids)).encode(), boundary=boundary)
    assert second.ok, second.errors[:3]


# --- fuzzing: untrusted bytes never raise ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
numbers = st.floats(allow_nan=False, allow_infinity=False) | st.floats(min_value=-200, max_value=200)
positions = st.lists(numbers | st.sampled_from([120.62, 31.30, 120.63, 31.31]), min_size=0, max_size=4)
rings = st.lists(positions, max_size=6)
codes = st.one_of(
    st.none(),
    st.integers(),
    st.text(max_size=16),
    st.sampled_from([f"{COMMUNITY}001", f"{COMMUNITY}01", "320508020014001", "320508020033000"]),
)
fuzz_features = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["Feature", "feature"]),
        "properties": st.fixed_dictionaries({"code": codes, "name": json_values}) | json_values,
        "geometry": st.fixed_dictionaries(
            {
                "type": st.sampled_from(["Polygon", "MultiPolygon", "Point"]),
                "coordinates": st.lists(rings, max_size=3)
                | st.lists(st.lists(rings, max_size=2), max_size=2),
            }
        ),
    }
)
near = st.tuples(st.floats(120.615, 120.625), st.floats(31.295, 31.305))
closed_rings = st.lists(near, min_size=3, max_size=6).map(lambda pts: [[*p] for p in [*pts, pts[0]]])
shaped_features = st.builds(
    lambda code, ring: feature(code, [ring]),
    st.sampled_from([f"{COMMUNITY}001", f"{COMMUNITY}002", f"{COMMUNITY}03", "320508020014001"]),
    closed_rings
    | st.builds(
        lambda c, r, w: square(c, r, w)[0], st.integers(-3, 3), st.integers(-3, 3), st.floats(1e-6, 0.003)
    ),
)
fuzz_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz_settings
@given(st.binary(max_size=300))
def test_fuzz_random_bytes(data):
    result = parse(data)
    assert isinstance(result, ParsedGrids) and not result.ok


@fuzz_settings
@given(json_values)
def test_fuzz_random_json(value):
    result = parse(json.dumps(value).encode())
    assert isinstance(result, ParsedGrids)


@fuzz_settings
@given(st.lists(fuzz_features | shaped_features, max_size=6), st.booleans())
def test_fuzz_almost_valid_collections(features, with_boundary):
    boundary = box(120.618, 31.298, 120.622, 31.302) if with_boundary else None
    result = parse(collection(*features), boundary=boundary)
    for error in result.errors:
        assert error.rule and error.message and error.field
        assert error.index is None or 1 <= error.index <= len(features)
    assert len(result.grids) <= len(features)
