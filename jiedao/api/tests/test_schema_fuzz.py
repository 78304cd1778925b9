"""Schemathesis against the published OpenAPI schema: generated requests never make a 500."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings

from jiedao.api.tokens import issue_token
from jiedao.cases.testing import case_in

MAX_EXAMPLES = 8


@pytest.fixture
def schema(world):
    # Schemathesis calls the WSGI application itself, so every request ends with Django's
    # close_old_connections, which would close the test's open transaction on PostgreSQL (on request start and
    # finish). Django's own test client switches that off the same way.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db(transaction=False)
def test_no_operation_answers_with_a_server_error(world, schema):
    case_in(world, "accepted")
    headers = {"Authorization": f"Token {issue_token(world.people.dispatcher, actor=None)}"}
    failures: list[str] = []
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(generated=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(generated) -> None:
            response = generated.call(headers=headers)
            statuses.append(response.status_code)
            if response.status_code >= 500:  # say how to send it again: the examples are random
                failures.append(
                    f"{response.status_code} {response.text[:300]!r} after {generated.as_curl_command()}"
                )

        call()
    assert not failures, failures
    assert len(statuses) > 100 and any(code < 300 for code in statuses)
