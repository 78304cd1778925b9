"""The demo command on the test world: devices, zones and shifts, tracks stored once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command

from jiedao.tracking.models import Device, DeviceKind, Position, Shift, Zone, ZoneEvent
from jiedao.tracking.reports import attendance_rows

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime(2026, 3, 3, 10, tzinfo=UTC), tick=False)  # Tuesday 18:00 in Suzhou
def test_tracking_demo(world):
    call_command("tracking_demo", "--days", "1")
    assert Device.objects.filter(kind=DeviceKind.BOAT).count() == 14
    assert Zone.objects.filter(kind="corridor").count() == 3
    stored = Position.objects.count()
    assert stored > 5_000
    assert ZoneEvent.objects.exists()
    call_command("tracking_demo", "--days", "1")
    assert Position.objects.count() == stored and Device.objects.count() == 20
    rows = attendance_rows(Shift.objects.all(), datetime(2026, 3, 3).date(), datetime(2026, 3, 3).date())
    assert sum(row.result.verdict != "absent" for row in rows) > len(rows) / 2
