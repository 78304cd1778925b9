"""The outbox: side effects written with the change and delivered after commit by a worker.

Rows are claimed with a conditional UPDATE, so several workers (the sweep loop, Celery) never deliver one
message twice at the same time; handlers are idempotent so a crash after delivery but before marking is safe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from jiedao.core import clock
from jiedao.core.copyin import insert_new
from jiedao.core.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_HANDLERS: dict[str, Handler] = {}
_OWN_TRANSACTIONS: set[str] = set()
MAX_ATTEMPTS = 8
CLAIM_SECONDS = 120


def handles(prefix: str, *, atomic: bool = True) -> Callable[[Handler], Handler]:
    """Register a delivery handler for topics starting with ``prefix``.

    A handler runs in one transaction unless ``atomic=False``: a handler that waits on the network (a webhook
    POST) must not hold a transaction meanwhile — on SQLite that would hold the write lock and stall every
    report of the instance — so it opens its own short ones around its writes.
    """

    def register(func: Handler) -> Handler:
        _HANDLERS[prefix] = func
        if not atomic:
            _OWN_TRANSACTIONS.add(prefix)
        return func

    return register


def enqueue(topic: str, payload: dict[str, Any], *, delay: timedelta | None = None) -> OutboxMessage:
    """Write a message in the caller's transaction."""
    message = pending(topic, payload, delay=delay)
    message.save(force_insert=True)
    return message


def pending(topic: str, payload: dict[str, Any], *, delay: timedelta | None = None) -> OutboxMessage:
    """A message as ``enqueue`` writes it, not yet written (``enqueue_many`` writes many at once)."""
    now = clock.now()
    return OutboxMessage(
        topic=topic, payload=payload, created_at=now, available_at=now + (delay or timedelta())
    )


def enqueue_many(messages: list[OutboxMessage]) -> None:
    """Write many messages (made by ``pending``) in the caller's transaction, in a few statements."""
    insert_new(messages)


def _handler_for(topic: str) -> tuple[Handler | None, bool]:
    """The handler of ``topic`` and whether it runs inside a transaction of ours."""
    matches = [p for p in _HANDLERS if topic.startswith(p)]
    if not matches:
        return None, True
    prefix = max(matches, key=len)
    return _HANDLERS[prefix], prefix not in _OWN_TRANSACTIONS


def _claim(message_id: int, now) -> bool:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return bool(
        OutboxMessage.objects.filter(free, pk=message_id, status=OutboxStatus.PENDING).update(
            claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1
        )
    )


def deliver_pending(limit: int = 200) -> int:
    """Deliver due messages; returns how many were delivered. Failures back off exponentially."""
    now = clock.now()
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, available_at__lte=now).order_by("id")
    delivered = 0
    for message_id in list(due.values_list("id", flat=True)[:limit]):
        if not _claim(message_id, now):
            continue
        message = OutboxMessage.objects.get(pk=message_id)
        delivered += _deliver_one(message)
    return delivered


def _deliver_one(message: OutboxMessage) -> int:
    handler, atomic = _handler_for(message.topic)
    try:
        if handler is not None:
            with transaction.atomic() if atomic else nullcontext():
                handler(message)
    except Exception as exc:  # a handler's failure must not stop the others; it is retried
        log.exception("outbox message %s failed", message.pk)
        _fail(message, exc)
        return 0
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.DONE, delivered_at=clock.now(), claimed_until=None, last_error=""
    )
    return 1


def _fail(message: OutboxMessage, exc: Exception) -> None:
    final = message.attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
        available_at=clock.now() + timedelta(seconds=30 * 2 ** min(message.attempts, 10)),
        claimed_until=None,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    )
