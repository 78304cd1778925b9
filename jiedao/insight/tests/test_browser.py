"""The command-centre dashboard in headless Chromium: a wall screen and a leader's phone."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from playwright.sync_api import expect

from jiedao.insight.tests.conftest import SHANGHAI

LATE_OCTOBER = datetime(2026, 10, 27, 10, 0, tzinfo=SHANGHAI)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cookies(history, story, world, live_server) -> list[dict]:
    """A signed-in leader's session, made before Playwright's event loop starts (the ORM is sync-only)."""
    story.traveller.move_to(LATE_OCTOBER)  # the month of the story, so the month's figures show
    client = Client()
    client.force_login(world.people.leader)
    return [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]


@pytest.fixture
def browser(cookies, chromium):
    """The browser, started after the signed-in session was made."""
    return chromium


def test_dashboard_wall_and_phone(cookies, live_server, browser, tmp_path):
    for name, viewport in [
        ("wall", {"width": 1920, "height": 1080}),
        ("phone", {"width": 390, "height": 844}),
    ]:
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        context.add_cookies(cookies)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.goto(f"{live_server.url}/insight/dashboard/")
        page.wait_for_selector("#kpi-month .kpi")
        page.wait_for_selector("#wall-map path.leaflet-interactive")
        page.wait_for_timeout(600)  # let the charts finish their entry animation
        assert page.locator("#kpi-clock .kpi").count() == 4
        assert page.locator("#overdue-list li a").count() >= 1
        assert page.locator("#chart-trend canvas").count() == 1
        page.screenshot(path=str(tmp_path / f"dashboard-{name}.png"), full_page=name == "phone")
        assert not errors
        if name == "wall":
            box = page.locator("#wall").bounding_box()
            assert box["y"] + box["height"] <= 1080  # the wall fits the screen without scrolling
            page.locator("#kpi-month .kpi").first.click()
            page.wait_for_url("**/insight/cases/?metric=registered*")
            assert "案件清单" in page.title()
        context.close()


def test_report_on_a_phone(cookies, live_server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(f"{live_server.url}/insight/reports/?scope=320508020&period=2026-10")
    assert page.locator("h1.report__title").inner_text() == "沧浪街道2026年10月城市运行管理量化报告"
    assert page.locator(".report__p a.fig").count() > 20  # every figure in the text links to its cases
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # no sideways scrolling of the page (wide tables scroll inside their box)
    page.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
    page.locator(".report__p a.fig").first.click()
    page.wait_for_url("**/insight/cases/?metric=reported*")
    context.close()


@pytest.mark.parametrize(
    ("locale", "updated", "not_shown"),
    [("en-US", "Updated ", "更新于"), ("zh-CN", "更新于 ", "Updated")],
)
def test_dashboard_scripts_speak_the_page_language(cookies, live_server, browser, locale, updated, not_shown):
    """The words the script writes come from the JavaScript catalog in the language the page is in (the
    browser's Accept-Language here; the language switch sets a cookie that wins over it)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale=locale)
    context.add_cookies(cookies)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/insight/dashboard/")
    stamp = page.locator("#wall-updated")
    expect(stamp).to_have_text(re.compile(rf"^{re.escape(updated)}\d{{1,2}}:\d{{2}}:\d{{2}}$"))
    expect(stamp).to_be_visible()
    assert not_shown not in stamp.inner_text()
    assert not errors
    context.close()
