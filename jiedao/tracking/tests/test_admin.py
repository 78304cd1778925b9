"""Configuration through the admin: devices, zones and shifts are audited; bad geometry is refused."""

from __future__ import annotations

import json

import pytest

from jiedao.core.models import AuditEvent
from jiedao.testing.world import square
from jiedao.tracking.models import Device, Shift, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    from jiedao.org.models import User

    user = User.objects.create_superuser("sysadmin", password="Jiedao-test-2026")
    client.force_login(user)
    return client


def test_device_zone_and_shift_changes_are_audited(admin_client, world):
    response = admin_client.post(
        "/admin/tracking/device/add/",
        {
            "identifier": "013912345678",
            "protocol": "jt808",
            "kind": "boat",
            "name": "保洁船1号",
            "unit": world.units.chengguan.pk,
            "auth_code": "SECRET",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    device = Device.objects.get()
    assert device.identifier == "13912345678"
    event = AuditEvent.objects.get(action="tracking.device.create")
    assert event.actor.username == "sysadmin" and event.new["auth_code"] == "***"

    bad = admin_client.post(
        "/admin/tracking/zone/add/",
        {
            "name": "河道",
            "unit": world.units.chengguan.pk,
            "kind": "corridor",
            "geometry": json.dumps(square(0, 0)),
            "width_m": 20,
        },
    )
    assert bad.status_code == 200 and not Zone.objects.exists()
    line = {"type": "LineString", "coordinates": [[120.6, 31.28], [120.61, 31.28]]}
    admin_client.post(
        "/admin/tracking/zone/add/",
        {
            "name": "河道",
            "unit": world.units.chengguan.pk,
            "kind": "corridor",
            "geometry": json.dumps(line),
            "width_m": 20,
            "active": "on",
        },
    )
    zone = Zone.objects.get()
    response = admin_client.post(
        "/admin/tracking/shift/add/",
        {
            "name": "早班",
            "zone": zone.pk,
            "devices": [device.pk],
            "weekdays": "5121",
            "start": "08:00",
            "end": "12:00",
            "grace_minutes": 10,
            "active": "on",
        },
    )
    assert response.status_code == 302
    shift = Shift.objects.get()
    assert shift.weekdays == "125"
    assert AuditEvent.objects.get(action="tracking.shift.create").new["devices"] == [device.pk]
    admin_client.post(f"/admin/tracking/shift/{shift.pk}/delete/", {"post": "yes"})
    assert not Shift.objects.exists()
    assert AuditEvent.objects.filter(action="tracking.shift.delete").count() == 1
