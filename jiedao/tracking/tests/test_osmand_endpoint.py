"""The OsmAnd endpoint through Django's test client, in every form a phone app sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from jiedao.core.models import AuditEvent
from jiedao.tracking.models import Device, DeviceKind, Position, Protocol
from jiedao.tracking.tests.conftest import make_device

pytestmark = [pytest.mark.django_db, pytest.mark.urls("jiedao.tracking.osmand_urls")]

STAMP = 1772413200  # 2026-03-02 01:00:00 UTC


@pytest.fixture
def phone():
    return make_device("phone-7", protocol=Protocol.OSMAND, kind=DeviceKind.PERSON, auth_code="")


def test_query_string_get(client, phone):
    response = client.get(
        "/",
        {"id": "phone-7", "lat": "31.285", "lon": "120.605", "timestamp": STAMP, "speed": "10", "batt": "80"},
    )
    assert (response.status_code, response.content) == (200, b"")
    position = Position.objects.get()
    assert position.fixed_at == datetime(2026, 3, 2, 1, tzinfo=UTC)
    assert position.speed_kmh == pytest.approx(18.52)
    assert position.extras["battery"] == 80


def test_form_post_with_location_and_milliseconds(client, phone):
    body = f"deviceid=phone-7&location=31.285,120.605&timestamp={STAMP * 1000}&bearing=45"
    response = client.post("/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Position.objects.get().course == 45


def test_query_on_a_post(client, phone):
    response = client.post("/?id=phone-7&lat=31.285&lon=120.605&timestamp=2026-03-02T09:00:00%2B08:00")
    assert response.status_code == 200
    assert Position.objects.get().fixed_at == datetime(2026, 3, 2, 1, tzinfo=UTC)


def test_json_body_with_several_locations(client, phone):
    body = {
        "device_id": "phone-7",
        "location": [
            {
                "timestamp": "2026-03-02T01:00:00Z",
                "coords": {"latitude": 31.285, "longitude": 120.605, "speed": 2, "accuracy": 8},
                "battery": {"level": 0.5, "is_charging": True},
                "is_moving": True,
            },
            {"timestamp": "2026-03-02T01:00:10Z", "coords": {"latitude": 31.2851, "longitude": 120.605}},
        ],
    }
    response = client.post("/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    first = Position.objects.order_by("fixed_at").first()
    assert (first.speed_kmh, first.accuracy, first.extras["battery"]) == (7.2, 8, 50)
    assert Position.objects.count() == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"lat": "31", "lon": "120"}, "id: missing"),
        ({"id": "phone-7", "lat": "91", "lon": "120"}, "lat"),
        ({"id": "phone-7", "lat": "31"}, "lon: missing"),
        ({"id": "phone-7", "lat": "x", "lon": "120"}, "lat"),
        ({"id": "phone-7", "lat": "31", "lon": "120", "timestamp": "yesterday"}, "timestamp"),
    ],
)
def test_bad_input_is_400_with_the_reason(client, phone, query, message):
    response = client.get("/", query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Position.objects.exists()


def test_bad_json_and_wrong_method(client, phone):
    assert client.post("/", b"{", content_type="application/json").status_code == 400
    assert client.put("/", b"").status_code == 405


def test_unknown_device_is_404_unless_auto_registration(client, settings):
    query = {"id": "stranger", "lat": "31.285", "lon": "120.605", "timestamp": STAMP}
    response = client.get("/", query)
    assert response.status_code == 404 and "stranger" in response.content.decode()
    settings.JIEDAO = {**settings.JIEDAO, "TRACKING_AUTO_REGISTER": True}
    assert client.get("/", query).status_code == 200
    device = Device.objects.get(identifier="stranger")
    assert (device.protocol, device.kind) == (Protocol.OSMAND, DeviceKind.PERSON)
    assert AuditEvent.objects.filter(action="tracking.device.auto_register").count() == 1


def test_disabled_device_is_404(client, phone):
    phone.active = False
    phone.save()
    assert client.get("/", {"id": "phone-7", "lat": "31.285", "lon": "120.605"}).status_code == 404


def test_request_without_position_only_marks_the_device_seen(client, phone):
    assert client.get("/", {"id": "phone-7", "batt": "50"}).status_code == 200
    phone.refresh_from_db()
    assert phone.last_seen_at is not None and not Position.objects.exists()
