"""The instance's working calendar: the national calendar, local overrides and office hours.

Each process keeps the calendar in memory. A change of the override table bumps a version counter in the
database (``calendar_changed``, called by the admin in the transaction that made the change), and every
process rebuilds its calendar when it sees the counter move, so the web workers and the sweep never compute
deadlines on different calendars.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import time

from django.conf import settings

from jiedao.core import outbox
from jiedao.core.counters import next_value
from jiedao.core.models import CalendarDay, Counter
from jiedao.lib.workcalendar import WorkCalendar

VERSION_COUNTER = "calendar.version"


def _office_hours() -> tuple[tuple[time, time], ...]:
    spec = settings.JIEDAO.get("OFFICE_HOURS", "08:30-12:00,13:30-17:30")
    periods = []
    for part in spec.split(","):
        start, end = part.split("-")
        periods.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return tuple(periods)


@dataclass
class _Cached:
    version: int = -1
    calendar: WorkCalendar | None = None


_cache = _Cached()


def _current_version() -> int:
    return Counter.objects.filter(name=VERSION_COUNTER).values_list("value", flat=True).first() or 0


_pinned: ContextVar[WorkCalendar | None] = ContextVar("jiedao_pinned_calendar", default=None)


@contextmanager
def pinned_calendar() -> Iterator[WorkCalendar]:
    """Use one calendar for everything inside (one action computes several instants; one version check)."""
    token = _pinned.set(get_calendar())
    try:
        yield _pinned.get()
    finally:
        _pinned.reset(token)


def get_calendar() -> WorkCalendar:
    """The calendar every deadline uses (rebuilt when the override table's version moves)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    version = _current_version()
    if _cache.calendar is None or _cache.version != version:
        overrides = dict(CalendarDay.objects.values_list("date", "is_working_day"))
        _cache.calendar = WorkCalendar(office_hours=_office_hours(), overrides=overrides)
        _cache.version = version
    return _cache.calendar


def invalidate_calendar() -> None:
    """Forget this process's calendar (after a change of overrides or office hours); no database access."""
    _cache.calendar = None
    _cache.version = -1


def calendar_changed() -> None:
    """Tell every process the overrides changed (call in the transaction that changed them); open cases'
    deadlines are then recomputed from their timelines by the outbox worker."""
    next_value(VERSION_COUNTER)
    invalidate_calendar()
    outbox.enqueue("calendar.changed", {})
