"""The demo: a short history through the write path, accounts for every role, idempotent loading."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from jiedao.cases.models import Attachment, Case, CaseEvent, Category, Channel, Status
from jiedao.cases.states import TRANSITIONS
from jiedao.core.models import AuditEvent, OutboxMessage, OutboxStatus
from jiedao.demo.loader import days_since_months_ago
from jiedao.demo.organisation import PASSWORD
from jiedao.org.locating import invalidate_grid_index
from jiedao.org.models import Grid, Membership, Region, Role, Unit, UnitKind, User

# A Wednesday afternoon: the history spans a weekend and the last days are still being worked on.
NOW = datetime(2026, 3, 18, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STREET = "320508020"


def load(capsys, **options) -> str:
    with time_machine.travel(NOW, tick=False):
        call_command("load_demo", **options)
    return capsys.readouterr().out


def replay(case: Case) -> None:
    """The case's events, in time order, follow the transition table from 'report' to its status."""
    events = list(case.events.order_by("at", "id"))
    assert events[0].action == "report" and events[0].to_status == Status.REPORTED, case.number
    assert [e.pk for e in events] == sorted(e.pk for e in events), f"{case.number} was written out of order"
    state = Status.REPORTED
    for event in events[1:]:
        assert event.from_status == state, (case.number, event.action)
        if event.action == "merged":  # written on the target of a merge; its state does not change
            assert event.to_status == state
            continue
        assert TRANSITIONS.get((state, event.action)) == event.to_status, (case.number, state, event.action)
        state = event.to_status
    assert state == case.status, case.number


def test_short_history_through_the_write_path(db, capsys) -> None:
    out = load(capsys, days=4, seed=1)
    street = Region.objects.get(code=STREET)
    assert "姑苏区沧浪街道" in out and f"密码均为 {PASSWORD}" in out

    # Every role has an account; the admin may use the configuration admin.
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
    for community in street.children.all():
        committee = Unit.objects.get(region=community, kind=UnitKind.COMMUNITY_COMMITTEE)
        roles = Counter(committee.memberships.values_list("role", flat=True))
        assert roles[Role.COMMUNITY_STAFF] == 1 and 1 <= roles[Role.GRID_WORKER] <= 2
        grids = Grid.objects.filter(community=community)
        assert 2 <= grids.count() <= 5
        assert all(grid.workers.exists() and grid.is_demo_geometry for grid in grids)
        assert community.boundary and community.is_demo_geometry
        assert committee.escalates_to.kind == UnitKind.WORKSTATION
    assert street.boundary and street.is_demo_geometry and street.center_lon
    specialties = set(Unit.objects.exclude(specialty="").values_list("specialty", flat=True))
    assert {
        "城管",
        "市政",
        "绿化",
        "环卫",
        "消防",
        "派出所",
        "市场监管",
        "住建",
        "物业",
        "供电",
        "燃气",
    } <= specialties
    assert Category.objects.filter(parent__isnull=False).count() > 60

    # Cases in every state, each with a timeline the transition table allows, audited step by step.
    cases = list(Case.objects.all())
    assert set(Counter(c.status for c in cases)) == set(Status.values)
    for case in cases:
        replay(case)
        assert case.grid_id and case.community_id == case.grid.community_id
    audited = Counter(
        AuditEvent.objects.filter(action__startswith="case.", success=True).values_list("object_id", "action")
    )
    steps = Counter(
        (number, f"case.{action}")
        for number, action in CaseEvent.objects.values_list("case__number", "action")
    )
    assert audited == steps  # every step of every timeline, and nothing else, is in the audit log
    assert not AuditEvent.objects.filter(success=False).exists()
    actions = set(CaseEvent.objects.values_list("action", flat=True))
    assert {"void", "dispatch", "accept", "handle", "verify", "evaluate", "overdue"} <= actions
    assert {c.channel for c in cases} >= {Channel.GRID_WORKER, Channel.HOTLINE_12345, Channel.RESIDENT}
    hotline = [c for c in cases if c.channel == Channel.HOTLINE_12345]
    assert all(
        c.source_ref.startswith("SZ12345") and c.attributes["order_no"] == c.source_ref for c in hotline
    )
    assert Attachment.objects.exists()
    # The recent past is still being worked on; the sweep marked what is overdue now.
    assert any(c.is_open and c.clock == "overdue" for c in cases)
    assert not OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists()

    # Loading again keeps everything as it is.
    before = (Case.objects.count(), User.objects.count(), AuditEvent.objects.count())
    assert "已存在" in load(capsys, days=4, seed=1)
    assert (Case.objects.count(), User.objects.count(), AuditEvent.objects.count()) == before


def test_same_seed_same_demo(db, capsys) -> None:
    def loaded() -> list[tuple]:
        with transaction.atomic():
            load(capsys, days=0, seed=3)
            cases = list(
                Case.objects.order_by("number").values_list("number", "category__code", "status", "lon")
            )
            transaction.set_rollback(True)
        invalidate_grid_index()  # the rollback moved the grid version back
        return cases

    first = loaded()
    assert first and all(number.startswith("260318") for number, *_ in first)
    assert loaded() == first


def test_another_street_with_villages(db, capsys) -> None:
    out = load(capsys, street="320582003", days=0, seed=2)  # 德积街道, 张家港市: communities and villages
    assert "张家港市德积街道" in out
    assert Unit.objects.filter(name="德积消防救援站").exists()
    assert Unit.objects.filter(name="德积街道综合指挥中心").exists()
    assert Grid.objects.filter(name="小明沙村第一网格").exists()
    assert Grid.objects.filter(street_id="320582003").count() >= 2 * 11


def test_existing_real_grids_are_not_mixed_with_a_demo(world, capsys) -> None:
    assert "已有网格数据" in load(capsys, days=0)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("today", "months", "days"),
    [((2026, 11, 21), 4, 123), ((2026, 3, 31), 1, 31), ((2026, 1, 15), 2, 61), ((2026, 5, 1), 0, 0)],
)
def test_days_since_months_ago(today, months, days) -> None:
    from datetime import date

    assert days_since_months_ago(date(*today), months) == days
