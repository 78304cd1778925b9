"""The outbox: delivered after commit, claimed by one worker at a time, retried with backoff, then failed."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from jiedao.core import outbox
from jiedao.core.models import OutboxMessage, OutboxStatus

START = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def handled(monkeypatch):
    """Registers a handler for "test." topics; returns the list of payloads it was given."""
    seen: list[dict] = []
    monkeypatch.setitem(outbox._HANDLERS, "test.", lambda message: seen.append(message.payload))
    return seen


@pytest.mark.django_db
def test_a_message_is_delivered_once_when_due(frozen, handled):
    now_message = outbox.enqueue("test.now", {"n": 1})
    later = outbox.enqueue("test.later", {"n": 2}, delay=timedelta(minutes=5))
    assert outbox.deliver_pending() == 1
    assert handled == [{"n": 1}]
    now_message.refresh_from_db()
    assert now_message.status == OutboxStatus.DONE and now_message.delivered_at == START
    assert now_message.attempts == 1 and now_message.claimed_until is None
    assert outbox.deliver_pending() == 0  # delivered messages stay delivered
    frozen.move_to(START + timedelta(minutes=5))
    assert outbox.deliver_pending() == 1
    assert handled == [{"n": 1}, {"n": 2}]
    later.refresh_from_db()
    assert later.status == OutboxStatus.DONE


@pytest.mark.django_db
def test_a_topic_nobody_handles_is_marked_done(frozen):
    message = outbox.enqueue("nobody.listens", {})
    assert outbox.deliver_pending() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE


@pytest.mark.django_db
def test_the_longest_matching_prefix_handles_a_topic(monkeypatch):
    seen = []
    monkeypatch.setitem(outbox._HANDLERS, "test.", lambda m: seen.append("short"))
    monkeypatch.setitem(outbox._HANDLERS, "test.special.", lambda m: seen.append("long"))
    outbox.enqueue("test.special.one", {})
    outbox.enqueue("test.plain", {})
    outbox.deliver_pending()
    assert seen == ["long", "short"]


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_backoff_then_marked_failed(frozen, monkeypatch):
    calls = []

    def broken(message):
        calls.append(message.attempts)
        raise ConnectionError("SMS gateway down")

    monkeypatch.setitem(outbox._HANDLERS, "test.", broken)
    message = outbox.enqueue("test.sms", {})
    waits = []
    now = START
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        assert outbox.deliver_pending() == 0
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == "ConnectionError: SMS gateway down"
        assert message.claimed_until is None
        waits.append(message.available_at - now)
        if attempt < outbox.MAX_ATTEMPTS:
            assert message.status == OutboxStatus.PENDING
            assert outbox.deliver_pending() == 0  # not before its time
            assert len(calls) == attempt
            now = message.available_at
            frozen.move_to(now)
    assert message.status == OutboxStatus.FAILED
    assert calls == list(range(1, outbox.MAX_ATTEMPTS + 1))
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))  # backs off
    assert waits[0] == timedelta(seconds=60)
    frozen.move_to(now + timedelta(days=30))
    assert outbox.deliver_pending() == 0  # a failed message is never tried again by itself
    assert len(calls) == outbox.MAX_ATTEMPTS


@pytest.mark.django_db
def test_a_handlers_failure_rolls_back_its_own_writes_and_does_not_stop_the_others(frozen, monkeypatch):
    from jiedao.core.models import Counter

    def half_done(message):
        Counter.objects.create(name=f"written-by-{message.payload['n']}")
        if message.payload["n"] == 1:
            raise ValueError("boom")

    monkeypatch.setitem(outbox._HANDLERS, "test.", half_done)
    outbox.enqueue("test.a", {"n": 1})
    outbox.enqueue("test.b", {"n": 2})
    assert outbox.deliver_pending() == 1
    assert list(Counter.objects.filter(name__startswith="written-by").values_list("name", flat=True)) == [
        "written-by-2"
    ]


@pytest.mark.django_db
def test_a_message_claimed_by_one_worker_is_not_delivered_by_another(frozen, monkeypatch):
    """While worker 1 is inside the handler, worker 2 runs a delivery pass: it must skip the claimed message."""
    calls = []
    inner_results = []

    def slow(message):
        calls.append(message.pk)
        if len(calls) == 1:
            inner_results.append(outbox.deliver_pending())  # the other worker, meanwhile

    monkeypatch.setitem(outbox._HANDLERS, "test.", slow)
    message = outbox.enqueue("test.once", {})
    assert outbox.deliver_pending() == 1
    assert inner_results == [0]
    assert calls == [message.pk]


@pytest.mark.django_db
def test_a_claim_expires_so_a_crashed_worker_does_not_lose_the_message(frozen, handled):
    message = outbox.enqueue("test.crash", {"n": 1})
    assert outbox._claim(message.pk, START) is True  # worker 1 claims it, then dies
    assert outbox._claim(message.pk, START) is False  # nobody else can take it meanwhile
    assert outbox.deliver_pending() == 0 and handled == []
    frozen.move_to(START + timedelta(seconds=outbox.CLAIM_SECONDS + 1))
    assert outbox.deliver_pending() == 1
    assert handled == [{"n": 1}]
    message.refresh_from_db()
    assert message.attempts == 2  # the crashed attempt counts


@pytest.mark.django_db
def test_the_outbox_worker_drains_a_backlog_larger_than_one_batch(frozen, handled):
    for n in range(450):  # more than two batches of deliver_pending
        outbox.enqueue("test.backlog", {"n": n})
    call_command("deliver_outbox")
    assert sorted(p["n"] for p in handled) == list(range(450))
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DONE).exists()
