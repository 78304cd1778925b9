"""Named counters: one value at a time, or a block of values in one statement; never a value twice."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jiedao.core.counters import reserve


@pytest.mark.django_db
def test_a_block_is_reserved_in_one_statement_and_follows_on():
    assert reserve("case:260302", 1) == range(1, 2)
    with CaptureQueriesContext(connection) as queries:
        assert reserve("case:260302", 500) == range(2, 502)
    assert len([q for q in queries if "core_counter" in q["sql"]]) == 1
    assert reserve("case:260302", 1) == range(502, 503)
    assert reserve("case:260303", 3) == range(1, 4)  # a new name starts at 1
    with pytest.raises(ValueError):
        reserve("case:260303", 0)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_block_leaves_no_value_used_twice():
    with pytest.raises(RuntimeError), transaction.atomic():
        reserve("case:260304", 10)
        raise RuntimeError
    assert reserve("case:260304", 2) == range(1, 3)  # rolled back with the caller's transaction
    assert reserve("case:260304", 1) == range(3, 4)
