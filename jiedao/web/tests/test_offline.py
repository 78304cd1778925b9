"""Offline-first: no page of the instance loads or links anything from the internet (intranets have none).

Every page a person opens is fetched and its markup searched for an address outside the instance — in
``src``/``href`` attributes and in CSS ``url()``/``@import`` — and so is every stylesheet the instance serves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import get_template

from jiedao.cases.testing import case_in

OUTSIDE = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.I)

STAFF_PAGES = [
    "/workbench/",
    "/map/",
    "/notifications/",
    "/insight/dashboard/",
    "/insight/rankings/",
    "/insight/hotspots/",
    "/insight/reports/",
    "/tracking/",
    "/api/docs/",
    "/api/redoc/",
    "/api/cases/",  # DRF's browsable API
    "/api/categories/",
]
PUBLIC_PAGES = ["/", "/report/", "/track/", "/login/"]


def outside_references(text: str) -> list[str]:
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in OUTSIDE.finditer(text)]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_load_nothing_from_outside(client, world, path):
    response = client.get(path)
    assert response.status_code == 200
    assert outside_references(response.content.decode()) == []


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_load_nothing_from_outside(login, world, path):
    response = login("leader").get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, path
    assert outside_references(response.content.decode()) == []


def test_case_page_and_admin_load_nothing_from_outside(login, world, client):
    case = case_in(world, "dispatched")
    assert outside_references(login("dispatcher").get(f"/cases/{case.number}/").content.decode()) == []
    client.force_login(get_user_model().objects.create_superuser("root", password="Jiedao-admin-2026"))
    for path in ("/admin/", "/admin/cases/category/", "/admin/api/stafftoken/"):
        assert outside_references(client.get(path).content.decode()) == [], path


def test_served_stylesheets_import_nothing_from_outside():
    sheets = [p for folder in settings.STATICFILES_DIRS for p in Path(folder).rglob("*.css")]
    assert sheets
    found = {str(p): outside_references(p.read_text(errors="replace")) for p in sheets}
    assert {p: refs for p, refs in found.items() if refs} == {}


def _package_templates_linking_out() -> dict[str, Path]:
    """Templates of the installed web packages that name an outside address, by template name."""
    import drf_spectacular
    import rest_framework

    found = {}
    for package in (rest_framework, drf_spectacular):
        root = Path(package.__file__).parent / "templates"
        for path in root.rglob("*.html"):
            if outside_references(path.read_text(encoding="utf-8")):
                found[path.relative_to(root).as_posix()] = path
    return found


def test_every_package_template_that_links_out_is_replaced_by_the_instances_own():
    """DRF's browsable API and drf-spectacular's ReDoc page link to their websites and Google Fonts; the
    instance's templates (templates/, searched first) override the blocks that do, and link nowhere."""
    linking_out = _package_templates_linking_out()
    assert {"rest_framework/base.html", "drf_spectacular/redoc.html"} <= set(linking_out)
    for name in linking_out:
        origin = Path(get_template(name).origin.name)
        assert origin.is_relative_to(settings.BASE_DIR / "templates"), f"{name} is served from {origin}"
        assert outside_references(origin.read_text(encoding="utf-8")) == [], name


def test_the_detector_sees_what_it_should():
    assert outside_references('<link href="https://fonts.googleapis.com/css2">')
    assert outside_references("<a class='x' href='https://www.django-rest-framework.org/'>")
    assert outside_references("src: url(//cdn.example.com/a.woff2)")
    assert not outside_references('<a href="/api/docs/">') and not outside_references("url(./files/a.woff2)")


@pytest.mark.browser
def test_the_api_reference_pages_fetch_only_from_the_instance(transactional_db, world, live_server, chromium):
    """In a real browser: everything ReDoc, Swagger UI and the browsable API fetch comes from the instance."""
    from django.test import Client

    client = Client()
    client.force_login(world.people.dispatcher)
    context = chromium.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    fetched: list[str] = []
    blocked: dict[str, str] = {}
    page.on("request", lambda request: fetched.append(request.url))
    page.on("requestfailed", lambda request: blocked.update({request.url: request.failure or ""}))
    shown_links: dict[str, list[str]] = {}
    for path in ("/api/redoc/", "/api/docs/", "/api/cases/"):
        page.goto(f"{live_server.url}{path}", wait_until="networkidle")
        visible = "links => links.filter(a => a.offsetParent !== null).map(a => a.href)"
        shown_links[path] = [href for href in page.eval_on_selector_all("a[href]", visible) if "//" in href]
    context.close()
    # Links drawn by the pages' scripts stay inside too (ReDoc's credit is hidden, the schema's examples are
    # relative), but for ReDoc's own sample value of a URL field with no example: text, never fetched.
    inside = (live_server.url, "http://example.com/")
    outbound = {path: [h for h in hrefs if not h.startswith(inside)] for path, hrefs in shown_links.items()}
    assert outbound == {path: [] for path in shown_links}
    assert any("fontsource-montserrat" in url for url in fetched)
    local = (live_server.url, f"blob:{live_server.url}")  # ReDoc runs its search in a worker made from a blob
    outside = [url for url in fetched if not url.startswith(local)]
    # ReDoc's bundle asks cdn.redoc.ly for its footer logo; the page's policy stops it in the browser.
    assert outside == ["https://cdn.redoc.ly/redoc/logo-mini.svg"]
    assert blocked[outside[0]] == "csp"  # Chromium: blocked by the Content-Security-Policy
