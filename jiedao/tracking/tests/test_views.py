"""Tracking pages and JSON: who sees which device, the audit of every track view, the exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from openpyxl import load_workbook

from jiedao.core.models import AuditEvent
from jiedao.testing.world import square
from jiedao.tracking.ingest import Fix, store_fixes
from jiedao.tracking.models import DeviceKind, Shift, Zone, ZoneKind
from jiedao.tracking.tests.conftest import make_device

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 4, tzinfo=UTC)  # Monday 12:00 in Suzhou


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fleet(world):
    boat = make_device("1001", name="保洁船1号", kind=DeviceKind.BOAT, unit=world.units.chengguan)
    walker = make_device("1002", name="巡查员手机", kind=DeviceKind.PERSON, unit=world.units.committee_a)
    stray = make_device("1003", name="未分配终端", kind=DeviceKind.VEHICLE)
    for i, device in enumerate((boat, walker, stray)):
        store_fixes(
            device,
            [Fix(NOW - timedelta(minutes=m), 120.602 + i * 0.001, 31.282 + m * 1e-4, 10) for m in (30, 2)],
        )
    zone = Zone.objects.create(
        name="一号区", unit=world.units.chengguan, kind=ZoneKind.POLYGON, geometry=square(0, 0)
    )
    shift = Shift.objects.create(name="上午班", zone=zone, start=time(8), end=time(11, 30), weekdays="12345")
    shift.devices.add(boat)
    return {"boat": boat, "walker": walker, "stray": stray}


def login(client, world, name):
    client.force_login(getattr(world.people, name))


def visible(client) -> set[str]:
    response = client.get("/api/tracking/devices/")
    assert response.status_code == 200
    return {d["name"] for d in response.json()["results"]}


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("dispatcher", {"保洁船1号", "巡查员手机", "未分配终端"}),
        ("leader", {"保洁船1号", "巡查员手机", "未分配终端"}),
        ("handler", {"保洁船1号"}),
        ("staff_a", {"巡查员手机"}),
        ("grid_a", {"巡查员手机"}),
        ("staff_b", set()),
        ("outsider", set()),
        ("auditor", set()),
    ],
)
def test_who_sees_which_devices(client, world, fleet, person, expected):
    login(client, world, person)
    assert visible(client) == expected


def test_login_required(client, fleet):
    assert client.get("/tracking/").status_code == 302
    assert client.get("/api/tracking/devices/").status_code in (401, 403)


def test_live_page_and_geojson(client, world, fleet):
    login(client, world, "dispatcher")
    page = client.get("/tracking/")
    assert page.status_code == 200 and "保洁船1号" in page.content.decode()
    data = client.get("/tracking/live.geojson").json()
    states = {f["properties"]["name"]: f["properties"]["state"] for f in data["features"]}
    assert states == {"保洁船1号": "moving", "巡查员手机": "moving", "未分配终端": "moving"}
    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):  # within the session timeout
        data = client.get("/tracking/live.geojson").json()
    assert {f["properties"]["state"] for f in data["features"]} == {"offline"}


def test_track_view_is_audited_and_refused_outside_scope(client, world, fleet):
    walker = fleet["walker"]
    login(client, world, "staff_a")
    response = client.get(
        f"/tracking/devices/{walker.pk}/track/", {"from": "2026-03-02T11:00", "to": "2026-03-02T12:00"}
    )
    assert response.status_code == 200
    assert "2 个定位点" in response.content.decode()
    event = AuditEvent.objects.get(action="tracking.view_track")
    assert (event.actor, event.object_id, event.new["via"]) == (world.people.staff_a, str(walker.pk), "page")
    client.force_login(world.people.staff_b)
    assert client.get(f"/tracking/devices/{walker.pk}/track/").status_code == 404
    assert client.get(f"/api/tracking/devices/{walker.pk}/positions/").status_code == 404
    assert AuditEvent.objects.filter(action="tracking.view_track").count() == 1


def test_positions_api_is_audited_and_validates_the_period(client, world, fleet):
    boat = fleet["boat"]
    login(client, world, "dispatcher")
    url = f"/api/tracking/devices/{boat.pk}/positions/"
    data = client.get(url, {"from": "2026-03-02T11:00"}).json()
    assert data["count"] == 2 and data["results"][0]["fixed_at"] < data["results"][1]["fixed_at"]
    assert AuditEvent.objects.filter(action="tracking.view_track", new__via="api").count() == 1
    assert client.get(url, {"from": "2026-03-01T05:00-22:00"}).json()["count"] == 2  # 11:00 in Suzhou
    bad = client.get(url, {"from": "2026-03-01T00:00", "to": "2026-02-01T00:00"})
    assert bad.status_code == 400 and "to" in bad.json()["error"]["fields"]
    assert client.get(url, {"from": "2026-01-01T00:00"}).status_code == 400
    assert client.get(url, {"from": "yesterday"}).json()["error"]["code"] == "bad_period"
    devices = client.get("/api/tracking/devices/").json()["results"]
    assert {d["name"]: d["state"] for d in devices}["保洁船1号"] == "moving"


def test_attendance_page_and_exports(client, world, fleet):
    login(client, world, "dispatcher")
    page = client.get("/tracking/attendance/", {"date": "2026-03-02"})
    assert page.status_code == 200 and "缺勤" in page.content.decode()
    export = client.get("/tracking/attendance/", {"date": "2026-03-02", "format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["出勤明细", "汇总"]
    assert book["出勤明细"].cell(3, 4).value == "保洁船1号"
    assert book["汇总"].cell(3, 1).value == "沧浪城管中队"
    month = client.get("/tracking/summary/", {"month": "2026-03", "by": "device", "format": "xlsx"})
    assert load_workbook(io.BytesIO(month.content))["汇总"].cell(3, 1).value == "保洁船1号"
    assert client.get("/tracking/summary/", {"month": "2026-03"}).status_code == 200
    client.force_login(world.people.staff_b)
    assert "保洁船1号" not in client.get("/tracking/attendance/", {"date": "2026-03-02"}).content.decode()


def test_the_track_page_opens_on_the_day_the_device_last_reported(client, world, fleet):
    boat = fleet["boat"]
    with time_machine.travel(NOW + timedelta(days=2), tick=False):  # Wednesday: nothing reported since Monday
        login(client, world, "dispatcher")
        page = client.get(f"/tracking/devices/{boat.pk}/track/").content.decode()
    assert "2 个定位点" in page
