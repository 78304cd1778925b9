"""The OsmAnd HTTP endpoint (Traccar Client and other phone apps), answering like Traccar's port 5055:
200 with an empty body once stored, 400 with the reason for bad input, 404 for an unknown device id
(unless auto-registration is on), 405 for other methods."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from jiedao.core import clock
from jiedao.tracking.ingest import Fix, store_batch
from jiedao.tracking.models import Device
from jiedao.tracking.protocol.osmand import OsmandError, OsmandFix, parse_osmand
from jiedao.tracking.services import device_for_phone_app


def fix_from_osmand(fix: OsmandFix) -> Fix:
    extras = dict(fix.extras)
    if fix.battery is not None:
        extras["battery"] = fix.battery
    has_position = fix.lat is not None and fix.lon is not None
    return Fix(
        fixed_at=fix.time,
        lon=fix.lon if fix.lon is not None else 0.0,
        lat=fix.lat if fix.lat is not None else 0.0,
        speed_kmh=fix.speed_kmh or 0.0,
        course=fix.course,
        altitude=fix.altitude,
        accuracy=fix.accuracy,
        valid=fix.valid and has_position,
        extras=extras,
    )


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
def osmand(request: HttpRequest) -> HttpResponse:
    try:
        parsed = parse_osmand(
            request.method or "GET",
            request.GET,
            request.body,
            request.META.get("CONTENT_TYPE", ""),
            clock.now(),
        )
    except OsmandError as exc:
        return _text(exc.message, exc.status)
    groups: dict[str, list[Fix]] = {}
    for fix in parsed:
        groups.setdefault(fix.device_id, []).append(fix_from_osmand(fix))
    items: list[tuple[Device, list[Fix]]] = []
    for device_id, fixes in groups.items():
        device = device_for_phone_app(device_id)
        if device is None:
            return _text(f"id: unknown device {device_id}", 404)
        items.append((device, fixes))
    store_batch(items)
    return HttpResponse(status=200)
