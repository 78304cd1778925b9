"""OsmAnd HTTP protocol (OsmAnd 协议) as sent by the Traccar Client phone app.

Two shapes reach the same endpoint: key=value parameters in the query string or a form-encoded POST
body (``id``, ``lat``, ``lon``, ``timestamp``, ``speed`` in knots, ...), and, from Traccar Client 9 on,
a JSON body ``{"location": {...}, "device_id": ...}`` whose location may also be a list. This module
turns either into ``OsmandFix`` values; the caller does HTTP and storage.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qs

from jiedao.tracking.protocol import GMT8

KNOT_KMH = 1.852
MPS_KMH = 3.6
MAX_FIELDS = 100

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_SECONDS_BELOW = 2**31 - 1  # larger integers are epoch milliseconds, as in Traccar
_EPOCH_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)?")
_ID_KEYS = ("id", "deviceid")
# query parameters with a place of their own in OsmandFix; the rest go to extras
_CORE_KEYS = frozenset(
    {"id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing", "heading", "altitude"}
    | {"accuracy", "batt", "valid", "hdop", "charge", "driverUniqueId"}
)


class OsmandError(Exception):
    """A request to refuse (请求错误): ``status`` is the HTTP status to answer, ``message`` says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class OsmandFix:
    """One position from a phone (定位点); lat/lon are None when the request carried no position.

    ``battery`` is a percentage. Speed, course, accuracy and battery are None when not sent or sent as a
    negative number, which phone location APIs use for "unknown".
    """

    device_id: str
    time: datetime
    lat: float | None
    lon: float | None
    speed_kmh: float | None
    course: float | None
    altitude: float | None
    accuracy: float | None
    battery: float | None
    valid: bool
    extras: dict[str, object]


def parse_osmand(
    method: str,
    query: Mapping[str, Iterable[str] | str],
    body: bytes,
    content_type: str,
    now: datetime,
    *,
    naive_tz: tzinfo = GMT8,
) -> list[OsmandFix]:
    """Parse one OsmAnd request into fixes; raise OsmandError for anything to refuse.

    ``query`` is the parsed query string (``parse_qs`` output or a Django QueryDict). A JSON body is
    read when the content type says JSON; otherwise the query string, or the form body when the query
    is empty. ``now`` (aware) stands in for a missing timestamp; a timestamp without offset is read in
    ``naive_tz``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if method.upper() not in ("GET", "POST"):
        raise OsmandError(405, f"method {method} not allowed; use GET or POST")
    if _is_json(content_type) and body:
        return _parse_json(body, now, naive_tz)
    params = _query_lists(query) or _form_lists(body)
    return [_fix_from_params(params, now, naive_tz)]


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


# --- values --------------------------------------------------------------------------------------


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise OsmandError(400, f"{field}: expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise OsmandError(400, f"{field}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise OsmandError(400, f"{field}: {value!r} is not a finite number")
    return number


def _optional(value: object, field: str) -> float | None:
    return None if value is None else _number(value, field)


def _known(value: float | None) -> float | None:
    return None if value is None or value < 0 else value


def _position(lat: object, lon: object, lat_field: str, lon_field: str) -> tuple[float | None, float | None]:
    if lat is None and lon is None:
        return None, None
    if lat is None or lon is None:
        raise OsmandError(400, f"{lat_field if lat is None else lon_field}: missing (both or neither)")
    lat_deg, lon_deg = _number(lat, lat_field), _number(lon, lon_field)
    if not -90 <= lat_deg <= 90:
        raise OsmandError(400, f"{lat_field}: {lat_deg} is outside -90..90")
    if not -180 <= lon_deg <= 180:
        raise OsmandError(400, f"{lon_field}: {lon_deg} is outside -180..180")
    return lat_deg, lon_deg


def _battery(value: object, field: str, to_percent: int) -> float | None:
    """Query ``batt`` is a percentage, JSON ``battery.level`` a fraction of 1."""
    level = _known(_optional(value, field))
    if level is not None and level * to_percent > 100:
        raise OsmandError(400, f"{field}: {level} is outside 0..{100 // to_percent}")
    return None if level is None else level * to_percent


def _time(value: object, field: str, now: datetime, naive_tz: tzinfo) -> datetime:
    """Epoch seconds, epoch milliseconds, ISO-8601 or 'yyyy-MM-dd HH:mm:ss'; missing → now."""
    if value is None:
        return now.astimezone(UTC)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise OsmandError(400, f"{field}: expected a time, got {type(value).__name__}")
    if not isinstance(value, str) or _EPOCH_PATTERN.fullmatch(value.strip()):
        return _from_epoch(_number(value, field), field)
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise OsmandError(400, f"{field}: {value!r} is not epoch seconds, milliseconds or ISO-8601") from None
    try:
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=naive_tz)).astimezone(UTC)
    except OverflowError:  # year 1 east of Greenwich, year 9999 west of it
        raise OsmandError(400, f"{field}: {value!r} is out of range") from None


def _from_epoch(number: float, field: str) -> datetime:
    seconds = number if number < _EPOCH_SECONDS_BELOW else number / 1000
    try:
        return _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        raise OsmandError(400, f"{field}: {number} is out of range") from None


def _flag(value: str) -> bool:
    return value.strip().lower() in ("true", "1")


def _loose(value: str) -> object:
    """Extras keep numbers as numbers and true/false as booleans, like Traccar."""
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else value


# --- query string and form body ------------------------------------------------------------------


def _query_lists(query: Mapping[str, Iterable[str] | str]) -> dict[str, list[str]]:
    getlist = getattr(query, "getlist", None)  # Django QueryDict: query[key] is only the last value
    params: dict[str, list[str]] = {}
    for key in query:
        values = getlist(key) if getlist else query[key]
        params[key] = [values] if isinstance(values, str) else list(values)
    return params


def _form_lists(body: bytes) -> dict[str, list[str]]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OsmandError(400, f"body: not UTF-8 at byte {exc.start}") from None
    try:
        return parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise OsmandError(400, f"body: more than {MAX_FIELDS} fields") from None


def _fix_from_params(params: dict[str, list[str]], now: datetime, naive_tz: tzinfo) -> OsmandFix:
    last = {key: values[-1] for key, values in params.items() if values}
    device_id = next((last[key].strip() for key in _ID_KEYS if last.get(key, "").strip()), "")
    if not device_id:
        raise OsmandError(400, "id: missing (send id or deviceid)")
    lat, lon = _query_position(last)
    speed = _known(_optional(last.get("speed"), "speed"))
    course_key = "bearing" if "bearing" in last else "heading"
    return OsmandFix(
        device_id=device_id,
        time=_time(last.get("timestamp"), "timestamp", now, naive_tz),
        lat=lat,
        lon=lon,
        speed_kmh=None if speed is None else speed * KNOT_KMH,
        course=_known(_optional(last.get(course_key), course_key)),
        altitude=_optional(last.get("altitude"), "altitude"),
        accuracy=_known(_optional(last.get("accuracy"), "accuracy")),
        battery=_battery(last.get("batt"), "batt", 1),
        valid=lat is not None and _flag(last.get("valid", "true")),
        extras=_query_extras(params, last),
    )


def _query_position(last: dict[str, str]) -> tuple[float | None, float | None]:
    if "location" not in last:
        return _position(last.get("lat"), last.get("lon"), "lat", "lon")
    parts = last["location"].split(",")
    if len(parts) != 2:
        raise OsmandError(400, f"location: {last['location']!r} is not 'lat,lon'")
    return _position(parts[0], parts[1], "location (lat)", "location (lon)")


def _query_extras(params: dict[str, list[str]], last: dict[str, str]) -> dict[str, object]:
    extras: dict[str, object] = {}
    if "hdop" in last:
        extras["hdop"] = _number(last["hdop"], "hdop")
    if "charge" in last:
        extras["charging"] = _flag(last["charge"])
    if "driverUniqueId" in last:
        extras["driver_unique_id"] = last["driverUniqueId"]
    for key, values in params.items():
        if key not in _CORE_KEYS and values:
            loose = [_loose(value) for value in values]
            extras[key] = loose[0] if len(loose) == 1 else loose
    return extras


# --- JSON body -----------------------------------------------------------------------------------


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _parse_json(body: bytes, now: datetime, naive_tz: tzinfo) -> list[OsmandFix]:
    try:
        root = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise OsmandError(400, "body: not valid JSON") from None
    roots = root if isinstance(root, list) else [root]
    prefix = "[{}]." if isinstance(root, list) else ""
    fixes = [
        fix for n, item in enumerate(roots) for fix in _fixes_from_root(item, prefix.format(n), now, naive_tz)
    ]
    if not fixes:
        raise OsmandError(400, "location: no locations in body")
    return fixes


def _object(value: object, field: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise OsmandError(400, f"{field}: expected an object")
    return value


def _section(loc: dict[str, object], key: str, path: str) -> dict[str, object]:
    value = loc.get(key)
    return {} if value is None else _object(value, f"{path}.{key}")


def _fixes_from_root(item: object, path: str, now: datetime, naive_tz: tzinfo) -> list[OsmandFix]:
    root = _object(item, path.rstrip(".") or "body")
    device_id = root.get("device_id")
    if isinstance(device_id, bool) or not isinstance(device_id, str | int) or not str(device_id).strip():
        raise OsmandError(400, f"{path}device_id: missing or not a string")
    locations = root.get("location")
    if isinstance(locations, list):
        paths = [f"{path}location[{n}]" for n in range(len(locations))]
    else:
        locations, paths = [locations], [f"{path}location"]
    return [
        _fix_from_json(str(device_id).strip(), _object(loc, where), where, now, naive_tz)
        for loc, where in zip(locations, paths, strict=True)
    ]


def _fix_from_json(
    device_id: str, loc: dict[str, object], path: str, now: datetime, naive_tz: tzinfo
) -> OsmandFix:
    coords = _section(loc, "coords", path)
    battery = _section(loc, "battery", path)
    lat, lon = _position(
        coords.get("latitude"), coords.get("longitude"), f"{path}.coords.latitude", f"{path}.coords.longitude"
    )
    speed = _known(_optional(coords.get("speed"), f"{path}.coords.speed"))
    return OsmandFix(
        device_id=device_id,
        time=_time(loc.get("timestamp"), f"{path}.timestamp", now, naive_tz),
        lat=lat,
        lon=lon,
        speed_kmh=None if speed is None else speed * MPS_KMH,
        course=_known(_optional(coords.get("heading"), f"{path}.coords.heading")),
        altitude=_optional(coords.get("altitude"), f"{path}.coords.altitude"),
        accuracy=_known(_optional(coords.get("accuracy"), f"{path}.coords.accuracy")),
        battery=_battery(battery.get("level"), f"{path}.battery.level", 100),
        valid=lat is not None,
        extras=_json_extras(loc, battery, path),
    )


def _json_extras(loc: dict[str, object], battery: dict[str, object], path: str) -> dict[str, object]:
    extras: dict[str, object] = {}
    if isinstance(battery.get("is_charging"), bool):
        extras["charging"] = battery["is_charging"]
    for key, name in (("is_moving", "motion"), ("mock", "mock")):
        if isinstance(loc.get(key), bool):
            extras[name] = loc[key]
    if loc.get("odometer") is not None:
        extras["odometer_m"] = _number(loc["odometer"], f"{path}.odometer")
    if isinstance(loc.get("event"), str):
        extras["event"] = loc["event"]
    activity = loc.get("activity")
    if isinstance(activity, dict) and isinstance(activity.get("type"), str):
        extras["activity"] = activity["type"]
    inner = loc.get("extras")
    alarm = loc.get("alarm", inner.get("alarm") if isinstance(inner, dict) else None)
    if isinstance(alarm, str):
        extras["alarm"] = alarm
    return extras
