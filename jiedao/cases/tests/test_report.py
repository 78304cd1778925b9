"""Reporting a case (上报): validation naming each field, locating to the grid, routing, near-duplicates,
merging and case numbers."""

from __future__ import annotations

import re

import pytest

from jiedao.cases import actions as a
from jiedao.cases import routing
from jiedao.cases.models import Case, CaseEvent, Category, RoutingRule
from jiedao.cases.testing import perform, report
from jiedao.cases.tests.support import sh
from jiedao.core.errors import ApplicationError
from jiedao.core.models import AuditEvent
from jiedao.lib.geo import distance_m
from jiedao.testing.world import centre_of, make_category

pytestmark = pytest.mark.usefixtures("frozen")

ATTRIBUTES = [
    {"code": "quantity", "description": "数量", "datatype": "number", "required": True, "order": 1},
    {"code": "plate", "description": "车牌号", "datatype": "string", "required": False, "order": 2},
]


def data(world, **overrides) -> a.ReportInput:
    lon, lat = centre_of(0, 0)
    fields = {
        "category": world.category,
        "description": "路边有暴露垃圾",
        "channel": "resident",
        "lon": lon,
        "lat": lat,
        "address": "胥江路100号",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
    }
    fields.update(overrides)
    return a.ReportInput(**fields)


def refused(world, **overrides) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        a.do_report(data(world, **overrides), actor=None)
    assert not Case.objects.exists()  # nothing partial is stored
    return caught.value


# --- Validation -------------------------------------------------------------------------------------------------


def test_a_missing_description_is_refused_naming_the_field(world):
    error = refused(world, description="   ")
    assert error.code == "invalid"
    assert set(error.details) == {"description"}
    assert error.details["description"] == "请描述问题"


def test_a_resident_must_leave_a_phone(world):
    error = refused(world, reporter_phone="")
    assert set(error.details) == {"reporter_phone"}
    assert "电话" in error.details["reporter_phone"]
    # A 12345 order carries its own contact; the phone is optional there.
    case = a.do_report(data(world, channel="12345", reporter_phone=""), actor=None)
    assert case.reporter_phone_enc == "" and case.reporter_phone_last4 == ""


def test_a_malformed_phone_is_refused(world):
    assert refused(world, reporter_phone="12345").details == {"reporter_phone": "电话号码格式不正确"}


def test_a_report_needs_a_point_or_an_address(world):
    error = refused(world, lon=None, lat=None, address="")
    assert set(error.details) == {"location"}


def test_every_problem_is_named_at_once(world):
    error = refused(world, description="", reporter_phone="", lon=None, lat=None, address=" ")
    assert set(error.details) == {"description", "reporter_phone", "location"}
    for message in error.details.values():
        assert message in error.message


def test_an_unknown_urgency_is_refused(world):
    assert set(refused(world, urgency="critical").details) == {"urgency"}


def test_category_attributes_are_validated_with_attribute_keys(world):
    category = make_category("0102", "乱停车", attributes=ATTRIBUTES)
    missing = refused(world, category=category, attributes={"plate": "苏E12345"})
    assert set(missing.details) == {"attribute[quantity]"}
    assert missing.details["attribute[quantity]"] == "请填写「数量」"
    wrong_type = refused(world, category=category, attributes={"quantity": "很多"})
    assert set(wrong_type.details) == {"attribute[quantity]"}
    assert "数量" in wrong_type.details["attribute[quantity]"]
    case = a.do_report(
        data(world, category=category, attributes={"quantity": "3", "plate": " 苏E12345 "}), actor=None
    )
    assert case.attributes == {"quantity": 3, "plate": "苏E12345"}


def test_a_group_category_is_refused(world):
    assert set(refused(world, category=world.category.parent).details) == {"category"}


def test_a_point_outside_every_grid_is_refused(world):
    error = refused(world, lon=121.0, lat=31.0)
    assert error.code == "outside_area" and error.field == "location"
    assert "121.000000" in error.message and "31.000000" in error.message
    assert not AuditEvent.objects.exists()


# --- Locating and routing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("square", "grid", "community"), [((0, 0), "a1", "a"), ((1, 0), "a2", "a"), ((2, 0), "b1", "b")]
)
def test_a_case_is_located_to_the_grid_and_community_of_its_point(world, square, grid, community):
    case = report(world, grid=square)
    assert case.grid == world.grids[grid]
    assert case.community == getattr(world, community)
    assert case.street == world.street
    assert case.stage_deadline is not None and case.status == "reported"


def test_a_case_with_only_an_address_belongs_to_the_street(world):
    case = a.do_report(data(world, lon=None, lat=None, address="沧浪街道某小区"), actor=None)
    assert (case.street, case.community, case.grid) == (world.street, None, None)


def test_routing_prefers_a_rule_then_the_specialty_then_the_community_committee(world):
    category = world.category  # specialty 城管
    assert routing.suggest_unit(category, world.street, world.a) == world.units.chengguan
    RoutingRule.objects.create(category=category, region=world.a, unit=world.units.committee_a)
    assert routing.suggest_unit(category, world.street, world.a) == world.units.committee_a
    assert routing.suggest_unit(category, world.street, world.b) == world.units.chengguan  # no rule in B
    # A rule for the group (大类) at street level applies to its leaves, below a community rule for the leaf.
    RoutingRule.objects.create(category=category.parent, region=world.street, unit=world.units.station)
    assert routing.suggest_unit(category, world.street, world.b) == world.units.station
    assert routing.suggest_unit(category, world.street, world.a) == world.units.committee_a
    # A rule to a unit no longer in service is skipped.
    world.units.committee_a.active = False
    world.units.committee_a.save()
    assert routing.suggest_unit(category, world.street, world.a) == world.units.station


def test_routing_by_specialty_prefers_the_cases_own_community(world):
    from jiedao.org.models import Unit, UnitKind

    property_a = Unit.objects.create(
        name="胥江物业", kind=UnitKind.EXTERNAL, specialty="物业", region=world.a
    )
    property_b = Unit.objects.create(
        name="泰南物业", kind=UnitKind.EXTERNAL, specialty="物业", region=world.b
    )
    leaking = make_category("0105", "小区漏水", specialty="物业")
    assert routing.suggest_unit(leaking, world.street, world.a) == property_a
    assert routing.suggest_unit(leaking, world.street, world.b) == property_b
    # No community: no community's 物业 is the right one; the street has none, so the centre decides.
    assert routing.suggest_unit(leaking, world.street, None) == world.units.centre


def test_routing_without_rule_or_specialty_goes_to_the_community_then_the_centre(world):
    Category.objects.filter(pk=world.category.parent_id).update(default_unit_specialty="")
    plain = make_category("0103", "占道经营", specialty="")
    assert routing.suggest_unit(plain, world.street, world.b) == world.units.committee_b
    assert routing.suggest_unit(plain, world.street, None) == world.units.centre


# --- Near-duplicates and merging --------------------------------------------------------------------------------


def test_near_duplicates_are_open_cases_of_the_category_within_the_radius(world, actor):
    lon, lat = centre_of(0, 0)
    original = a.do_report(data(world, lon=lon, lat=lat), actor=None)
    near = a.do_report(data(world, lon=lon + 0.0018, lat=lat), actor=None)  # about 170 m east
    far = a.do_report(data(world, lon=lon + 0.0043, lat=lat), actor=None)  # about 410 m east, grid a2
    closed = a.do_report(data(world, lon=lon, lat=lat + 0.0005), actor=None)
    for step in ("register", "dispatch", "accept", "handle", "verify"):
        perform(step, closed, world)
    other_kind = a.do_report(
        data(world, category=make_category("0104", "道路破损"), lon=lon + 0.0001, lat=lat), actor=None
    )
    assert 150 < distance_m(lon, lat, lon + 0.0018, lat) < 250
    assert distance_m(lon, lat, lon + 0.0043, lat) > 400
    found = routing.near_duplicates(original, 250)
    assert [case for case, _ in found] == [near]
    assert 150 < found[0][1] < 250
    assert [case for case, _ in routing.near_duplicates(original, 500)] == [near, far]  # nearest first
    assert other_kind not in [case for case, _ in routing.near_duplicates(original, 250)]
    assert [case for case, _ in routing.near_duplicates(near, 500)] == [original, far]


def test_merging_keeps_both_timelines(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    original = report(world)
    frozen(sh(2025, 3, 3, 9, 10))
    duplicate = report(world, description="同一处垃圾")
    frozen(sh(2025, 3, 3, 9, 20))
    a.do_merge(duplicate, actor=actor("dispatcher"), into=original, note="同一地点同一问题")
    duplicate.refresh_from_db()
    original.refresh_from_db()
    assert duplicate.status == "voided" and duplicate.merged_into == original
    assert duplicate.void_reason == f"并入案件 {original.number}"
    assert original.status == "reported"
    merge = CaseEvent.objects.get(case=duplicate, action="merge")
    merged = CaseEvent.objects.get(case=original, action="merged")
    assert merge.data == {"into": original.number} and merged.data == {"from": duplicate.number}
    assert merge.at == merged.at == sh(2025, 3, 3, 9, 20)
    assert merged.actor == world.people.dispatcher and merged.note == "同一地点同一问题"
    assert list(original.merged.all()) == [duplicate]
    assert list(CaseEvent.objects.filter(case=original).values_list("action", flat=True)) == [
        "report",
        "merged",
    ]


def test_a_case_cannot_be_merged_into_itself_or_a_closed_case(world, actor):
    case = report(world)
    with pytest.raises(ApplicationError) as itself:
        a.do_merge(case, actor=actor("dispatcher"), into=case)
    assert itself.value.field == "into"
    closed = report(world)
    for step in ("register", "dispatch", "accept", "handle", "verify"):
        perform(step, closed, world)
    with pytest.raises(ApplicationError):
        a.do_merge(case, actor=actor("dispatcher"), into=closed)
    case.refresh_from_db()
    assert case.status == "reported" and case.merged_into is None


# --- Numbers ------------------------------------------------------------------------------------------------------


def test_case_numbers_are_sequential_per_beijing_day(world, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    first, second = report(world), report(world)
    frozen(sh(2025, 3, 3, 23, 59))
    third = report(world)
    frozen(sh(2025, 3, 4, 0, 1))  # 16:01 UTC on 3 March: the new day is Beijing's
    fourth = report(world)
    numbers = [case.number for case in (first, second, third, fourth)]
    assert numbers == ["2503030001", "2503030002", "2503030003", "2503040001"]
    assert all(re.fullmatch(r"\d{6}\d{4}", n) for n in numbers)
    assert Case.objects.values("number").distinct().count() == 4
