"""Conformance of /open311/v2/ with GeoReport v2: every endpoint in JSON and XML, errors included."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from jiedao.cases.models import Case, Channel
from jiedao.cases.testing import case_in, perform, report
from jiedao.integrations.keys import revoke_key
from jiedao.integrations.models import ApiKey
from jiedao.integrations.testing import integrator_with_key
from jiedao.testing.world import centre_of, make_category

BASE = "/open311/v2"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))
ATTRIBUTES = [
    {
        "code": "size",
        "description": "面积",
        "datatype": "number",
        "required": True,
        "order": 1,
    },
    {
        "code": "kinds",
        "description": "种类",
        "datatype": "multivaluelist",
        "required": False,
        "order": 2,
        "values": [{"key": "paper", "name": "纸"}, {"key": "glass", "name": "玻璃"}],
    },
]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api_key(world) -> str:
    return integrator_with_key(world.street)[1]


@pytest.fixture
def sized(world):
    return make_category("0102", "乱堆物料", attributes=ATTRIBUTES)


def xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


def post(client, api_key: str, fmt: str = "json", **fields):
    lon, lat = centre_of(0, 0)
    data = {"api_key": api_key, "lat": lat, "long": lon, "description": "路口有垃圾", **fields}
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_discovery_json_and_xml(client, world):
    data = client.get(f"{BASE}/discovery.json").json()
    assert data["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(data["endpoints"][0]["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_services_list(client, world, sized):
    services = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code[sized.service_code]["metadata"] is True
    assert by_code[world.category.service_code] == {
        "service_code": "gbt30428-event-0101",
        "service_name": "暴露垃圾",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": "市容环境",
    }
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert {s.findtext("service_code") for s in root.findall("service")} == set(by_code)
    assert root.find("service/metadata").text in {"true", "false"}


def test_service_definition(client, sized):
    data = client.get(f"{BASE}/services/{sized.service_code}.json").json()
    assert data["service_code"] == sized.service_code
    assert [a["code"] for a in data["attributes"]] == ["size", "kinds"]
    assert data["attributes"][1]["values"] == [
        {"key": "paper", "name": "纸"},
        {"key": "glass", "name": "玻璃"},
    ]
    root = xml(client.get(f"{BASE}/services/{sized.service_code}.xml"))
    assert root.tag == "service_definition"
    attribute = root.findall("attributes/attribute")[1]
    assert attribute.findtext("datatype") == "multivaluelist"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["paper", "glass"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_is_404_with_error_body(client, world, fmt):
    response = client.get(f"{BASE}/services/nope-event-9999.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        assert response.json()[0]["code"] == 404 and response.json()[0]["description"]
    else:
        root = xml(response)
        assert root.tag == "errors" and root.find("error/code").text == "404"


def test_unknown_jurisdiction_is_404_and_own_is_accepted(client, world):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=110101001").status_code == 404
    assert client.get(f"{BASE}/services.json?jurisdiction_id={world.street.code}").status_code == 200


def test_post_creates_a_case_through_the_write_path(client, world, sized, api_key):
    response = post(
        client,
        api_key,
        service_code=sized.service_code,
        **{"attribute[size]": "12", "attribute[kinds][]": ["paper", "glass"]},
        first_name="三",
        last_name="张",
        phone="13812345678",
    )
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.channel == Channel.API
    assert case.attributes == {"size": 12, "kinds": ["paper", "glass"]}
    assert case.grid == world.grids["a1"]
    event = case.events.get()
    assert event.action == "report" and event.actor_label == "接口:12345 市平台"
    assert ApiKey.objects.get().last_used_at is not None


def test_post_xml_answer(client, world, api_key):
    response = post(client, api_key, "xml", service_code=world.category.service_code)
    assert response.status_code == 201
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text


def test_post_validates_attributes_like_the_resident_page(client, world, sized, api_key):
    response = post(client, api_key, service_code=sized.service_code, **{"attribute[size]": "many"})
    assert response.status_code == 400
    assert any("attribute[size]" in e["description"] for e in response.json())
    response = post(client, api_key, service_code=sized.service_code)
    assert response.status_code == 400 and "attribute[size]" in response.json()[0]["description"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"service_code": "gbt30428-event-9999"},
        {"description": ""},
        {"description": "x" * 4001},
        {"lat": "", "long": ""},
        {"lat": "abc"},
        {"lat": "nan"},
        {"lat": "31.000", "long": "120.000"},  # outside every grid
    ],
)
def test_post_refusals_are_400(client, world, api_key, fields):
    fields.setdefault("service_code", world.category.service_code)
    response = post(client, api_key, **fields)
    assert response.status_code == 400, response.content
    assert response.json()[0]["code"] == 400
    assert not Case.objects.exists()


def test_post_address_only(client, world, api_key):
    response = post(
        client, api_key, service_code=world.category.service_code, lat="", long="", address_string="胥江路1号"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_needs_a_valid_api_key(client, world, api_key, fmt):
    code = world.category.service_code
    assert post(client, "", fmt, service_code=code).status_code == 403
    assert post(client, "jd_nope_nope", fmt, service_code=code).status_code == 403
    revoke_key(ApiKey.objects.get(), actor=None)
    response = post(client, api_key, fmt, service_code=code)
    assert response.status_code == 403
    if fmt == "xml":
        assert xml(response).find("error/code").text == "403"
    assert not Case.objects.exists()


def test_key_of_another_jurisdiction_is_refused(client, world):
    _integrator, other = integrator_with_key(world.units.elsewhere.region, name="外街道")
    assert post(client, other, service_code=world.category.service_code).status_code == 403


def test_requests_list_filters_and_formats(client, world, sized):
    open_case = report(world)
    closed = case_in(world, "closed", category=sized, attributes={"size": 3})
    with time_machine.travel(NOW - timedelta(days=120), tick=False):
        old = report(world)
    listed = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in listed} == {open_case.number, closed.number}
    by_id = {r["service_request_id"]: r for r in listed}
    assert by_id[closed.number]["status"] == "closed"
    assert by_id[closed.number]["status_notes"] == "已结案"
    assert by_id[open_case.number]["requested_datetime"] == "2026-11-20T10:00:00+08:00"
    assert by_id[closed.number]["agency_responsible"] == world.units.chengguan.name
    assert {r["service_request_id"] for r in client.get(f"{BASE}/requests.json?status=open").json()} == {
        open_case.number
    }
    codes = f"{sized.service_code},{world.category.service_code}"
    assert len(client.get(f"{BASE}/requests.json?service_code={codes}").json()) == 2
    assert (
        client.get(f"{BASE}/requests.json?service_code={sized.service_code}").json()[0]["service_request_id"]
        == closed.number
    )
    ids = f"{old.number},{closed.number}"
    assert {
        r["service_request_id"] for r in client.get(f"{BASE}/requests.json?service_request_id={ids}").json()
    } == {
        old.number,
        closed.number,
    }
    window = "start_date=2026-07-01T00:00:00%2B08:00&end_date=2026-08-01T00:00:00%2B08:00"
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json?{window}").json()] == [
        old.number
    ]
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    assert {r.findtext("service_request_id") for r in root.findall("request")} == {
        open_case.number,
        closed.number,
    }
    assert {child.tag for child in root.find("request")} >= {
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    }


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2026-01-01&end_date=2026-11-01",  # more than 90 days
        "start_date=2026-11-01&end_date=2026-10-01",
        "start_date=yesterday",
        "end_date=9999-12-31T23:59:59-23:00",  # no UTC form
        "start_date=9999-12-01T00:00:00Z",  # its 90-day window leaves the calendar
        "end_date=0001-01-02T00:00:00Z",
        "status=pending",
        "page=0",
        "page_size=1001",
    ],
)
def test_requests_list_bad_filters_are_400(client, world, query):
    response = client.get(f"{BASE}/requests.json?{query}")
    assert response.status_code == 400
    assert response.json()[0]["description"]


def test_any_offset_iso_8601_allows_is_taken(client, world):
    number = report(world).number
    window = (
        "start_date=2026-01-01T00:00:00-22:03&end_date=2026-03-31T00:00:00%2B23:59"  # beyond PostgreSQL's
    )
    response = client.get(f"{BASE}/requests.json?{window}")
    assert response.status_code == 200 and number not in {r["service_request_id"] for r in response.json()}


def test_paging_extension(client, world):
    numbers = [report(world).number for _ in range(3)]
    first = client.get(f"{BASE}/requests.json?page_size=2").json()
    second = client.get(f"{BASE}/requests.json?page_size=2&page=2").json()
    assert [r["service_request_id"] for r in first + second] == sorted(numbers, reverse=True)


def test_single_request_is_an_array_with_extensions(client, world, sized):
    case = case_in(world, "handled", category=sized, attributes={"size": 3, "kinds": ["paper"]})
    perform("supervise", case, world, note="内部督办")
    data = client.get(f"{BASE}/requests/{case.number}.json?extensions=true").json()
    assert isinstance(data, list) and len(data) == 1
    request = data[0]
    assert request["attributes"] == {"size": 3, "kinds": ["paper"]}
    assert request["extended_attributes"] == {"channel": "resident", "photos": []}
    assert [n["type"] for n in request["notes"]] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "handle",
        "supervise",
    ]
    assert request["notes"][0]["datetime"].endswith("+08:00")
    assert request.get("expected_datetime")
    root = xml(client.get(f"{BASE}/requests/{case.number}.xml?extensions=true"))
    assert root.tag == "service_requests"
    assert [v.text for v in root.findall("request/attributes/kinds/value")] == ["paper"]
    assert len(root.findall("request/notes/note")) == 6
    assert "attributes" not in client.get(f"{BASE}/requests/{case.number}.json").json()[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_request_is_404(client, world, fmt):
    assert client.get(f"{BASE}/requests/0000000000.{fmt}").status_code == 404


def test_private_categories_are_not_published(client, world):
    hazard = make_category("0199", "燃气隐患")
    hazard.public = False
    hazard.save()
    case = report(world, category=hazard)
    assert client.get(f"{BASE}/requests/{case.number}.json").status_code == 404
    assert hazard.service_code not in {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}


def test_tokens(client, world, api_key):
    number = post(client, api_key, service_code=world.category.service_code).json()[0]["service_request_id"]
    assert client.get(f"{BASE}/tokens/{number}.json").json() == [
        {"service_request_id": number, "token": number}
    ]
    assert xml(client.get(f"{BASE}/tokens/{number}.xml")).find("request/token").text == number
    assert client.get(f"{BASE}/tokens/{report(world).number}.json").status_code == 404


def test_anonymous_rate_limit(client, world, settings):
    settings.JIEDAO = {**settings.JIEDAO, "API_RATES": {**settings.JIEDAO["API_RATES"], "anon": "2/min"}}
    assert client.get(f"{BASE}/services.json").status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200
    response = client.get(f"{BASE}/services.xml")
    assert response.status_code == 429
    assert xml(response).find("error/code").text == "429"


def test_post_form_urlencoded_with_repeated_list_attributes(client, world, sized, api_key):
    lon, lat = centre_of(0, 0)
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": sized.service_code,
            "lat": lat,
            "long": lon,
            "description": "堆物",
            "attribute[size]": "2",
            "attribute[kinds][]": ["glass", "paper"],
        },
        doseq=True,
    )
    response = client.post(f"{BASE}/requests.json", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 201, response.content
    assert Case.objects.get().attributes == {"size": 2, "kinds": ["glass", "paper"]}
