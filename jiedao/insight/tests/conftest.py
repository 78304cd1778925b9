"""A small fixed history built through the write path, whose figures are worked out by hand in the tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jiedao.cases.models import Category, CategoryKind, Channel
from jiedao.cases.testing import perform, report
from jiedao.core import outbox
from jiedao.insight.rollups import refresh_stale
from jiedao.testing.world import make_category

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 13, 9, 0, tzinfo=SHANGHAI)  # a Tuesday, a working day
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)
AMOUNT_SCHEMA = [
    {
        "code": "amount",
        "description": "涉及金额(元)",
        "datatype": "number",
        "required": False,
        "order": 1,
        "min": 0,
    }
]


def settle() -> None:
    """What the sweep does: deliver the outbox (marking the days the cases touched stale), then recompute each
    stale rollup partition."""
    outbox.deliver_pending(limit=10_000)
    refresh_stale(budget_seconds=None)


class Story:
    """Walks the clock forward between actions (every action happens at a known instant)."""

    def __init__(self, world, traveller):
        self.world, self.traveller = world, traveller

    def step(self, minutes: int = 5) -> None:
        self.traveller.shift(timedelta(minutes=minutes))

    def do(self, case, *actions: str, **kwargs) -> None:
        for action in actions:
            self.step()
            perform(action, case, self.world, **kwargs)

    def report(self, grid=(0, 0), **kwargs):
        self.step()
        return report(self.world, grid=grid, **kwargs)


@pytest.fixture
def story(world):
    with time_machine.travel(START, tick=False) as traveller:
        yield Story(world, traveller)


@pytest.fixture
def history(story, world):
    """Nine cases in October 2026 (c6 voided unregistered, c7 voided after 立案), see test_metrics."""
    s = story
    cases = {}
    cases["c1"] = c1 = s.report(channel=Channel.HOTLINE_12345)
    s.do(c1, "register", "dispatch", "accept", "handle", "verify", "evaluate")
    cases["c2"] = c2 = s.report()
    s.do(c2, "register", "dispatch", "accept", "suspend", "resume", "handle", "verify")
    cases["c3"] = c3 = s.report()
    s.do(c3, "register", "dispatch", "accept", "request_extension", "approve_extension", "handle", "verify")
    cases["c4"] = c4 = s.report(channel=Channel.HOTLINE_12345)
    s.do(c4, "register", "dispatch")
    s.traveller.shift(timedelta(days=1))
    s.do(c4, "overdue")  # the 签收 stage ran out
    s.do(c4, "accept", "handle", "rework", "handle", "verify")
    s.do(
        c4, "evaluate", satisfaction="basic", resolved=False, contacted=False
    )  # reached; no contact by the unit
    cases["c5"] = c5 = s.report(grid=(2, 0))
    s.do(c5, "register", "dispatch", "return", "dispatch", "accept")
    cases["c6"] = c6 = s.report()
    s.do(c6, "void")
    cases["c7"] = c7 = s.report()
    s.do(c7, "register", "void")
    cases["c8"] = c8 = s.report(channel=Channel.HOTLINE_12345)
    s.do(c8, "register", "dispatch", "accept")
    s.traveller.shift(timedelta(days=12))  # far past the 3 working days to handle
    s.do(c8, "handle", "verify")
    s.do(c8, "evaluate", reached=False)  # the callback did not reach the requester
    cases["c9"] = s.report(grid=(2, 0))
    s.do(cases["c9"], "register")
    s.traveller.move_to(NOW)
    settle()
    return cases


def ledger_category(kind: str, code: str, name: str, attributes=None) -> Category:
    category = make_category(code, name, attributes=attributes)
    Category.objects.filter(pk__in=[category.pk, category.parent_id]).update(kind=kind)
    category.refresh_from_db()
    return category


@pytest.fixture
def ledgers(story, world):
    """Three hazards (one rectified) and two disputes (one mediated) in October 2026."""
    hazard = ledger_category(CategoryKind.HAZARD, "9101", "消防隐患")
    dispute = ledger_category(CategoryKind.DISPUTE, "9201", "邻里纠纷", AMOUNT_SCHEMA)
    h = [story.report(category=hazard, channel=Channel.GRID_WORKER) for _ in range(3)]
    story.do(h[0], "register", "dispatch", "accept", "handle", "verify")
    story.do(h[1], "register")
    story.do(h[2], "register")
    d1 = story.report(category=dispute, channel=Channel.WALK_IN, attributes={"amount": 1000.5})
    d2 = story.report(category=dispute, channel=Channel.WALK_IN, attributes={"amount": 500})
    story.do(d1, "register", "dispatch", "accept", "handle", "verify")
    story.do(d2, "register")
    story.traveller.move_to(NOW)
    settle()
    return {"hazard": hazard, "dispute": dispute}


@pytest.fixture(autouse=True)
def _shipped_wording(request):
    """Browser tests elsewhere empty the tables (and the rows migration 0002 shipped); put them back."""
    database = next((f for f in ("transactional_db", "db") if f in request.fixturenames), None)
    if database:
        request.getfixturevalue(database)  # autouse fixtures run first: open the database before using it
        from jiedao.insight.models import ReportTemplate
        from jiedao.insight.wording import ship_defaults

        ship_defaults(ReportTemplate)
