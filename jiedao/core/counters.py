"""Gap-tolerant named sequences for human-readable numbers."""

from __future__ import annotations

from django.db import connection, transaction

from jiedao.core.models import Counter

_ADVANCE = "UPDATE core_counter SET value = value + %s WHERE name = %s RETURNING value"


def reserve(name: str, count: int) -> range:
    """Advance counter ``name`` by ``count`` in one statement and return the values reserved for the caller.

    In the caller's transaction (the counter row stays locked until it ends) or in a short one of its own; a
    rollback leaves a gap, never a value used twice.
    """
    if count < 1:
        raise ValueError("count must be positive")
    outermost = not connection.in_atomic_block
    with transaction.atomic(savepoint=False):
        if outermost and connection.vendor == "postgresql":
            # Safe without waiting for the disk: any later synchronous commit flushes the log past this one,
            # and an increment lost in a crash only leaves a gap, never a number used twice.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        with connection.cursor() as cursor:
            cursor.execute(_ADVANCE, [count, name])
            row = cursor.fetchone()
            if row is None:
                Counter.objects.get_or_create(name=name, defaults={"value": 0})
                cursor.execute(_ADVANCE, [count, name])
                row = cursor.fetchone()
        return range(row[0] - count + 1, row[0] + 1)
