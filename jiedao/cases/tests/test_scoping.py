"""Who sees which cases, grids and units (jurisdiction), and the reporter's personal data."""

from __future__ import annotations

import pytest
from django.db import connection

from jiedao.cases import pii
from jiedao.cases.selectors import case_for, cases_for
from jiedao.cases.testing import case_in, perform, report
from jiedao.core.actor import resident_actor
from jiedao.core.errors import PermissionRefused
from jiedao.core.models import AuditEvent
from jiedao.org.selectors import grids_for, units_for

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def cases(world):
    """A case in community A dispatched to 城管, one in community B handled by B's committee (城管 co-handles),
    one in A not yet dispatched, and one with an address but no point (street-level)."""
    in_a = case_in(world, "dispatched", grid=(0, 0))
    in_b = case_in(world, "registered", grid=(2, 0))
    perform("dispatch", in_b, world, unit=world.units.committee_b, co_units=[world.units.chengguan])
    fresh_a = report(world, grid=(1, 0))
    from jiedao.cases import actions as a

    no_point = a.do_report(
        a.ReportInput(
            category=world.category,
            description="噪音扰民",
            channel="12345",
            address="沧浪街道某小区",
            source_ref="GD2025030300001",
        ),
        actor=None,
    )
    return {"in_a": in_a, "in_b": in_b, "fresh_a": fresh_a, "no_point": no_point}


def seen(actor, cases) -> set[str]:
    numbers = set(cases_for(actor).values_list("number", flat=True))
    names = {case.number: name for name, case in cases.items()}
    return {names[number] for number in numbers}


EVERYTHING = {"in_a", "in_b", "fresh_a", "no_point"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("dispatcher", EVERYTHING),
        ("leader", EVERYTHING),
        ("staff_a", {"in_a", "fresh_a"}),
        ("grid_a", {"in_a", "fresh_a"}),
        ("staff_b", {"in_b"}),
        ("grid_b", {"in_b"}),
        ("handler", {"in_a", "in_b"}),  # assigned, and co-assigned
        ("station_handler", set()),
        ("outsider", set()),
        ("auditor", set()),
    ],
)
def test_cases_for_scopes_by_jurisdiction_and_assignment(world, actor, cases, persona, expected):
    assert seen(actor(persona), cases) == expected


def test_a_co_handled_case_is_listed_once(world, actor, cases):
    numbers = list(cases_for(actor("handler")).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 2


def test_case_for_refuses_a_case_outside_the_scope(world, actor, cases):
    assert case_for(actor("staff_a"), cases["in_a"].number) == cases["in_a"]
    with pytest.raises(cases["in_a"].DoesNotExist):
        case_for(actor("staff_b"), cases["in_a"].number)
    with pytest.raises(cases["in_a"].DoesNotExist):
        case_for(actor("outsider"), cases["in_a"].number)


def test_a_handler_loses_sight_of_a_case_that_is_returned(world, actor, cases):
    perform("return", cases["in_a"], world, actor=actor("handler"))
    assert seen(actor("handler"), cases) == {"in_b"}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("dispatcher", {"a1", "a2", "b1"}),
        ("leader", {"a1", "a2", "b1"}),
        ("staff_a", {"a1", "a2"}),
        ("grid_a", {"a1", "a2"}),
        ("staff_b", {"b1"}),
        ("outsider", set()),
        ("auditor", set()),
    ],
)
def test_grids_for_scopes_by_jurisdiction(world, actor, persona, expected):
    names = {grid.pk: name for name, grid in world.grids.items()}
    assert {names[g.pk] for g in grids_for(actor(persona))} == expected


def test_units_for_scopes_by_street(world, actor):
    ours = {"centre", "station", "committee_a", "committee_b", "chengguan"}
    names = {unit.pk: name for name, unit in vars(world.units).items()}
    for persona in ("dispatcher", "staff_a", "handler"):
        assert {names[u.pk] for u in units_for(actor(persona))} == ours, persona
    assert {names[u.pk] for u in units_for(actor("outsider"))} == {"elsewhere"}
    assert set(units_for(actor("auditor"))) == set()


# --- The reporter's personal data -----------------------------------------------------------------------------


def test_everyone_sees_the_reporter_masked(world, cases):
    assert pii.masked_reporter(cases["in_a"]) == {"name": "张*", "phone": "138****5678"}


def test_the_dispatcher_may_reveal_the_reporter_and_it_is_audited(world, actor, cases):
    case = cases["in_a"]
    revealed = pii.reveal_reporter(actor("dispatcher"), case, purpose="回访核实")
    assert revealed == {"name": "张三", "phone": "13812345678"}
    record = AuditEvent.objects.get(action="pii.reveal")
    assert record.success and record.actor == world.people.dispatcher
    assert record.object_id == case.number and record.reason == "回访核实"


@pytest.mark.parametrize("persona", ["staff_a", "handler", "outsider", "auditor"])
def test_others_are_refused_and_the_refusal_is_audited(world, actor, cases, persona):
    case = cases["in_a"]
    with pytest.raises(PermissionRefused) as refused:
        pii.reveal_reporter(actor(persona), case, purpose="想看看")
    assert refused.value.code == "pii_forbidden"
    record = AuditEvent.objects.get(action="pii.reveal")
    assert record.success is False and record.actor == getattr(world.people, persona)
    assert record.reason == "想看看"


def test_an_audit_admin_with_the_pii_flag_still_cannot_reveal(world, actor, cases):
    world.people.auditor.memberships.update(can_view_pii=True)
    with pytest.raises(PermissionRefused):
        pii.reveal_reporter(actor("auditor"), cases["in_a"], purpose="审计抽查")


def test_a_resident_cannot_reveal(world, cases):
    assert pii.may_reveal(resident_actor(cases["in_a"].number), cases["in_a"]) is False


def test_the_phone_is_not_stored_in_clear(world, cases):
    case = cases["in_a"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM cases_case WHERE id = %s", [case.pk])
        row = cursor.fetchone()
        columns = [c[0] for c in cursor.description]
    stored = dict(zip(columns, row, strict=True))
    text = " ".join(str(value) for value in stored.values())
    assert "13812345678" not in text and "张三" not in text
    assert "1381234" not in text  # no long fragment either
    assert stored["reporter_phone_last4"] == "5678"  # what a resident proves ownership with
    assert stored["reporter_phone_enc"].startswith("v1:")
    assert stored["reporter_phone_index"] == pii.phone_index("138 1234 5678")
    assert pii.phone_index("+86 138-1234-5678") == stored["reporter_phone_index"]


def test_a_district_jurisdiction_sees_cases_without_a_community(world):
    """A case reported by address only has no community; a district-level leader still sees it."""
    from jiedao.cases.actions import ReportInput, do_report
    from jiedao.cases.selectors import cases_for
    from jiedao.org.models import Membership, Region, Role, Unit, UnitKind, User
    from jiedao.org.selectors import actor_for_user

    case = do_report(
        ReportInput(category=world.category, description="只有地址", channel="phone", address="胥江路1号"),
        actor=None,
    )
    district = Unit.objects.create(
        name="姑苏区指挥中心", kind=UnitKind.COMMAND_CENTRE, region=Region.objects.get(code="320508")
    )
    leader = User.objects.create_user("district_leader", password=world.password)
    Membership.objects.create(user=leader, unit=district, role=Role.LEADER)
    assert case.community_id is None
    assert cases_for(actor_for_user(leader)).filter(pk=case.pk).exists()
