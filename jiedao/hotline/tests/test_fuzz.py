"""Whatever a spreadsheet cell holds, checking a row answers with a Row or RowErrors — never an exception."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiedao.hotline.sheet import COLUMNS, Lookups, RowChecker, guess_mapping
from jiedao.hotline.testing import LABELS, make_hotline_category

CELLS = st.one_of(
    st.none(),
    st.text(max_size=60),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["是", "否", "满意", "投诉", "噪声扰民", "沧浪城管中队", "2026-03-01 09:30", "2026/3/1"]),
)


@pytest.fixture
def checker(world) -> RowChecker:
    make_hotline_category()
    return RowChecker(guess_mapping(LABELS), LABELS, Lookups(world.street))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(CELLS, min_size=0, max_size=len(COLUMNS) + 2))
def test_any_cells_are_checked_without_crashing(checker, values):
    checker.seen.clear()  # each example is its own file
    row, errors = checker.check(2, tuple(values))
    assert (row is None) == bool(errors)
    assert all(error.row == 2 and error.column and error.rule for error in errors)
