"""Exporting any case list as a 12345-style .xlsx: the import's columns, personal data masked unless the
person may reveal it (each reveal logged), and the export itself audited."""

from __future__ import annotations

import io

from django.db.models import QuerySet
from openpyxl import Workbook

from jiedao.cases.models import Case
from jiedao.cases.pii import masked_reporter, may_reveal, reveal_reporter
from jiedao.core import audit
from jiedao.core.actor import Actor
from jiedao.hotline.sheet import COLUMNS, REQUEST_TYPES, excel_value

REQUEST_TYPE_NAMES = {key: name for name, key in REQUEST_TYPES.items()}
PURPOSE = "导出工单"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _row(case: Case, reporter: dict[str, str]) -> dict[str, object]:
    category = case.category
    return {
        "order_no": case.source_ref or case.number,
        "source": case.get_channel_display(),
        "reporter_name": reporter["name"],
        "reporter_phone": reporter["phone"],
        "request_type": REQUEST_TYPE_NAMES.get(case.attributes.get("request_type", ""), ""),
        "class1": category.parent.name if category.parent else "",
        "class2": category.name,
        "class3": "",
        "content": case.description,
        "street": case.street.name,
        "address": case.address,
        "unit": case.unit.name if case.unit else "",
        "dispatched_at": case.dispatched_at or case.reported_at,
        "deadline": case.due_at,
        "closed_at": case.closed_at,
        "contacted": _yes_no(case.contacted),
        "resolved": _yes_no(case.resolved),
        "satisfaction": case.get_satisfaction_display() if case.satisfaction else "",
    }


def export_cases(cases: QuerySet[Case], *, actor: Actor, description: str = "") -> bytes:
    """The cases as .xlsx bytes; ``description`` (the filters used) goes into the audit record."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单")
    sheet.append([column.label for column in COLUMNS])
    count = revealed = 0
    for case in cases.select_related("category__parent", "street", "unit").order_by("reported_at", "id"):
        if may_reveal(actor, case):
            reporter = reveal_reporter(actor, case, purpose=PURPOSE)
            revealed += 1
        else:
            reporter = masked_reporter(case)
        row = _row(case, reporter)
        sheet.append([excel_value(row[column.key]) for column in COLUMNS])
        count += 1
    audit.record(
        actor, "case.export", "case", "-", new={"rows": count, "revealed": revealed}, reason=description
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
