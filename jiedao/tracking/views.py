"""Tracking pages and JSON: the live map, a device's track with playback, attendance and summaries.

Every read goes through ``selectors``; every look at a track (page, API or export of one device) writes the
audit event ``tracking.view_track``.
"""

from __future__ import annotations

import calendar as monthcal
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from shapely.geometry import mapping

from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError
from jiedao.lib.workcalendar import SHANGHAI
from jiedao.tracking import reports
from jiedao.tracking.analysis import STOP_MIN_SECONDS, STOP_RADIUS_M, stops_and_trips
from jiedao.tracking.geometry import zone_shape
from jiedao.tracking.models import Device, ZoneEvent
from jiedao.tracking.selectors import devices_for, shifts_for, zones_for
from jiedao.web.common import staff_actor

MOVING_KMH = 3.0
MAX_TRACK_DAYS = 7
MAX_TRACK_POINTS = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def device_state(device: Device, now: datetime) -> str:
    """moving / stopped / offline, from the cached last position and the last contact."""
    offline_after = timedelta(minutes=settings.JIEDAO["TRACKING_OFFLINE_MINUTES"])
    if device.last_seen_at is None or now - device.last_seen_at > offline_after:
        return "offline"
    fresh = device.last_fix_at is not None and now - device.last_fix_at <= offline_after
    return "moving" if fresh and (device.last_speed or 0) >= MOVING_KMH else "stopped"


STATE_LABELS = {"moving": "行驶中", "stopped": "静止", "offline": "离线"}


def _local_text(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def device_json(device: Device, now: datetime) -> dict[str, Any]:
    state = device_state(device, now)
    return {
        "id": device.pk,
        "identifier": device.identifier,
        "name": device.name,
        "kind": device.kind,
        "kind_label": device.get_kind_display(),
        "plate": device.plate,
        "unit": device.unit.name if device.unit else None,
        "state": state,
        "state_label": _(STATE_LABELS[state]),
        "lon": device.last_lon,
        "lat": device.last_lat,
        "speed_kmh": device.last_speed,
        "course": device.last_course,
        "fixed_at": device.last_fix_at.isoformat() if device.last_fix_at else None,
        "seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
        "fixed_at_text": _local_text(device.last_fix_at),
        "track_url": reverse("tracking:track", args=[device.pk]),
    }


def _zone_features(actor: Actor) -> list[dict[str, Any]]:
    features = []
    for zone in zones_for(actor):
        try:
            area = zone_shape(zone.kind, zone.geometry, zone.width_m)
        except ValueError:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(area),
                "properties": {"id": zone.pk, "name": zone.name, "kind": zone.kind, "unit": zone.unit.name},
            }
        )
    return features


# --- live map -----------------------------------------------------------------------------------------


@login_required
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    actor = staff_actor(request)
    devices = list(devices_for(actor))
    now = clock.now()
    counts = {state: 0 for state in STATE_LABELS}
    for device in devices:
        counts[device_state(device, now)] += 1
    return render(
        request,
        "tracking/live.html",
        {
            "devices": devices,
            "counts": counts,
            "zones": {"type": "FeatureCollection", "features": _zone_features(actor)},
        },
    )


@login_required
@require_GET
def live_geojson(request: HttpRequest) -> JsonResponse:
    """Latest position and state of each visible device (the live map refreshes from it every 10 s)."""
    now = clock.now()
    features = []
    for device in devices_for(staff_actor(request)):
        props = device_json(device, now)
        geometry = (
            None
            if device.last_lon is None
            else {"type": "Point", "coordinates": [device.last_lon, device.last_lat]}
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return JsonResponse({"type": "FeatureCollection", "features": features, "at": now.isoformat()})


# --- a device's track -------------------------------------------------------------------------------------


def _parse_local(raw: str | None, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
        return clock.in_zone(moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI), SHANGHAI)
    except ValueError:
        raise ApplicationError(
            "bad_period", _("%(field)s:时间格式应为 YYYY-MM-DDTHH:MM") % {"field": field}, field=field
        ) from None


def track_period(params: Mapping[str, str], last_fix: datetime | None = None) -> tuple[datetime, datetime]:
    """from/to as local times, at most MAX_TRACK_DAYS days apart. Default: the day of the device's last fix
    (today when it reported today), from midnight to the end of that day or now."""
    now = clock.now()
    day = (last_fix or now).astimezone(SHANGHAI).date()
    midnight = datetime.combine(day, time(), tzinfo=SHANGHAI)
    begin = _parse_local(params.get("from"), "from") or midnight
    end = _parse_local(params.get("to"), "to") or min(now, midnight + timedelta(days=1))
    if end <= begin:
        raise ApplicationError("bad_period", _("to:结束时间应晚于开始时间"), field="to")
    if end - begin > timedelta(days=MAX_TRACK_DAYS):
        raise ApplicationError(
            "bad_period", _("to:一次最多查看 %(days)d 天") % {"days": MAX_TRACK_DAYS}, field="to"
        )
    return begin, end


def _visible_device(actor: Actor, pk: int) -> Device:
    return get_object_or_404(devices_for(actor), pk=pk)


def audit_track_view(actor: Actor, device: Device, begin: datetime, end: datetime, via: str) -> None:
    audit.record(
        actor,
        "tracking.view_track",
        "tracking.device",
        device.pk,
        new={"from": begin.isoformat(), "to": end.isoformat(), "via": via, "kind": device.kind},
    )


def _number(raw: str | None, default: float, low: float, high: float) -> float:
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return min(max(value, low), high)


@login_required
@require_GET
def track(request: HttpRequest, pk: int) -> HttpResponse:
    actor = staff_actor(request)
    device = _visible_device(actor, pk)
    try:
        begin, end = track_period(request.GET, device.last_fix_at)
    except ApplicationError as exc:
        return render(request, "tracking/track.html", {"device": device, "error": exc.message}, status=400)
    radius = _number(request.GET.get("radius"), STOP_RADIUS_M, 10, 2000)
    min_stop = _number(request.GET.get("min_stop"), STOP_MIN_SECONDS, 30, 7200)
    audit_track_view(actor, device, begin, end, "page")
    points = reports.track_points(device.pk, begin, end, MAX_TRACK_POINTS)
    stops, trips = stops_and_trips(points, radius_m=radius, min_seconds=min_stop)
    events = (
        ZoneEvent.objects.filter(device=device, at__gte=begin, at__lte=end)
        .select_related("zone")
        .order_by("at")
    )
    data = {
        "points": [[p.lon, p.lat, int(p.at.timestamp()), round(p.speed_kmh, 1)] for p in points],
        "stops": [
            {
                "lon": s.lon,
                "lat": s.lat,
                "start": _local_text(s.start),
                "end": _local_text(s.end),
                "minutes": round(s.seconds / 60),
            }
            for s in stops
        ],
        "zones": {"type": "FeatureCollection", "features": _zone_features(actor)},
    }
    return render(
        request,
        "tracking/track.html",
        {
            "device": device,
            "begin": begin.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            "end": end.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
            "radius": int(radius),
            "min_stop": int(min_stop),
            "points_count": len(points),
            "truncated": len(points) >= MAX_TRACK_POINTS,
            "distance_km": sum(t.distance_m for t in trips) / 1000,
            "stops": stops,
            "trips": trips,
            "events": events,
            "track_data": data,
        },
    )


# --- attendance and summaries -------------------------------------------------------------------------


def _day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else clock.now().astimezone(SHANGHAI).date()
    except ValueError:
        return clock.now().astimezone(SHANGHAI).date()


def _month(raw: str | None) -> tuple[date, date]:
    today = clock.now().astimezone(SHANGHAI).date()
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        first = date(year, month, 1)
    except ValueError:
        first = today.replace(day=1)
    return first, first.replace(day=monthcal.monthrange(first.year, first.month)[1])


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _by(request: HttpRequest) -> str:
    return "device" if request.GET.get("by") == "device" else "unit"


@login_required
@require_GET
def attendance(request: HttpRequest) -> HttpResponse:
    """Daily attendance (出勤日报) of the shifts the person may see."""
    actor = staff_actor(request)
    day = _day(request.GET.get("date"))
    by = _by(request)
    rows = reports.attendance_rows(shifts_for(actor), day, day)
    totals = reports.summarise(rows, by)
    if request.GET.get("format") == "xlsx":
        title = f"出勤日报 {day.isoformat()}"
        return _xlsx(reports.workbook(title, rows, totals), f"attendance-{day.isoformat()}.xlsx")
    return render(
        request,
        "tracking/attendance.html",
        {
            "day": day,
            "rows": rows,
            "totals": totals,
            "by": by,
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
        },
    )


@login_required
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    """Monthly summary (出勤月报) per unit or per device and crew."""
    actor = staff_actor(request)
    first, last = _month(request.GET.get("month"))
    by = _by(request)
    rows = reports.attendance_rows(shifts_for(actor), first, last)
    totals = reports.summarise(rows, by)
    if request.GET.get("format") == "xlsx":
        title = f"出勤月报 {first:%Y-%m}"
        return _xlsx(reports.workbook(title, rows, totals), f"attendance-{first:%Y-%m}.xlsx")
    return render(
        request,
        "tracking/summary.html",
        {"first": first, "totals": totals, "by": by, "month": f"{first:%Y-%m}"},
    )
