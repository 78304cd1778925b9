"""Configuration kept in each process's memory and rebuilt when its version counter moves.

The grid index, the working calendar, the tracking zones, the category catalogue and who may call the API are
read on every request, report, deadline and GPS fix, so each process keeps them in memory. Every change moves
the counter in the transaction that made it: code that changes one calls ``bump``, and the tables behind the
catalogue and access are watched by database triggers (``follow_table``), so no writer — an action, the admin,
a shell, a test fixture — can forget. Readers compare the counter before use, so web workers, the sweep and
the listeners never work from different configurations for longer than a commit.

A version is a random tag, not a count: a change that rolls back can never leave a number that a later
change reuses, so a process that built its copy inside such a transaction rebuilds it after.

Inside ``pinned()`` every counter is read once, in one query, at the first use, and stays fixed: one request
or action sees one configuration and pays one round trip for all of it. Each web request is pinned by
``PinVersionsMiddleware``. A change made inside a pinned scope is seen from the next one on (a ``bump``
made in it, at once).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from django.db import connection, migrations
from django.http import HttpRequest, HttpResponse

from jiedao.core.models import Counter

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
_COUNTERS: set[str] = set()
_CACHES: list[VersionedCache] = []


class _Pin:
    """The counters of one pinned scope, read at the first use."""

    values: dict[str, int] | None = None


_pinned: ContextVar[_Pin | None] = ContextVar("jiedao_pinned_versions", default=None)


def _read(names: set[str]) -> dict[str, int]:
    found = dict(Counter.objects.filter(name__in=names).values_list("name", "value"))
    return {name: found.get(name, 0) for name in names}


def current(name: str) -> int:
    """The version of ``name`` now (or as pinned)."""
    pin = _pinned.get()
    if pin is None:
        return _read({name})[name]
    if pin.values is None:
        pin.values = _read(_COUNTERS | {name})
    return pin.values[name] if name in pin.values else _read({name})[name]


@contextmanager
def pinned() -> Iterator[None]:
    """Inside, every cache is checked against one reading of all counters (taken at the first check)."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set(_Pin())
    try:
        yield
    finally:
        _pinned.reset(token)


class PinVersionsMiddleware:
    """Pin the versions for each request: its token, catalogue, grid and calendar checks cost one query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with pinned():
            return self.get_response(request)


# The same statement in PostgreSQL and SQLite (≥ 3.24); a trigger's body passes its own random tag.
_SET_TAG = (
    "INSERT INTO core_counter (name, value) VALUES ({name}, {tag}) "
    "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
)


def bump(name: str) -> None:
    """Tell every process that the configuration behind ``name`` changed (inside the changing transaction)."""
    tag = secrets.randbits(62)
    with connection.cursor() as cursor:
        cursor.execute(_SET_TAG.format(name="%s", tag="%s"), [name, tag])
    pin = _pinned.get()
    if pin is not None and pin.values is not None:
        pin.values[name] = tag  # this scope sees its own change


class VersionedCache(Generic[T]):
    """A value built from the database, rebuilt when the counter ``name`` moves.

    ``min_check_seconds`` lets a hot path (one call per GPS fix) look at the counter at most that often.
    """

    def __init__(self, name: str, build: Callable[[], T], *, min_check_seconds: float = 0.0) -> None:
        _COUNTERS.add(name)
        _CACHES.append(self)
        self.name, self.build, self.min_check = name, build, min_check_seconds
        self.invalidate()

    def invalidate(self) -> None:
        """Forget this process's copy (after a local change, or a test's rollback moved the counter back)."""
        self.value: T | None = None
        self.version: int | None = None
        self.checked = 0.0

    def get(self) -> T:
        now = time.monotonic()
        if self.value is not None and self.min_check and now - self.checked < self.min_check:
            return self.value
        version = current(self.name)
        if self.value is None or version != self.version:
            self.value, self.version = self.build(), version
        self.checked = now
        return self.value


class VersionedMemo(Generic[K, V]):
    """Values loaded one key at a time, all forgotten when the counter ``name`` moves.

    Misses (``load`` returned None) are not kept, so unknown keys cannot fill memory; at most ``size`` are.
    """

    def __init__(self, name: str, *, size: int = 10_000) -> None:
        self._entries: VersionedCache[dict[K, V]] = VersionedCache(name, dict)
        self.size = size

    def get(self, key: K, load: Callable[[], V | None]) -> V | None:
        entries = self._entries.get()
        if key in entries:
            return entries[key]
        value = load()
        if value is not None:
            if len(entries) >= self.size:
                entries.clear()
            entries[key] = value
        return value


def invalidate_all() -> None:
    """Forget every cache of this process (tests: each starts from the database as it is)."""
    for cache in _CACHES:
        cache.invalidate()


# --- Triggers: the database moves a counter whenever a watched table changes ---------------------------------

_PG_FUNCTION = f"""CREATE OR REPLACE FUNCTION core_bump_version() RETURNS trigger AS $$
    BEGIN {_SET_TAG.format(name="TG_ARGV[0]", tag="(random() * 4e18)::bigint")}; RETURN NULL; END;
    $$ LANGUAGE plpgsql"""


def _trigger_sql(
    vendor: str, table: str, counter: str, columns: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """(create, drop) statements of the triggers that move ``counter`` on any INSERT or DELETE of ``table``
    and on an UPDATE (of ``columns`` only, when given)."""
    update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
    name = f"{table}_bumps_{counter.split('.')[0]}"
    if vendor == "postgresql":
        create = (
            f"CREATE TRIGGER {name} AFTER INSERT OR {update} OR DELETE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION core_bump_version('{counter}')"
        )
        return [_PG_FUNCTION, create], [f"DROP TRIGGER IF EXISTS {name} ON {table}"]
    if vendor == "sqlite":
        body = _SET_TAG.format(name=f"'{counter}'", tag="random()")
        events = {"insert": "INSERT", "update": update, "delete": "DELETE"}
        return (
            [
                f"CREATE TRIGGER {name}_{e} AFTER {sql} ON {table} BEGIN {body}; END"
                for e, sql in events.items()
            ],
            [f"DROP TRIGGER IF EXISTS {name}_{e}" for e in events],
        )
    return [], []


def follow_table(table: str, counter: str, columns: tuple[str, ...] = ()) -> migrations.RunPython:
    """A migration operation: from now on every write to ``table`` moves ``counter`` (see ``_trigger_sql``)."""

    def run(forward: bool) -> Callable:
        def execute(apps, schema_editor) -> None:
            create, drop = _trigger_sql(schema_editor.connection.vendor, table, counter, columns)
            for statement in create if forward else drop:
                schema_editor.execute(statement)

        return execute

    return migrations.RunPython(run(True), run(False))
