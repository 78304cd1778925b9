"""Webhooks end to end: a local receiver gets signed case events; failures retry with backoff, then disable."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from jiedao.cases.testing import perform, report
from jiedao.core import clock, outbox
from jiedao.integrations import webhooks
from jiedao.integrations.keys import authenticate_key
from jiedao.integrations.models import DeliveryStatus, Integrator, WebhookDelivery, WebhookSubscription
from jiedao.integrations.testing import integrator_with_key
from jiedao.integrations.webhooks import SIGNATURE_HEADER, verify

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], str]]
    answer: int

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.answer)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    server.received, server.answer = [], 200
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def subscription(world, receiver) -> WebhookSubscription:
    integrator, _plain = integrator_with_key(world.street)
    return WebhookSubscription.objects.create(
        integrator=integrator, url=f"http://127.0.0.1:{receiver.server_port}/hook", events=[]
    )


def deliver_all() -> None:
    while outbox.deliver_pending():
        pass


def test_case_events_arrive_signed(world, receiver, subscription):
    case = report(world)
    perform("register", case, world)
    deliver_all()
    assert [h["X-Jiedao-Event"] for h, _ in receiver.received] == ["case.reported", "case.registered"]
    headers, body = receiver.received[1]
    now = int(clock.now().timestamp())
    assert verify(subscription.secret, headers[SIGNATURE_HEADER], body, now=now)
    assert not verify("wrong secret", headers[SIGNATURE_HEADER], body, now=now)
    assert not verify(subscription.secret, headers[SIGNATURE_HEADER], body + " ", now=now)
    assert not verify(subscription.secret, headers[SIGNATURE_HEADER], body, now=now + 3600)
    assert f'"number":"{case.number}"' in body and '"type":"case.registered"' in body
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    deliver_all()  # nothing is sent twice
    assert len(receiver.received) == 2


def test_no_transaction_is_held_while_the_receiver_answers(world, receiver, subscription, monkeypatch):
    """On SQLite an open transaction holds the write lock: a slow receiver would stall every report."""
    depth_outside = len(connection.atomic_blocks)
    depths = []
    real_post = webhooks._post

    def watched_post(*args):
        depths.append(len(connection.atomic_blocks))
        return real_post(*args)

    monkeypatch.setattr(webhooks, "_post", watched_post)
    report(world)
    deliver_all()
    assert depths == [depth_outside] and len(receiver.received) == 1
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_only_wanted_events_and_own_jurisdiction(world, receiver, subscription):
    subscription.events = ["case.dispatched"]
    subscription.save()
    other = Integrator.objects.create(name="外街道平台", jurisdiction=world.units.elsewhere.region)
    WebhookSubscription.objects.create(integrator=other, url=subscription.url)
    case = report(world)
    perform("register", case, world)
    perform("dispatch", case, world)
    deliver_all()
    assert [h["X-Jiedao-Event"] for h, _ in receiver.received] == ["case.dispatched"]


def test_failures_retry_with_backoff_then_disable(world, receiver, subscription, settings, _frozen):
    settings.JIEDAO = {
        **settings.JIEDAO,
        "WEBHOOK_MAX_ATTEMPTS": 3,
        "WEBHOOK_BACKOFF_SECONDS": 10,
        "WEBHOOK_DISABLE_AFTER": 4,
    }
    receiver.answer = 500
    report(world)
    deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.RETRYING, 1, 500)
    _frozen.shift(timedelta(seconds=9))
    deliver_all()
    assert WebhookDelivery.objects.get().attempts == 1  # the backoff has not passed yet
    _frozen.shift(timedelta(seconds=2))
    deliver_all()
    assert WebhookDelivery.objects.get().attempts == 2
    _frozen.shift(timedelta(seconds=21))  # 10 · 2¹ after the second attempt
    deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 3)
    assert len(receiver.received) == 3
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 3 and subscription.active
    report(world)  # the fourth consecutive failure disables the subscription
    deliver_all()
    subscription.refresh_from_db()
    assert not subscription.active and subscription.disabled_at == clock.now()
    report(world)
    deliver_all()
    assert len(receiver.received) == 4  # nothing more is sent to a disabled subscription


def test_success_resets_the_failure_count(world, receiver, subscription):
    WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=5)
    report(world)
    deliver_all()
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_unreachable_receiver_is_a_failure_not_a_crash(world, subscription):
    subscription.url = "http://127.0.0.1:9/nothing-listens"
    subscription.save()
    report(world)
    deliver_all()
    delivery = WebhookDelivery.objects.get()
    assert (
        delivery.status == DeliveryStatus.RETRYING
        and delivery.response_status is None
        and delivery.last_error
    )


def test_owner_reads_its_delivery_log_and_subscribes_by_api(world, receiver):
    _integrator, plain = integrator_with_key(world.street)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=plain)
    url = f"http://127.0.0.1:{receiver.server_port}/hook"
    created = client.post("/api/webhooks/", {"url": url, "events": ["case.reported"]}, format="json")
    assert created.status_code == 201 and created.json()["secret"]
    bad = client.post("/api/webhooks/", {"url": url, "events": ["case.nope"]}, format="json")
    assert bad.status_code == 400 and "events" in next(iter(bad.json()["error"]["fields"]))
    bad = client.post("/api/webhooks/", {"url": "ftp://127.0.0.1/x"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["error"]["fields"]
    report(world)
    deliver_all()
    log = client.get(f"/api/webhooks/{created.json()['id']}/deliveries/").json()["results"]
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [("case.reported", "delivered", 1)]
    _other, other_key = integrator_with_key(world.street, name="另一平台")
    stranger = APIClient()
    stranger.credentials(HTTP_X_API_KEY=other_key)
    assert stranger.get(f"/api/webhooks/{created.json()['id']}/deliveries/").status_code == 404
    assert stranger.get("/api/webhooks/").json()["results"] == []


def test_create_api_key_command_prints_a_key_once(world, capsys):
    call_command("create_api_key", "--name", "物业平台", "--jurisdiction", world.street.code)
    plain = capsys.readouterr().out.strip()
    key = authenticate_key(plain)
    assert key is not None and key.integrator.name == "物业平台"
    assert plain not in key.hashed and key.hashed != plain
    assert authenticate_key(plain[:-1] + ("A" if plain[-1] != "A" else "B")) is None
