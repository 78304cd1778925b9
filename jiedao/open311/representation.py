"""A case as an Open311 service request, and a category as a service: pure mapping, no decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from jiedao.cases.attributes import open311_attributes
from jiedao.cases.models import Case, Category
from jiedao.cases.states import ACTION_LABELS


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with the instance's offset, to the second (e.g. 2026-11-21T10:00:00+08:00)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.service_code,
        "service_name": category.name,
        "description": category.description,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.parent.name if category.parent else "",
    }


def service_definition(category: Category) -> dict[str, Any]:
    return {"service_code": category.service_code, "attributes": open311_attributes(category.attributes)}


def _status_notes(case: Case) -> str:
    notes = case.get_status_display()
    if case.void_reason:
        notes += f":{case.void_reason}"
    return notes


def service_request(case: Case, *, absolute: Any, extensions: bool = False) -> dict[str, Any]:
    """``absolute`` makes a URL absolute (request.build_absolute_uri)."""
    photos = [absolute(photo.file.url) for photo in getattr(case, "public_photos", [])]
    data: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "open" if case.is_open else "closed",
        "status_notes": _status_notes(case),
        "service_name": case.category.name,
        "service_code": case.category.service_code,
        "description": case.description,
        "agency_responsible": case.unit.name if case.unit else "",
        "service_notice": "",
        "requested_datetime": iso(case.reported_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": case.address,
        "address_id": None,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": photos[0] if photos else None,
    }
    if extensions:
        data["attributes"] = case.attributes
        data["extended_attributes"] = {"channel": case.channel, "photos": photos}
        data["notes"] = [
            {
                "datetime": iso(event.at),
                "description": " ".join(filter(None, [str(ACTION_LABELS.get(event.action, "")), event.note])),
                "type": event.action,
            }
            for event in getattr(case, "public_events", [])
        ]
    return data
