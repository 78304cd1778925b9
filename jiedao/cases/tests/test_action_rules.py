"""Rules of single actions beyond the transition table: whom a case may go to, extensions, merging."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from jiedao.cases.models import Case, ClockBreach
from jiedao.cases.sweep import run_sweep
from jiedao.cases.testing import case_in, perform, report
from jiedao.core.errors import ApplicationError
from jiedao.core.models import AuditEvent
from jiedao.org.models import Unit, UnitKind

from .support import sh

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_case_cannot_go_to_another_streets_unit(world):
    case = case_in(world, "registered")
    with pytest.raises(ApplicationError, match="其他街道指挥中心"):
        perform("dispatch", case, world, unit=world.units.elsewhere)
    with pytest.raises(ApplicationError, match="其他街道指挥中心"):
        perform("dispatch", case, world, co_units=[world.units.elsewhere])
    assert Case.objects.get(pk=case.pk).status == "registered"


def test_an_outside_body_of_the_district_may_take_a_case(world):
    power = Unit.objects.create(name="国网姑苏供电", kind=UnitKind.EXTERNAL, region_id="320508")
    case = case_in(world, "registered")
    perform("dispatch", case, world, unit=power)
    assert Case.objects.get(pk=case.pk).unit == power


def test_an_extension_must_end_later_and_carry_a_time_zone(world):
    case = case_in(world, "accepted")
    with pytest.raises(ApplicationError, match="晚于"):
        perform("request_extension", case, world, until=case.due_at - timedelta(hours=1))
    with pytest.raises(ApplicationError, match="时区"):
        perform("request_extension", case, world, until=datetime(2030, 1, 1, 9, 0))
    with pytest.raises(ApplicationError, match="超出范围"):
        perform("request_extension", case, world, until=datetime.fromisoformat("9999-12-31T23:59:59-23:00"))


def test_an_extension_given_with_any_offset_is_kept_in_beijing_time(world):
    case = case_in(world, "accepted")
    until = datetime.fromisoformat("2030-01-01T03:00:00-22:00")  # an offset PostgreSQL refuses
    perform("request_extension", case, world, until=until)
    stored = Case.objects.get(pk=case.pk).extension_requested_until
    assert stored == until and stored.astimezone(SHANGHAI).hour == 9


def test_an_approved_extension_may_be_missed_again(world, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = case_in(world, "accepted")  # handle within 3 working days: Thursday 17:30
    frozen(sh(2025, 3, 7, 9, 0))
    assert run_sweep().overdue == 1
    perform("request_extension", case, world, until=sh(2025, 3, 10, 17, 30))
    perform("approve_extension", case, world)
    frozen(sh(2025, 3, 11, 9, 0))
    assert run_sweep().overdue == 1  # the new deadline was missed too: recorded once more
    assert ClockBreach.objects.filter(case=case, level="overdue").count() == 2
    assert run_sweep().overdue == 0


def test_merging_locks_and_records_both_cases(world):
    target = case_in(world, "registered")
    duplicate = report(world, description="同一处垃圾")
    perform("merge", duplicate, world, into=target)
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == target.pk
    assert target.events.filter(action="merged").exists()
    assert AuditEvent.objects.filter(action="case.merged", object_id=target.number).exists()
    closed = case_in(world, "closed")
    another = report(world, description="又一处")
    with pytest.raises(ApplicationError, match="未结案"):
        perform("merge", another, world, into=closed)
