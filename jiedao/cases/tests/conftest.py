"""Fixtures of the case-core tests: a frozen clock on Beijing time."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine

from jiedao.cases.tests.support import sh


@pytest.fixture
def frozen():
    """frozen(instant) stops the clock at ``instant`` (it never ticks) and returns it. Before the first call the
    clock stands at 2025-03-03 08:00, an ordinary Monday morning in Beijing."""
    with time_machine.travel(sh(2025, 3, 3, 8, 0), tick=False) as traveller:

        def move(instant: datetime) -> datetime:
            traveller.move_to(instant)
            return instant

        yield move
