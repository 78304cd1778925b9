"""The instance's working calendar: the national calendar, local overrides and office hours."""

from __future__ import annotations

from datetime import time
from functools import lru_cache

from django.conf import settings

from jiedao.core.models import CalendarDay
from jiedao.lib.workcalendar import WorkCalendar


def _office_hours() -> tuple[tuple[time, time], ...]:
    spec = settings.JIEDAO.get("OFFICE_HOURS", "08:30-12:00,13:30-17:30")
    periods = []
    for part in spec.split(","):
        start, end = part.split("-")
        periods.append((time.fromisoformat(start), time.fromisoformat(end)))
    return tuple(periods)


@lru_cache(maxsize=1)
def get_calendar() -> WorkCalendar:
    """The calendar every deadline uses; call ``invalidate_calendar`` after an override changes."""
    overrides = dict(CalendarDay.objects.values_list("date", "is_working_day"))
    return WorkCalendar(office_hours=_office_hours(), overrides=overrides)


def invalidate_calendar() -> None:
    get_calendar.cache_clear()
