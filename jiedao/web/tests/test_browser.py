"""Journeys in a real browser (Debian Chromium driven by Playwright) against the live server."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from jiedao.cases.models import Case
from jiedao.cases.testing import case_in
from jiedao.lib.geo import gcj02_to_wgs84, wgs84_to_gcj02

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (scripts/ensure-browser)"
    ),
]


@pytest.fixture(autouse=True)
def _fresh_grid_index(monkeypatch):
    """The grid index is cached per process by a version counter; flushing the tables between transactional
    tests starts that counter again, so the cache must start again too."""
    from jiedao.org import locating

    monkeypatch.setattr(locating, "_cache", locating._Cached())


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 812},
        locale="zh-CN",
        extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_resident_reports_and_keeps_photos_after_an_error(transactional_db, world, live_server, phone):
    page = phone
    page.goto(f"{live_server.url}/report/")
    page.fill("#category-search", "暴露")
    page.click(".catsearch__hit >> nth=0")
    assert page.input_value("#id_category") == str(world.category.pk)
    page.fill("#id_description", "人行道上有很多装修垃圾")
    page.set_input_files(
        "input.photo-input >> nth=1",
        [
            {"name": "good.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"not an image"},
        ],
    )
    page.wait_for_selector("#pick-map .leaflet-interactive")  # the street's grids are drawn
    page.locator("#pick-map .leaflet-interactive >> nth=0").click()
    assert page.input_value("#id_lon") and page.input_value("#id_lat")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#err-photos:has-text('notes.jpg')")
    assert "请留下联系电话" in page.inner_text("#report-feedback")
    # htmx swapped only the messages: the photos and the text are still there
    assert (
        page.evaluate(
            "[...document.querySelectorAll('input.photo-input')].reduce((n, i) => n + i.files.length, 0)"
        )
        == 2
    )
    assert page.input_value("#id_description") == "人行道上有很多装修垃圾"
    assert Case.objects.count() == 0
    page.click(".photo-preview__remove >> nth=1")
    page.fill("#id_reporter_phone", "13900001234")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/report/done/")
    case = Case.objects.get()
    assert case.attachments.count() == 1 and case.grid is not None
    assert f"{case.number[:4]} {case.number[4:6]} {case.number[6:]}" in page.inner_text(".bignumber")
    page.click("text=查看处理进度")
    page.wait_for_selector(".timeline")
    assert "待受理" in page.inner_text(".track")


def test_staff_dispatches_from_the_case_page(transactional_db, world, live_server, browser):
    case = case_in(world, "registered")
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dispatcher")
    page.fill("#id_password", world.password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url("**/workbench/")
    page.click(f"a[href='/cases/{case.number}/'] >> nth=0")
    page.wait_for_selector("#action-dispatch[open]")  # the next step of the loop is open
    page.select_option("#id_dispatch-unit", str(world.units.chengguan.pk))
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_selector(".alert--success")
    assert "已派遣" in page.inner_text(".casehead")
    case.refresh_from_db()
    assert case.status == "dispatched"
    context.close()


def test_gcj02_port_matches_python(transactional_db, world, live_server, phone):
    phone.goto(f"{live_server.url}/report/")
    phone.wait_for_function("window.JiedaoMap !== undefined")
    for lon, lat in [(120.602, 31.282), (116.397, 39.908), (113.264, 23.129), (2.35, 48.85)]:
        js = phone.evaluate(f"JiedaoMap.wgs84ToGcj02({lon}, {lat})")
        assert js == pytest.approx(list(wgs84_to_gcj02(lon, lat)), abs=1e-9)
        back = phone.evaluate(f"JiedaoMap.gcj02ToWgs84({js[0]}, {js[1]})")
        assert back == pytest.approx(list(gcj02_to_wgs84(*js)), abs=1e-9)
        assert back == pytest.approx([lon, lat], abs=1e-8)
