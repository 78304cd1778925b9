"""OsmAnd protocol: every shape the Traccar Client sends, refusals, and fuzzing."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedao.tracking.protocol.osmand import OsmandError, OsmandFix, parse_osmand

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def get(query: str, **kwargs: object) -> OsmandFix:
    [fix] = parse_osmand("GET", parse_qs(query, keep_blank_values=True), b"", "", NOW, **kwargs)
    return fix


def post_json(payload: object) -> list[OsmandFix]:
    return parse_osmand("POST", {}, json.dumps(payload).encode(), JSON, NOW)


def refusal(call: object, *args: object) -> OsmandError:
    with pytest.raises(OsmandError) as err:
        call(*args)  # type: ignore[operator]
    return err.value


# --- query string and form -----------------------------------------------------------------------


def test_traccar_client_query_string() -> None:
    fix = get(
        "id=864000000000001&timestamp=1714564800&lat=31.230416&lon=121.473701&speed=10.0"
        "&bearing=87.5&altitude=12.0&accuracy=4.5&hdop=0.9&batt=87.0&charge=true&valid=true"
    )
    assert fix.device_id == "864000000000001"
    assert fix.time == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert (fix.lat, fix.lon, fix.course, fix.altitude, fix.accuracy) == (
        31.230416,
        121.473701,
        87.5,
        12.0,
        4.5,
    )
    assert fix.speed_kmh == pytest.approx(18.52)
    assert (fix.battery, fix.valid) == (87.0, True)
    assert fix.extras == {"hdop": 0.9, "charging": True}


def test_deviceid_and_heading() -> None:
    fix = get("deviceid=boat-7&lat=31.2&lon=120.6&heading=270")
    assert (fix.device_id, fix.course) == ("boat-7", 270.0)


def test_location_pair() -> None:
    fix = get("id=1&location=31.25%2C120.5")
    assert (fix.lat, fix.lon) == (31.25, 120.5)


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1714564800", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("1714564800123", datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)),
        ("1714564800.5", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01T20:00:00.250%2B08:00", datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
        ("2024-05-01+20:00:00", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
        ("2024-05-01T20:00:00", datetime(2024, 5, 1, 12, 0, tzinfo=UTC)),
    ],
    ids=["epoch s", "epoch ms", "epoch s decimal", "ISO Z", "ISO offset", "yyyy-MM-dd HH:mm:ss", "ISO naive"],
)
def test_timestamp_forms(stamp: str, expected: datetime) -> None:
    fix = get(f"id=1&lat=0&lon=0&timestamp={stamp}")
    assert fix.time == expected
    assert fix.time.utcoffset() == timedelta(0)


def test_naive_time_zone_is_configurable() -> None:
    fix = get("id=1&timestamp=2024-05-01+20:00:00", naive_tz=UTC)
    assert fix.time == datetime(2024, 5, 1, 20, 0, tzinfo=UTC)


def test_missing_timestamp_is_now() -> None:
    fix = get("id=1&lat=0&lon=0")
    assert fix.time == NOW


def test_post_form_body() -> None:
    body = b"id=staff-3&lat=31.3&lon=120.6&timestamp=1714564800&speed=0&batt=55"
    [fix] = parse_osmand("POST", {}, body, FORM, NOW)
    assert (fix.device_id, fix.lat, fix.lon, fix.speed_kmh, fix.battery) == (
        "staff-3",
        31.3,
        120.6,
        0.0,
        55.0,
    )


def test_query_wins_over_body() -> None:
    [fix] = parse_osmand("POST", {"id": ["from-query"]}, b"id=from-body", FORM, NOW)
    assert fix.device_id == "from-query"


class FakeQueryDict(dict):
    """Behaves like Django's QueryDict: item access gives the last value, getlist gives all."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key)[-1]

    def getlist(self, key: str) -> list[str]:
        return super().__getitem__(key)


def test_querydict_like_mapping() -> None:
    query = FakeQueryDict(id=["7"], lat=["31"], lon=["120"], cell=["460,0,1,2", "460,0,1,3"])
    [fix] = parse_osmand("GET", query, b"", "", NOW)
    assert (fix.device_id, fix.lat, fix.lon) == ("7", 31.0, 120.0)
    assert fix.extras["cell"] == ["460,0,1,2", "460,0,1,3"]


def test_plain_string_mapping() -> None:
    [fix] = parse_osmand("get", {"id": "9", "lat": "1", "lon": "2"}, b"", "", NOW)
    assert (fix.device_id, fix.lat, fix.lon) == ("9", 1.0, 2.0)


def test_unknown_parameters_become_extras() -> None:
    fix = get("id=1&lat=0&lon=0&driverUniqueId=D42&temp1=21.5&door=false&note=hello&charge=0")
    assert fix.extras == {
        "driver_unique_id": "D42",
        "temp1": 21.5,
        "door": False,
        "note": "hello",
        "charging": False,
    }


@pytest.mark.parametrize(("flag", "valid"), [("true", True), ("1", True), ("false", False), ("0", False)])
def test_valid_flag(flag: str, valid: bool) -> None:
    assert get(f"id=1&lat=0&lon=0&valid={flag}").valid is valid


def test_no_position_is_not_valid() -> None:
    fix = get("id=1&batt=40")
    assert (fix.lat, fix.lon, fix.valid, fix.battery) == (None, None, False, 40.0)


def test_negative_speed_and_bearing_mean_unknown() -> None:
    fix = get("id=1&lat=0&lon=0&speed=-1&bearing=-1&batt=-1")
    assert (fix.speed_kmh, fix.course, fix.battery) == (None, None, None)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("lat=1&lon=2", "id"),
        ("id=&lat=1&lon=2", "id"),
        ("id=+&lat=1&lon=2", "id"),
        ("id=1&lat=abc&lon=2", "lat"),
        ("id=1&lat=91&lon=2", "lat"),
        ("id=1&lat=1&lon=-180.5", "lon"),
        ("id=1&lat=nan&lon=2", "lat"),
        ("id=1&lat=1", "lon"),
        ("id=1&location=31.2", "location"),
        ("id=1&location=a%2Cb", "location (lat)"),
        ("id=1&speed=fast", "speed"),
        ("id=1&heading=north", "heading"),
        ("id=1&altitude=inf", "altitude"),
        ("id=1&hdop=x", "hdop"),
        ("id=1&batt=101", "batt"),
        ("id=1&timestamp=yesterday", "timestamp"),
        ("id=1&timestamp=0001-01-01T00:00:00%2B05:00", "timestamp"),  # no UTC form
        ("id=1&timestamp=99999999999999999999", "timestamp"),
    ],
)
def test_query_refusals_name_the_field(query: str, field: str) -> None:
    err = refusal(get, query)
    assert err.status == 400
    assert err.message.startswith(f"{field}:")


def test_other_methods_are_refused() -> None:
    assert refusal(parse_osmand, "PUT", {"id": ["1"]}, b"", "", NOW).status == 405


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_osmand("GET", {"id": ["1"]}, b"", "", datetime(2024, 5, 1))


def test_form_body_must_be_utf8() -> None:
    err = refusal(parse_osmand, "POST", {}, b"id=\xff", FORM, NOW)
    assert (err.status, err.message) == (400, "body: not UTF-8 at byte 3")


# --- JSON body -----------------------------------------------------------------------------------

# The example body documented at https://www.traccar.org/osmand/ (Traccar Client 9+).
TRACCAR_DOC_EXAMPLE = {
    "location": {
        "timestamp": "2000-01-01T00:00:00.000Z",
        "coords": {"latitude": 0.0, "longitude": 0.0, "accuracy": 0, "speed": 0, "heading": 0, "altitude": 0},
        "is_moving": False,
        "odometer": 0,
        "event": "motionchange",
        "battery": {"level": 1, "is_charging": False},
        "activity": {"type": "still"},
        "extras": {},
    },
    "device_id": "48241179",
}


def test_json_documented_example() -> None:
    [fix] = post_json(TRACCAR_DOC_EXAMPLE)
    assert fix == OsmandFix(
        device_id="48241179",
        time=datetime(2000, 1, 1, tzinfo=UTC),
        lat=0.0,
        lon=0.0,
        speed_kmh=0.0,
        course=0.0,
        altitude=0.0,
        accuracy=0.0,
        battery=100.0,
        valid=True,
        extras={
            "charging": False,
            "motion": False,
            "odometer_m": 0.0,
            "event": "motionchange",
            "activity": "still",
        },
    )


def _location(**overrides: object) -> dict[str, object]:
    coords = {"latitude": 31.3, "longitude": 120.6, "accuracy": 8, "speed": 5, "heading": 90, "altitude": 3}
    base: dict[str, object] = {"timestamp": "2024-05-01T12:00:00.000Z", "coords": coords}
    return base | overrides


def test_json_units() -> None:
    [fix] = post_json(
        {"device_id": "p1", "location": _location(battery={"level": 0.42, "is_charging": True})}
    )
    assert fix.speed_kmh == pytest.approx(18.0)
    assert (fix.course, fix.altitude, fix.accuracy) == (90.0, 3.0, 8.0)
    assert fix.battery == pytest.approx(42.0)
    assert fix.extras == {"charging": True}


def test_json_unknown_values_are_negative() -> None:
    coords = {"latitude": 1, "longitude": 2, "accuracy": -1, "speed": -1, "heading": -1, "altitude": 0}
    [fix] = post_json({"device_id": "p1", "location": _location(coords=coords, battery={"level": -1})})
    assert (fix.speed_kmh, fix.course, fix.accuracy, fix.battery) == (None, None, None, None)


def test_json_charset_parameter_and_alarm() -> None:
    body = json.dumps({"device_id": "p1", "location": _location(extras={"alarm": "sos"}, mock=True)}).encode()
    [fix] = parse_osmand("POST", {}, body, "application/json; charset=utf-8", NOW)
    assert fix.extras == {"mock": True, "alarm": "sos"}


def test_json_location_list() -> None:
    later = _location(timestamp="2024-05-01T12:00:30Z")
    fixes = post_json({"device_id": "p1", "location": [_location(), later]})
    assert [f.time.second for f in fixes] == [0, 30]
    assert {f.device_id for f in fixes} == {"p1"}


def test_json_list_of_bodies() -> None:
    fixes = post_json(
        [{"device_id": "a", "location": _location()}, {"device_id": 17, "location": _location()}]
    )
    assert [f.device_id for f in fixes] == ["a", "17"]


def test_json_without_coords_has_no_position() -> None:
    [fix] = post_json(
        {"device_id": "p1", "location": {"timestamp": "2024-05-01T12:00:00Z", "event": "heartbeat"}}
    )
    assert (fix.lat, fix.lon, fix.valid, fix.extras) == (None, None, False, {"event": "heartbeat"})


def test_json_epoch_timestamp_and_missing_timestamp() -> None:
    [with_epoch] = post_json({"device_id": "p1", "location": _location(timestamp=1714564800000)})
    [without] = post_json({"device_id": "p1", "location": {"coords": {"latitude": 1, "longitude": 2}}})
    assert (with_epoch.time, without.time) == (NOW, NOW)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"location": _location()}, "device_id"),
        ({"device_id": "", "location": _location()}, "device_id"),
        ({"device_id": True, "location": _location()}, "device_id"),
        ([{"location": _location()}], "[0].device_id"),
        ({"device_id": "p"}, "location"),
        ({"device_id": "p", "location": []}, "location"),
        ([], "location"),
        ({"device_id": "p", "location": "here"}, "location"),
        ({"device_id": "p", "location": [_location(), 5]}, "location[1]"),
        ({"device_id": "p", "location": _location(coords=[1, 2])}, "location.coords"),
        (
            {"device_id": "p", "location": _location(coords={"latitude": 95, "longitude": 0})},
            "location.coords.latitude",
        ),
        ({"device_id": "p", "location": _location(coords={"latitude": 1})}, "location.coords.longitude"),
        (
            {"device_id": "p", "location": _location(coords={"latitude": "x", "longitude": 0})},
            "location.coords.latitude",
        ),
        (
            {"device_id": "p", "location": _location(coords={"latitude": True, "longitude": 0})},
            "location.coords.latitude",
        ),
        ({"device_id": "p", "location": _location(battery={"level": 5})}, "location.battery.level"),
        ({"device_id": "p", "location": _location(battery=3)}, "location.battery"),
        ({"device_id": "p", "location": _location(timestamp="soon")}, "location.timestamp"),
        ({"device_id": "p", "location": _location(timestamp=[1])}, "location.timestamp"),
        ({"device_id": "p", "location": _location(odometer="far")}, "location.odometer"),
        ("just a string", "body"),
    ],
)
def test_json_refusals_name_the_field(payload: object, field: str) -> None:
    err = refusal(post_json, payload)
    assert err.status == 400
    assert err.message.startswith(f"{field}:")


@pytest.mark.parametrize(
    "body", [b"{", b'{"device_id": "p", "location": {"coords": {"latitude": NaN}}}', b"\xff"]
)
def test_json_that_is_not_json(body: bytes) -> None:
    err = refusal(parse_osmand, "POST", {}, body, JSON, NOW)
    assert (err.status, err.message) == (400, "body: not valid JSON")


def test_json_huge_integer_is_refused() -> None:
    body = b'{"device_id": "p", "location": {"coords": {"latitude": 1' + b"0" * 400 + b', "longitude": 0}}}'
    err = refusal(parse_osmand, "POST", {}, body, JSON, NOW)
    assert err.message.startswith("location.coords.latitude:")


# --- fuzzing -------------------------------------------------------------------------------------

FUZZ = settings(deadline=None, max_examples=300)
_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
_json = st.recursive(
    _leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)
_keys = st.sampled_from(
    ["latitude", "longitude", "speed", "heading", "accuracy", "altitude", "level", "type"]
)
_location_like = st.fixed_dictionaries(
    {},
    optional={
        "timestamp": _leaf,
        "coords": st.dictionaries(_keys, _leaf) | _leaf,
        "battery": st.dictionaries(st.sampled_from(["level", "is_charging"]), _leaf) | _leaf,
        "activity": st.dictionaries(_keys, _leaf) | _leaf,
        "extras": _json,
        "is_moving": _leaf,
        "odometer": _leaf,
    },
)


@FUZZ
@given(
    st.fixed_dictionaries(
        {}, optional={"device_id": _leaf, "location": _location_like | st.lists(_location_like)}
    )
)
def test_json_bodies_only_raise_osmand_error(payload: dict[str, object]) -> None:
    with contextlib.suppress(OsmandError):
        for fix in post_json(payload):
            assert fix.time.tzinfo is not None
            assert fix.lat is None or -90 <= fix.lat <= 90


@FUZZ
@given(_json)
def test_any_json_only_raises_osmand_error(payload: object) -> None:
    with contextlib.suppress(OsmandError):
        post_json(payload)


_params = st.sampled_from(
    [
        "id",
        "deviceid",
        "lat",
        "lon",
        "location",
        "timestamp",
        "speed",
        "bearing",
        "heading",
        "altitude",
        "accuracy",
        "hdop",
        "batt",
        "valid",
        "charge",
        "cell",
        "x",
    ]
)


@FUZZ
@given(st.dictionaries(_params, st.lists(st.text(max_size=20), max_size=3)), st.binary(max_size=80))
def test_query_and_form_only_raise_osmand_error(query: dict[str, list[str]], body: bytes) -> None:
    with contextlib.suppress(OsmandError):
        [fix] = parse_osmand("POST", query, body, FORM, NOW)
        assert fix.device_id.strip() == fix.device_id != ""
