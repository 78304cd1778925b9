"""12345 work-order spreadsheets: the columns, mapping local headers onto them, and checking every row.

Pure reading and checking; nothing here writes. ``hotline.importer`` applies checked rows through the case
actions. Every problem is a ``RowError`` naming the spreadsheet row, the column header and the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from itertools import chain
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from jiedao.cases.models import Category, Satisfaction
from jiedao.cases.pii import PHONE_RE, normalise_phone
from jiedao.core import clock
from jiedao.hotline.xlsx import UnreadableWorkbook, first_sheet_rows
from jiedao.org.models import Region, Unit


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()


# The typical 12345 work-order columns, in export order, with headers seen in local variants.
COLUMNS: tuple[Column, ...] = (
    Column("order_no", "工单号", True, ("工单编号", "工单编码", "受理编号")),
    Column("source", "来源渠道", False, ("来源", "受理渠道")),
    Column("reporter_name", "诉求人", False, ("来电人", "诉求人姓名", "反映人")),
    Column("reporter_phone", "联系电话", False, ("来电号码", "联系方式", "诉求人电话")),
    Column("request_type", "诉求类型", True, ("诉求性质", "工单类型")),
    Column("class1", "一级分类", False, ("一级类别",)),
    Column("class2", "二级分类", False, ("二级类别",)),
    Column("class3", "三级分类", False, ("三级类别",)),
    Column("content", "诉求内容", True, ("问题描述", "反映内容", "工单内容")),
    Column("street", "被反映街乡镇", False, ("街乡镇", "所属街道", "属地街乡")),
    Column("address", "地址", False, ("诉求地址", "事发地址", "问题地址")),
    Column("unit", "承办单位", False, ("承办部门", "主办单位")),
    Column("dispatched_at", "派单时间", True, ("交办时间", "受理时间", "派发时间")),
    Column("deadline", "办理时限", False, ("办结时限", "截止时间", "办理期限")),
    Column("closed_at", "办结时间", False, ("完成时间", "结案时间")),
    Column("contacted", "是否联系", False, ("是否响应", "是否联系诉求人")),
    Column("resolved", "是否解决", False, ("问题是否解决",)),
    Column("satisfaction", "满意度", False, ("是否满意", "回访满意度")),
)
BY_KEY = {column.key: column for column in COLUMNS}
BY_LABEL = {column.label: column for column in COLUMNS}

REQUEST_TYPES = {
    "咨询": "consult",
    "求助": "help",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
}
SOURCES = {"电话": "phone", "网站": "web", "微信": "wechat", "移动应用": "app", "APP": "app", "其他": "other"}
YES_NO = {"是": True, "否": False, "已联系": True, "未联系": False, "已解决": True, "未解决": False}
SATISFACTION = {str(s.label): s.value for s in Satisfaction}
ORDER_NO_RE = re.compile(r"[0-9A-Za-z-]{4,64}")
CONTENT_MAX = 4000
MAX_ROWS = 200_000


@dataclass(frozen=True)
class RowError:
    """One refused cell or row: spreadsheet row number (header = 1), the column header, the rule."""

    row: int
    column: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行「{self.column}」[{self.rule}] {self.message}"


@dataclass
class Row:
    """A checked work order, ready for the importer."""

    number: int
    order_no: str
    category: Category
    description: str
    request_type: str
    dispatched_at: datetime
    source: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    address: str = ""
    unit: Unit | None = None
    deadline: datetime | None = None
    closed_at: datetime | None = None
    contacted: bool | None = None
    resolved: bool | None = None
    satisfaction: str = ""

    def attributes_for(self, schema_codes: set[str]) -> dict[str, str]:
        values = {"request_type": self.request_type, "order_no": self.order_no, "channel": self.source}
        return {code: value for code, value in values.items() if value and code in schema_codes}


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]


def open_sheet(source: str | Path | IO[bytes]) -> Sheet:
    """The first worksheet: its header row (row 1) and an iterator of (row number, values) of the rows after
    it; ValueError if unreadable."""
    try:
        rows = first_sheet_rows(str(source) if isinstance(source, Path) else source)
    except UnreadableWorkbook as exc:
        raise ValueError(f"无法读取该文件,请确认是 .xlsx 格式({type(exc).__name__})") from exc
    first = next(rows, None)
    if first is not None and first[0] != 1:  # no header row: every row is data (and the headers are missing)
        rows, first = chain([first], rows), None
    headers = [str(h).strip() if h is not None else "" for h in (first[1] if first else ())]
    return Sheet(headers=headers, rows=rows)


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Column key → file header, recognising the standard labels and their common local variants."""
    mapping: dict[str, str] = {}
    for header in headers:
        for column in COLUMNS:
            if column.key not in mapping and header in (column.label, *column.aliases):
                mapping[column.key] = header
    return mapping


def mapping_from_labels(labels: Mapping[str, str], headers: list[str]) -> dict[str, str]:
    """A user mapping {"工单号": "工单编号", …} (standard label → file header), checked; unset columns guessed."""
    problems = [f"未知的标准列「{label}」" for label in labels if label not in BY_LABEL]
    problems += [
        f"文件中没有列「{header}」" for header in labels.values() if header and header not in headers
    ]
    if problems:
        raise ValueError(";".join(problems))
    mapping = guess_mapping(headers)
    mapping.update({BY_LABEL[label].key: header for label, header in labels.items() if header})
    return mapping


def missing_columns(mapping: Mapping[str, str]) -> list[str]:
    return [column.label for column in COLUMNS if column.required and column.key not in mapping]


class Lookups:
    """Categories, units and the street, loaded once per import."""

    def __init__(self, street: Region) -> None:
        self.street = street
        leaves = Category.objects.filter(active=True, parent__isnull=False).select_related("parent")
        self.categories: dict[str, Category] = {}
        for category in sorted(leaves, key=lambda c: c.scheme != "12345"):  # 12345 names win
            self.categories.setdefault(category.name, category)
        units = Unit.objects.filter(active=True, region__code__startswith=street.code)
        self.units = {unit.name: unit for unit in units}


def excel_value(value: Any) -> Any:
    """A value openpyxl can write: aware datetimes become naive local (Beijing) time."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _when(value: Any, zone: tzinfo | None = None) -> datetime | None:
    """A cell as an aware datetime in ``zone`` (default the current one: Beijing time; a naive cell is read as
    that time); raises ValueError when it is not one."""
    zone = zone or timezone.get_current_timezone()
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = _text(value).replace("/", "-")
        if not text:
            return None
        moment = datetime.fromisoformat(text)
    return clock.in_zone(timezone.make_aware(moment, zone) if timezone.is_naive(moment) else moment, zone)


class RowChecker:
    """Checks rows one by one against the mapping; remembers order numbers to catch duplicates in a file."""

    def __init__(self, mapping: Mapping[str, str], headers: list[str], lookups: Lookups) -> None:
        self.mapping = mapping
        self.index = {key: headers.index(header) for key, header in mapping.items()}
        self.lookups = lookups
        self.seen: dict[str, int] = {}
        self.zone = timezone.get_current_timezone()  # looked up once, not for every date of every row

    def _cell(self, values: tuple[Any, ...], key: str) -> Any:
        position = self.index.get(key)
        return values[position] if position is not None and position < len(values) else None

    def check(self, number: int, values: tuple[Any, ...]) -> tuple[Row | None, list[RowError]]:
        errors: list[RowError] = []

        def refuse(key: str, rule: str, message: str) -> None:
            errors.append(RowError(number, self.mapping.get(key, BY_KEY[key].label), rule, message))

        text = {key: _text(self._cell(values, key)) for key in BY_KEY}
        for column in COLUMNS:
            if column.required and not text[column.key]:
                refuse(column.key, "required", f"请填写{column.label}")
        order_no = text["order_no"]
        if order_no and not ORDER_NO_RE.fullmatch(order_no):
            refuse("order_no", "format", "工单号只能由4-64位字母、数字或连字符组成")
        elif order_no in self.seen:
            refuse("order_no", "duplicate", f"与第{self.seen[order_no]}行工单号重复")
        elif order_no:
            self.seen[order_no] = number
        if len(text["content"]) > CONTENT_MAX:
            refuse("content", "max_length", f"诉求内容不能超过{CONTENT_MAX}字")
        moments: dict[str, datetime | None] = {}
        for key in ("dispatched_at", "deadline", "closed_at"):
            try:
                moments[key] = _when(self._cell(values, key), self.zone)
            except (TypeError, ValueError):
                moments[key] = None
                refuse(key, "datetime", "应为日期时间,如 2026-03-01 09:30")
        dispatched, deadline, closed = moments["dispatched_at"], moments["deadline"], moments["closed_at"]
        if dispatched and deadline and deadline <= dispatched:
            refuse("deadline", "order", "办理时限应晚于派单时间")
        if dispatched and closed and closed < dispatched:
            refuse("closed_at", "order", "办结时间不能早于派单时间")
        request_type = REQUEST_TYPES.get(text["request_type"], "")
        if text["request_type"] and not request_type:
            refuse("request_type", "choice", f"诉求类型应为{'/'.join(REQUEST_TYPES)}之一")
        source = SOURCES.get(text["source"], "other" if text["source"] else "")
        phone = normalise_phone(text["reporter_phone"])
        if phone and not PHONE_RE.match(phone):
            refuse("reporter_phone", "phone", "联系电话格式不正确")
        flags: dict[str, bool | None] = {}
        for key in ("contacted", "resolved"):
            flags[key] = YES_NO.get(text[key]) if text[key] else None
            if text[key] and flags[key] is None:
                refuse(key, "choice", "应为「是」或「否」")
        satisfaction = SATISFACTION.get(text["satisfaction"], "")
        if text["satisfaction"] and not satisfaction:
            refuse("satisfaction", "choice", f"满意度应为{'/'.join(SATISFACTION)}之一")
        if satisfaction and not text["closed_at"]:
            refuse("satisfaction", "requires", "未办结的工单不能有满意度")
        street = self.lookups.street
        if text["street"] and text["street"] not in (street.name, street.code):
            refuse("street", "jurisdiction", f"不是本街道({street.name})的工单")
        category = self._category(text)
        if category is None and any(text[k] for k in ("class1", "class2", "class3")):
            refuse(
                "class3" if text["class3"] else "class2" if text["class2"] else "class1",
                "category",
                "找不到对应的类别",
            )
        elif category is None:
            refuse("class1", "required", "请填写分类")
        # An order sent to the street itself (承办单位 = the street) waits for the centre to dispatch it.
        to_street = text["unit"] in (street.name, street.code)
        unit = self.lookups.units.get(text["unit"]) if text["unit"] and not to_street else None
        if text["unit"] and not to_street and unit is None:
            refuse("unit", "unit", f"本街道没有承办单位「{text['unit'][:30]}」")
        if text["closed_at"] and not text["unit"]:
            refuse("unit", "requires", "已办结的工单须有承办单位")
        if errors:
            return None, errors
        return (
            Row(
                number=number,
                order_no=order_no,
                category=category,
                description=text["content"],
                request_type=request_type,
                dispatched_at=dispatched,
                source=source,
                reporter_name=text["reporter_name"][:50],
                reporter_phone=phone,
                address=text["address"][:255],
                unit=unit,
                deadline=deadline,
                closed_at=closed,
                contacted=flags["contacted"],
                resolved=flags["resolved"],
                satisfaction=satisfaction,
            ),
            [],
        )

    def _category(self, text: Mapping[str, str]) -> Category | None:
        for key in ("class3", "class2", "class1"):
            category = self.lookups.categories.get(text[key]) if text[key] else None
            if category is not None:
                return category
        return None


@dataclass
class CheckedSheet:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def check_sheet(
    sheet: Sheet, mapping: Mapping[str, str], street: Region, *, limit: int | None = None
) -> CheckedSheet:
    """Check every row (or the first ``limit``); blank rows are skipped."""
    result = CheckedSheet()
    missing = missing_columns(mapping)
    if missing:
        result.errors = [RowError(1, label, "missing_column", "缺少必需的列") for label in missing]
        return result
    checker = RowChecker(mapping, sheet.headers, Lookups(street))
    for number, values in sheet.rows:
        if all(v is None or _text(v) == "" for v in values):
            continue
        result.total += 1
        if result.total > MAX_ROWS:
            result.errors.append(RowError(number, "", "max_rows", f"一次最多导入{MAX_ROWS}行"))
            break
        row, errors = checker.check(number, values)
        if row is not None:
            result.rows.append(row)
        result.errors.extend(errors)
        if limit is not None and result.total >= limit:
            break
    return result
