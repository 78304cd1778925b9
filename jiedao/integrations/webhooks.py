"""Webhooks: case events fanned out to subscriptions, signed, delivered from the outbox with retries.

A case action writes its ``case.<action>`` outbox message; when that message is delivered, ``fan_out`` (a
hook of the case-event handler) writes one delivery row and one ``webhook.deliver`` message per interested
subscription. Each ``webhook.deliver`` makes one HTTP attempt; a failure schedules the next attempt as a new
outbox message with exponential backoff, so the attempt log and the failure count commit either way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from jiedao.core import clock, outbox
from jiedao.core.models import OutboxMessage
from jiedao.integrations.keys import covers
from jiedao.integrations.models import (
    EVENT_OF_ACTION,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

SIGNATURE_HEADER = "X-Jiedao-Signature"
DELIVER_TOPIC = "webhook.deliver"
# What a receiver learns of a case: enough to fetch it, no personal data.
PAYLOAD_FIELDS = ("number", "action", "status", "street", "community")


def sign(secret: str, timestamp: int, body: str) -> str:
    """The signature header value: ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: str, *, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: check the signature and that the timestamp is recent (replay protection)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, parts.get("v1", ""))


def fan_out(message: OutboxMessage) -> None:
    """Queue one delivery per active subscription that wants this case event (idempotent per message).

    A case imported with the steps it already went through (``cases.bulk``: one message whose ``actions`` lists
    them) is delivered once to each subscription that wants any of their events, typed as the latest of those,
    with ``imported`` and those ``events`` in order in its data: a receiver of "case.closed" still learns of an
    order that arrived closed, and nobody receives a burst of past steps.
    """
    payload = message.payload
    steps = payload.get("actions") or [payload.get("action", "")]
    events = [EVENT_OF_ACTION[action] for action in steps if action in EVENT_OF_ACTION]
    if not events:
        return
    region = payload.get("community") or payload.get("street") or ""
    subscriptions = WebhookSubscription.objects.filter(active=True, integrator__active=True).select_related(
        "integrator"
    )
    for subscription in subscriptions:
        wanted = [event for event in events if subscription.wants(event)]
        if not wanted or not covers(subscription.integrator, region):
            continue
        data = {name: payload.get(name) for name in PAYLOAD_FIELDS}
        if "actions" in payload:
            data.update(imported=True, events=wanted)
        body = json.dumps(
            {
                "id": message.pk,
                "type": wanted[-1],
                "occurred_at": message.created_at.isoformat(),
                "data": data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        delivery, created = WebhookDelivery.objects.get_or_create(
            subscription=subscription,
            source=message,
            defaults={"event": wanted[-1], "body": body, "created_at": clock.now()},
        )
        if created:
            outbox.enqueue(DELIVER_TOPIC, {"delivery_id": delivery.pk})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a receiver must answer itself, not send us elsewhere
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(subscription: WebhookSubscription, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """One HTTP attempt: (status code or None, error text; empty when the receiver answered 2xx)."""
    timestamp = int(clock.now().timestamp())
    request = urllib.request.Request(
        subscription.url,
        data=delivery.body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Jiedao-Webhooks/1",
            "X-Jiedao-Event": delivery.event,
            "X-Jiedao-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(subscription.secret, timestamp, delivery.body),
        },
    )
    try:
        with _opener.open(request, timeout=settings.JIEDAO["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


@outbox.handles("webhook.", atomic=False)
def deliver(message: OutboxMessage) -> None:
    """Make one attempt of a delivery and record it; schedule a retry or give up (never raises for HTTP).

    No transaction is open while the receiver answers (up to WEBHOOK_TIMEOUT_SECONDS); the outcome is recorded
    in one short transaction after. A crash between the two repeats the attempt: delivery is at least once,
    and receivers tell repeats by ``X-Jiedao-Delivery``."""
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .filter(pk=message.payload["delivery_id"])
        .first()
    )
    if delivery is None or delivery.status in {DeliveryStatus.DELIVERED, DeliveryStatus.FAILED}:
        return
    subscription = delivery.subscription
    now = clock.now()
    if not subscription.active:
        _finish(delivery, DeliveryStatus.FAILED, error="subscription disabled", now=now)
        return
    status_code, error = _post(subscription, delivery)
    with transaction.atomic():
        _record_attempt(delivery, status_code, error, now)


def _record_attempt(delivery: WebhookDelivery, status_code: int | None, error: str, now) -> None:
    subscription = delivery.subscription
    delivery.attempts += 1
    delivery.response_status = status_code
    if not error:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
        _finish(delivery, DeliveryStatus.DELIVERED, now=now, delivered=True)
        return
    _record_failure(subscription, now)
    config = settings.JIEDAO
    if delivery.attempts >= config["WEBHOOK_MAX_ATTEMPTS"]:
        _finish(delivery, DeliveryStatus.FAILED, error=error, now=now)
        return
    delay = timedelta(seconds=config["WEBHOOK_BACKOFF_SECONDS"] * 2 ** (delivery.attempts - 1))
    _finish(delivery, DeliveryStatus.RETRYING, error=error, now=now)
    outbox.enqueue(DELIVER_TOPIC, {"delivery_id": delivery.pk}, delay=delay)


def _record_failure(subscription: WebhookSubscription, now) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    WebhookSubscription.objects.filter(
        pk=subscription.pk,
        active=True,
        consecutive_failures__gte=settings.JIEDAO["WEBHOOK_DISABLE_AFTER"],
    ).update(active=False, disabled_at=now)


def _finish(delivery: WebhookDelivery, status: str, *, now, error: str = "", delivered: bool = False) -> None:
    delivery.status = status
    delivery.last_error = error
    delivery.last_attempt_at = now
    delivery.delivered_at = now if delivered else None
    delivery.save(
        update_fields=[
            "status",
            "last_error",
            "last_attempt_at",
            "delivered_at",
            "attempts",
            "response_status",
        ]
    )
