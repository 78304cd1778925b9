"""The periodic sweep: warnings and overdue marks exactly once per stage breach, their escalation and
supervision, and the in-app notifications the outbox delivers for them."""

from __future__ import annotations

import pytest

from jiedao.cases import actions as a
from jiedao.cases import sweep
from jiedao.cases.models import Case, CaseEvent, Clock, ClockBreach
from jiedao.cases.sweep import run_sweep
from jiedao.cases.testing import perform, report
from jiedao.cases.tests.support import sh
from jiedao.core import outbox
from jiedao.core.models import AuditEvent, Notification, OutboxMessage, OutboxStatus


@pytest.fixture
def registered(world, actor, frozen):
    """A case registered Monday 2025-03-03 09:00: dispatch due 09:30, warning from 09:24."""
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world)
    a.do_register(case, actor=actor("dispatcher"))
    case.refresh_from_db()
    assert (case.warn_at, case.stage_deadline) == (sh(2025, 3, 3, 9, 24), sh(2025, 3, 3, 9, 30))
    return case


def events(case: Case, action: str):
    return CaseEvent.objects.filter(case=case, action=action)


def notified(world, case: Case, action: str) -> set[str]:
    """Usernames told of ``case``'s ``action`` messages."""
    return set(
        Notification.objects.filter(
            source__topic=f"case.{action}", source__payload__case_id=case.pk
        ).values_list("user__username", flat=True)
    )


def test_a_warning_is_marked_once_however_often_the_sweep_runs(world, registered, frozen):
    frozen(sh(2025, 3, 3, 9, 23))
    assert run_sweep().warnings == 0  # not yet
    frozen(sh(2025, 3, 3, 9, 25))
    results = [run_sweep() for _ in range(3)]
    assert [r.warnings for r in results] == [1, 0, 0]
    assert [r.overdue for r in results] == [0, 0, 0]
    case = Case.objects.get(pk=registered.pk)
    assert case.clock == Clock.WARNING
    assert case.escalation_level == 0 and case.supervise_count == 0
    warning = events(case, "warning").get()
    assert warning.public is False and warning.actor is None and warning.actor_label == "系统"
    assert warning.data["stage"] == "dispatch"
    assert ClockBreach.objects.filter(case=case, level="warning").count() == 1


def test_at_the_deadline_the_case_is_still_on_time(world, registered, frozen):
    frozen(sh(2025, 3, 3, 9, 30))
    result = run_sweep()
    assert (result.warnings, result.overdue) == (1, 0)
    frozen(sh(2025, 3, 3, 9, 30, 1))
    assert run_sweep().overdue == 1


def test_overdue_is_marked_once_escalates_and_supervises(world, registered, frozen):
    frozen(sh(2025, 3, 3, 9, 31))  # past both the warning and the deadline since the last sweep
    results = [run_sweep() for _ in range(3)]
    assert [(r.overdue, r.warnings) for r in results] == [(1, 0), (0, 0), (0, 0)]
    case = Case.objects.get(pk=registered.pk)
    assert case.clock == Clock.OVERDUE
    assert case.escalation_level == 1 and case.supervise_count == 1
    overdue = events(case, "overdue").get()
    assert overdue.public is False and overdue.from_status == overdue.to_status == "registered"
    assert not events(case, "warning").exists()  # the red mark says it all
    audit = AuditEvent.objects.get(object_id=case.number, action="case.overdue")
    assert audit.success and audit.actor is None and audit.actor_label == "系统"
    assert audit.old == {"escalation_level": 0} and audit.new == {"escalation_level": 1}
    message = OutboxMessage.objects.get(topic="case.overdue", payload__case_id=case.pk)
    assert message.status == OutboxStatus.DONE  # the sweep delivers after marking


def test_a_second_process_marking_the_same_breach_records_nothing(world, registered, frozen):
    frozen(sh(2025, 3, 3, 9, 31))
    assert a.do_mark_clock(registered, actor=None, level="overdue") is True
    assert a.do_mark_clock(registered, actor=None, level="overdue") is False
    case = Case.objects.get(pk=registered.pk)
    assert case.escalation_level == 1 and case.supervise_count == 1
    assert events(case, "overdue").count() == 1
    assert AuditEvent.objects.filter(object_id=case.number, action="case.overdue").count() == 1
    assert OutboxMessage.objects.filter(topic="case.overdue").count() == 1
    assert run_sweep().overdue == 0


def test_each_new_stage_can_breach_again(world, registered, frozen, actor):
    frozen(sh(2025, 3, 3, 9, 31))
    assert run_sweep().overdue == 1
    frozen(sh(2025, 3, 3, 9, 40))
    a.do_dispatch(registered, actor=actor("dispatcher"), unit=world.units.chengguan)  # accept by 11:40
    frozen(sh(2025, 3, 3, 11, 20))
    assert (run_sweep().warnings, run_sweep().warnings) == (1, 0)
    frozen(sh(2025, 3, 3, 11, 41))
    assert (run_sweep().overdue, run_sweep().overdue) == (1, 0)
    case = Case.objects.get(pk=registered.pk)
    assert case.escalation_level == 2 and case.supervise_count == 2
    assert list(events(case, "overdue").values_list("data__stage", flat=True)) == ["dispatch", "accept"]
    assert list(events(case, "warning").values_list("data__stage", flat=True)) == ["accept"]


def test_suspended_and_paused_cases_are_not_marked(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    suspended = report(world)
    a.do_register(suspended, actor=actor("dispatcher"))
    a.do_suspend(suspended, actor=actor("dispatcher"), reason="等待产权单位答复")
    waiting = report(world)
    for step in ("register", "dispatch", "accept"):
        perform(step, waiting, world)
    a.do_request_extension(
        waiting, actor=actor("handler"), until=sh(2025, 4, 1, 17, 30), reason="需要采购配件"
    )
    frozen(sh(2025, 3, 31, 9, 0))  # long past every original deadline
    result = run_sweep()
    assert (result.warnings, result.overdue, result.errors) == (0, 0, 0)
    assert not ClockBreach.objects.exists()
    assert not CaseEvent.objects.filter(action__in=["warning", "overdue"]).exists()


def test_a_candidate_that_moved_on_before_its_lock_is_not_marked(world, registered, frozen, actor):
    """Read without a lock, a case may enter a new stage before the sweep locks it: that stage did not breach."""
    frozen(sh(2025, 3, 3, 9, 31))
    candidates = sweep._due("overdue", "stage_deadline", sh(2025, 3, 3, 9, 31), 1000)
    assert candidates == [registered.pk]
    a.do_dispatch(registered, actor=actor("dispatcher"), unit=world.units.chengguan)  # meanwhile, in a view
    assert sweep.mark(registered.pk, "overdue", sh(2025, 3, 3, 9, 31)) is False
    case = Case.objects.get(pk=registered.pk)
    assert case.escalation_level == 0 and not events(case, "overdue").exists()


def test_one_case_that_cannot_be_marked_does_not_stop_the_sweep(world, actor, frozen, monkeypatch):
    frozen(sh(2025, 3, 3, 9, 0))
    first, second = report(world), report(world)
    frozen(sh(2025, 3, 3, 10, 1))  # both registration deadlines (10:00) passed
    real = sweep.do_mark_clock

    def flaky(case, *, actor, level):
        if case.pk == first.pk:
            raise RuntimeError("database hiccup")
        return real(case, actor=actor, level=level)

    monkeypatch.setattr(sweep, "do_mark_clock", flaky)
    result = run_sweep()
    assert (result.overdue, result.errors) == (1, 1)
    assert events(second, "overdue").exists() and not events(first, "overdue").exists()
    assert result.delivered >= 1  # the outbox was still delivered


# --- Notifications ---------------------------------------------------------------------------------------------


def test_overdue_notifies_the_assigned_unit_and_the_streets_centre_and_leaders_only(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world, grid=(0, 0))  # community A
    perform("register", case, world, actor=actor("dispatcher"))
    perform("dispatch", case, world, actor=actor("dispatcher"))  # to 城管, accept by 11:00
    frozen(sh(2025, 3, 3, 11, 1))
    run_sweep()
    assert notified(world, case, "overdue") == {"handler", "dispatcher", "leader"}
    note = Notification.objects.get(user=world.people.handler, source__topic="case.overdue")
    assert note.level == "danger" and case.number in note.title and note.url == f"/cases/{case.number}/"
    assert note.created_at == sh(2025, 3, 3, 11, 1)


def test_a_warning_reaches_whoever_must_act_next(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    to_dispatch = report(world)
    perform("register", to_dispatch, world, actor=actor("dispatcher"))  # the centre must dispatch by 09:30
    to_accept = report(world)
    perform("register", to_accept, world)
    perform("dispatch", to_accept, world)  # 城管 must accept by 11:00, warned from 10:36
    frozen(sh(2025, 3, 3, 9, 25))
    run_sweep()
    assert notified(world, to_dispatch, "warning") == {"dispatcher"}
    frozen(sh(2025, 3, 3, 10, 40))
    run_sweep()
    assert notified(world, to_accept, "warning") == {"handler"}
    assert (
        Notification.objects.get(user=world.people.handler, source__topic="case.warning").level == "warning"
    )


def test_dispatch_tells_the_units_people_but_not_the_one_who_acted(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world, grid=(2, 0))  # community B
    perform("register", case, world, actor=actor("staff_b"))
    perform("dispatch", case, world, actor=actor("staff_b"), unit=world.units.committee_b)
    outbox.deliver_pending()
    assert notified(world, case, "report") == {"dispatcher"}  # a resident's report reaches the centre
    assert notified(world, case, "dispatch") == set()  # staff_b dispatched to their own committee
    frozen(sh(2025, 3, 3, 9, 5))
    perform("dispatch", case, world, actor=actor("dispatcher"), unit=world.units.committee_b)
    outbox.deliver_pending()
    assert notified(world, case, "dispatch") == {"staff_b"}  # not grid_b, a grid worker of the same unit


def test_dispatch_tells_the_co_handling_units_people_too(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world, grid=(0, 0))
    perform("register", case, world)
    co_units = [world.units.committee_a]
    perform("dispatch", case, world, actor=actor("dispatcher"), unit=world.units.chengguan, co_units=co_units)
    outbox.deliver_pending()
    assert notified(world, case, "dispatch") == {"handler", "staff_a"}  # 承办 and 协办, not grid_a


def test_redelivering_a_message_never_notifies_twice(world, registered, frozen):
    frozen(sh(2025, 3, 3, 9, 31))
    run_sweep()
    message = OutboxMessage.objects.get(topic="case.overdue")
    before = Notification.objects.filter(source=message).count()
    assert before == 2  # the centre's dispatcher and the leader: no unit holds the case yet
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING, delivered_at=None)
    assert outbox.deliver_pending() == 1
    assert Notification.objects.filter(source=message).count() == before
    Notification.objects.filter(source=message, user=world.people.leader).delete()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    outbox.deliver_pending()
    assert Notification.objects.filter(source=message).count() == before  # the missing one is restored
