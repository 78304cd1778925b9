"""Every metric against figures worked out by hand from the story in conftest.history."""

from __future__ import annotations

import pytest

from jiedao.cases.models import Case
from jiedao.insight.metrics import (
    COUNTERS,
    METRICS,
    Scope,
    direct_counts,
    drill_cases,
    figures,
    filter_q,
    measure,
    table,
)
from jiedao.insight.models import DailyStats
from jiedao.insight.periods import parse_period

OCTOBER = parse_period("2026-10")

# c1..c9 as told in conftest.history, by hand:
EXPECTED_COUNTS = {
    "reported": 9,  # c1..c9
    "voided": 2,  # c6 (never registered), c7 (registered, then voided)
    "registered": 8,  # all but c6
    "due": 7,  # registered and not voided
    "closed_due": 5,  # c1 c2 c3 c4 c8
    "due_timed": 6,  # due without c2 (缓办)
    "closed_on_time": 3,  # c1, c3 (within the extended deadline), c4 (rework still within its deadline)
    "handled": 5,
    "handled_on_time": 3,  # c1 c3 c4; c8 was late; c2 is 缓办
    "reworked": 1,  # c4
    "extended": 1,  # c3
    "suspended": 1,  # c2
    "dispatched": 6,  # c1 c2 c3 c4 c5 c8
    "dispatch_ok": 5,  # c5 was returned
    "returned": 1,
    "amount": 0,
    "closed": 5,
    "callbacks": 3,  # c1 c4 c8
    "effective": 2,  # c8's callback did not reach the requester
    "responded": 1,  # c4 was signed for late (签收超期)
    "resolved": 1,  # c1
    "satisfied": 1,  # c1
    "basic": 1,  # c4
}
EXPECTED = {
    "reported": 9,
    "registered": 8,
    "closed": 5,
    "due": 7,
    "close_rate": 100 * 5 / 7,
    "ontime_close_rate": 50.0,
    "ontime_handle_rate": 50.0,
    "rework_rate": 20.0,
    "extension_rate": 12.5,
    "dispatch_rate": 100 * 5 / 6,
    "void_rate": 100 * 2 / 9,
    "callbacks": 2,
    "response_rate": 50.0,
    "resolve_rate": 50.0,
    "satisfaction_rate": 95.0,  # (1 + 0.9) / 2
    "hotline_score": 0.1 * 50 + 0.5 * 50 + 0.4 * 95,
}


def test_counters_are_the_rollup_columns():
    columns = {f.name for f in DailyStats._meta.get_fields()} - {"id", "day", "street", "dim", "value"}
    assert columns == set(COUNTERS)


def test_counts_by_hand(history, actor):
    leader = Scope(actor("leader"))
    assert leader.rollup_q() is not None  # a leader's figures come from the rollup
    assert measure(leader, OCTOBER)[()] == EXPECTED_COUNTS
    start, end = OCTOBER.bounds()
    assert direct_counts(Scope(None).cases(), start, end)[()] == EXPECTED_COUNTS


def test_every_metric_by_hand(history, actor):
    result = figures(Scope(actor("leader")), OCTOBER)
    for key, value in EXPECTED.items():
        assert result[key].value == pytest.approx(value), key
    assert set(EXPECTED) | {k for k, m in METRICS.items() if m.fixed} == set(METRICS)


def test_rollup_and_direct_agree_for_every_dimension(history, actor):
    leader = Scope(actor("leader"))
    assert leader.rollup_q() is not None
    start, end = OCTOBER.bounds()
    for by in [(), ("community",), ("unit",), ("category",), ("channel",), ("day",), ("kind",), ("group",)]:
        for filters in [(), (("channel", "12345"),), (("kind", "event"),), (("unit", "-"),)]:
            direct = direct_counts(Scope(None).cases().filter(filter_q(filters)), start, end, by)
            if by:  # groups with nothing to count are left out
                direct = {key: counts for key, counts in direct.items() if any(counts.values())}
            assert measure(leader, OCTOBER, by, filters=filters) == direct, (by, filters)


def test_community_staff_see_only_their_community(history, actor):
    staff_b = Scope(actor("staff_b"))
    assert staff_b.rollup_q() is None  # they see through their unit too: counted from the cases
    counts = measure(staff_b, OCTOBER)[()]
    assert counts["reported"] == 2  # c5 and c9 lie in community B
    assert counts["returned"] == 1
    assert not Scope(actor("staff_b"), "320508020033").allows()
    assert Scope(actor("staff_b"), "320508020034").allows()
    assert not Scope(actor("outsider"), "320508020").allows()
    assert measure(Scope(actor("outsider")), OCTOBER)[()]["reported"] == 0


def test_table_per_community_and_drill_down(history, actor):
    leader = Scope(actor("leader"))
    rows = {row.label: row for row in table(leader, OCTOBER, "community", ["reported", "close_rate"])}
    assert rows["胥江社区居委会"].figures["reported"].value == 7
    assert rows["泰南社区居委会"].figures["reported"].value == 2
    assert rows["泰南社区居委会"].figures["close_rate"].value == 0
    figure = rows["胥江社区居委会"].figures["close_rate"]
    assert "dim=community%3A320508020033" in figure.url()
    cases = drill_cases(leader, figure.metric, "num", OCTOBER, figure.filters)
    assert sorted(c.number for c in cases) == sorted(
        history[k].number for k in ["c1", "c2", "c3", "c4", "c8"]
    )
    den = drill_cases(leader, figure.metric, "den", OCTOBER, figure.filters)
    assert den.count() == 5  # community A's 应结案: c1 c2 c3 c4 c8 (c6 never registered, c7 voided)
    assert figure.value == 100.0


def test_12345_figures(history, actor):
    hotline = figures(Scope(actor("leader")), OCTOBER, filters=(("channel", "12345"),))
    assert hotline["reported"].value == 3
    assert hotline["callbacks"].value == 2  # c1 and c4; c8 was not reached
    assert hotline["satisfaction_rate"].value == pytest.approx(95.0)
    assert hotline["ontime_close_rate"].display == "66.7%"


def test_ledgers(ledgers, actor):
    result = figures(Scope(actor("leader")), OCTOBER)
    assert result["hazards_found"].value == 3
    assert result["hazards_fixed"].value == 1
    assert result["hazard_fix_rate"].value == pytest.approx(100 / 3)
    assert result["disputes"].value == 2
    assert result["disputes_solved"].value == 1
    assert result["dispute_rate"].value == 50.0
    assert result["dispute_amount"].value == pytest.approx(1500.5)
    assert result["dispute_amount"].display == "1500.50元"
    assert ("kind", "dispute") in result["dispute_amount"].filters
    assert Case.objects.count() == 5
