"""Deadlines are recomputed from the timeline when the working calendar changes."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from jiedao.cases.models import Case
from jiedao.cases.testing import case_in
from jiedao.core import outbox
from jiedao.core.calendar import calendar_changed
from jiedao.core.models import AuditEvent, CalendarDay

SH = ZoneInfo("Asia/Shanghai")


def test_a_new_holiday_moves_open_deadlines_and_is_audited(world):
    # Accepted on Tuesday 2025-06-03 10:00; handling takes 3 working days → end of Friday 2025-06-06.
    with time_machine.travel(datetime(2025, 6, 3, 10, 0, tzinfo=SH), tick=False):
        case = case_in(world, "accepted")
    assert case.due_at.astimezone(SH) == datetime(2025, 6, 6, 17, 30, tzinfo=SH)
    closed = case_in(world, "closed")
    closed_deadline = Case.objects.get(pk=closed.pk).stage_deadline

    with time_machine.travel(datetime(2025, 6, 3, 11, 0, tzinfo=SH), tick=False):
        CalendarDay.objects.create(date=date(2025, 6, 5), is_working_day=False, note="临时停工")
        calendar_changed()
        outbox.deliver_pending()

    case.refresh_from_db()
    assert case.due_at.astimezone(SH) == datetime(2025, 6, 9, 17, 30, tzinfo=SH)  # Thursday off → Monday
    assert case.stage_deadline == case.due_at
    record = AuditEvent.objects.get(action="case.recompute_clock", object_id=case.number)
    assert record.old["due_at"].startswith("2025-06-06T17:30")
    assert record.new["due_at"].startswith("2025-06-09T17:30")
    assert Case.objects.get(pk=closed.pk).stage_deadline == closed_deadline  # closed cases keep their history
