"""Each process remembers tokens, keys, memberships and the category catalogue; every change is seen at once.

Each test first makes a call (so the process remembers), then changes the database the way an administrator's
shell or a bulk update would (no action, no signal) and checks that the very next call sees the change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from jiedao.api.tokens import issue_token
from jiedao.cases.models import Case, Category, StageLimit
from jiedao.cases.testing import report
from jiedao.integrations.models import Integrator
from jiedao.integrations.testing import integrator_with_key
from jiedao.org.models import Membership, User
from jiedao.testing.world import centre_of

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))  # a Friday, office hours


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def staff_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user, actor=None)}")
    return client


def create(client: APIClient, world, **overrides):
    lon, lat = centre_of(0, 0)
    body = {"service_code": world.category.service_code, "description": "占道经营", "lon": lon, "lat": lat}
    return client.post("/api/cases/", {**body, **overrides}, format="json")


def test_an_account_disabled_behind_the_process_back_is_refused_at_the_next_call(world):
    client = staff_client(world.people.handler)
    assert client.get("/api/cases/").status_code == 200
    User.objects.filter(pk=world.people.handler.pk).update(is_active=False)
    assert client.get("/api/cases/").status_code == 401


def test_a_revoked_token_is_refused_at_the_next_call(world):
    client = staff_client(world.people.handler)
    assert client.get("/api/cases/").status_code == 200
    world.people.handler.api_tokens.update(revoked_at=NOW)
    assert client.get("/api/cases/").status_code == 401


def test_a_disabled_integrator_is_refused_at_the_next_call(world):
    integrator, key = integrator_with_key(world.street)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    assert create(client, world).status_code == 201
    Integrator.objects.filter(pk=integrator.pk).update(active=False)
    assert create(client, world).status_code == 401


def test_a_removed_membership_narrows_the_next_list(world):
    report(world)
    client = staff_client(world.people.dispatcher)
    assert client.get("/api/cases/").json()["count"] == 1
    Membership.objects.filter(user=world.people.dispatcher).delete()
    assert client.get("/api/cases/").json()["count"] == 0


def test_a_changed_time_limit_sets_the_next_deadline(world):
    client = staff_client(world.people.dispatcher)
    first = Case.objects.get(number=create(client, world).json()["number"])
    StageLimit.objects.filter(category=world.category, stage="register").update(amount=90, unit="minute")
    second = Case.objects.get(number=create(client, world).json()["number"])
    assert first.stage_deadline - NOW == timedelta(hours=1)  # testing.world.LIMITS
    assert second.stage_deadline - NOW == timedelta(minutes=90)


def test_a_withdrawn_service_is_refused_at_the_next_call(world):
    client = staff_client(world.people.dispatcher)
    assert create(client, world).status_code == 201
    Category.objects.filter(pk=world.category.pk).update(code="0199")
    refused = create(client, world)
    assert refused.status_code == 400 and "service_code" in refused.json()["error"]["fields"]
    assert create(client, world, service_code="gbt30428-event-0199").status_code == 201


def test_a_warm_process_reads_nothing_it_remembers(world):
    client = staff_client(world.people.dispatcher)
    assert create(client, world).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        assert create(client, world).status_code == 201
    tables = (
        "api_stafftoken",
        "org_membership",
        "org_user",
        "cases_category",
        "cases_stagelimit",
        "org_grid",
    )
    sql = [query["sql"] for query in queries]
    assert not [s for s in sql if s.startswith("SELECT") and any(f'"{t}"' in s for t in tables)], sql
    assert len([s for s in sql if '"core_counter"."value"' in s]) == 1, "one read of all the versions"
