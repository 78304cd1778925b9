"""The current time as the domain sees it.

Normally ``timezone.now()``. Generating a demo history or importing old 12345 orders replays the write path
at past instants with ``at(instant)``, so those cases carry true timestamps and deadlines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

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


def in_zone(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """An aware instant given with any offset, as the same instant in ``zone``; ValueError when it has no form
    there (a year past 9999).

    Offsets Python accepts (up to ±24 h) go beyond what PostgreSQL takes (±15:59): an instant from outside is
    put in a known zone before it reaches a query or a row.
    """
    try:
        return moment.astimezone(zone)
    except OverflowError:
        raise ValueError("the instant is out of range") from None
