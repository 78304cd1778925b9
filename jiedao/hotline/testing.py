"""Test and benchmark helpers: 12345 spreadsheets of realistic shape, and a 12345 category."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from jiedao.cases.models import Category, CategoryKind, Scheme, StageLimit
from jiedao.hotline.sheet import COLUMNS, excel_value
from jiedao.testing.world import LIMITS

LABELS = [column.label for column in COLUMNS]
HOTLINE_ATTRIBUTES = [
    {
        "code": "request_type",
        "description": "诉求类型",
        "datatype": "singlevaluelist",
        "required": True,
        "order": 1,
        "values": [
            {"key": key, "name": name}
            for key, name in [
                ("consult", "咨询"),
                ("help", "求助"),
                ("complaint", "投诉"),
                ("report", "举报"),
                ("suggestion", "建议"),
            ]
        ],
    },
    {"code": "order_no", "description": "工单号", "datatype": "string", "required": False, "order": 2},
    {
        "code": "channel",
        "description": "来源渠道",
        "datatype": "singlevaluelist",
        "required": False,
        "order": 3,
        "values": [
            {"key": k, "name": n}
            for k, n in [
                ("phone", "电话"),
                ("web", "网站"),
                ("wechat", "微信"),
                ("app", "移动应用"),
                ("other", "其他"),
            ]
        ],
    },
]


def make_hotline_category() -> Category:
    """噪声扰民 under 城市管理, in the 12345 scheme, with the catalogue's attribute schema."""
    group, _ = Category.objects.get_or_create(
        scheme=Scheme.HOTLINE, kind=CategoryKind.REQUEST, code="H01", defaults={"name": "城市管理"}
    )
    category = Category.objects.create(
        scheme=Scheme.HOTLINE,
        kind=CategoryKind.REQUEST,
        code="H0102",
        name="噪声扰民",
        parent=group,
        default_unit_specialty="城管",
        attributes=HOTLINE_ATTRIBUTES,
    )
    StageLimit.objects.bulk_create(
        StageLimit(category=category, urgency=urgency, stage=stage, amount=amount, unit=unit, basis="natural")
        for urgency, stages in LIMITS.items()
        for stage, (amount, unit) in stages.items()
    )
    return category


def order(index: int, start: datetime, **overrides: Any) -> dict[str, Any]:
    """One work order (standard label → value); ``overrides`` use the labels too (e.g. 满意度="满意")."""
    dispatched = start + timedelta(minutes=index)
    row: dict[str, Any] = {
        "工单号": f"GD2026{index:08d}",
        "来源渠道": "电话",
        "诉求人": "张三",
        "联系电话": "13812345678",
        "诉求类型": "投诉",
        "一级分类": "城市管理",
        "二级分类": "噪声扰民",
        "三级分类": "",
        "诉求内容": f"夜间施工噪音扰民,第{index}号",
        "被反映街乡镇": "沧浪街道",
        "地址": "胥江路100号",
        "承办单位": "沧浪城管中队",
        "派单时间": dispatched,
        "办理时限": dispatched + timedelta(days=7),
        "办结时间": None,
        "是否联系": "",
        "是否解决": "",
        "满意度": "",
    }
    row.update(overrides)
    return row


def write_orders(path: Path, rows: Iterable[Mapping[str, Any]], headers: list[str] | None = None) -> Path:
    """An .xlsx with one header row; ``headers`` renames the standard labels (local variants)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append(headers or LABELS)
    for row in rows:
        sheet.append([excel_value(row.get(label)) for label in LABELS])
    workbook.save(path)
    return path
