"""The instance's working calendar: overrides from the database, seen by every process after a change."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.test import RequestFactory

from jiedao.core import calendar
from jiedao.core.models import CalendarDay, Counter

MONDAY = date(2025, 3, 3)


def test_forgetting_the_calendar_needs_no_database():
    calendar.invalidate_calendar()  # conftest calls it around every test, with or without a database


@pytest.mark.django_db
def test_the_calendar_follows_the_national_one_and_the_overrides():
    assert calendar.get_calendar().is_working_day(date(2025, 1, 26))  # 调休 Sunday
    assert not calendar.get_calendar().is_working_day(date(2025, 1, 29))  # Spring Festival
    CalendarDay.objects.create(date=MONDAY, is_working_day=False)
    calendar.calendar_changed()
    assert not calendar.get_calendar().is_working_day(MONDAY)


@pytest.mark.django_db
def test_a_change_made_in_another_process_is_picked_up():
    first = calendar.get_calendar()
    assert calendar.get_calendar() is first  # cached while nothing changes
    CalendarDay.objects.create(date=MONDAY, is_working_day=False)
    assert calendar.get_calendar().is_working_day(MONDAY)  # this process was not told
    Counter.objects.update_or_create(name=calendar.VERSION_COUNTER, defaults={"value": 41})  # the other one
    assert not calendar.get_calendar().is_working_day(MONDAY)


@pytest.mark.django_db
def test_office_hours_come_from_the_settings(settings):
    settings.JIEDAO = {**settings.JIEDAO, "OFFICE_HOURS": "09:00-12:00, 14:00-18:00"}
    calendar.invalidate_calendar()
    assert calendar.get_calendar().office_hours == ((time(9), time(12)), (time(14), time(18)))
    start = datetime(2025, 3, 3, 11, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert calendar.get_calendar().add(start, 60, "minute", "working") == start.replace(hour=14, minute=30)


@pytest.mark.django_db
def test_the_admin_announces_every_change_of_the_overrides():
    from jiedao.org.models import User

    model_admin = admin.site._registry[CalendarDay]
    request = RequestFactory().post("/admin/core/calendarday/add/")
    request.user = User.objects.create(username="sysadmin", is_superuser=True, is_staff=True)

    def version() -> int:
        return (
            Counter.objects.filter(name=calendar.VERSION_COUNTER).values_list("value", flat=True).first() or 0
        )

    seen = [version()]
    form = model_admin.get_form(request)({"date": "2025-03-03", "is_working_day": "", "note": "停电"})
    assert form.is_valid(), form.errors
    day = form.save(commit=False)
    model_admin.save_model(request, day, form, change=False)
    seen.append(version())
    assert not calendar.get_calendar().is_working_day(MONDAY)
    model_admin.delete_model(request, day)
    seen.append(version())
    assert calendar.get_calendar().is_working_day(MONDAY)
    CalendarDay.objects.create(date=MONDAY, is_working_day=False)
    calendar.calendar_changed()
    seen.append(version())
    model_admin.delete_queryset(request, CalendarDay.objects.all())
    seen.append(version())
    assert calendar.get_calendar().is_working_day(MONDAY)
    assert len(set(seen)) == len(seen), "every change moves the version"
