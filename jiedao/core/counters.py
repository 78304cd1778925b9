"""Gap-tolerant named sequences for human-readable numbers."""

from __future__ import annotations

from django.db import connection, transaction

from jiedao.core.models import Counter

_INCREMENT = "UPDATE core_counter SET value = value + 1 WHERE name = %s RETURNING value"


def next_value(name: str) -> int:
    """Increment and return counter ``name`` (in the caller's transaction, or in a short one of its own)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        if outermost and connection.vendor == "postgresql":
            # Safe without waiting for the disk: any later synchronous commit flushes the log past this one,
            # and an increment lost in a crash only leaves a gap, never a number used twice.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        with connection.cursor() as cursor:
            cursor.execute(_INCREMENT, [name])
            row = cursor.fetchone()
            if row is None:
                Counter.objects.get_or_create(name=name, defaults={"value": 0})
                cursor.execute(_INCREMENT, [name])
                row = cursor.fetchone()
        return row[0]
