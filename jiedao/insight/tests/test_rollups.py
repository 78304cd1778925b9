"""The rollup is maintained by the write path's outbox and always equals a direct count of the cases."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiedao.cases.states import ACTIONS
from jiedao.cases.testing import perform, report
from jiedao.core import outbox
from jiedao.core.errors import ApplicationError
from jiedao.insight.metrics import Scope, direct_counts, empty_counts, measure
from jiedao.insight.models import DailyStats
from jiedao.insight.periods import parse_period
from jiedao.insight.rollups import mismatches, rebuild
from jiedao.insight.tests.conftest import START

WINDOW = parse_period("2026-10-01..2027-03-31")
EVALUATIONS = [
    {"satisfaction": "satisfied", "resolved": True, "contacted": True},
    {"satisfaction": "basic", "resolved": False, "contacted": True},
    {"satisfaction": "unsatisfied", "resolved": False, "contacted": True},
    {"satisfaction": "satisfied", "resolved": None, "contacted": False},
]
steps = st.lists(
    st.tuples(
        st.integers(0, 2),  # which case
        st.sampled_from(
            [a for a in ACTIONS if a != "merge"] + ["register", "dispatch", "accept", "handle", "verify"]
        ),
        st.sampled_from([1, 20, 600, 60 * 24, 60 * 24 * 3]),  # minutes until the action (crosses days)
        st.integers(0, len(EVALUATIONS) - 1),
        st.sampled_from([(0, 0), (1, 0), (2, 0)]),  # grid (community A, A, B)
    ),
    min_size=1,
    max_size=25,
)


def _direct_equals_rollup(world, leader) -> None:
    assert mismatches(world.street.code, WINDOW) == []
    start, end = WINDOW.bounds()
    for by in [(), ("community",), ("unit",), ("category",), ("channel",), ("day",), ("group",)]:
        direct = {
            k: v for k, v in direct_counts(Scope(None).cases(), start, end, by).items() if any(v.values())
        }
        assert measure(leader, WINDOW, by) == (direct or {(): empty_counts()} if not by else direct), by


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_rollup_equals_direct_count_after_any_actions(world, actor, steps):
    leader = Scope(actor("leader"))
    with time_machine.travel(START, tick=False) as traveller:
        cases = {}
        for index, action, minutes, evaluation, grid in steps:
            traveller.shift(timedelta(minutes=minutes))
            if index not in cases:
                cases[index] = report(world, grid=grid)
                continue
            extra = EVALUATIONS[evaluation] if action == "evaluate" else {}
            with contextlib.suppress(ApplicationError):  # a refusal changes nothing
                perform(action, cases[index], world, **extra)
        outbox.deliver_pending(limit=10_000)
    _direct_equals_rollup(world, leader)


def test_reopen_moves_the_closed_day_and_the_rollup_follows(world, actor):
    leader = Scope(actor("leader"))
    with time_machine.travel(START, tick=False) as traveller:
        case = report(world)
        for action in ["register", "dispatch", "accept", "handle", "verify", "evaluate"]:
            perform(action, case, world, **({"satisfaction": "unsatisfied"} if action == "evaluate" else {}))
        outbox.deliver_pending()
        assert measure(leader, parse_period("2026-10-13"))[()]["closed"] == 1
        traveller.shift(timedelta(days=2))
        perform("reopen", case, world)
        outbox.deliver_pending()
        assert measure(leader, parse_period("2026-10-13"))[()]["closed"] == 0  # the old 结案 day is recounted
        _direct_equals_rollup(world, leader)


def _rollup_rows() -> list[tuple]:
    fields = ["day", "dim", "value", "registered", "closed_due", "effective", "amount"]
    return sorted(DailyStats.objects.values_list(*fields), key=str)


def test_rebuild_reproduces_the_maintained_rollup(history, world):
    maintained = _rollup_rows()
    assert maintained
    rebuild([world.street.code])
    assert _rollup_rows() == maintained
    assert mismatches(world.street.code, WINDOW) == []


def test_rebuild_leaves_out_rows_with_nothing_to_count(world):
    with time_machine.travel(START, tick=False) as traveller:
        case = report(world)
        for action in ["register", "dispatch", "accept", "handle", "verify"]:
            perform(action, case, world)
        perform("evaluate", case, world, satisfaction="unsatisfied")
        traveller.shift(timedelta(days=1))
        perform("reopen", case, world)  # the old 回访 day now counts nothing
        outbox.deliver_pending()
    maintained = _rollup_rows()
    rebuild([world.street.code])
    assert _rollup_rows() == maintained
