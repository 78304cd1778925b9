"""The seeded category catalogue (类别目录): the shipped file is valid and complete. No database."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jiedao.cases.attributes import (
    DEFAULT_CATALOGUE,
    STAGES,
    UNIT_KINDS,
    URGENCIES,
    AttributeValidationError,
    CatalogueError,
    CategorySpec,
    Limit,
    at_most,
    check_catalogue,
    clean_attributes,
    load_catalogue,
    validate_schema,
)


@pytest.fixture(scope="module")
def specs() -> list[CategorySpec]:
    return load_catalogue()


@pytest.fixture
def raw() -> list[dict[str, Any]]:
    return json.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))


def find(specs: list[CategorySpec], scheme: str, kind: str, code: str) -> CategorySpec:
    return next(s for s in specs if s.key == (scheme, kind, code))


def test_shipped_catalogue_has_no_errors() -> None:
    assert check_catalogue() == []


def test_size_and_every_scheme_present(specs: list[CategorySpec]) -> None:
    assert 60 <= len(specs) <= 120
    per_scheme = Counter(s.scheme for s in specs)
    assert set(per_scheme) == {"gbt30428", "gbt47678", "12345", "local"}
    assert {s.kind for s in specs if s.scheme == "local"} == {"hazard", "dispute", "wish"}
    assert {s.kind for s in specs if s.scheme == "gbt30428"} == {"event", "component"}


def test_every_leaf_has_all_limits_and_urgent_is_never_longer(specs: list[CategorySpec]) -> None:
    for spec in specs:
        assert set(spec.limits) == set(URGENCIES), spec.key
        for urgency in URGENCIES:
            assert set(spec.limits[urgency]) == set(STAGES), spec.key
        for stage in STAGES:
            assert at_most(spec.limit("urgent", stage), spec.limit("normal", stage)), (spec.key, stage)
        assert len(spec.stage_limits()) == 10


def test_codes_unique_and_extend_their_group(specs: list[CategorySpec]) -> None:
    keys = [s.key for s in specs]
    assert len(keys) == len(set(keys))
    for spec in specs:
        assert spec.code.startswith(spec.group_code) and spec.code != spec.group_code
        assert len(spec.code) <= 12 and len(spec.name) <= 100 and len(spec.name_en) <= 100
        assert len(" ".join(spec.keywords)) <= 200


def test_unit_kinds_and_attributes_are_valid(specs: list[CategorySpec]) -> None:
    for spec in specs:
        assert spec.default_unit_kind in UNIT_KINDS
        assert validate_schema(list(spec.attributes)) == [], spec.key


def test_standard_codes_stated_by_the_design(specs: list[CategorySpec]) -> None:
    assert find(specs, "gbt30428", "component", "0101").name == "上水井盖"
    for code, name in {
        "06001": "私搭乱建",
        "06010": "暴露垃圾",
        "06012": "道路不洁",
        "07001": "非法小广告",
        "08001": "施工扰民",
        "08004": "工地扬尘",
        "09006": "占道经营",
        "09009": "机动车乱停放",
    }.items():
        assert find(specs, "gbt47678", "event", code).name == name
    groups = {(s.kind, s.group_code): s.group_name for s in specs if s.scheme == "gbt30428"}
    assert groups == {
        ("event", "01"): "市容环境",
        ("event", "02"): "宣传广告",
        ("event", "03"): "施工管理",
        ("event", "04"): "突发事件",
        ("event", "05"): "街面秩序",
        ("component", "01"): "公用设施",
        ("component", "02"): "道路交通",
        ("component", "03"): "市容环境",
        ("component", "04"): "园林绿化",
        ("component", "05"): "房屋土地",
    }


def test_extension_event_group_is_shipped_without_leaves(raw: list[dict[str, Any]]) -> None:
    group = next(g for g in raw if (g["scheme"], g["kind"], g["code"]) == ("gbt30428", "event", "06"))
    assert group["name"] == "扩展事件" and group["children"] == []


def test_limits_follow_the_domain_rules(specs: list[CategorySpec]) -> None:
    public_safety = [s for s in specs if s.group_name == "突发事件"]
    assert public_safety
    for spec in public_safety:
        assert spec.limit("urgent", "handle") == Limit(2, "hour", "natural")
    dcm = find(specs, "gbt30428", "event", "0103")
    assert dcm.limit("normal", "dispatch") == Limit(30, "minute", "working")
    assert dcm.limit("urgent", "dispatch") == Limit(10, "minute", "natural")
    assert dcm.limit("normal", "register") == Limit(1, "hour", "working")
    assert dcm.limit("normal", "verify") == Limit(1, "day", "working")
    hotline = [s for s in specs if s.scheme == "12345"]
    assert {s.limit("normal", "handle") for s in hotline} == {
        Limit(7, "day", "working"),
        Limit(15, "day", "working"),
        Limit(3, "day", "working"),
        Limit(1, "day", "working"),
    }
    assert find(specs, "12345", "request", "H0101").limit("normal", "handle") == Limit(7, "day", "working")
    assert find(specs, "12345", "request", "H0401").limit("normal", "handle") == Limit(15, "day", "working")


def test_child_overrides_only_what_it_sets(specs: list[CategorySpec]) -> None:
    illegal_building = find(specs, "gbt30428", "event", "0101")
    rubbish = find(specs, "gbt30428", "event", "0103")
    assert illegal_building.limit("normal", "handle") == Limit(5, "day", "working")
    assert rubbish.limit("normal", "handle") == Limit(1, "day", "working")
    for stage in ("register", "dispatch", "accept", "verify"):
        assert illegal_building.limit("normal", stage) == rubbish.limit("normal", stage)


def test_component_id_pattern_is_per_category(specs: list[CategorySpec]) -> None:
    cover = find(specs, "gbt30428", "component", "0101")
    schema = list(cover.attributes)
    assert clean_attributes(schema, {"component_id": "3205080101000001"}) == {
        "component_id": "3205080101000001"
    }
    with pytest.raises(AttributeValidationError):
        clean_attributes(schema, {"component_id": "3205080102000001"})
    lamp = find(specs, "gbt30428", "component", "0118")
    assert clean_attributes(list(lamp.attributes), {"component_id": "3205080118000042"})
    hint = next(a["datatype_description"] for a in lamp.attributes if a["code"] == "component_id")
    assert "3205080118000001" in hint and "${code}" not in hint
    assert all(any(a["code"] == "component_id" for a in s.attributes) for s in specs if s.kind == "component")


def test_local_group_attributes(specs: list[CategorySpec]) -> None:
    hazard = find(specs, "local", "hazard", "L0103")
    fields = {a["code"]: a for a in hazard.attributes}
    assert [v["name"] for v in fields["hazard_level"]["values"]] == ["一般隐患", "较大隐患", "重大隐患"]
    place_names = {v["name"] for v in fields["place_type"]["values"]}
    assert {"“9+1”场所", "“三合一”场所", "出租房", "企业"} <= place_names
    assert fields["rectify_by"]["datatype"] == "datetime"
    dispute = {a["code"]: a for a in find(specs, "local", "dispute", "L0201").attributes}
    assert [v["name"][:2] for v in dispute["dispute_type"]["values"]] == [
        "邻里", "婚姻", "物业", "劳资", "合同", "损害", "土地", "其他",
    ]  # fmt: skip
    assert dispute["party_count"]["datatype"] == dispute["amount"]["datatype"] == "number"
    wish = {a["code"] for a in find(specs, "local", "wish", "L0301").attributes}
    assert {"wish_type", "estimated_value", "beneficiary_category"} <= wish
    hotline = {a["code"]: a for a in find(specs, "12345", "request", "H0301").attributes}
    assert [v["name"] for v in hotline["request_type"]["values"]] == ["咨询", "求助", "投诉", "举报", "建议"]
    assert hotline["order_no"]["datatype"] == "string"


def test_specs_do_not_share_mutable_attributes(specs: list[CategorySpec]) -> None:
    a, b = find(specs, "gbt30428", "component", "0101"), find(specs, "gbt30428", "component", "0102")
    assert a.attributes[0] is not b.attributes[0]
    assert hash(a) != hash(b) or a.key != b.key


# ------------------------------------------------------------------------------------- check_catalogue


def only_group(raw: list[dict[str, Any]], scheme: str, kind: str, code: str) -> list[dict[str, Any]]:
    return [
        copy.deepcopy(next(g for g in raw if (g["scheme"], g["kind"], g["code"]) == (scheme, kind, code)))
    ]


def test_check_reports_missing_stage(raw: list[dict[str, Any]]) -> None:
    data = only_group(raw, "gbt30428", "event", "01")
    del data[0]["limits"]["urgent"]["verify"]
    errors = check_catalogue(data)
    assert errors and all("limits.urgent lacks verify" in e for e in errors)


def test_check_reports_urgent_longer_than_normal(raw: list[dict[str, Any]]) -> None:
    data = only_group(raw, "gbt30428", "event", "02")
    data[0]["children"][0]["limits"] = {
        "urgent": {"handle": {"amount": 2, "unit": "day", "basis": "working"}}
    }
    errors = check_catalogue(data)
    assert len(errors) == 1 and "/0201: urgent handle limit" in errors[0]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda g: g["children"].append(copy.deepcopy(g["children"][0])), "duplicate (scheme, kind, code)"),
        (lambda g: g["children"][0].update(code="0299"), "must extend its group code"),
        (lambda g: g["children"][0].update(code="011"), "does not fit scheme"),
        (lambda g: g["children"][0].update(default_unit_kind="交警"), "default_unit_kind must be one of"),
        (lambda g: g["children"][0].update(colour="red"), "unknown keys"),
        (lambda g: g["children"][0].update(name=""), "name must be"),
        (lambda g: g["children"][0].update(keywords=["a", "a"]), "keywords must not repeat"),
        (lambda g: g.update(kind="hazard"), "kind must be one of"),
        (lambda g: g.update(scheme="gbt9999"), "scheme must be one of"),
        (lambda g: g["limits"]["normal"]["handle"].update(unit="week"), "unit must be one of"),
        (lambda g: g["limits"]["normal"]["handle"].update(amount=0), "amount must be an integer"),
        (lambda g: g["limits"]["normal"].update(close={}), "unknown stage"),
        (lambda g: g["limits"].update(critical={}), "unknown urgency"),
        (
            lambda g: g["children"][0].update(
                attributes=[
                    {"code": "x", "description": "x", "datatype": "list", "required": False, "order": 1}
                ]
            ),
            "unknown datatype",
        ),
    ],
)
def test_check_reports_problems(raw: list[dict[str, Any]], mutate: Any, expected: str) -> None:
    data = only_group(raw, "gbt30428", "event", "01")
    mutate(data[0])
    errors = check_catalogue(data)
    assert any(expected in e for e in errors), errors


def test_check_reports_duplicate_group(raw: list[dict[str, Any]]) -> None:
    data = only_group(raw, "local", "wish", "L03") * 2
    assert any("duplicate group" in e for e in check_catalogue(data))


def test_check_reports_unreadable_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    assert "not valid UTF-8 JSON" in check_catalogue(broken)[0]
    assert "cannot read" in check_catalogue(tmp_path / "missing.json")[0]
    assert check_catalogue([]) == []
    not_a_list: Any = {"groups": []}
    assert check_catalogue(not_a_list) == ["the catalogue must be a JSON list of groups"]


def test_load_raises_with_the_errors(tmp_path: Path, raw: list[dict[str, Any]]) -> None:
    data = only_group(raw, "gbt30428", "event", "01")
    data[0]["children"][0]["default_unit_kind"] = "交警"
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert len(info.value.errors) == 1


# ------------------------------------------------------------------------------------- limit comparison


@pytest.mark.parametrize(
    ("shorter", "longer", "expected"),
    [
        (Limit(10, "minute", "natural"), Limit(30, "minute", "working"), True),
        (Limit(2, "hour", "natural"), Limit(1, "day", "working"), True),
        (Limit(8, "hour", "natural"), Limit(1, "day", "working"), False),  # an office day can be 7 h
        (Limit(24, "hour", "natural"), Limit(7, "day", "working"), True),
        (Limit(1, "day", "natural"), Limit(24, "hour", "natural"), True),
        (Limit(25, "hour", "natural"), Limit(1, "day", "natural"), False),
        (Limit(1, "day", "working"), Limit(1, "day", "working"), True),
        (Limit(1, "day", "working"), Limit(3, "day", "working"), True),
        (Limit(1, "day", "working"), Limit(10, "hour", "working"), False),  # may hold two office days
        (Limit(2, "hour", "working"), Limit(1, "day", "working"), True),
        (Limit(30, "minute", "working"), Limit(1, "hour", "natural"), False),  # holidays stretch working time
        (Limit(2, "hour", "working"), Limit(1, "hour", "working"), False),
    ],
)
def test_at_most(shorter: Limit, longer: Limit, expected: bool) -> None:
    assert at_most(shorter, longer) is expected
