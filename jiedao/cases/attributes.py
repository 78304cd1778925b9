"""Category attributes (附加字段) as Open311 service definitions, and the seeded category catalogue.

Pure data and pure functions; no Django. Two halves:

* Attribute schemas. A category carries a list of Open311 GeoReport v2 attribute definitions (``code``,
  ``description``, ``datatype``, ``required``, ``order``, ``datatype_description``, ``values``, ``variable``).
  ``validate_schema`` checks one when an administrator edits a category; ``clean_attributes`` turns what a
  form, the Open311 endpoint or a JSON client sent into typed values, or refuses it with every failing
  field at once. Jiedao adds four optional keys that Open311 clients never see (``open311_attributes``
  drops them): ``pattern`` (string: the whole value must match this regular expression), ``min`` / ``max``
  (number bounds) and ``integer`` (number: no fraction).

* The catalogue. ``catalogue/categories.json`` seeds the categories (类别): GB/T 30428.2-2013 events and
  components, GB/T 47678.5-2026 matters, 12345 request classes and local groups (安全隐患, 矛盾纠纷, 微心愿).
  ``load_catalogue`` flattens its groups (大类) into leaf ``CategorySpec`` rows (小类) with inherited limits,
  handling-unit kind and attributes; ``check_catalogue`` lists everything wrong with a catalogue file.

Cleaned values:

* string: ``str`` stripped, at most 255 characters, no control characters.
* text: ``str`` stripped, at most 4000 characters, line breaks normalised to ``\\n``.
* number: ``int`` when the value is integral (``"12"``, ``12``, ``12.0``), else ``float``. Strings may use
  full-width digits and thousands separators (``"1,299.37"``); no exponents, NaN, infinities or booleans;
  the magnitude is at most 10^12, so yuan amounts with two decimals stay exact in JSON.
* datetime: ISO-8601 text with offset in Asia/Shanghai (``"2025-03-01T10:00:00+08:00"``), to the second.
  Naive input is Beijing time; a bare date means 00:00 that day. Years 1970–2100.
* singlevaluelist: the chosen ``key``. multivaluelist: the list of chosen keys, duplicates dropped, in the
  order given.

Missing optional attributes are left out of the result (never ``None``).
"""

from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

DATATYPES: tuple[str, ...] = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})
STRING_MAX_LENGTH = 255
TEXT_MAX_LENGTH = 4000
NUMBER_MAX_MAGNITUDE = 10**12
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100
MAX_ATTRIBUTES = 50
MAX_VALUES = 200
MAX_PATTERN_LENGTH = 200
CODE_PLACEHOLDER = "${code}"  # in catalogue ``pattern`` / ``datatype_description``: the leaf's code

_ATTRIBUTE_KEYS = frozenset(
    {"code", "description", "datatype", "required", "order", "datatype_description", "values", "variable"}
)
_EXTENSION_KEYS = frozenset({"pattern", "min", "max", "integer"})
_ATTRIBUTE_CODE_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}", re.ASCII)
_FORM_KEY_RE = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)", re.ASCII)
_GROUPED_NUMBER_RE = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", re.ASCII)
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?",
    re.ASCII,
)
_TEXT_CONTROLS_ALLOWED = frozenset("\n\t")


# --------------------------------------------------------------------------------------------- errors


class SchemaError(ValueError):
    """An attribute schema that ``validate_schema`` refuses (a configuration bug, not bad user input)."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


class AttributeValidationError(ValueError):
    """Submitted attributes refused; ``errors`` lists every failing field.

    Each error is ``{"code", "message_zh", "message_en", "rule"}``; ``rule`` is one of ``required``,
    ``unknown``, ``duplicate``, ``type``, ``multiple``, ``choice``, ``max_length``, ``characters``,
    ``pattern``, ``range``, ``integer``, ``min``, ``max``.
    """

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e['code']}: {e['message_en']}" for e in errors))


class CatalogueError(ValueError):
    """The catalogue file is malformed; ``errors`` is what ``check_catalogue`` reports."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} catalogue error(s): " + "; ".join(errors[:5]))


# --------------------------------------------------------------------------------------------- schema


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def validate_schema(schema: object, *, template: bool = False) -> list[str]:
    """Problems with an attribute schema (Open311 attribute list); empty when it is usable.

    ``template=True`` accepts the ``${code}`` placeholder in ``pattern`` (catalogue group definitions).
    """
    if not isinstance(schema, list):
        return ["attributes must be a list"]
    if len(schema) > MAX_ATTRIBUTES:
        return [f"attributes: at most {MAX_ATTRIBUTES} attributes"]
    errors: list[str] = []
    seen_codes: set[str] = set()
    seen_orders: set[int] = set()
    for index, item in enumerate(schema):
        if not isinstance(item, dict):
            errors.append(f"attributes[{index}] must be an object")
            continue
        code = item.get("code")
        where = f"attributes[{index}]" + (f" ({code})" if isinstance(code, str) else "")
        errors.extend(f"{where}: {problem}" for problem in _attribute_problems(item, template=template))
        if isinstance(code, str):
            if code in seen_codes:
                errors.append(f"{where}: duplicate code {code!r}")
            seen_codes.add(code)
        order = item.get("order")
        if _is_int(order):
            if order in seen_orders:
                errors.append(f"{where}: duplicate order {order}")
            seen_orders.add(order)
    return errors


def _attribute_problems(item: dict[str, Any], *, template: bool) -> list[str]:
    problems: list[str] = []
    unknown = set(item) - _ATTRIBUTE_KEYS - _EXTENSION_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    code = item.get("code")
    if not isinstance(code, str) or not _ATTRIBUTE_CODE_RE.fullmatch(code):
        problems.append("code must be 1-64 ASCII letters, digits or '_', starting with a letter")
    description = item.get("description")
    if not isinstance(description, str) or not description.strip() or len(description) > 200:
        problems.append("description must be a non-empty string of at most 200 characters")
    datatype = item.get("datatype")
    if datatype not in DATATYPES:
        problems.append(f"unknown datatype {datatype!r}; expected one of {', '.join(DATATYPES)}")
    if not isinstance(item.get("required"), bool):
        problems.append("required must be true or false")
    if "variable" in item and not isinstance(item["variable"], bool):
        problems.append("variable must be true or false")
    order = item.get("order")
    if not _is_int(order) or not 0 <= order <= 10_000:
        problems.append("order must be an integer from 0 to 10000")
    if "datatype_description" in item and (
        not isinstance(item["datatype_description"], str) or len(item["datatype_description"]) > 500
    ):
        problems.append("datatype_description must be a string of at most 500 characters")
    values = item.get("values")
    if datatype in LIST_DATATYPES:
        problems.extend(_values_problems(values))
    elif "values" in item:
        problems.append(f"values are only allowed for {' and '.join(sorted(LIST_DATATYPES))}")
    problems.extend(_extension_problems(item, datatype, template=template))
    return problems


def _values_problems(values: object) -> list[str]:
    if not isinstance(values, list) or not values:
        return ["values must be a non-empty list of {key, name} for a list datatype"]
    if len(values) > MAX_VALUES:
        return [f"values: at most {MAX_VALUES} entries"]
    problems: list[str] = []
    keys: set[str] = set()
    for position, value in enumerate(values):
        if not isinstance(value, dict) or set(value) != {"key", "name"}:
            problems.append(f"values[{position}] must be an object with exactly 'key' and 'name'")
            continue
        key, name = value["key"], value["name"]
        if not isinstance(key, str) or not key.strip() or key != key.strip() or len(key) > 64:
            problems.append(f"values[{position}].key must be a non-empty string of at most 64 characters")
        elif key in keys:
            problems.append(f"values[{position}]: duplicate key {key!r}")
        else:
            keys.add(key)
        if not isinstance(name, str) or not name.strip() or len(name) > 100:
            problems.append(f"values[{position}].name must be a non-empty string of at most 100 characters")
    return problems


def _extension_problems(item: dict[str, Any], datatype: object, *, template: bool) -> list[str]:
    problems: list[str] = []
    if "pattern" in item:
        pattern = item["pattern"]
        if datatype != "string":
            problems.append("pattern is only allowed for datatype string")
        elif not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN_LENGTH:
            problems.append(f"pattern must be a non-empty string of at most {MAX_PATTERN_LENGTH} characters")
        elif CODE_PLACEHOLDER in pattern and not template:
            problems.append(f"pattern still contains the placeholder {CODE_PLACEHOLDER}")
        else:
            try:
                re.compile(pattern.replace(CODE_PLACEHOLDER, "0"))
            except re.error as exc:
                problems.append(f"pattern is not a valid regular expression: {exc}")
    for bound in ("min", "max"):
        if bound in item:
            if datatype != "number":
                problems.append(f"{bound} is only allowed for datatype number")
            elif not _is_finite_number(item[bound]) or abs(item[bound]) > NUMBER_MAX_MAGNITUDE:
                problems.append(f"{bound} must be a finite number of magnitude at most 10^12")
    if (
        _is_finite_number(item.get("min"))
        and _is_finite_number(item.get("max"))
        and item["min"] > item["max"]
    ):
        problems.append("min must not exceed max")
    if "integer" in item:
        if datatype != "number":
            problems.append("integer is only allowed for datatype number")
        elif not isinstance(item["integer"], bool):
            problems.append("integer must be true or false")
    return problems


def open311_attributes(schema: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The schema as Open311 ``services/{code}`` attributes: Jiedao's extensions dropped, sorted by order."""
    result = []
    for item in sorted(schema, key=lambda a: a["order"]):
        attribute: dict[str, Any] = {
            "variable": item.get("variable", True),
            "code": item["code"],
            "datatype": item["datatype"],
            "required": item["required"],
            "datatype_description": item.get("datatype_description", ""),
            "order": item["order"],
            "description": item["description"],
        }
        if item["datatype"] in LIST_DATATYPES:
            attribute["values"] = [{"key": v["key"], "name": v["name"]} for v in item["values"]]
        result.append(attribute)
    return result


# --------------------------------------------------------------------------------------------- cleaning

_MISSING = object()

_EXPECTED = {
    "string": ("文本", "a string"),
    "text": ("文本", "a string"),
    "number": ("数字", "a number"),
    "datetime": ("ISO-8601 日期时间，如 2025-03-01T10:00:00+08:00", "an ISO-8601 date-time"),
    "singlevaluelist": ("可选值之一", "one of the listed keys"),
    "multivaluelist": ("可选值列表", "a list of the listed keys"),
}


class _Refused(Exception):
    """One attribute's value refused (internal)."""

    def __init__(self, rule: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.rule, self.zh, self.en = rule, zh, en


def _error(code: str, rule: str, zh: str, en: str) -> dict[str, str]:
    return {"code": code, "message_zh": zh, "message_en": en, "rule": rule}


def _shown(value: str, limit: int = 30) -> str:
    """A user-supplied fragment safe to echo in a message: printable, valid UTF-8, short."""
    printable = "".join(ch if ch.isprintable() else "?" for ch in value[:limit])
    printable = printable.encode("utf-8", "replace").decode("utf-8")
    return printable + ("…" if len(value) > limit else "")


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple)):  # one level deep: form fields give flat lists
        return all(v is None or (isinstance(v, str) and not v.strip()) for v in value)
    return False


def _collect(raw: Mapping[Any, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Map ``code``, ``attribute[code]`` and ``attribute[code][]`` keys to codes; flag clashes."""
    collected: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for key, value in raw.items():
        if not isinstance(key, str):
            errors.append(
                _error(type(key).__name__, "unknown", "字段名无效", "attribute names must be strings")
            )
            continue
        match = _FORM_KEY_RE.fullmatch(key)
        code = match.group(1) if match else key
        if code in collected:
            errors.append(
                _error(
                    _shown(code),
                    "duplicate",
                    f"字段「{_shown(code)}」重复提交",
                    f"attribute {_shown(code)!r} was given more than once",
                )
            )
            continue
        collected[code] = value
    return collected, errors


def check_schema(schema: object) -> None:
    """Raise ``SchemaError`` unless ``schema`` passes ``validate_schema``."""
    schema_errors = validate_schema(schema)
    if schema_errors:
        raise SchemaError(schema_errors)


def clean_attributes(
    schema: list[dict[str, Any]], raw: Mapping[Any, Any] | None, *, schema_checked: bool = False
) -> dict[str, Any]:
    """Typed values for ``schema`` from ``raw``, or ``AttributeValidationError`` listing every problem.

    ``raw`` maps an attribute code (or the Open311 form names ``attribute[code]`` / ``attribute[code][]``) to
    a string, a list of strings (form fields) or a JSON value; from a Django ``QueryDict`` pass
    ``{key: query.getlist(key) for key in query}`` so repeated ``attribute[code][]`` fields all arrive.
    ``schema`` must pass ``validate_schema`` (else ``SchemaError``); ``schema_checked`` says the caller has
    already seen it pass (``check_schema``: an import checks each category's once, not once per row).
    The result follows the attributes' order.
    """
    if not schema_checked:
        check_schema(schema)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise AttributeValidationError(
            [
                _error(
                    "",
                    "type",
                    "附加字段应为“字段代码 → 取值”的映射",
                    "attributes must be a mapping of code to value",
                )
            ]
        )
    collected, errors = _collect(raw)
    by_code = {attribute["code"]: attribute for attribute in schema}
    for code in collected:
        if code not in by_code:
            errors.append(
                _error(
                    _shown(code),
                    "unknown",
                    f"未知字段「{_shown(code)}」",
                    f"unknown attribute {_shown(code)!r}",
                )
            )
    cleaned: dict[str, Any] = {}
    for attribute in sorted(schema, key=lambda a: a["order"]):
        code, label = attribute["code"], attribute["description"]
        value = collected.get(code, _MISSING)
        if value is _MISSING or _is_blank(value):
            if attribute["required"]:
                errors.append(
                    _error(code, "required", f"请填写「{label}」", f"{code!r} ({label}) is required")
                )
            continue
        try:
            cleaned[code] = _clean_one(attribute, value)
        except _Refused as refused:
            errors.append(_error(code, refused.rule, f"「{label}」{refused.zh}", f"{code!r}: {refused.en}"))
    if errors:
        raise AttributeValidationError(errors)
    return cleaned


def _clean_one(attribute: Mapping[str, Any], value: object) -> Any:
    datatype = attribute["datatype"]
    if datatype == "multivaluelist":
        return _clean_multi(attribute, value)
    if isinstance(value, (list, tuple)):
        present = [v for v in value if not _is_blank(v)]
        if len(present) != 1:
            raise _Refused("multiple", "只能填写一个值", "takes a single value")
        value = present[0]
    if datatype in ("string", "text"):
        return _clean_text(attribute, value)
    if datatype == "number":
        return _clean_number(attribute, value)
    if datatype == "datetime":
        return _clean_datetime(value)
    return _clean_choice(attribute, value)


def _wrong_type(datatype: str) -> _Refused:
    zh, en = _EXPECTED[datatype]
    return _Refused("type", f"格式不正确，应为{zh}", f"must be {en}")


def _scalar_text(value: object, datatype: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**64:
        return str(value)
    raise _wrong_type(datatype)


def _clean_text(attribute: Mapping[str, Any], value: object) -> str:
    datatype = attribute["datatype"]
    text = _scalar_text(value, datatype)
    if datatype == "text":
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused(
            "characters", "含有无法保存的字符", "contains characters that cannot be stored"
        ) from None
    allowed = _TEXT_CONTROLS_ALLOWED if datatype == "text" else frozenset()
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise _Refused("characters", "含有控制字符", "contains control characters")
    limit = TEXT_MAX_LENGTH if datatype == "text" else STRING_MAX_LENGTH
    if len(text) > limit:
        raise _Refused("max_length", f"不能超过 {limit} 个字符", f"must be at most {limit} characters")
    pattern = attribute.get("pattern")
    if pattern is not None and not re.fullmatch(pattern, text):
        hint = attribute.get("datatype_description") or pattern
        raise _Refused("pattern", f"格式不符合要求（{hint}）", "does not match the required format")
    return text


def _parse_number(value: object) -> int | float:
    number: Decimal | float | int
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _wrong_type("number")
        number = value
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if len(text) > 40:
            raise _wrong_type("number")
        if _GROUPED_NUMBER_RE.fullmatch(text):
            text = text.replace(",", "")
        if not _NUMBER_RE.fullmatch(text):
            raise _wrong_type("number")
        try:
            number = Decimal(text)
        except InvalidOperation:  # the regex admits only valid literals; kept as a safety net
            raise _wrong_type("number") from None
    else:
        raise _wrong_type("number")
    if abs(number) > NUMBER_MAX_MAGNITUDE:
        raise _Refused("range", "数值超出范围", "is out of range (magnitude at most 10^12)")
    as_float = float(number)
    return int(as_float) if as_float.is_integer() else as_float


def _clean_number(attribute: Mapping[str, Any], value: object) -> int | float:
    number = _parse_number(value)
    if attribute.get("integer") and not isinstance(number, int):
        raise _Refused("integer", "应为整数", "must be a whole number")
    if "min" in attribute and number < attribute["min"]:
        raise _Refused("min", f"不能小于 {attribute['min']}", f"must be at least {attribute['min']}")
    if "max" in attribute and number > attribute["max"]:
        raise _Refused("max", f"不能大于 {attribute['max']}", f"must be at most {attribute['max']}")
    return number


def _clean_datetime(value: object) -> str:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        if len(text) > 40 or not _DATETIME_RE.fullmatch(text):
            raise _wrong_type("datetime")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise _wrong_type("datetime") from None
    else:
        raise _wrong_type("datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    try:
        local = moment.astimezone(SHANGHAI)
    except (OverflowError, ValueError):
        local = None
    if local is None or not EARLIEST_YEAR <= local.year <= LATEST_YEAR:
        raise _Refused(
            "range",
            f"日期应在 {EARLIEST_YEAR}—{LATEST_YEAR} 年之间",
            f"must fall in {EARLIEST_YEAR}-{LATEST_YEAR}",
        )
    return local.isoformat(timespec="seconds")


def _choice_key(value: object, datatype: str) -> str:
    return _scalar_text(value, datatype).strip()


def _clean_choice(attribute: Mapping[str, Any], value: object) -> str:
    key = _choice_key(value, "singlevaluelist")
    if key not in {v["key"] for v in attribute["values"]}:
        raise _Refused(
            "choice", f"的取值“{_shown(key)}”不在可选范围内", f"{_shown(key)!r} is not an allowed key"
        )
    return key


def _clean_multi(attribute: Mapping[str, Any], value: object) -> list[str]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    allowed = {v["key"] for v in attribute["values"]}
    keys: list[str] = []
    for item in items:
        if _is_blank(item):
            continue
        key = _choice_key(item, "multivaluelist")
        if key not in allowed:
            raise _Refused(
                "choice", f"的取值“{_shown(key)}”不在可选范围内", f"{_shown(key)!r} is not an allowed key"
            )
        if key not in keys:
            keys.append(key)
    return keys


# --------------------------------------------------------------------------------------------- catalogue

Urgency = Literal["normal", "urgent"]
Stage = Literal["register", "dispatch", "accept", "handle", "verify"]
TimeUnit = Literal["minute", "hour", "day"]
TimeBasis = Literal["working", "natural"]

URGENCIES: tuple[str, ...] = ("normal", "urgent")
STAGES: tuple[str, ...] = ("register", "dispatch", "accept", "handle", "verify")
TIME_UNITS: tuple[str, ...] = ("minute", "hour", "day")
TIME_BASES: tuple[str, ...] = ("working", "natural")
SCHEMES: tuple[str, ...] = ("gbt30428", "gbt47678", "12345", "local")
KINDS: tuple[str, ...] = ("event", "component", "request", "hazard", "dispute", "wish")
UNIT_KINDS: tuple[str, ...] = (
    "城管",
    "市政",
    "绿化",
    "环卫",
    "消防",
    "派出所",
    "物业",
    "市场监管",
    "住建",
    "供电",
    "燃气",
    "社区居委会",
    "联动工作站",
)
SCHEME_KINDS: dict[str, frozenset[str]] = {
    "gbt30428": frozenset({"event", "component"}),
    "gbt47678": frozenset({"event", "component"}),
    "12345": frozenset({"request"}),
    "local": frozenset(KINDS),
}
# (group code, leaf code) formats; a leaf code always starts with its group's code.
_CODE_FORMATS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "gbt30428": (re.compile(r"[0-9]{2}"), re.compile(r"[0-9]{4}")),
    "gbt47678": (re.compile(r"[0-9]{2}"), re.compile(r"[0-9]{5}")),
    "12345": (re.compile(r"[0-9A-Z]{1,8}"), re.compile(r"[0-9A-Z]{2,12}")),
    "local": (re.compile(r"[0-9A-Z]{1,8}"), re.compile(r"[0-9A-Z]{2,12}")),
}
DEFAULT_CATALOGUE = Path(__file__).resolve().parent / "catalogue" / "categories.json"

# Bounds of one office day in working minutes, used only to compare limits of different units; the
# instance's office hours (default 08:30-12:00, 13:30-17:30 = 7.5 h) are assumed to lie between them.
OFFICE_DAY_MIN_MINUTES = 420
OFFICE_DAY_MAX_MINUTES = 600
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}

_GROUP_KEYS = frozenset(
    {
        "scheme",
        "kind",
        "code",
        "name",
        "name_en",
        "description",
        "source",
        "keywords",
        "limits",
        "default_unit_kind",
        "attributes",
        "children",
    }
)
_CHILD_KEYS = _GROUP_KEYS - {"scheme", "kind", "children"}


@dataclass(frozen=True)
class Limit:
    """A stage's time limit (时限): ``amount`` ``unit``s of working (工作时间) or natural (自然时间) time."""

    amount: int
    unit: TimeUnit
    basis: TimeBasis

    def as_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "unit": self.unit, "basis": self.basis}

    def _working_bounds(self) -> tuple[int, int]:
        """(least, most) office minutes this working-time limit can span on the working calendar.

        N working days end at the close of the N-th working day after the start day, so they hold N to N+1
        office days.
        """
        if self.unit == "day":
            return self.amount * OFFICE_DAY_MIN_MINUTES, (self.amount + 1) * OFFICE_DAY_MAX_MINUTES
        minutes = self.amount * _UNIT_MINUTES[self.unit]
        return minutes, minutes


def at_most(shorter: Limit, longer: Limit) -> bool:
    """Whether ``shorter`` can never end after ``longer`` when both start at the same instant.

    Same unit and basis compare amounts; natural limits compare minutes. A natural limit is shorter than a
    working one when its minutes do not exceed the working limit's least office minutes (elapsed time is
    never less than the office time inside it). A working limit is never provably shorter than a natural
    one: holidays can stretch it without bound.
    """
    if shorter.unit == longer.unit and shorter.basis == longer.basis:
        return shorter.amount <= longer.amount
    if shorter.basis == "natural":
        minutes = shorter.amount * _UNIT_MINUTES[shorter.unit]
        if longer.basis == "natural":
            return minutes <= longer.amount * _UNIT_MINUTES[longer.unit]
        return minutes <= longer._working_bounds()[0]
    if longer.basis == "natural":
        return False
    return shorter._working_bounds()[1] <= longer._working_bounds()[0]


@dataclass(frozen=True)
class CategorySpec:
    """One leaf category (小类) of the catalogue, with everything inherited from its group (大类)."""

    scheme: str
    kind: str
    code: str
    name: str
    name_en: str
    group_code: str
    group_name: str
    group_name_en: str
    group_description: str
    description: str
    keywords: tuple[str, ...]
    default_unit_kind: str
    limits: dict[str, dict[str, Limit]]
    attributes: tuple[dict[str, Any], ...]
    source: str
    group_unit_kind: str = ""  # the group's own default_unit_kind (大类), when it sets one

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def key(self) -> tuple[str, str, str]:
        """(scheme, kind, code): unique in a catalogue; GB/T 47678.5 reuses numbers across kinds."""
        return (self.scheme, self.kind, self.code)

    def limit(self, urgency: Urgency, stage: Stage) -> Limit:
        return self.limits[urgency][stage]

    def stage_limits(self) -> list[tuple[str, str, int, str, str]]:
        """(urgency, stage, amount, unit, basis) rows, urgencies then stages in process order."""
        rows = []
        for urgency in URGENCIES:
            for stage in STAGES:
                lim = self.limits[urgency][stage]
                rows.append((urgency, stage, lim.amount, lim.unit, lim.basis))
        return rows


def _read(source: object) -> tuple[Any, list[str]]:
    """(parsed catalogue, errors) from a path, ``None`` (the shipped file) or already-parsed data."""
    if source is not None and not isinstance(source, (str, Path)):
        return source, []
    path = Path(source) if source is not None else DEFAULT_CATALOGUE
    try:
        return json.loads(path.read_text(encoding="utf-8")), []
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc}"]
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [f"{path}: not valid UTF-8 JSON: {exc}"]


def check_catalogue(source: str | Path | list[Any] | None = None) -> list[str]:
    """Everything wrong with a catalogue (the shipped file by default; a path or already-parsed groups).

    Checks structure and key names, scheme/kind pairs, code formats and prefixes, uniqueness of
    (scheme, kind, code) for groups and leaves, names and keyword lengths that fit the Category model, unit
    kinds, attribute schemas, that every leaf has all five stages for both urgencies after inheritance,
    and that no urgent limit can outlast the normal one (``at_most``).
    """
    data, errors = _read(source)
    if errors:
        return errors
    return _build(data)[1]


def load_catalogue(path: str | Path | None = None) -> list[CategorySpec]:
    """The catalogue's leaf categories in file order; ``CatalogueError`` if ``check_catalogue`` objects."""
    data, errors = _read(path)
    if errors:
        raise CatalogueError(errors)
    specs, errors = _build(data)
    if errors:
        raise CatalogueError(errors)
    return specs


def _text_problems(node: Mapping[str, Any], key: str, limit: int, *, required: bool) -> list[str]:
    if key not in node:
        return [f"{key} is required"] if required else []
    value = node[key]
    if (
        not isinstance(value, str)
        or (required and not value.strip())
        or len(value) > limit
        or value != value.strip()
    ):
        return [
            f"{key} must be a {'non-empty ' if required else ''}trimmed string of at most {limit} characters"
        ]
    return []


def _keywords_problems(node: Mapping[str, Any]) -> list[str]:
    if "keywords" not in node:
        return []
    keywords = node["keywords"]
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() == k and k for k in keywords
    ):
        return ["keywords must be a list of non-empty trimmed strings"]
    if len(set(keywords)) != len(keywords):
        return ["keywords must not repeat"]
    if len(" ".join(keywords)) > 200:
        return ["keywords joined by spaces must fit 200 characters"]
    return []


def _limits_problems(limits: object) -> tuple[dict[str, dict[str, Limit]], list[str]]:
    """Parsed (possibly partial) limits and their problems."""
    parsed: dict[str, dict[str, Limit]] = {}
    if not isinstance(limits, dict):
        return parsed, ["limits must be an object keyed by urgency"]
    problems: list[str] = []
    for urgency, stages in limits.items():
        if urgency not in URGENCIES:
            problems.append(f"limits: unknown urgency {urgency!r}")
            continue
        if not isinstance(stages, dict):
            problems.append(f"limits.{urgency} must be an object keyed by stage")
            continue
        parsed[urgency] = {}
        for stage, spec in stages.items():
            where = f"limits.{urgency}.{stage}"
            if stage not in STAGES:
                problems.append(f"limits.{urgency}: unknown stage {stage!r}")
                continue
            if not isinstance(spec, dict) or set(spec) != {"amount", "unit", "basis"}:
                problems.append(f"{where} must be exactly {{amount, unit, basis}}")
                continue
            amount, unit, basis = spec["amount"], spec["unit"], spec["basis"]
            if not _is_int(amount) or not 1 <= amount <= 10_000:
                problems.append(f"{where}.amount must be an integer from 1 to 10000")
            elif unit not in TIME_UNITS:
                problems.append(f"{where}.unit must be one of {', '.join(TIME_UNITS)}")
            elif basis not in TIME_BASES:
                problems.append(f"{where}.basis must be one of {', '.join(TIME_BASES)}")
            else:
                parsed[urgency][stage] = Limit(amount, unit, basis)
    return parsed, problems


def _node_problems(node: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    problems = [f"unknown keys {sorted(set(node) - allowed)}"] if set(node) - allowed else []
    problems += _text_problems(node, "name", 100, required=True)
    problems += _text_problems(node, "name_en", 100, required=True)
    problems += _text_problems(node, "description", 500, required=False)
    problems += _text_problems(node, "source", 200, required=False)
    problems += _keywords_problems(node)
    if "default_unit_kind" in node and node["default_unit_kind"] not in UNIT_KINDS:
        problems.append(f"default_unit_kind must be one of {', '.join(UNIT_KINDS)}")
    if "attributes" in node and not isinstance(node["attributes"], list):
        problems.append("attributes must be a list")
    return problems


def _build(data: object) -> tuple[list[CategorySpec], list[str]]:
    if not isinstance(data, list):
        return [], ["the catalogue must be a JSON list of groups"]
    specs: list[CategorySpec] = []
    errors: list[str] = []
    group_keys: set[tuple[str, str, str]] = set()
    leaf_keys: set[tuple[str, str, str]] = set()
    for index, group in enumerate(data):
        if not isinstance(group, dict):
            errors.append(f"groups[{index}] must be an object")
            continue
        scheme, kind, code = group.get("scheme"), group.get("kind"), group.get("code")
        where = f"{scheme}/{kind}/{code}"
        problems = _node_problems(group, _GROUP_KEYS)
        if scheme not in SCHEMES:
            problems.append(f"scheme must be one of {', '.join(SCHEMES)}")
        elif kind not in SCHEME_KINDS[scheme]:
            problems.append(
                f"kind must be one of {', '.join(sorted(SCHEME_KINDS[scheme]))} for scheme {scheme}"
            )
        elif not isinstance(code, str) or not _CODE_FORMATS[scheme][0].fullmatch(code):
            problems.append(f"group code {code!r} does not fit scheme {scheme}")
        elif (scheme, kind, code) in group_keys:
            problems.append("duplicate group (scheme, kind, code)")
        else:
            group_keys.add((scheme, kind, code))
        group_limits, limit_problems = _limits_problems(group.get("limits", {}))
        problems += limit_problems
        group_attributes = group.get("attributes", [])
        if isinstance(group_attributes, list):
            problems += validate_schema(group_attributes, template=True)
        children = group.get("children")
        if not isinstance(children, list):
            problems.append("children must be a list")
            children = []
        errors.extend(f"{where}: {problem}" for problem in problems)
        if problems:
            continue
        for position, child in enumerate(children):
            if not isinstance(child, dict):
                errors.append(f"{where}: children[{position}] must be an object")
                continue
            spec, child_problems = _leaf(group, group_limits, child)
            if spec is not None and spec.key in leaf_keys:
                child_problems.append("duplicate (scheme, kind, code)")
            errors.extend(f"{where}/{child.get('code')}: {problem}" for problem in child_problems)
            if spec is not None and not child_problems:
                leaf_keys.add(spec.key)
                specs.append(spec)
    return specs, errors


def _leaf(
    group: Mapping[str, Any], group_limits: dict[str, dict[str, Limit]], child: Mapping[str, Any]
) -> tuple[CategorySpec | None, list[str]]:
    scheme, code = group["scheme"], child.get("code")
    problems = _node_problems(child, _CHILD_KEYS)
    if not isinstance(code, str) or not _CODE_FORMATS[scheme][1].fullmatch(code):
        problems.append(f"code {code!r} does not fit scheme {scheme}")
    elif not code.startswith(group["code"]) or code == group["code"]:
        problems.append(f"code must extend its group code {group['code']!r}")
    child_limits, limit_problems = _limits_problems(child.get("limits", {}))
    problems += limit_problems
    limits = {u: {**group_limits.get(u, {}), **child_limits.get(u, {})} for u in URGENCIES}
    for urgency in URGENCIES:
        missing = [stage for stage in STAGES if stage not in limits[urgency]]
        if missing and not limit_problems:
            problems.append(f"limits.{urgency} lacks {', '.join(missing)} (after inheritance)")
    if not limit_problems:
        for stage in STAGES:
            urgent, normal = limits["urgent"].get(stage), limits["normal"].get(stage)
            if urgent and normal and not at_most(urgent, normal):
                problems.append(
                    f"urgent {stage} limit {urgent.as_dict()} may outlast normal {normal.as_dict()}"
                )
    unit_kind = child.get("default_unit_kind", group.get("default_unit_kind"))
    if unit_kind is None:
        problems.append("default_unit_kind missing (neither child nor group sets it)")
    attributes: list[dict[str, Any]] = []
    if isinstance(child.get("attributes", []), list) and isinstance(code, str):
        attributes = copy.deepcopy(list(group.get("attributes", [])) + list(child.get("attributes", [])))
        for attribute in attributes:
            for key in ("pattern", "datatype_description"):
                if isinstance(attribute, dict) and isinstance(attribute.get(key), str):
                    attribute[key] = attribute[key].replace(CODE_PLACEHOLDER, code)
        problems += validate_schema(attributes)
    if problems:
        return None, problems
    spec = CategorySpec(
        scheme=scheme,
        kind=group["kind"],
        code=code,
        name=child["name"],
        name_en=child["name_en"],
        group_code=group["code"],
        group_name=group["name"],
        group_name_en=group["name_en"],
        group_description=group.get("description", ""),
        description=child.get("description", ""),
        keywords=tuple(child.get("keywords", ())),
        default_unit_kind=unit_kind,
        limits=limits,
        attributes=tuple(attributes),
        source=child.get("source", group.get("source", "")),
        group_unit_kind=group.get("default_unit_kind", ""),
    )
    return spec, []
