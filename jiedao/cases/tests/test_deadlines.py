"""Deadlines (时限) through the real actions, on the Chinese working calendar, with the clock frozen.

The world's category (暴露垃圾) has, for normal urgency, working-time limits — register 1 h, dispatch 30 min,
accept 2 h, handle 3 working days, verify 1 working day — and, for urgent cases, natural-time limits —
register 10 min, dispatch 10 min, accept 30 min, handle 2 h, verify 2 h. Office hours are 08:30–12:00 and
13:30–17:30 (7.5 working hours a day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jiedao.cases import actions as a
from jiedao.cases import sla
from jiedao.cases.models import Case, CaseEvent, Clock, Stage
from jiedao.cases.permissions import acting_membership
from jiedao.cases.states import ACTIONS, STAGE_OF_STATUS
from jiedao.cases.testing import perform, report
from jiedao.cases.tests.support import sh
from jiedao.core import versions
from jiedao.core.calendar import VERSION_COUNTER, get_calendar, invalidate_calendar
from jiedao.core.models import CalendarDay
from jiedao.org.selectors import actor_for_user


class Drive:
    """Takes one case along the closed loop as the real personas, each step at a frozen instant."""

    def __init__(self, world, actor, frozen):
        self.world, self.frozen = world, frozen
        self.p = SimpleNamespace(
            dispatcher=actor("dispatcher"), handler=actor("handler"), leader=actor("leader")
        )
        self.case: Case | None = None

    def _fresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case

    def report(self, at: datetime, **kwargs) -> Case:
        self.frozen(at)
        self.case = report(self.world, **kwargs)
        return self._fresh()

    def do(self, action: str, at: datetime, who: str | None = None, **kwargs) -> Case:
        self.frozen(at)
        default_who = {
            "accept": "handler",
            "handle": "handler",
            "request_extension": "handler",
            "return": "handler",
            "escalate": "handler",
        }.get(action, "dispatcher")
        perform(action, self.case, self.world, actor=getattr(self.p, who or default_who), **kwargs)
        return self._fresh()

    def to_accepted(self, reported: datetime, accepted: datetime, **report_kwargs) -> Case:
        """Report, register and dispatch at ``reported`` (same instant), accept at ``accepted``."""
        self.report(reported, **report_kwargs)
        self.do("register", reported)
        self.do("dispatch", reported)
        return self.do("accept", accepted)

    def live_clock(self) -> dict:
        return {name: getattr(self.case, name) for name in sla.CLOCK_FIELDS}


@pytest.fixture
def drive(world, actor, frozen):
    return Drive(world, actor, frozen)


def working_minutes(start: datetime, end: datetime) -> int:
    return get_calendar().working_minutes_between(start, end)


# --- The ordinary journey ------------------------------------------------------------------------------------


def test_every_stage_deadline_along_the_closed_loop(drive):
    case = drive.report(sh(2025, 3, 3, 9, 0))  # Monday
    assert case.stage_deadline == sh(2025, 3, 3, 10, 0)  # register within 1 working hour
    assert case.clock == Clock.NORMAL and case.due_at is None

    case = drive.do("register", sh(2025, 3, 3, 9, 10))
    assert case.stage_deadline == sh(2025, 3, 3, 9, 40)  # dispatch within 30 working minutes

    case = drive.do("dispatch", sh(2025, 3, 3, 9, 20))
    assert case.stage_deadline == sh(2025, 3, 3, 11, 20)  # accept within 2 working hours
    assert case.due_at is None  # the handling deadline starts at acceptance

    case = drive.do("accept", sh(2025, 3, 3, 10, 0))
    # 3 working days, the acceptance day not counted: Tue, Wed, Thu — to the end of Thursday's office hours.
    assert case.due_at == case.stage_deadline == sh(2025, 3, 6, 17, 30)

    case = drive.do("handle", sh(2025, 3, 5, 15, 0))
    assert case.handled_on_time is True
    assert case.stage_deadline == sh(2025, 3, 6, 17, 30)  # verify within 1 working day
    assert case.due_at == sh(2025, 3, 6, 17, 30)  # the promise stays visible

    case = drive.do("verify", sh(2025, 3, 6, 10, 0))
    assert case.status == "closed"
    assert case.closed_on_time is True
    assert case.clock == Clock.NONE and case.stage_deadline is None
    deadlines = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert deadlines == ["report", "register", "dispatch", "accept", "handle", "verify"]


def test_minute_limits_skip_the_lunch_break_and_the_night(drive):
    case = drive.report(sh(2025, 3, 4, 11, 50))  # Tuesday, 10 minutes before lunch
    assert case.stage_deadline == sh(2025, 3, 4, 14, 20)  # 10 min before 12:00, 50 min from 13:30

    case = drive.do("register", sh(2025, 3, 4, 17, 20))  # 10 minutes before the office closes
    assert case.stage_deadline == sh(2025, 3, 5, 8, 50)  # 10 min tonight, 20 min from 08:30 tomorrow

    case = drive.do("dispatch", sh(2025, 3, 5, 11, 45))
    assert case.stage_deadline == sh(2025, 3, 5, 15, 15)  # 15 min before lunch, 105 min after

    # A step taken during the lunch break starts counting at 13:30.
    drive.report(sh(2025, 3, 5, 12, 40))
    case = drive.do("register", sh(2025, 3, 5, 12, 45))
    assert case.stage_deadline == sh(2025, 3, 5, 14, 0)


# --- 调休 and the Spring Festival -----------------------------------------------------------------------------


def test_adjusted_working_sunday_2025_01_26_counts(drive):
    # Friday 2025-01-24, 17:20: 10 working minutes left today; Saturday is off, but Sunday 26 January is a
    # working day (调休 for the Spring Festival), so the dispatch deadline is on Sunday morning.
    drive.report(sh(2025, 1, 24, 17, 0))
    case = drive.do("register", sh(2025, 1, 24, 17, 20))
    assert case.stage_deadline == sh(2025, 1, 26, 8, 50)


def test_handling_days_across_the_2025_spring_festival(drive):
    # Accepted Friday 2025-01-24. Working days after it: Sun 26 (调休), Mon 27, then the holiday
    # 28 January – 4 February, then Wed 5 February.
    case = drive.to_accepted(sh(2025, 1, 24, 9, 0), sh(2025, 1, 24, 10, 0))
    assert case.due_at == sh(2025, 2, 5, 17, 30)


def test_working_minutes_jump_the_2025_spring_festival(drive):
    drive.report(sh(2025, 1, 27, 15, 0))  # Monday 27 January, the last working day before the holiday
    drive.do("register", sh(2025, 1, 27, 15, 10))
    case = drive.do("dispatch", sh(2025, 1, 27, 16, 0))
    # 90 minutes on the 27th, the remaining 30 on the first working day after the holiday.
    assert case.stage_deadline == sh(2025, 2, 5, 9, 0)


def test_adjusted_working_saturday_2025_02_08_counts(drive):
    # Accepted Thursday 2025-02-06: Fri 7, Sat 8 (调休 working day), Mon 10.
    case = drive.to_accepted(sh(2025, 2, 6, 9, 0), sh(2025, 2, 6, 10, 0))
    assert case.due_at == sh(2025, 2, 10, 17, 30)


def test_handling_days_across_the_2026_spring_festival(drive):
    # 2026 (chinese_calendar): holiday Sun 15 – Mon 23 February; Saturdays 14 and 28 February are working days.
    case = drive.to_accepted(sh(2026, 2, 13, 9, 0), sh(2026, 2, 13, 10, 0))  # Friday 13 February
    assert case.due_at == sh(2026, 2, 25, 17, 30)  # Sat 14, Tue 24, Wed 25


def test_working_minutes_across_the_2026_spring_festival(drive):
    drive.report(sh(2026, 2, 14, 16, 0))  # Saturday 14 February 2026, a working day
    drive.do("register", sh(2026, 2, 14, 16, 10))
    case = drive.do("dispatch", sh(2026, 2, 14, 17, 0))
    assert case.stage_deadline == sh(2026, 2, 24, 10, 0)  # 30 min on the 14th, 90 min on Tuesday 24th


def test_urgent_cases_run_on_natural_time_through_holidays_and_nights(drive):
    # 2025-01-29 is the first day of the Spring Festival: natural-time limits do not care.
    case = drive.report(sh(2025, 1, 29, 10, 0), urgency="urgent")
    assert case.stage_deadline == sh(2025, 1, 29, 10, 10)
    case = drive.do("register", sh(2025, 1, 29, 10, 5))
    assert case.stage_deadline == sh(2025, 1, 29, 10, 15)
    case = drive.do("dispatch", sh(2025, 1, 29, 10, 10))
    assert case.stage_deadline == sh(2025, 1, 29, 10, 40)
    case = drive.do("accept", sh(2025, 1, 29, 23, 30))
    assert case.due_at == sh(2025, 1, 30, 1, 30)  # 2 hours, past midnight


# --- The calendar is data --------------------------------------------------------------------------------------


def test_an_override_makes_a_working_day_a_holiday_and_a_saturday_a_working_day(drive):
    CalendarDay.objects.create(date=sh(2025, 3, 6).date(), is_working_day=False, note="防汛停工")
    CalendarDay.objects.create(date=sh(2025, 3, 8).date(), is_working_day=True, note="补班")
    invalidate_calendar()
    # Accepted Monday 3 March: Tue 4, Wed 5, (Thu 6 off), Fri 7.
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    assert case.due_at == sh(2025, 3, 7, 17, 30)
    # Accepted Thursday 6 March (a holiday now; the count starts after it): Fri 7, Sat 8, Mon 10.
    case = drive.to_accepted(sh(2025, 3, 6, 9, 0), sh(2025, 3, 6, 10, 0))
    assert case.due_at == sh(2025, 3, 10, 17, 30)


def test_an_override_changes_the_replayed_deadline_of_an_existing_case(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    assert case.due_at == sh(2025, 3, 6, 17, 30)
    CalendarDay.objects.create(date=sh(2025, 3, 5).date(), is_working_day=False)
    invalidate_calendar()
    replayed = sla.replay_clock(case, sh(2025, 3, 3, 10, 0))
    assert replayed["due_at"] == replayed["stage_deadline"] == sh(2025, 3, 7, 17, 30)
    case.refresh_from_db()
    assert case.due_at == sh(2025, 3, 6, 17, 30)  # the stored deadline moves only through the write path


def test_an_override_saved_by_another_process_is_seen_without_a_restart(drive):
    """The admin in a web worker bumps the calendar version; the sweep's process rebuilds its calendar."""
    assert get_calendar().is_working_day(sh(2025, 3, 5).date())
    CalendarDay.objects.create(date=sh(2025, 3, 5).date(), is_working_day=False)
    assert get_calendar().is_working_day(sh(2025, 3, 5).date())  # nobody said anything yet
    versions.bump(VERSION_COUNTER)  # what calendar_changed() does in the other process
    assert not get_calendar().is_working_day(sh(2025, 3, 5).date())


def test_a_deadline_set_outside_is_kept_and_replayed(drive):
    """A 12345 order arrives with its own 办理时限: the handle stage runs against it."""
    external = sh(2025, 3, 4, 12, 0)
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0), channel="12345", due_at=external)
    assert case.due_at == case.stage_deadline == external
    assert sla.replay_clock(case, sh(2025, 3, 3, 10, 0)) == drive.live_clock()


# --- Stopping the clock -----------------------------------------------------------------------------------------


def test_suspension_stops_the_clock_for_exactly_the_suspended_working_time(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    original = case.due_at
    assert original == sh(2025, 3, 6, 17, 30)

    case = drive.do("suspend", sh(2025, 3, 3, 10, 0))
    assert case.suspended and case.paused_at == sh(2025, 3, 3, 10, 0)
    assert case.clock == Clock.PAUSED
    assert sla.clock_state(case, sh(2025, 3, 20, 9, 0)) == Clock.PAUSED  # never overdue while suspended

    case = drive.do("resume", sh(2025, 3, 5, 10, 0))  # two working days later
    assert not case.suspended and case.paused_at is None
    assert case.due_at == case.stage_deadline == sh(2025, 3, 10, 17, 30)  # Thu + 2 working days = Mon
    suspended_for = working_minutes(sh(2025, 3, 3, 10, 0), sh(2025, 3, 5, 10, 0))
    assert suspended_for == 2 * 450
    assert working_minutes(original, case.due_at) == suspended_for
    assert case.was_suspended
    assert case.clock == Clock.NORMAL


def test_a_suspension_over_a_weekend_costs_only_its_working_time(drive):
    case = drive.to_accepted(sh(2025, 3, 5, 9, 0), sh(2025, 3, 5, 10, 0))  # Wednesday: due Mon 10 March
    assert case.due_at == sh(2025, 3, 10, 17, 30)
    drive.do("suspend", sh(2025, 3, 7, 16, 0))  # Friday afternoon
    case = drive.do("resume", sh(2025, 3, 10, 9, 0))  # Monday morning: 90 + 30 working minutes stopped
    assert working_minutes(sh(2025, 3, 10, 17, 30), case.due_at) == 120
    assert case.due_at == sh(2025, 3, 11, 10, 30)


def test_suspending_the_dispatch_stage_moves_its_deadline(drive):
    drive.report(sh(2025, 3, 3, 9, 0))
    case = drive.do("register", sh(2025, 3, 3, 9, 0))
    assert case.stage_deadline == sh(2025, 3, 3, 9, 30)
    drive.do("suspend", sh(2025, 3, 3, 9, 10))  # 20 minutes left
    case = drive.do("resume", sh(2025, 3, 4, 11, 50))
    assert case.stage_deadline == sh(2025, 3, 4, 13, 40)  # 10 min before lunch, 10 after
    assert case.due_at is None


def test_suspending_an_urgent_case_moves_it_by_natural_time(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 9, 30), urgency="urgent")
    assert case.due_at == sh(2025, 3, 3, 11, 30)
    drive.do("suspend", sh(2025, 3, 3, 10, 0))
    case = drive.do("resume", sh(2025, 3, 4, 10, 0))
    assert case.due_at == case.stage_deadline == sh(2025, 3, 4, 11, 30)


def test_voiding_a_suspended_case_leaves_no_stopped_clock(drive):
    drive.report(sh(2025, 3, 3, 9, 0))
    drive.do("register", sh(2025, 3, 3, 9, 0))
    drive.do("suspend", sh(2025, 3, 3, 9, 10))
    case = drive.do("void", sh(2025, 3, 4, 9, 0))
    assert case.status == "voided" and case.paused_at is None and case.stage_deadline is None
    assert case.clock == Clock.NONE
    assert sla.replay_clock(case, sh(2025, 3, 4, 9, 0)) == drive.live_clock()


def test_a_pending_extension_stops_the_clock_and_a_denial_does_not_count_the_wait(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 9, 0))
    assert case.due_at == sh(2025, 3, 6, 17, 30)
    case = drive.do("request_extension", sh(2025, 3, 4, 9, 0), until=sh(2025, 3, 14, 17, 30))
    assert case.extension_pending and case.clock == Clock.PAUSED
    assert case.extension_requested_until == sh(2025, 3, 14, 17, 30)
    assert sla.clock_state(case, sh(2025, 3, 12, 9, 0)) == Clock.PAUSED

    case = drive.do("deny_extension", sh(2025, 3, 5, 9, 0))  # one working day of waiting
    assert not case.extension_pending and case.extension_requested_until is None
    assert case.paused_at is None
    assert case.due_at == case.stage_deadline == sh(2025, 3, 7, 17, 30)
    assert case.extension_count == 0


def test_an_approved_extension_moves_the_deadline_to_the_requested_time(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 9, 0))
    drive.do("request_extension", sh(2025, 3, 4, 9, 0), until=sh(2025, 3, 14, 17, 30))
    case = drive.do("approve_extension", sh(2025, 3, 4, 11, 0), who="leader")
    assert case.due_at == case.stage_deadline == sh(2025, 3, 14, 17, 30)
    assert case.paused_at is None and not case.extension_pending
    assert case.extension_count == 1
    assert case.clock == Clock.NORMAL
    case = drive.do("handle", sh(2025, 3, 13, 9, 0))
    assert case.handled_on_time is True  # late against the first deadline, on time against the extension


def test_an_extension_pending_when_the_unit_reports_back_lapses(drive):
    """处置 while the request waits: the request no longer matters, and the wait did not count."""
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 9, 0))  # due Thu 6 March 17:30
    drive.do("request_extension", sh(2025, 3, 6, 17, 0), until=sh(2025, 3, 14, 17, 30))
    case = drive.do("handle", sh(2025, 3, 10, 9, 0))  # Monday: 30 working minutes were left when it stopped
    assert case.status == "handled"
    assert not case.extension_pending and case.extension_requested_until is None
    assert case.paused_at is None
    assert case.handled_on_time is True
    assert case.due_at == sh(2025, 3, 10, 9, 30)
    assert case.clock == Clock.NORMAL  # the verify clock runs
    assert case.stage_deadline == sh(2025, 3, 11, 17, 30)
    handle = CaseEvent.objects.filter(case=case, action="handle").get()
    assert handle.data.get("extension_lapsed") is True


# --- Rework, return, reopen ---------------------------------------------------------------------------------


def test_rework_keeps_the_promised_deadline(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    due = case.due_at
    drive.do("handle", sh(2025, 3, 4, 10, 0))
    case = drive.do("rework", sh(2025, 3, 5, 10, 0))
    assert case.status == "accepted" and case.rework_count == 1
    assert case.due_at == case.stage_deadline == due
    case = drive.do("handle", sh(2025, 3, 7, 10, 0))  # after the promise
    assert case.handled_on_time is False
    case = drive.do("verify", sh(2025, 3, 7, 11, 0))
    assert case.closed_on_time is False  # handled late means closed late


def test_reopen_starts_a_fresh_handling_deadline_at_the_next_acceptance(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    drive.do("handle", sh(2025, 3, 4, 10, 0))
    drive.do("verify", sh(2025, 3, 4, 11, 0))
    case = drive.do("evaluate", sh(2025, 3, 4, 15, 0), satisfaction="unsatisfied", resolved=False)
    case = drive.do("reopen", sh(2025, 3, 10, 9, 0))
    assert case.status == "dispatched" and case.reopen_count == 1
    assert case.due_at is None and case.handled_on_time is None and case.closed_on_time is None
    assert case.stage_deadline == sh(2025, 3, 10, 11, 0)  # accept within 2 working hours
    case = drive.do("accept", sh(2025, 3, 10, 9, 30))
    assert case.due_at == sh(2025, 3, 13, 17, 30)  # Tue, Wed, Thu after the new acceptance


def test_a_returned_case_gets_a_fresh_deadline_from_its_next_unit(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    case = drive.do("return", sh(2025, 3, 4, 9, 0))
    assert case.status == "registered" and case.due_at is None
    assert case.stage_deadline == sh(2025, 3, 4, 9, 30)  # dispatch again within 30 working minutes
    drive.do("dispatch", sh(2025, 3, 4, 9, 10), unit=drive.world.units.committee_a)
    drive.frozen(sh(2025, 3, 4, 10, 0))
    a.do_accept(case, actor=actor_for_user(drive.world.people.staff_a))  # the community committee takes it
    case.refresh_from_db()
    assert case.due_at == sh(2025, 3, 7, 17, 30)


def test_an_escalated_case_gets_a_fresh_deadline_from_the_upper_tier(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    case = drive.do("escalate", sh(2025, 3, 4, 9, 0))
    assert case.status == "dispatched" and case.unit == drive.world.units.centre
    assert case.due_at is None and case.stage_deadline == sh(2025, 3, 4, 11, 0)
    drive.frozen(sh(2025, 3, 4, 9, 30))
    a.do_accept(case, actor=None)
    case.refresh_from_db()
    assert case.due_at == sh(2025, 3, 7, 17, 30)


# --- The state of the clock ---------------------------------------------------------------------------------


def test_clock_turns_yellow_at_the_warning_share_and_red_after_the_deadline(drive):
    drive.report(sh(2025, 3, 3, 9, 0))
    case = drive.do("register", sh(2025, 3, 3, 9, 0))  # dispatch within 30 minutes: 09:30
    assert case.warn_at == sh(2025, 3, 3, 9, 24)  # 80 % of 30 minutes
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 23, 59)) == Clock.NORMAL
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 24)) == Clock.WARNING
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 30)) == Clock.WARNING
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 30, 1)) == Clock.OVERDUE


def test_the_warning_share_is_of_working_time_not_of_the_lunch_break(drive):
    drive.report(sh(2025, 3, 3, 11, 0))
    case = drive.do("register", sh(2025, 3, 3, 11, 50))  # dispatch by 13:50: 10 min before lunch, 20 after
    assert case.stage_deadline == sh(2025, 3, 3, 13, 50)
    assert case.warn_at == sh(2025, 3, 3, 13, 44)  # 24 of the 30 working minutes used
    assert sla.clock_state(case, sh(2025, 3, 3, 13, 40)) == Clock.NORMAL  # only 20 working minutes used


def test_the_warning_share_is_configurable(drive, settings):
    settings.JIEDAO = {**settings.JIEDAO, "CLOCK_WARNING_PERCENT": 50}
    drive.report(sh(2025, 3, 3, 9, 0))
    case = drive.do("register", sh(2025, 3, 3, 9, 0))
    assert case.warn_at == sh(2025, 3, 3, 9, 15)
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 14)) == Clock.NORMAL
    assert sla.clock_state(case, sh(2025, 3, 3, 9, 15)) == Clock.WARNING


def test_a_suspension_moves_the_warning_with_the_deadline(drive):
    drive.report(sh(2025, 3, 3, 9, 0))
    drive.do("register", sh(2025, 3, 3, 9, 0))  # warn 09:24, deadline 09:30
    drive.do("suspend", sh(2025, 3, 3, 9, 10))
    case = drive.do("resume", sh(2025, 3, 3, 10, 10))
    assert case.warn_at == sh(2025, 3, 3, 10, 24)
    assert case.stage_deadline == sh(2025, 3, 3, 10, 30)
    assert sla.clock_state(case, sh(2025, 3, 3, 10, 23)) == Clock.NORMAL


def test_handled_and_closed_on_time_flags(drive):
    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))  # due Thu 6 March 17:30
    case = drive.do("handle", sh(2025, 3, 6, 17, 30))  # at the deadline is on time
    assert case.handled_on_time is True
    case = drive.do("verify", sh(2025, 3, 7, 17, 31))  # verify deadline Fri 7 March 17:30
    assert case.closed_on_time is False

    case = drive.to_accepted(sh(2025, 3, 3, 9, 0), sh(2025, 3, 3, 10, 0))
    case = drive.do("handle", sh(2025, 3, 6, 17, 31))
    assert case.handled_on_time is False
    assert case.clock == Clock.NORMAL  # the verify stage has its own clock


# --- Replay: deadlines recompute from the timeline alone ---------------------------------------------------


def test_replay_equals_live_after_a_long_history(drive):
    drive.to_accepted(sh(2025, 1, 24, 9, 0), sh(2025, 1, 24, 10, 0))
    drive.do("suspend", sh(2025, 1, 24, 11, 0))
    drive.do("resume", sh(2025, 1, 26, 9, 0))
    drive.do("request_extension", sh(2025, 1, 27, 9, 0), until=sh(2025, 2, 20, 17, 30))
    drive.do("deny_extension", sh(2025, 2, 5, 9, 0))
    drive.do("handle", sh(2025, 2, 6, 9, 0))
    drive.do("rework", sh(2025, 2, 6, 11, 0))
    drive.do("return", sh(2025, 2, 7, 9, 0))
    drive.do("dispatch", sh(2025, 2, 7, 9, 5))
    drive.do("accept", sh(2025, 2, 8, 9, 0))
    case = drive.do("handle", sh(2025, 2, 10, 9, 0))
    assert sla.replay_clock(case, sh(2025, 2, 10, 9, 0)) == drive.live_clock()


def test_replay_equals_live_when_a_suspension_and_an_extension_overlap(drive):
    drive.to_accepted(sh(2026, 2, 13, 9, 0), sh(2026, 2, 13, 10, 0))
    drive.do("request_extension", sh(2026, 2, 13, 11, 0), until=sh(2026, 3, 13, 17, 30))
    case = drive.do("suspend", sh(2026, 2, 14, 9, 0))
    case = drive.do("resume", sh(2026, 2, 24, 9, 0))  # the extension still waits: the clock stays stopped
    assert case.paused_at == sh(2026, 2, 13, 11, 0) and case.clock == Clock.PAUSED
    assert sla.replay_clock(case, sh(2026, 2, 24, 9, 0)) == drive.live_clock()
    case = drive.do("approve_extension", sh(2026, 2, 25, 9, 0))
    assert case.due_at == sh(2026, 3, 13, 17, 30) and case.paused_at is None
    assert sla.replay_clock(case, sh(2026, 2, 25, 9, 0)) == drive.live_clock()


# Actions a random history may take, with who takes them (None: the system).
ACTOR_OF = {
    "accept": "handler",
    "handle": "handler",
    "request_extension": "handler",
    "return": "handler",
    "escalate": "handler",
    "approve_extension": "leader",
}
# Steps that change nothing of the clock but its stored state, and the steps that end a case: a history takes
# them now and then (one pick in five, one in twenty), so most histories get far along the loop.
SIDE_STEPS = {"attach", "supervise", "urge", "warning", "overdue"}
ENDINGS = {"void"}
SKIPPED = {"merge"}  # ends the case's clock like void; exercised elsewhere and costly (a second case)


FORWARD = {
    "reported": "register",
    "registered": "dispatch",
    "dispatched": "accept",
    "accepted": "handle",
    "handled": "verify",
    "closed": "evaluate",
    "evaluated": "reopen",
}


def forward_of(case: Case) -> set[str]:
    if case.suspended:
        return {"resume"}
    if case.extension_pending:
        return {"approve_extension", "deny_extension", "handle"}
    return {FORWARD.get(case.status, "")}


def choose(case: Case, possible: list[str], pick: int) -> str:
    """Of twenty picks seven go forward, eight take any other turn, four are side steps and one ends the case
    (hypothesis favours small numbers: those go forward)."""
    side = [x for x in possible if x in SIDE_STEPS]
    ending = [x for x in possible if x in ENDINGS]
    main = [x for x in possible if x not in SIDE_STEPS | ENDINGS]
    forward = [x for x in main if x in forward_of(case)]
    roll = pick % 20
    pool = forward if roll < 7 else main if roll < 15 else side if roll < 19 else ending
    pool = pool or main or side or ending
    return pool[(pick // 20) % len(pool)]


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,  # never depend on speed
    derandomize=True,  # the same histories on every run and machine
    database=None,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)),
    urgency=st.sampled_from(["normal", "urgent"]),
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10_000),  # which of the possible actions
            st.integers(min_value=0, max_value=4 * 24 * 60),  # minutes until the step
            st.integers(min_value=0, max_value=59),  # and seconds
        ),
        min_size=4,
        max_size=24,
    ),
)
def test_replay_equals_live_after_any_history(world, actor, frozen, start, urgency, steps):
    """Random valid histories at random instants: the clock rebuilt from the timeline equals the live one."""
    personas = {name: actor(name) for name in ("dispatcher", "handler", "leader")}
    now = frozen(start.replace(tzinfo=sh(2025, 1, 1).tzinfo))
    case = report(world, urgency=urgency)
    for pick, minutes, seconds in steps:
        now = frozen(now + timedelta(minutes=minutes, seconds=seconds))
        case.refresh_from_db()
        possible = [
            action for action in ACTIONS if action not in SKIPPED and a.refusal(case, action, None) is None
        ]
        if not possible:
            break
        action = choose(case, possible, pick)
        who = None if action in {"warning", "overdue"} else personas[ACTOR_OF.get(action, "dispatcher")]
        if who is not None and acting_membership(who, case, action) is False:
            who = None  # e.g. after an escalation the handler's unit no longer holds the case
        kwargs = {}
        if action == "request_extension":
            kwargs["until"] = (case.due_at or now) + timedelta(days=1 + minutes % 9)
        if action == "evaluate":
            kwargs["satisfaction"] = ("satisfied", "basic", "unsatisfied")[minutes % 3]
        perform(action, case, world, actor=who, **kwargs)
        case.refresh_from_db()
        live = {name: getattr(case, name) for name in sla.CLOCK_FIELDS}
        # The stored clock state is the one of the last step (a sweep may have written nothing since).
        last_step = CaseEvent.objects.filter(case=case).latest("at", "id").at
        assert sla.replay_clock(case, last_step) == live, action
        assert sla.replay_clock(case, now)["clock"] == sla.clock_state(case, now), action
        stage = STAGE_OF_STATUS.get(case.status)
        if stage and not case.paused_at and case.stage_deadline:
            assert case.warn_at <= case.stage_deadline
        if stage == Stage.HANDLE:
            assert case.due_at is not None
