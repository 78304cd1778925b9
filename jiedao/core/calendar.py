"""The instance's working calendar: the national calendar, local overrides and office hours.

Each process keeps the calendar in memory (``core.versions``). A change of the override table bumps its version
counter (``calendar_changed``, called by the admin in the transaction that made the change), and every process
rebuilds its calendar when it sees the counter move, so the web workers and the sweep never compute deadlines
on different calendars.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import time

from django.conf import settings

from jiedao.core import outbox, versions
from jiedao.core.models import CalendarDay
from jiedao.lib.workcalendar import WorkCalendar

VERSION_COUNTER = "calendar.version"


def _office_hours() -> tuple[tuple[time, time], ...]:
    spec = settings.JIEDAO.get("OFFICE_HOURS", "08:30-12:00,13:30-17:30")
    periods = []
    for part in spec.split(","):
        start, end = part.split("-")
        periods.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
    return tuple(periods)


def _build() -> WorkCalendar:
    overrides = dict(CalendarDay.objects.values_list("date", "is_working_day"))
    return WorkCalendar(office_hours=_office_hours(), overrides=overrides)


_cache = versions.VersionedCache(VERSION_COUNTER, _build)
_pinned: ContextVar[WorkCalendar | None] = ContextVar("jiedao_pinned_calendar", default=None)


@contextmanager
def pinned_calendar() -> Iterator[WorkCalendar]:
    """Use one calendar for everything inside (one action computes several instants; one version check,
    shared with the other configuration versions the action reads)."""
    with versions.pinned():
        token = _pinned.set(get_calendar())
        try:
            yield _pinned.get()
        finally:
            _pinned.reset(token)


def get_calendar() -> WorkCalendar:
    """The calendar every deadline uses (rebuilt when the override table's version moves)."""
    return _pinned.get() or _cache.get()


def invalidate_calendar() -> None:
    """Forget this process's calendar (after a change of overrides or office hours); no database access."""
    _cache.invalidate()


def calendar_changed() -> None:
    """Tell every process the overrides changed (call in the transaction that changed them); open cases'
    deadlines are then recomputed from their timelines by the outbox worker."""
    versions.bump(VERSION_COUNTER)
    invalidate_calendar()
    outbox.enqueue("calendar.changed", {})
