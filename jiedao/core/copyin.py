"""Writing many rows at once: PostgreSQL's COPY, several times faster than the multi-row INSERT the ORM builds.

``copy_line`` turns a row of Python values into one line of COPY's text format; ``insert_new`` writes new model
instances of one model — with COPY on PostgreSQL (their primary keys drawn from the table's sequence first, in
one query), with ``bulk_create`` elsewhere — and leaves each with its primary key, as ``save()`` would.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Field, Model

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")
CHUNK_ROWS = 500


def _escaped(text: str) -> str:
    """``text`` as COPY reads it back. Most values need no escape, and looking for one costs a fraction of
    the translation (a dict lookup per character), so only the few that need it are translated."""
    return text.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def copy_field(value: Any) -> str:
    """One value in COPY text format (a dict as JSON)."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return _escaped(json.dumps(value, ensure_ascii=False))
    return str(value)  # int, date, Decimal, UUID: nothing to escape


def copy_line(row: Sequence[Any]) -> str:
    """One row in COPY text format (psycopg's write_row costs several times more per row)."""
    return "\t".join(map(copy_field, row)) + "\n"


def _text(value: Any) -> str:
    return _escaped(value) if isinstance(value, str) else copy_field(value)


# How COPY takes a value (never None) of a field of each type, without asking the field (millions of values).
_BY_TYPE: dict[str, Callable[[Any], str]] = {
    **dict.fromkeys(("CharField", "TextField", "GenericIPAddressField"), _text),
    **dict.fromkeys(("DateTimeField", "DateField"), operator.methodcaller("isoformat")),
    "BooleanField": lambda value: "t" if value else "f",
    "FloatField": repr,
    **dict.fromkeys(
        (
            "AutoField",
            "BigAutoField",
            "SmallAutoField",
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        ),
        str,
    ),
}


def _converter(field: Field) -> Callable[[Any], str]:
    kind = field.get_internal_type()
    if kind == "JSONField":
        # What json.dumps(value, cls=field.encoder, ensure_ascii=False) does, without a new encoder each call.
        encode = (field.encoder or json.JSONEncoder)(ensure_ascii=False).encode
        return lambda value: _escaped(encode(value))
    if field.is_relation:  # the key of the related row, as the field it points at
        return _converter(field.target_field)
    if kind in _BY_TYPE:
        return _BY_TYPE[kind]
    return lambda value: copy_field(field.get_db_prep_save(value, connection))


def insert_new(objs: Sequence[Model]) -> None:
    """Insert new, unsaved instances of one model (no auto_now fields) and set their primary keys."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    fields = meta.concrete_fields
    if any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields):
        raise ValueError(f"{meta.label}: fields set by save() are not supported")
    table, pk = meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        # The sequence is looked up once (a sub-select), not once per key: that was most of the query's time.
        cursor.execute(
            "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass)) FROM generate_series(1, %s)",
            [table, pk, len(objs)],
        )
        for obj, (key,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = key
        # A new instance holds every field's value in its __dict__: one C call reads them all.
        values = operator.itemgetter(*(field.attname for field in fields))
        converters = [_converter(field) for field in fields]
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            # Sent in chunks, so the server stores one while the next is being made.
            for start in range(0, len(objs), CHUNK_ROWS):
                lines = [
                    "\t".join(
                        [
                            "\\N" if value is None else convert(value)
                            for value, convert in zip(values(obj.__dict__), converters, strict=True)
                        ]
                    )
                    for obj in objs[start : start + CHUNK_ROWS]
                ]
                copy.write(("\n".join(lines) + "\n").encode())
    alias = connection.alias  # (a lookup through the connection proxy each time)
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias
