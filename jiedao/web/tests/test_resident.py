"""The resident's pages: 随手拍 and 进度查询."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiedao.cases.models import Attachment, Case
from jiedao.cases.testing import case_in, perform
from jiedao.testing.world import centre_of, make_category
from jiedao.web.tests.conftest import png

PHONE = "13812345678"


def report_data(world, **overrides):
    lon, lat = centre_of(0, 0)
    data = {
        "category": world.category.pk,
        "description": "人行道上堆着装修垃圾",
        "address": "胥江路100号",
        "lon": f"{lon:.6f}",
        "lat": f"{lat:.6f}",
        "reporter_name": "张三",
        "reporter_phone": PHONE,
    }
    data.update(overrides)
    return data


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- 随手拍 ----------------------------------------------------------------------------------------------


def test_report_page_groups_public_categories(client, world):
    hidden = make_category("0150", "内部类别")
    hidden.public = False
    hidden.save()
    page = client.get(reverse("report")).content.decode()
    assert '<optgroup label="市容环境">' in page
    assert "暴露垃圾" in page and "内部类别" not in page
    assert 'accept="image/*"' in page and "capture" in page
    assert 'id="pick-map"' in page and 'name="lon"' in page
    assert "cdn" not in page.lower()


def test_report_with_a_real_photo(client, world, settings):
    response = client.post(reverse("report"), {**report_data(world), "photos": [png("scene.png")]})
    assert response.status_code == 302
    assert response["Location"] == reverse("report_done")
    case = Case.objects.get()
    assert case.channel == "resident" and case.grid == world.grids["a1"]
    attachment = Attachment.objects.get(case=case)
    assert attachment.original_name == "scene.png" and attachment.width == 64
    assert len(stored_files(settings)) == 2  # the photo and its thumbnail
    done = client.get(response["Location"]).content.decode()
    grouped = f"{case.number[:4]} {case.number[4:6]} {case.number[6:]}"
    assert grouped in done
    # The reporter may follow the case straight away, without typing the number again.
    tracked = client.get(reverse("track") + f"?n={case.number}").content.decode()
    assert "暴露垃圾" in tracked and "138****5678" in tracked


def test_report_through_htmx_redirects_the_browser(client, world):
    response = client.post(reverse("report"), report_data(world), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("report_done")


def test_a_non_image_photo_is_refused_and_nothing_is_stored(client, world, settings):
    fake = SimpleUploadedFile("holiday.jpg", b"%PDF-1.4 this is not a picture", content_type="image/jpeg")
    response = client.post(reverse("report"), {**report_data(world), "photos": [png("ok.png"), fake]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第2张照片「holiday.jpg」不是有效的图片文件" in page
    assert Case.objects.count() == 0
    assert stored_files(settings) == []
    # Nothing the person typed is lost.
    assert "人行道上堆着装修垃圾" in page and "胥江路100号" in page and PHONE in page


def test_htmx_errors_come_back_next_to_the_fields(client, world):
    fake = SimpleUploadedFile("notes.png", b"hello", content_type="image/png")
    response = client.post(
        reverse("report"), {**report_data(world), "photos": [fake]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="err-photos" hx-swap-oob="true">第1张照片「notes.png」不是有效的图片文件' in page
    assert "<form" not in page  # the form (and the photos picked) stays as it is in the browser


def test_a_point_outside_the_street_is_refused(client, world):
    response = client.post(reverse("report"), report_data(world, lon="121.500000", lat="31.230000"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "不在本街道辖区内" in page
    assert Case.objects.count() == 0


def test_missing_fields_are_named_and_what_was_typed_stays(client, world):
    response = client.post(
        reverse("report"),
        report_data(
            world,
            category="",
            description="",
            reporter_phone="",
            lon="",
            lat="",
            address="",
            reporter_name="李四",
        ),
    )
    assert response.status_code == 400
    page = response.content.decode()
    for message in ("请选择问题类型", "请描述问题", "请留下联系电话", "请在地图上选点或填写地址"):
        assert message in page
    assert 'value="李四"' in page
    assert Case.objects.count() == 0


def test_a_bad_phone_number_is_named(client, world):
    response = client.post(reverse("report"), report_data(world, reporter_phone="12345"))
    assert response.status_code == 400
    assert "电话号码格式不正确" in response.content.decode()


def test_an_address_without_a_point_is_enough(client, world):
    response = client.post(reverse("report"), report_data(world, lon="", lat=""))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.lon is None and case.grid is None and case.address == "胥江路100号"


@pytest.fixture
def noise(world):
    return make_category(
        "0198",
        "噪声扰民",
        attributes=[
            {
                "code": "source",
                "description": "噪声来源",
                "datatype": "singlevaluelist",
                "required": True,
                "order": 1,
                "values": [{"key": "site", "name": "工地"}, {"key": "shop", "name": "商铺"}],
            },
            {
                "code": "times",
                "description": "发生时段",
                "datatype": "multivaluelist",
                "required": False,
                "order": 2,
                "values": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}],
            },
            {
                "code": "people",
                "description": "受影响户数",
                "datatype": "number",
                "required": False,
                "order": 3,
            },
        ],
    )


def test_category_fields_load_for_the_chosen_category(client, noise):
    page = client.get(reverse("report_fields"), {"category": noise.pk}).content.decode()
    assert "噪声来源" in page and 'name="attribute[source]"' in page
    assert 'name="attribute[times][]"' in page and 'type="checkbox"' in page
    assert client.get(reverse("report_fields"), {"category": "x"}).content.decode().strip() == ""


def test_category_fields_are_checked_and_stored(client, world, noise):
    missing = client.post(reverse("report"), report_data(world, category=noise.pk))
    assert missing.status_code == 400
    assert "请填写「噪声来源」" in missing.content.decode()
    assert 'name="attribute[source]"' in missing.content.decode()  # the fields are back, with the message
    ok = client.post(
        reverse("report"),
        {
            **report_data(world, category=noise.pk),
            "attribute[source]": "site",
            "attribute[times][]": ["night"],
            "attribute[people]": "12",
        },
    )
    assert ok.status_code == 302
    assert Case.objects.get().attributes == {"source": "site", "times": ["night"], "people": 12}


def test_done_page_without_a_report_goes_back_to_the_form(client, world):
    assert client.get(reverse("report_done"))["Location"] == reverse("report")


def test_report_area_is_geojson_of_the_street(client, world):
    body = client.get(reverse("report_area")).json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 3


# --- 进度查询 ---------------------------------------------------------------------------------------------


def test_track_with_number_and_last_four(client, world):
    case = case_in(world, "dispatched")
    spaced = f"{case.number[:4]} {case.number[4:6]} {case.number[6:]}"
    response = client.post(reverse("track"), {"number": spaced, "last4": "5678"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已派遣" in page and "派遣" in page and "沧浪城管中队" in page
    assert "张*" in page and "138****5678" in page and PHONE not in page
    # A refresh works: the session remembers the verified number.
    again = client.get(reverse("track")).content.decode()
    assert "已派遣" in again


def test_track_refuses_a_wrong_last_four_and_rate_limits(client, world):
    case = case_in(world, "dispatched")
    for attempt in range(5):
        response = client.post(reverse("track"), {"number": case.number, "last4": "0000"})
        assert response.status_code == 400
        assert "案件编号或手机号后四位不正确" in response.content.decode() or attempt == 4
        assert "已派遣" not in response.content.decode()
    locked = client.post(reverse("track"), {"number": case.number, "last4": "5678"})
    assert locked.status_code == 429
    assert "查询错误次数过多" in locked.content.decode()
    assert "已派遣" not in locked.content.decode()


def test_track_unknown_number_gives_the_same_answer(client, world):
    response = client.post(reverse("track"), {"number": "9999999999", "last4": "5678"})
    assert response.status_code == 400
    assert "案件编号或手机号后四位不正确" in response.content.decode()


def test_track_shows_photos_and_a_rating_form_when_closed(client, world):
    case = case_in(world, "handled")
    perform("attach", case, world, uploads=[png("evidence.png")], note="")
    perform("verify", case, world)
    client.post(reverse("track"), {"number": case.number, "last4": "5678"})
    page = client.get(reverse("track") + f"?n={case.number}").content.decode()
    assert "已结案" in page and "评价处理结果" in page and "办理人员联系过您吗?" in page
    assert case.attachments.get().thumbnail.url in page
    response = client.post(
        reverse("track_evaluate", args=[case.number]),
        {"satisfaction": "satisfied", "resolved": "1", "contacted": "0", "note": "很及时"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "evaluated" and case.satisfaction == "satisfied" and case.resolved
    assert case.callback_reached is True and case.contacted is False  # the resident answered it themselves
    assert case.events.last().actor_label == "居民"


def test_rating_needs_a_verified_number(client, world):
    case = case_in(world, "closed")
    response = client.post(
        reverse("track_evaluate", args=[case.number]), {"satisfaction": "unsatisfied", "resolved": "0"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"


def test_rating_form_errors_are_shown(client, world):
    case = case_in(world, "closed")
    client.post(reverse("track"), {"number": case.number, "last4": "5678"})
    response = client.post(reverse("track_evaluate", args=[case.number]), {"resolved": "1"})
    assert response.status_code == 400
    assert "请选择满意程度" in response.content.decode()


def test_home_for_residents_and_staff(client, world):
    page = client.get(reverse("home")).content.decode()
    assert reverse("report") in page and reverse("track") in page and reverse("login") in page
    client.force_login(world.people.dispatcher)
    assert client.get(reverse("home"))["Location"] == reverse("workbench")


def test_photo_bytes_are_checked_not_the_name(client, world, settings):
    """A real picture under a misleading name is accepted (the content decides), re-encoded as JPEG."""
    response = client.post(reverse("report"), {**report_data(world), "photos": [png("picture.txt")]})
    assert response.status_code == 302
    assert Attachment.objects.get().content_type == "image/jpeg"


def test_field_and_photo_problems_are_shown_together(client, world, settings):
    fake = SimpleUploadedFile("notes.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(reverse("report"), {**report_data(world, reporter_phone=""), "photos": [fake]})
    page = response.content.decode()
    assert "请留下联系电话" in page and "第1张照片「notes.jpg」不是有效的图片文件" in page
    assert Case.objects.count() == 0 and stored_files(settings) == []
