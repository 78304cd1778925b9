"""Generated Open311 requests never make a 500: every parameter the specification names, with odd values.

Open311 is not in the OpenAPI schema, so schemathesis does not reach it; hypothesis draws the parameters here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiedao.integrations.testing import integrator_with_key

BASE = "/open311/v2"
# Instants with every offset Python accepts (PostgreSQL takes only ±15:59), in and out of range, as text.
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
INSTANTS = st.builds(
    lambda moment, zone: moment.replace(tzinfo=zone).isoformat(),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    OFFSETS,
)
VALUES = st.one_of(
    st.text(max_size=30),
    INSTANTS,
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "open", "closed", "open,closed", "true", "false", "0", "-1", "1001", "2026-11-20"]),
)
DATES = st.one_of(INSTANTS, INSTANTS, VALUES)  # mostly well-formed, so that most reach the query
NUMBERS = st.one_of(st.integers(min_value=1, max_value=50).map(str), VALUES)
QUERY = st.fixed_dictionaries(
    {},
    optional={
        "service_code": VALUES,
        "start_date": DATES,
        "end_date": DATES,
        "status": st.one_of(st.sampled_from(["open", "closed", "open,closed"]), VALUES),
        "page": NUMBERS,
        "page_size": NUMBERS,
        "extensions": st.one_of(st.just("true"), VALUES),
    },
)
FORM = st.fixed_dictionaries(
    {},
    optional={
        name: VALUES
        for name in [
            "service_code",
            "lat",
            "long",
            "address_string",
            "description",
            "email",
            "phone",
            "first_name",
            "attribute[size]",
            "jurisdiction_id",
            "device_id",
            "media_url",
        ]
    },
)
EXAMPLES = settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_list_and_search_never_answer_500(client, world):
    @EXAMPLES
    @given(query=QUERY, fmt=st.sampled_from(["json", "xml"]))
    def call(query: dict[str, str], fmt: str) -> None:
        cache.clear()  # the anonymous rate limit is not what is tested here
        response = client.get(f"{BASE}/requests.{fmt}", query)
        assert response.status_code < 500, (query, response.content[:300])

    call()


def test_any_instant_as_the_window_never_answers_500(client, world):
    """Instants alone (the broad test above seldom sends one that reaches the query)."""

    @EXAMPLES
    @given(instant=INSTANTS, bound=st.sampled_from(["start_date", "end_date"]))
    def call(instant: str, bound: str) -> None:
        cache.clear()
        response = client.get(f"{BASE}/requests.json", {bound: instant})
        assert response.status_code in {200, 400}, (bound, instant, response.content[:300])

    call()


def test_posts_never_answer_500(client, world):
    _integrator, key = integrator_with_key(world.street)
    service = world.category.service_code

    @EXAMPLES
    @given(form=FORM, keep_service=st.booleans())
    def call(form: dict[str, str], keep_service: bool) -> None:
        cache.clear()
        data = {"api_key": key, **form, **({"service_code": service} if keep_service else {})}
        response = client.post(f"{BASE}/requests.json", data)
        assert response.status_code < 500, (data, response.content[:300])

    call()
