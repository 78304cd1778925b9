"""The database itself refuses to change a written audit record."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from jiedao.core import audit


@pytest.mark.django_db
def test_an_audit_record_cannot_be_changed_or_removed():
    record = audit.record(None, "test.write", "thing", 1, reason="原始记录")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        type(record).objects.filter(pk=record.pk).update(reason="篡改")
    if connection.vendor == "postgresql":  # SQLite keeps DELETE, which empties its test databases
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            type(record).objects.filter(pk=record.pk).delete()
    record.refresh_from_db()
    assert record.reason == "原始记录"
