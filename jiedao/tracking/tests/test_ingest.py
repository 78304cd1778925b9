"""store_fixes: the filter rules with their counts, duplicates, late fixes, the last-position cache, and
zone entries/exits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from jiedao.testing.world import centre_of, square
from jiedao.tracking.ingest import Fix, Rule, store_batch, store_fixes
from jiedao.tracking.models import DeviceKind, Position, Shift, Zone, ZoneEvent, ZoneKind
from jiedao.tracking.services import record_config_change
from jiedao.tracking.tests.conftest import T0, make_device

pytestmark = pytest.mark.django_db

LON, LAT = 120.605, 31.285
NOW = T0 + timedelta(minutes=30)


def fix(seconds: float, lon: float = LON, lat: float = LAT, **kw) -> Fix:
    return Fix(fixed_at=T0 + timedelta(seconds=seconds), lon=lon, lat=lat, **kw)


def test_each_rule_is_counted_and_the_rest_stored():
    device = make_device(kind=DeviceKind.BOAT)  # 80 km/h at most
    fixes = [
        fix(0),
        fix(10, valid=False),
        fix(20, lon=0.0, lat=0.0),
        fix(0),  # same instant again
        fix(30, lon=LON + 0.01),  # ~950 m in 30 s = 114 km/h
        fix(40, lon=LON + 0.0001),
        fix(3600 * 2),  # 1.5 h after now, beyond the 10 min tolerance
    ]
    result = store_fixes(device, fixes, now=NOW)
    assert result.stored == 2
    assert result.dropped == {Rule.INVALID: 1, Rule.ZERO: 1, Rule.DUPLICATE: 1, Rule.SPEED: 1, Rule.FUTURE: 1}
    assert result.received == len(fixes)
    assert list(Position.objects.order_by("fixed_at").values_list("lon", flat=True)) == [LON, LON + 0.0001]
    device.refresh_from_db()
    assert device.last_fix_at == T0 + timedelta(seconds=40)
    assert device.last_lon == LON + 0.0001
    assert device.last_seen_at == NOW


def test_a_vehicle_may_go_faster_than_a_boat():
    device = make_device(kind=DeviceKind.VEHICLE)
    result = store_fixes(device, [fix(0), fix(30, lon=LON + 0.01)], now=NOW)
    assert result.stored == 2


def test_invalid_fixes_are_kept_when_the_filter_is_off(settings):
    settings.JIEDAO = {**settings.JIEDAO, "TRACKING_FILTER_INVALID": False}
    device = make_device()
    assert store_fixes(device, [fix(0, valid=False)], now=NOW).stored == 1
    assert Position.objects.get().valid is False


def test_already_stored_and_late_fixes():
    device = make_device()
    store_fixes(device, [fix(100), fix(200)], now=NOW)
    result = store_fixes(device, [fix(100), fix(150), fix(200), fix(300)], now=NOW)
    assert (result.stored, result.dropped) == (2, {Rule.DUPLICATE: 2})
    device.refresh_from_db()
    assert device.last_fix_at == T0 + timedelta(seconds=300)
    # a late fix never moves the last position back
    store_fixes(device, [fix(50)], now=NOW)
    device.refresh_from_db()
    assert device.last_fix_at == T0 + timedelta(seconds=300)
    assert Position.objects.count() == 5


def test_a_batch_of_several_devices_and_an_empty_item():
    one, two, idle = make_device("1"), make_device("2"), make_device("3")
    results = store_batch([(one, [fix(0)]), (two, [fix(0), fix(1)]), (idle, [])], now=NOW)
    assert [r.stored for r in results] == [1, 2, 0]
    idle.refresh_from_db()
    assert idle.last_seen_at == NOW and idle.last_fix_at is None


def test_clock_is_the_default_now():
    device = make_device()
    with time_machine.travel(NOW, tick=False):
        result = store_fixes(device, [fix(0), fix(3600)])
    assert (result.stored, result.dropped) == (1, {Rule.FUTURE: 1})


def test_zone_entries_and_exits_follow_the_track(world):
    device = make_device()
    zone = Zone.objects.create(
        name="胥江一号区", unit=world.units.chengguan, kind=ZoneKind.POLYGON, geometry=square(0, 0)
    )
    shift = Shift.objects.create(name="早班", zone=zone, start="08:00", end="12:00")
    shift.devices.add(device)
    record_config_change(None, shift, created=True, old={}, new={"name": shift.name})
    inside, outside = centre_of(0, 0), centre_of(1, 0)
    store_fixes(device, [fix(0, *outside), fix(60, *inside), fix(120, *inside)], now=NOW)
    store_fixes(device, [fix(180, *outside), fix(240, *outside)], now=NOW)
    events = list(ZoneEvent.objects.order_by("at").values_list("kind", "at"))
    assert events == [("enter", T0 + timedelta(seconds=60)), ("exit", T0 + timedelta(seconds=180))]


def test_purge_keeps_the_retention_period(settings):
    from jiedao.core.models import AuditEvent
    from jiedao.tracking.services import purge_old_positions

    settings.JIEDAO = {**settings.JIEDAO, "TRACKING_RETENTION_DAYS": 30}
    device = make_device()
    store_fixes(device, [fix(0), fix(-31 * 86400), fix(-29 * 86400)], now=NOW)
    assert purge_old_positions(now=NOW) == 1
    assert Position.objects.count() == 2
    assert AuditEvent.objects.get(action="tracking.purge_positions").new["positions"] == 1
    assert purge_old_positions(now=NOW) == 0


def test_extras_and_optional_fields_round_trip():
    device = make_device()
    extras = {"note": "tab\there\\back\nslash 中文", "list": [1, 2.5, None], "flag": True}
    store_fixes(
        device, [fix(0, extras=extras, course=None, altitude=12.5, accuracy=3.0, alarm=2**31)], now=NOW
    )
    position = Position.objects.get()
    assert position.extras == extras
    assert (position.course, position.altitude, position.accuracy, position.alarm) == (None, 12.5, 3.0, 2**31)
