"""Attribute schemas (附加字段): schema validation, cleaning of submitted values, and fuzzing. No database."""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiedao.cases.attributes import (
    DATATYPES,
    AttributeValidationError,
    SchemaError,
    clean_attributes,
    open311_attributes,
    validate_schema,
)

SCHEMA: list[dict[str, Any]] = [
    {
        "code": "hazard_level",
        "description": "隐患等级",
        "datatype": "singlevaluelist",
        "required": True,
        "order": 1,
        "values": [
            {"key": "general", "name": "一般隐患"},
            {"key": "serious", "name": "较大隐患"},
            {"key": "major", "name": "重大隐患"},
        ],
    },
    {
        "code": "tags",
        "description": "标签",
        "datatype": "multivaluelist",
        "required": False,
        "order": 2,
        "values": [{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}, {"key": "c", "name": "丙"}],
    },
    {
        "code": "party_count",
        "description": "当事人数",
        "datatype": "number",
        "required": False,
        "order": 3,
        "integer": True,
        "min": 2,
        "max": 1000,
    },
    {"code": "amount", "description": "涉及金额（元）", "datatype": "number", "required": False, "order": 4},
    {"code": "rectify_by", "description": "整改期限", "datatype": "datetime", "required": False, "order": 5},
    {"code": "person", "description": "责任人", "datatype": "string", "required": False, "order": 6},
    {"code": "notes", "description": "备注", "datatype": "text", "required": False, "order": 7},
    {
        "code": "component_id",
        "description": "部件编号",
        "datatype": "string",
        "required": False,
        "order": 8,
        "pattern": "[0-9]{6}0101[0-9]{6}",
        "datatype_description": "16 位数字",
    },
]
CODES = [a["code"] for a in SCHEMA]
RULES = {
    "required", "unknown", "duplicate", "type", "multiple", "choice", "max_length", "characters", "pattern",
    "range", "integer", "min", "max",
}  # fmt: skip


def errors_of(raw: Any, schema: list[dict[str, Any]] = SCHEMA) -> list[dict[str, str]]:
    with pytest.raises(AttributeValidationError) as info:
        clean_attributes(schema, raw)
    return info.value.errors


def rules_by_code(raw: Any) -> dict[str, str]:
    return {e["code"]: e["rule"] for e in errors_of(raw)}


# ------------------------------------------------------------------------------------- validate_schema


def test_valid_schema_has_no_errors() -> None:
    assert validate_schema(SCHEMA) == []
    assert validate_schema([]) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda s: s[0].update(datatype="boolean"), "unknown datatype"),
        (lambda s: s[0].pop("values"), "values must be a non-empty list"),
        (lambda s: s[0].update(values=[]), "values must be a non-empty list"),
        (lambda s: s[1].update(code="hazard_level"), "duplicate code"),
        (lambda s: s[1].update(order=1), "duplicate order"),
        (lambda s: s[0]["values"].append({"key": "major", "name": "又一个"}), "duplicate key"),
        (lambda s: s[0]["values"].append({"key": "x"}), "exactly 'key' and 'name'"),
        (lambda s: s[3].update(values=[{"key": "a", "name": "甲"}]), "values are only allowed"),
        (lambda s: s[0].update(required="yes"), "required must be true or false"),
        (lambda s: s[0].update(order=True), "order must be an integer"),
        (lambda s: s[0].update(code="1bad"), "code must be"),
        (lambda s: s[0].update(code="隐患"), "code must be"),
        (lambda s: s[0].update(description=""), "description must be"),
        (lambda s: s[0].update(colour="red"), "unknown keys"),
        (lambda s: s[7].update(pattern="(unclosed"), "not a valid regular expression"),
        (lambda s: s[7].update(pattern="[0-9]{6}${code}[0-9]{6}"), "placeholder"),
        (lambda s: s[3].update(pattern="[0-9]+"), "pattern is only allowed for datatype string"),
        (lambda s: s[2].update(min=5, max=1), "min must not exceed max"),
        (lambda s: s[2].update(max=float("inf")), "finite number"),
        (lambda s: s[2].update(max=10**400), "magnitude"),
        (lambda s: s[5].update(min=1), "min is only allowed for datatype number"),
        (lambda s: s[2].update(integer="yes"), "integer must be true or false"),
        (lambda s: s[0].update(variable="no"), "variable must be true or false"),
    ],
)
def test_schema_problems_are_reported(mutate: Any, expected: str) -> None:
    schema = copy.deepcopy(SCHEMA)
    mutate(schema)
    problems = validate_schema(schema)
    assert any(expected in p for p in problems), problems


def test_schema_must_be_a_list_of_objects() -> None:
    assert validate_schema({"code": "x"}) == ["attributes must be a list"]
    assert validate_schema(["x"]) == ["attributes[0] must be an object"]


def test_template_schema_accepts_code_placeholder() -> None:
    schema = copy.deepcopy(SCHEMA)
    schema[7]["pattern"] = "[0-9]{6}${code}[0-9]{6}"
    assert validate_schema(schema, template=True) == []


def test_clean_refuses_an_invalid_schema() -> None:
    with pytest.raises(SchemaError):
        clean_attributes(
            [{"code": "x", "description": "x", "datatype": "bogus", "required": False, "order": 1}], {}
        )


def test_open311_attributes_drop_extensions_and_sort() -> None:
    out = open311_attributes(reversed(SCHEMA))
    assert [a["order"] for a in out] == sorted(a["order"] for a in SCHEMA)
    assert all(set(a) <= {"variable", "code", "datatype", "required", "datatype_description", "order",
                          "description", "values"} for a in out)  # fmt: skip
    assert out[0]["values"][2] == {"key": "major", "name": "重大隐患"}
    assert out[0]["variable"] is True
    assert "values" not in out[2]


# ------------------------------------------------------------------------------------- clean_attributes


def test_clean_returns_typed_values_in_schema_order() -> None:
    cleaned = clean_attributes(
        SCHEMA,
        {
            "notes": "第一行\r\n第二行",
            "hazard_level": "major",
            "tags": ["b", "a", "b"],
            "party_count": "3",
            "amount": "1,299.37",
            "rectify_by": "2025-03-01 10:00",
            "person": "  张三 ",
            "component_id": "3205080101000001",
        },
    )
    assert cleaned == {
        "hazard_level": "major",
        "tags": ["b", "a"],
        "party_count": 3,
        "amount": 1299.37,
        "rectify_by": "2025-03-01T10:00:00+08:00",
        "person": "张三",
        "notes": "第一行\n第二行",
        "component_id": "3205080101000001",
    }
    assert list(cleaned) == [c for c in CODES if c in cleaned]


def test_missing_optional_attributes_are_left_out() -> None:
    assert clean_attributes(
        SCHEMA, {"hazard_level": "general", "person": "  ", "tags": [], "amount": None}
    ) == {"hazard_level": "general"}


def test_open311_form_names_and_lists_of_strings() -> None:
    form = {
        "attribute[hazard_level]": ["serious"],
        "attribute[tags][]": ["a", "c"],
        "attribute[amount]": ["12"],
    }
    assert clean_attributes(SCHEMA, form) == {"hazard_level": "serious", "tags": ["a", "c"], "amount": 12}


def test_single_key_for_multivaluelist_becomes_a_list() -> None:
    assert clean_attributes(SCHEMA, {"hazard_level": "general", "tags": "c"})["tags"] == ["c"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (12, 12),
        (12.0, 12),
        ("12.50", 12.5),
        ("-3", -3),
        ("１２３．５", 123.5),
        ("1,234,567", 1234567),
        (" 7 ", 7),
        (".5", 0.5),
        ("1000000000000", 10**12),
    ],
)
def test_numbers(raw: Any, expected: int | float) -> None:
    value = clean_attributes(SCHEMA, {"hazard_level": "general", "amount": raw})["amount"]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("nan", "type"),
        ("inf", "type"),
        (float("nan"), "type"),
        (float("inf"), "type"),
        ("1e3", "type"),
        (True, "type"),
        ("12元", "type"),
        ("1,23", "type"),
        ("", None),
        ({"v": 1}, "type"),
        ("1000000000001", "range"),
        (10**20, "range"),
    ],
)
def test_bad_numbers(raw: Any, rule: str | None) -> None:
    if rule is None:
        assert "amount" not in clean_attributes(SCHEMA, {"hazard_level": "general", "amount": raw})
    else:
        assert rules_by_code({"hazard_level": "general", "amount": raw})["amount"] == rule


def test_number_bounds_and_integer() -> None:
    assert rules_by_code({"hazard_level": "general", "party_count": "1"})["party_count"] == "min"
    assert rules_by_code({"hazard_level": "general", "party_count": 1001})["party_count"] == "max"
    assert rules_by_code({"hazard_level": "general", "party_count": "2.5"})["party_count"] == "integer"
    assert clean_attributes(SCHEMA, {"hazard_level": "general", "party_count": 2.0})["party_count"] == 2


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-01T10:00:00+08:00", "2025-03-01T10:00:00+08:00"),
        ("2025-03-01T10:00", "2025-03-01T10:00:00+08:00"),
        ("2025-03-01 10:00:59.999", "2025-03-01T10:00:59+08:00"),
        ("2025-03-01T02:00:00Z", "2025-03-01T10:00:00+08:00"),
        ("2025-03-01T02:00:00+0000", "2025-03-01T10:00:00+08:00"),
        ("2025-03-01", "2025-03-01T00:00:00+08:00"),
        ("２０２５-03-01", "2025-03-01T00:00:00+08:00"),
        (datetime(2025, 3, 1, 10, 0), "2025-03-01T10:00:00+08:00"),
        (datetime(2025, 3, 1, 2, 0, tzinfo=UTC), "2025-03-01T10:00:00+08:00"),
        (datetime(2025, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=-5))), "2025-03-01T23:00:00+08:00"),
        (date(2025, 3, 1), "2025-03-01T00:00:00+08:00"),
    ],
)
def test_datetimes_become_shanghai_iso(raw: Any, expected: str) -> None:
    assert clean_attributes(SCHEMA, {"hazard_level": "general", "rectify_by": raw})["rectify_by"] == expected


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("2025-02-30", "type"),
        ("2025/03/01", "type"),
        ("yesterday", "type"),
        ("2025-03-01T25:00", "type"),
        ("2025-03-01T10:00+24:00", "type"),
        (1740794400, "type"),
        ("1969-12-31T10:00", "range"),
        ("2101-01-01", "range"),
        ("0001-01-01T00:00+14:00", "range"),
    ],
)
def test_bad_datetimes(raw: Any, rule: str) -> None:
    assert rules_by_code({"hazard_level": "general", "rectify_by": raw})["rectify_by"] == rule


def test_strings_and_text() -> None:
    ok = {"hazard_level": "general"}
    assert clean_attributes(SCHEMA, {**ok, "person": "x" * 255})["person"] == "x" * 255
    assert rules_by_code({**ok, "person": "x" * 256})["person"] == "max_length"
    assert clean_attributes(SCHEMA, {**ok, "notes": "字" * 4000})["notes"] == "字" * 4000
    assert rules_by_code({**ok, "notes": "字" * 4001})["notes"] == "max_length"
    assert rules_by_code({**ok, "person": "a\nb"})["person"] == "characters"
    assert rules_by_code({**ok, "notes": "a\x00b"})["notes"] == "characters"
    assert rules_by_code({**ok, "person": "\ud800"})["person"] == "characters"
    assert clean_attributes(SCHEMA, {**ok, "notes": "a\n\tb"})["notes"] == "a\n\tb"
    assert clean_attributes(SCHEMA, {**ok, "person": 12345})["person"] == "12345"
    assert rules_by_code({**ok, "person": 1.5})["person"] == "type"


@pytest.mark.parametrize(
    "value", ["3205080102000001", "320508010100000", "32050801010000011", "32050801010000０1"]
)
def test_pattern(value: str) -> None:
    assert rules_by_code({"hazard_level": "general", "component_id": value})["component_id"] == "pattern"


def test_lists() -> None:
    assert rules_by_code({"hazard_level": "critical"})["hazard_level"] == "choice"
    assert rules_by_code({"hazard_level": "重大隐患"})["hazard_level"] == "choice"  # names are not keys
    assert rules_by_code({"hazard_level": ["general", "major"]})["hazard_level"] == "multiple"
    assert rules_by_code({"hazard_level": "general", "tags": ["a", "z"]})["tags"] == "choice"
    assert rules_by_code({"hazard_level": "general", "tags": [["a"]]})["tags"] == "type"
    assert rules_by_code({"hazard_level": {"key": "general"}})["hazard_level"] == "type"


def test_every_problem_is_reported_at_once() -> None:
    errors = errors_of(
        {
            "tags": ["z"],
            "party_count": "many",
            "rectify_by": "soon",
            "person": "x" * 300,
            "colour": "red",
            "attribute[amount]": "1",
            "amount": "2",
        }
    )
    assert {(e["code"], e["rule"]) for e in errors} == {
        ("hazard_level", "required"),
        ("tags", "choice"),
        ("party_count", "type"),
        ("rectify_by", "type"),
        ("person", "max_length"),
        ("colour", "unknown"),
        ("amount", "duplicate"),
    }
    for error in errors:
        assert set(error) == {"code", "message_zh", "message_en", "rule"}
        assert error["message_zh"] and error["message_en"]
    required = next(e for e in errors if e["rule"] == "required")
    assert "隐患等级" in required["message_zh"]


def test_raw_must_be_a_mapping() -> None:
    assert clean_attributes(SCHEMA[1:], None) == {}
    assert errors_of(["hazard_level"])[0]["rule"] == "type"
    assert errors_of({1: "x", "hazard_level": "general"})[0]["rule"] == "unknown"
    assert errors_of({10**5000: "x", "hazard_level": "general"})[0]["rule"] == "unknown"


def test_hostile_values_are_refused_not_crashed() -> None:
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    ok = {"hazard_level": "general"}
    assert rules_by_code({**ok, "person": 10**5000})["person"] == "type"
    assert rules_by_code({**ok, "amount": 10**5000})["amount"] == "range"
    assert rules_by_code({**ok, "tags": deep})["tags"] == "type"
    assert rules_by_code({**ok, "notes": deep})["notes"] == "type"
    assert rules_by_code({**ok, "rectify_by": b"2025-03-01"})["rectify_by"] == "type"


# ------------------------------------------------------------------------------------- fuzzing

json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**15), max_value=10**15)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
)
plausible = st.one_of(
    st.sampled_from(["general", "serious", "major", "a", "b", "c", "", " ", "2", "1,000", "３", "-0", ".5"]),
    st.lists(st.sampled_from(["a", "b", "c", "x", ""]), max_size=4),
    st.datetimes(min_value=datetime(1960, 1, 1), max_value=datetime(2110, 1, 1)).map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.timezones()),
    st.dates(),
    st.from_regex(r"[0-9]{6}0101[0-9]{6}", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
)
key = st.sampled_from(CODES).flatmap(
    lambda c: st.sampled_from([c, f"attribute[{c}]", f"attribute[{c}][]"])
) | st.text(max_size=12)
raw_mapping = st.dictionaries(key, st.one_of(plausible, json_value), max_size=10)
EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "text": (str,),
    "number": (int, float),
    "datetime": (str,),
    "singlevaluelist": (str,),
    "multivaluelist": (list,),
}
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(raw_mapping)
def test_fuzz_only_attribute_validation_errors(raw: dict[Any, Any]) -> None:
    """Whatever arrives, the result is typed values or an AttributeValidationError, and cleaning is stable."""
    try:
        cleaned = clean_attributes(SCHEMA, raw)
    except AttributeValidationError as exc:
        assert exc.errors
        for error in exc.errors:
            assert set(error) == {"code", "message_zh", "message_en", "rule"}
            assert error["rule"] in RULES
            assert all(isinstance(v, str) for v in error.values())
            error["message_zh"].encode("utf-8")  # always storable and renderable
        return
    by_code = {a["code"]: a for a in SCHEMA}
    for code, value in cleaned.items():
        assert isinstance(value, EXPECTED_TYPES[by_code[code]["datatype"]])
        assert not isinstance(value, bool)
    assert clean_attributes(SCHEMA, cleaned) == cleaned  # cleaned values clean to themselves


OPTIONAL_SCHEMA = [{**a, "required": False} for a in SCHEMA]
PER_DATATYPE = {
    "singlevaluelist": st.sampled_from(["general", "serious", "major", " major ", "x"]),
    "multivaluelist": st.lists(st.sampled_from(["a", "b", "c", " b", ""]), max_size=4)
    | st.sampled_from("abc"),
    "number": st.integers(-5, 2000)
    | st.floats(-1e13, 1e13)
    | st.decimals(-(10**13), 10**13, places=3).map(str)
    | st.sampled_from(["1,234.5", "１２", " 7 ", "2.0"]),
    "datetime": st.datetimes(datetime(1965, 1, 1), datetime(2105, 1, 1), timezones=st.none() | st.timezones())
    | st.datetimes(datetime(1965, 1, 1), datetime(2105, 1, 1)).map(lambda d: d.isoformat(sep=" "))
    | st.dates(date(1965, 1, 1), date(2105, 1, 1)).map(str),
    "string": st.text(max_size=300) | st.from_regex(r"[0-9]{6}0101[0-9]{6}", fullmatch=True),
    "text": st.text(max_size=4100),
}
valid_leaning = st.fixed_dictionaries(
    {}, optional={a["code"]: PER_DATATYPE[a["datatype"]] for a in OPTIONAL_SCHEMA}
)


@FUZZ
@given(valid_leaning)
def test_fuzz_valid_leaning_values_clean_stably(raw: dict[str, Any]) -> None:
    """Mostly plausible input: cleaning succeeds or refuses per field, and cleaned output is a fixed point."""
    try:
        cleaned = clean_attributes(OPTIONAL_SCHEMA, raw)
    except AttributeValidationError as exc:
        assert {e["code"] for e in exc.errors} <= set(raw)
        return
    assert set(cleaned) <= set(raw)
    assert clean_attributes(OPTIONAL_SCHEMA, cleaned) == cleaned


@FUZZ
@given(st.one_of(json_value, raw_mapping))
def test_fuzz_any_raw_object(raw: Any) -> None:
    with contextlib.suppress(AttributeValidationError):
        clean_attributes(SCHEMA, raw)


def test_all_datatypes_are_covered_by_the_fuzz_schema() -> None:
    assert {a["datatype"] for a in SCHEMA} == set(DATATYPES)
