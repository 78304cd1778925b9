"""Gap-tolerant named sequences for human-readable numbers."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from jiedao.core.models import Counter


def next_value(name: str) -> int:
    """Increment and return counter ``name``; callers run inside the transaction that uses the number."""
    with transaction.atomic(savepoint=False):  # part of the caller's transaction; no savepoint round trips
        updated = Counter.objects.filter(name=name).update(value=F("value") + 1)
        if not updated:
            Counter.objects.get_or_create(name=name, defaults={"value": 0})
            Counter.objects.filter(name=name).update(value=F("value") + 1)
        return Counter.objects.values_list("value", flat=True).get(name=name)
