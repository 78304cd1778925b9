"""The REST API: scope per persona, every action through the write path, one error format, idempotency."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from jiedao.api.models import StaffToken
from jiedao.api.tokens import authenticate_token, issue_token, revoke_tokens
from jiedao.cases.models import Case, Channel
from jiedao.cases.testing import case_in, report
from jiedao.core.models import AuditEvent
from jiedao.integrations.testing import integrator_with_key
from jiedao.org.models import Membership, Role, User
from jiedao.testing.world import centre_of

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def as_person(world):
    """as_person("dispatcher") → an APIClient authenticated with that persona's token."""

    def make(name: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(getattr(world.people, name), actor=None)}")
        return client

    return make


@pytest.fixture
def integrator_client(world) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=integrator_with_key(world.street)[1])
    return client


def new_case_body(world, **overrides):
    lon, lat = centre_of(0, 0)
    return {
        "service_code": world.category.service_code,
        "description": "路边有暴露垃圾",
        "lon": lon,
        "lat": lat,
        "channel": "phone",
        "reporter_phone": "13812345678",
        **overrides,
    }


def jpeg() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, "JPEG")
    data.seek(0)
    data.name = "photo.jpg"
    return data


def test_create_api_token_command_prints_a_working_token(world, capsys):
    call_command("create_api_token", "dispatcher")
    token = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/cases/").status_code == 200


def test_a_staff_token_is_stored_hashed_and_replaced_by_the_next_one(world, capsys):
    call_command("create_api_token", "dispatcher")
    first = capsys.readouterr().out.strip()
    call_command("create_api_token", "dispatcher")
    second = capsys.readouterr().out.strip()
    stored = StaffToken.objects.filter(user=world.people.dispatcher)
    assert stored.count() == 2 and not any(first in t.hashed or second in t.hashed for t in stored)
    assert {e.action for e in AuditEvent.objects.filter(object_id=str(world.people.dispatcher.pk))} >= {
        "api.token_issue"
    }
    client = APIClient()
    for token, expected in ((first, 401), (second, 200), ("jdt_nope_nope", 401), ("0" * 40, 401)):
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.get("/api/cases/")
        assert response.status_code == expected, token
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.get("/api/cases/").json()["error"]["code"] == "bad_token"


def test_the_security_administrator_revokes_tokens_in_the_admin(client, world):
    plain = issue_token(world.people.handler, actor=None)
    security = User.objects.create_user("sec", password=world.password)
    Membership.objects.create(user=security, unit=world.units.centre, role=Role.SECURITY_ADMIN)
    client.force_login(security)
    listing = client.get("/admin/api/stafftoken/").content.decode()
    token = StaffToken.objects.get(user=world.people.handler)
    assert token.prefix in listing and plain not in listing and token.hashed not in listing
    client.post("/admin/api/stafftoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert authenticate_token(plain) is None
    assert AuditEvent.objects.filter(action="api.token_revoke", actor=security).exists()


def test_a_token_stops_working_when_revoked_or_the_account_is_disabled(world):
    handler = world.people.handler
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(handler, actor=None)}")
    assert client.get("/api/cases/").status_code == 200
    assert revoke_tokens(handler, actor=None) == 1
    assert client.get("/api/cases/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(handler, actor=None)}")
    handler.is_active = False
    handler.save(update_fields=["is_active"])
    assert client.get("/api/cases/").status_code == 401


def test_list_is_scoped_like_the_pages(world, as_person):
    in_a = report(world, grid=(0, 0))
    in_b = report(world, grid=(2, 0))
    assigned = case_in(world, "dispatched")
    seen = {
        name: {c["number"] for c in as_person(name).get("/api/cases/").json()["results"]}
        for name in ("dispatcher", "staff_a", "staff_b", "handler", "outsider", "auditor")
    }
    assert seen["dispatcher"] == {in_a.number, in_b.number, assigned.number}
    assert seen["staff_a"] == {in_a.number, assigned.number}
    assert seen["staff_b"] == {in_b.number}
    assert seen["handler"] == {assigned.number}
    assert seen["outsider"] == set()
    assert seen["auditor"] == set()
    assert as_person("outsider").get(f"/api/cases/{in_a.number}/").status_code == 404


def test_list_filters_and_pagination(world, as_person):
    report(world, grid=(0, 0))
    report(world, grid=(2, 0))
    dispatched = case_in(world, "dispatched")
    client = as_person("dispatcher")
    numbers = lambda query: {c["number"] for c in client.get(f"/api/cases/?{query}").json()["results"]}  # noqa: E731
    assert numbers("status=dispatched") == {dispatched.number}
    assert len(numbers(f"community={world.b.code}")) == 1
    assert numbers(f"unit={world.units.chengguan.pk}") == {dispatched.number}
    assert len(numbers(f"category={world.category.parent.service_code}")) == 3
    assert numbers("category=nope-x-1") == set()
    assert len(numbers("channel=resident")) == 3
    assert numbers("reported_after=2026-11-21T00:00:00%2B08:00") == set()
    # Any offset ISO 8601 allows, even one PostgreSQL does not (beyond ±15:59); a year past 9999 is refused.
    assert len(numbers("reported_after=2026-11-19T00:00:00-22:03")) == 3  # 06:03 on the 20th in Beijing
    far = client.get("/api/cases/?reported_before=9999-12-31T23:59:59-23:00")
    assert far.status_code == 400 and "reported" in far.json()["error"]["fields"]
    page = client.get("/api/cases/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    response = client.get("/api/cases/?status=bogus")
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]


def test_detail_masks_the_reporter_and_lists_allowed_actions(world, as_person):
    case = report(world)
    data = as_person("dispatcher").get(f"/api/cases/{case.number}/").json()
    assert data["reporter"] == {"name": "张*", "phone": "138****5678"}
    assert "register" in data["allowed_actions"] and "accept" not in data["allowed_actions"]


def test_staff_create_and_validation(world, as_person):
    client = as_person("dispatcher")
    response = client.post("/api/cases/", new_case_body(world), format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert response["Location"] == response.json()["url"] == f"/api/cases/{case.number}/"
    assert response.json()["status"] == "reported"
    assert case.channel == Channel.PHONE and case.events.get().actor == world.people.dispatcher
    bad = client.post("/api/cases/", new_case_body(world, lon=121.0, lat=31.0), format="json")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "outside_area"
    bad = client.post("/api/cases/", new_case_body(world, service_code="nope"), format="json")
    assert bad.json()["error"]["fields"] == {"service_code": "未知的类别编码"}
    bad = client.post("/api/cases/", new_case_body(world, description=""), format="json")
    assert bad.status_code == 400 and "description" in bad.json()["error"]["fields"]


def test_integrator_creates_as_api_channel_but_reads_nothing(world, integrator_client):
    response = integrator_client.post("/api/cases/", new_case_body(world, channel="walk_in"), format="json")
    assert response.status_code == 201
    assert Case.objects.get().channel == Channel.API
    assert integrator_client.get("/api/cases/").status_code == 403
    assert integrator_client.get(f"/api/cases/{response.json()['number']}/").status_code == 403
    assert integrator_client.get("/api/categories/").status_code == 200


def test_idempotency_key_makes_one_case(world, integrator_client, as_person):
    body = new_case_body(world)
    first = integrator_client.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = integrator_client.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1
    other = integrator_client.post(
        "/api/cases/", {**body, "description": "另一件"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_mismatch"
    # The same key from another caller is another request.
    mine = as_person("dispatcher").post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert mine.status_code == 201 and Case.objects.count() == 2


def test_whole_journey_through_action_endpoints(world, as_person):
    case = report(world)
    url = f"/api/cases/{case.number}"
    dispatcher, handler = as_person("dispatcher"), as_person("handler")
    assert dispatcher.post(f"{url}/register/", {"note": "立案"}, format="json").status_code == 200
    response = dispatcher.post(f"{url}/dispatch/", {"unit": world.units.chengguan.pk}, format="json")
    assert response.json()["status"] == "dispatched"
    assert handler.post(f"{url}/accept/", {}, format="json").json()["status"] == "accepted"
    response = handler.post(f"{url}/handle/", {"note": "已清理", "photos": [jpeg()]}, format="multipart")
    assert response.status_code == 200, response.content
    assert dispatcher.post(f"{url}/verify/", {"passed": True}, format="json").json()["status"] == "closed"
    response = dispatcher.post(f"{url}/evaluate/", {"satisfaction": "satisfied"}, format="json")
    assert response.json()["status"] == "evaluated"
    timeline = dispatcher.get(f"{url}/timeline/").json()
    assert [e["action"] for e in timeline] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "handle",
        "verify",
        "evaluate",
    ]
    assert len(dispatcher.get(f"{url}/attachments/").json()) == 1


def test_refusals_use_one_error_format(world, as_person):
    case = report(world)
    url = f"/api/cases/{case.number}"
    response = as_person("handler").post(f"{url}/accept/", {}, format="json")
    assert response.status_code == 404  # not in the handler's scope at all
    into = report(world).number
    response = as_person("staff_a").post(f"{url}/merge/", {"into": into}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    response = as_person("dispatcher").post(f"{url}/accept/", {}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_state"
    response = as_person("dispatcher").post(f"{url}/void/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "note_required",
        "message": "请填写作废原因",
        "fields": {"note": "请填写作废原因"},
    }
    response = as_person("dispatcher").post(
        f"{url}/dispatch/", {"unit": world.units.elsewhere.pk}, format="json"
    )
    assert response.status_code == 400 and "unit" in response.json()["error"]["fields"]
    response = APIClient().get("/api/cases/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated" and response.json()["error"]["message_en"]
    refusals = AuditEvent.objects.filter(success=False, action="case.merge")
    assert refusals.count() == 1


def test_attachment_upload_goes_through_do_attach(world, as_person):
    case = case_in(world, "registered")
    client = as_person("dispatcher")
    url = f"/api/cases/{case.number}/attachments/"
    response = client.post(url, {"photos": [jpeg()], "note": "现场照片"}, format="multipart")
    assert response.status_code == 201 and len(response.json()) == 1
    assert case.events.last().action == "attach"
    bad = io.BytesIO(b"not an image")
    bad.name = "x.jpg"
    response = client.post(url, {"photos": [bad]}, format="multipart")
    assert response.status_code == 400 and response.json()["error"]["message"]


def test_reference_data_is_scoped(world, as_person):
    dispatcher, staff_b = as_person("dispatcher"), as_person("staff_b")
    assert {u["name"] for u in dispatcher.get("/api/units/").json()["results"]} >= {"沧浪城管中队"}
    assert "其他街道指挥中心" not in {u["name"] for u in dispatcher.get("/api/units/").json()["results"]}
    assert {r["code"] for r in staff_b.get("/api/regions/").json()["results"]} == {world.b.code}
    grids = staff_b.get("/api/grids/").json()
    assert grids["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in grids["features"]] == [world.grids["b1"].code]
    assert as_person("outsider").get("/api/grids/").json()["features"] == []


def test_schema_and_self_hosted_docs(world, client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()


def test_integrator_rate_limit(world, integrator_client, settings):
    settings.JIEDAO = {
        **settings.JIEDAO,
        "API_RATES": {**settings.JIEDAO["API_RATES"], "integrator": "1/min"},
    }
    assert integrator_client.get("/api/categories/").status_code == 200
    response = integrator_client.get("/api/categories/")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
