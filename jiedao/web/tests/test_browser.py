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

pytestmark = [pytest.mark.browser]


@pytest.fixture
def browser(chromium):
    return chromium


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


def _staff(browser, live_server, username: str, password: str):
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, extra_http_headers={"Accept-Language": "zh-CN"}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url("**/workbench/")
    return context, page


def _take(page, live_server, number: str, action: str, **fields: str) -> None:
    """Open the case page, open the action's form, fill it and confirm; wait for the success message."""
    page.goto(f"{live_server.url}/cases/{number}/")
    details = page.locator(f"#action-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    for selector, value in fields.items():
        if selector == "photo":
            details.locator("input[type=file]").set_input_files(
                {"name": "evidence.png", "mimeType": "image/png", "buffer": _png()}
            )
        elif selector == "unit":
            page.select_option(f"#id_{action}-unit", value)
        else:
            page.fill(f"#id_{action}-{selector}", value)
    details.locator("button[type=submit]").click()
    page.wait_for_selector(".alert--success")


def test_the_whole_journey_resident_dispatcher_handler_dispatcher_resident(
    transactional_db, world, live_server, browser, phone
):
    # The resident reports from a phone, with a photo and a pin on the map.
    phone.goto(f"{live_server.url}/report/")
    phone.fill("#category-search", "暴露")
    phone.click(".catsearch__hit >> nth=0")
    phone.fill("#id_description", "胥江路口人行道堆满装修垃圾")
    phone.set_input_files(
        "input.photo-input >> nth=1", [{"name": "scene.png", "mimeType": "image/png", "buffer": _png()}]
    )
    phone.wait_for_selector("#pick-map .leaflet-interactive")
    phone.locator("#pick-map .leaflet-interactive >> nth=0").click()
    phone.fill("#id_reporter_phone", "13900001234")
    phone.click("#report-form button[type=submit]")
    phone.wait_for_url("**/report/done/")
    number = Case.objects.get().number

    # The command centre registers and dispatches it to 城管.
    centre, desk = _staff(browser, live_server, "dispatcher", world.password)
    _take(desk, live_server, number, "register")
    _take(desk, live_server, number, "dispatch", unit=str(world.units.chengguan.pk))

    # The handling unit accepts it and reports back with a photo.
    unit, handler = _staff(browser, live_server, "handler", world.password)
    _take(handler, live_server, number, "accept")
    _take(handler, live_server, number, "handle", note="已清运装修垃圾,现场恢复整洁", photo="1")
    assert "已处置" in handler.inner_text(".casehead")
    unit.close()

    # The centre verifies the result and closes the case.
    _take(desk, live_server, number, "verify", note="现场核查已整改")
    assert "已结案" in desk.inner_text(".casehead")
    centre.close()

    # The resident tracks it by number and the last four digits, sees the handler's photo, and rates it.
    phone.goto(f"{live_server.url}/track/")
    phone.fill("#id_number", number)
    phone.fill("#id_last4", "1234")
    phone.click("form[action='/track/'] button[type=submit]")
    phone.wait_for_selector(".timeline")
    assert "已结案" in phone.inner_text(".track")
    assert "已清运装修垃圾" in phone.inner_text(".timeline")
    phone.check("input[name=satisfaction][value=satisfied]", force=True)
    phone.check("input[name=resolved][value='1']", force=True)
    phone.check("input[name=contacted][value='1']", force=True)
    phone.click("form[action$='/evaluate/'] button[type=submit]")
    phone.wait_for_selector(".alert--success")
    phone.screenshot(
        path=str(Path(os.environ.get("JIEDAO_SHOTS", "/tmp")) / "journey-rated-phone.png"), full_page=True
    )

    case = Case.objects.get()
    assert case.status == "evaluated" and case.satisfaction == "satisfied" and case.resolved is True
    assert case.callback_reached is True and case.contacted is True
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "register",
        "dispatch",
        "accept",
        "handle",
        "verify",
        "evaluate",
    ]
    assert case.attachments.count() == 2  # the resident's photo and the handler's evidence
