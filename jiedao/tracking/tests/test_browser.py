"""The tracking journey in headless Chromium: the live map, then a boat's track played back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from jiedao.testing.world import square
from jiedao.tracking.ingest import Fix, store_fixes
from jiedao.tracking.models import DeviceKind, Zone, ZoneKind
from jiedao.tracking.tests.conftest import make_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cookies(world, live_server) -> list[dict]:
    """A dispatcher's session and a boat with a track of the last hour (made before Playwright starts)."""
    boat = make_device(name="保洁船1号", kind=DeviceKind.BOAT, unit=world.units.chengguan)
    Zone.objects.create(
        name="一号区", unit=world.units.chengguan, kind=ZoneKind.POLYGON, geometry=square(0, 0)
    )
    now = datetime.now(UTC).replace(microsecond=0)
    fixes = [Fix(now - timedelta(minutes=60 - m), 120.601 + m * 3e-5, 31.282, 6) for m in range(60)]
    store_fixes(boat, fixes)
    client = Client()
    client.force_login(world.people.dispatcher)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


@pytest.fixture
def browser(cookies, chromium):
    """The browser, started after the signed-in session was made."""
    return chromium


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 860}, {"width": 390, "height": 844}])
def test_live_map_then_playback(cookies, live_server, browser, tmp_path, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.add_cookies(cookies)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/tracking/")
    page.wait_for_selector("#trk-live-map path.leaflet-interactive")  # the boat's marker
    page.wait_for_selector('#trk-devices [data-field="state"] .trk-dot--moving')
    assert page.locator('[data-count="moving"]').inner_text() == "1"
    page.screenshot(path=str(tmp_path / "live.png"))
    page.locator("#trk-devices a", has_text="保洁船1号").click()
    page.wait_for_selector("#trk-track-map path.leaflet-interactive")
    page.locator("#trk-slider").fill("30")
    assert "km/h" in page.locator("#trk-now").inner_text()
    page.locator("#trk-play").click()
    page.wait_for_timeout(500)
    assert page.locator("#trk-play").get_attribute("aria-label") == "暂停"  # named for what it does now
    page.screenshot(path=str(tmp_path / "track.png"), full_page=True)
    assert not errors
    context.close()
