"""The current time as the domain sees it.

Normally ``timezone.now()``. Generating a demo history or importing old 12345 orders replays the write path
at past instants with ``at(instant)``, so those cases carry true timestamps and deadlines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_override: ContextVar[datetime | None] = ContextVar("jiedao_clock", default=None)


def now() -> datetime:
    return _override.get() or timezone.now()


@contextmanager
def at(instant: datetime) -> Iterator[None]:
    """Run the enclosed actions as if it were ``instant``."""
    token = _override.set(instant)
    try:
        yield
    finally:
        _override.reset(token)
