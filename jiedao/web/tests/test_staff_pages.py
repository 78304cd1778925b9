"""Workbench, map, notifications, personal data on staff pages, language switch, login."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from jiedao.cases.models import Case
from jiedao.cases.testing import case_in, perform
from jiedao.core import clock, outbox
from jiedao.core.models import AuditEvent, Notification

PHONE = "13812345678"


def grouped(number: str) -> str:
    return f"{number[:4]} {number[4:6]} {number[6:]}"


# --- workbench ------------------------------------------------------------------------------------------


def test_workbench_tabs_counts_and_rows(login, world):
    reported = case_in(world, "reported")
    registered = case_in(world, "registered")
    closed = case_in(world, "closed")
    client = login("dispatcher")
    page = client.get(reverse("workbench")).content.decode()
    assert grouped(reported.number) in page and grouped(registered.number) in page
    assert grouped(closed.number) not in page  # the default tab holds open cases
    assert "待受理" in page and "已立案" in page and "已作废" in page
    closed_tab = client.get(reverse("workbench"), {"tab": "closed"}).content.decode()
    assert grouped(closed.number) in closed_tab and grouped(reported.number) not in closed_tab
    assert "暴露垃圾" in page and "胥江社区居委会" in page and "居民随手拍" in page


def test_overdue_first_and_clock_badges(login, world):
    with clock.at(clock.now() - timedelta(days=10)):
        late = case_in(world, "registered", description="早就该派遣了")
    fresh = case_in(world, "registered", description="刚立案")
    page = login("dispatcher").get(reverse("workbench")).content.decode()
    assert page.index(grouped(late.number)) < page.index(grouped(fresh.number))
    assert "clock--overdue" in page and "超期" in page and "clock--normal" in page
    only_late = login("dispatcher").get(reverse("workbench"), {"clock": "overdue"}).content.decode()
    assert grouped(late.number) in only_late and grouped(fresh.number) not in only_late


def test_workbench_filters_and_search(login, world):
    a = case_in(world, "registered", description="井盖松动")
    b = case_in(world, "registered", description="路灯不亮", grid=(2, 0))
    client = login("dispatcher")
    by_community = client.get(reverse("workbench"), {"community": world.b.code}).content.decode()
    assert grouped(b.number) in by_community and grouped(a.number) not in by_community
    by_text = client.get(reverse("workbench"), {"q": "井盖"}).content.decode()
    assert grouped(a.number) in by_text and grouped(b.number) not in by_text
    by_number = client.get(reverse("workbench"), {"q": grouped(b.number)}).content.decode()
    assert grouped(b.number) in by_number and grouped(a.number) not in by_number
    by_group = client.get(reverse("workbench"), {"group": world.category.parent_id}).content.decode()
    assert grouped(a.number) in by_group
    by_channel = client.get(reverse("workbench"), {"channel": "12345"}).content.decode()
    assert grouped(a.number) not in by_channel


def test_workbench_htmx_returns_the_results_only(login, world):
    case_in(world, "registered")
    response = login("dispatcher").get(
        reverse("workbench"), {"q": "垃圾"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="workbench-results"
    )
    page = response.content.decode()
    assert 'id="workbench-results"' in page and "<html" not in page
    assert re.search(r'<nav class="tabs" id="workbench-tabs"[^>]*hx-swap-oob="true"', page)


def test_workbench_paginates(login, world):
    for _ in range(27):
        case_in(world, "reported")
    client = login("dispatcher")
    first = client.get(reverse("workbench")).content.decode()
    assert "第 1 / 2 页" in first
    second = client.get(reverse("workbench"), {"page": 2}).content.decode()
    assert second.count('class="cases__row"') == 2


def test_bulk_dispatch_reports_each_case(login, world):
    ok = case_in(world, "registered")
    wrong_state = case_in(world, "reported")
    response = login("dispatcher").post(
        reverse("bulk_dispatch"),
        {
            "numbers": [ok.number, wrong_state.number, "0000000000"],
            "unit": world.units.chengguan.pk,
            "next": reverse("workbench") + "?tab=registered",
        },
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("workbench") + "?tab=registered"
    assert "已派遣 1 件至「沧浪城管中队」" in page
    assert f"{grouped(wrong_state.number)}:案件当前状态为「待受理」,不能派遣" in page
    assert "0000 00 0000:案件不存在或不在您的辖区" in page
    ok.refresh_from_db()
    wrong_state.refresh_from_db()
    assert ok.status == "dispatched" and wrong_state.status == "reported"


def test_bulk_dispatch_needs_a_unit_and_cases(login, world):
    case = case_in(world, "registered")
    page = login("dispatcher").post(reverse("bulk_dispatch"), {"numbers": [case.number]}, follow=True)
    assert "请选择承办单位" in page.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


def test_bulk_dispatch_ignores_foreign_next(login, world):
    case = case_in(world, "registered")
    response = login("dispatcher").post(
        reverse("bulk_dispatch"),
        {"numbers": [case.number], "unit": world.units.chengguan.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("workbench")


def test_bulk_dispatch_by_someone_who_may_not_dispatch(login, world):
    case = case_in(world, "registered")
    page = (
        login("grid_a")
        .post(
            reverse("bulk_dispatch"),
            {"numbers": [case.number], "unit": world.units.chengguan.pk},
            follow=True,
        )
        .content.decode()
    )
    assert "没有对该案件执行「派遣」的权限" in page
    case.refresh_from_db()
    assert case.status == "registered"


# --- personal data --------------------------------------------------------------------------------------


STAFF_PAGES = ["workbench", "case_detail", "map_cases", "notifications", "map"]


@pytest.mark.parametrize("persona", ["dispatcher", "staff_a", "handler", "grid_a", "leader"])
def test_full_phone_never_on_staff_pages(login, world, persona):
    case = case_in(world, "dispatched")
    outbox.deliver_pending()
    client = login(persona)
    for name in STAFF_PAGES:
        target = reverse(name, args=[case.number]) if name == "case_detail" else reverse(name)
        response = client.get(target)
        assert response.status_code == 200, (name, response.status_code)
        assert PHONE not in response.content.decode(), name
    detail = client.get(reverse("case_detail", args=[case.number])).content.decode()
    assert "138****5678" in detail and "张*" in detail


def test_reveal_shows_the_phone_once_and_is_audited(login, world):
    case = case_in(world, "registered")
    client = login("dispatcher")
    page = client.get(reverse("case_detail", args=[case.number])).content.decode()
    assert "查看完整信息" in page and PHONE not in page
    response = client.post(
        reverse("case_reveal", args=[case.number]), {"purpose": "callback", "detail": "回访"}
    )
    assert response.status_code == 200
    assert PHONE in response.content.decode() and "张三" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    audit = AuditEvent.objects.get(action="pii.reveal", object_id=case.number)
    assert audit.success and audit.actor == world.people.dispatcher and "回访" in audit.reason
    # Shown once: the next page view is masked again.
    assert PHONE not in client.get(reverse("case_detail", args=[case.number])).content.decode()


def test_reveal_refused_without_permission(login, world):
    case = case_in(world, "registered")
    client = login("staff_a")  # may see the case, may not see personal data
    assert "查看完整信息" not in client.get(reverse("case_detail", args=[case.number])).content.decode()
    response = client.post(reverse("case_reveal", args=[case.number]), {"purpose": "other"})
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert "没有查看该诉求人完整信息的权限" in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.reveal", object_id=case.number, success=False).exists()


def test_reveal_needs_a_purpose(login, world):
    case = case_in(world, "registered")
    response = login("dispatcher").post(reverse("case_reveal", args=[case.number]), {"purpose": ""})
    assert response.status_code == 400
    assert PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


# --- map ------------------------------------------------------------------------------------------------


def test_map_layers_are_scoped(login, world):
    in_a = case_in(world, "registered")
    in_b = case_in(world, "registered", grid=(2, 0))
    with clock.at(clock.now() - timedelta(days=10)):
        late = case_in(world, "registered")
    client = login("staff_b")
    grids = client.get(reverse("map_grids")).json()
    assert {f["properties"]["code"] for f in grids["features"]} == {world.grids["b1"].code}
    assert grids["features"][0]["properties"]["open"] == 1
    cases = client.get(reverse("map_cases")).json()
    assert [f["properties"]["number"] for f in cases["features"]] == [in_b.number]
    everything = login("dispatcher").get(reverse("map_cases")).json()
    numbers = [f["properties"]["number"] for f in everything["features"]]
    assert numbers[0] == late.number and set(numbers) == {in_a.number, in_b.number, late.number}
    assert everything["features"][0]["properties"]["clock"] == "overdue"
    dispatcher_grids = login("dispatcher").get(reverse("map_grids")).json()
    a1 = next(f for f in dispatcher_grids["features"] if f["properties"]["code"] == world.grids["a1"].code)
    assert a1["properties"] == {**a1["properties"], "open": 2, "overdue": 1}


def test_map_cases_filters(login, world):
    open_case = case_in(world, "registered")
    closed = case_in(world, "closed")
    client = login("dispatcher")

    def numbers(params):
        return {
            f["properties"]["number"] for f in client.get(reverse("map_cases"), params).json()["features"]
        }

    assert numbers({}) == {open_case.number, closed.number}
    assert numbers({"scope": "open"}) == {open_case.number}
    assert numbers({"scope": "closed"}) == {closed.number}
    assert numbers({"clock": "overdue"}) == set()


def test_map_page_renders_without_a_tile_server(login, world, settings):
    page = login("dispatcher").get(reverse("map")).content.decode()
    assert 'id="full-map"' in page and "leaflet" in page and '"tileUrl": ""' in page
    settings.JIEDAO = {
        **settings.JIEDAO,
        "TILE_URL": "http://tiles.intranet/{z}/{x}/{y}.png",
        "TILE_CRS": "gcj02",
    }
    page = login("dispatcher").get(reverse("map")).content.decode()
    assert '"tileCrs": "gcj02"' in page


# --- notifications ----------------------------------------------------------------------------------------


def test_notifications_unread_first_and_mark_read(login, world):
    case = case_in(world, "registered")
    perform("dispatch", case, world)
    outbox.deliver_pending()
    handler = world.people.handler
    note = Notification.objects.get(user=handler)
    client = login("handler")
    page = client.get(reverse("workbench")).content.decode()
    assert 'class="count"' in page  # the unread count in the nav
    listing = client.get(reverse("notifications")).content.decode()
    assert note.title in listing and "is-unread" in listing
    response = client.post(reverse("notifications_read"), {"id": note.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "is-unread" not in response.content.decode()
    note.refresh_from_db()
    assert note.read_at is not None


def test_notification_open_marks_read_and_follows_the_link(login, world):
    case = case_in(world, "registered")
    perform("dispatch", case, world)
    outbox.deliver_pending()
    note = Notification.objects.get(user=world.people.handler)
    response = login("handler").get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == f"/cases/{case.number}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_marks_someone_elses_notifications(login, world):
    case = case_in(world, "registered")
    perform("dispatch", case, world)
    outbox.deliver_pending()
    note = Notification.objects.get(user=world.people.handler)
    login("dispatcher").post(reverse("notifications_read"), {"id": note.pk})
    login("dispatcher").post(reverse("notifications_read"), {"all": "1"})
    note.refresh_from_db()
    assert note.read_at is None
    assert login("dispatcher").get(reverse("notification_open", args=[note.pk])).status_code == 404


# --- language, login ----------------------------------------------------------------------------------------


def test_language_switch_to_english(login, world):
    case = case_in(world, "registered")
    client = login("dispatcher")
    zh = client.get(reverse("workbench")).content.decode()
    assert "我的工作台" in zh and 'lang="zh-Hans"' in zh
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("workbench")})
    assert response.status_code == 302
    en = client.get(reverse("workbench")).content.decode()
    assert 'lang="en"' in en
    for label in (
        "My workbench",
        "Map",
        "Notifications",
        "Sign out",
        "All open",
        "Registered",
        "Normal",
        "Resident photo report",
        "Community / grid",
    ):
        assert label in en, label
    assert "我的工作台" not in en
    detail = client.get(reverse("case_detail", args=[case.number])).content.decode()
    for label in (
        "Case details",
        "Timeline",
        "Actions",
        "Dispatch",
        "Handling unit",
        "Reporter",
        "Show full details",
    ):
        assert label in detail, label
    resident = client.get(reverse("report")).content.decode()
    for label in (
        "Report a problem",
        "Problem type",
        "Description",
        "Take a photo",
        "Use my location",
        "Send",
    ):
        assert label in resident, label
    back = client.post("/i18n/setlang/", {"language": "zh-hans", "next": reverse("workbench")}, follow=True)
    assert "我的工作台" in back.content.decode()


def test_login_page_and_logout(client, world):
    page = client.get(reverse("login")).content.decode()
    assert 'name="username"' in page and 'autocomplete="current-password"' in page
    bad = client.post(reverse("login"), {"username": "dispatcher", "password": "wrong"})
    assert bad.status_code == 200 and "alert--error" in bad.content.decode()
    good = client.post(reverse("login"), {"username": "dispatcher", "password": world.password})
    assert good["Location"] == reverse("workbench")
    page = client.get(reverse("workbench")).content.decode()
    assert 'action="/logout/"' in page and "王调度" in page
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert client.get(reverse("workbench")).status_code == 302


def test_admins_without_case_roles_see_an_empty_workbench(login, world):
    case_in(world, "registered")
    response = login("auditor").get(reverse("workbench"))
    assert response.status_code == 200
    assert "这里暂时没有案件" in response.content.decode()
    assert Case.objects.count() == 1
