"""Configuration kept in each process's memory and rebuilt when its version counter moves.

The grid index, the working calendar and the tracking zones are read on every report, deadline and GPS fix,
so each process keeps them in memory. Whoever changes one bumps its counter (``bump``) in the transaction that
made the change; readers compare the counter before use, so web workers, the sweep and the listeners never
work from different configurations for longer than a commit.

Inside ``pinned()`` every counter is read once, in one query, and stays fixed: one action sees one
configuration and pays one round trip for all of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

from jiedao.core.counters import next_value
from jiedao.core.models import Counter

T = TypeVar("T")
_COUNTERS: set[str] = set()
_pinned: ContextVar[dict[str, int] | None] = ContextVar("jiedao_pinned_versions", default=None)


def _read(names: set[str]) -> dict[str, int]:
    found = dict(Counter.objects.filter(name__in=names).values_list("name", "value"))
    return {name: found.get(name, 0) for name in names}


def current(name: str) -> int:
    """The version of ``name`` now (or as pinned)."""
    pinned = _pinned.get()
    if pinned is not None and name in pinned:
        return pinned[name]
    return _read({name})[name]


@contextmanager
def pinned() -> Iterator[None]:
    """Read every registered counter once; inside, each cache is checked against that reading."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set(_read(_COUNTERS))
    try:
        yield
    finally:
        _pinned.reset(token)


def bump(name: str) -> None:
    """Tell every process that the configuration behind ``name`` changed (inside the changing transaction)."""
    next_value(name)


class VersionedCache(Generic[T]):
    """A value built from the database, rebuilt when the counter ``name`` moves.

    ``min_check_seconds`` lets a hot path (one call per GPS fix) look at the counter at most that often.
    """

    def __init__(self, name: str, build: Callable[[], T], *, min_check_seconds: float = 0.0) -> None:
        _COUNTERS.add(name)
        self.name, self.build, self.min_check = name, build, min_check_seconds
        self.invalidate()

    def invalidate(self) -> None:
        """Forget this process's copy (after a local change, or a test's rollback moved the counter back)."""
        self.value: T | None = None
        self.version, self.checked = -1, 0.0

    def get(self) -> T:
        now = time.monotonic()
        if self.value is not None and self.min_check and now - self.checked < self.min_check:
            return self.value
        version = current(self.name)
        if self.value is None or version != self.version:
            self.value, self.version = self.build(), version
        self.checked = now
        return self.value
