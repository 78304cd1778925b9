"""Importing 12345 work orders: each checked row becomes (or advances) one case, through the case actions,
at the order's own times. The same 工单号 always finds the same case, so re-importing a newer export
advances what changed and never makes a second case."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.db import transaction

from jiedao.cases import actions
from jiedao.cases.models import Case, Channel, Status
from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError
from jiedao.hotline.sheet import (
    BY_KEY,
    CheckedSheet,
    Row,
    RowError,
    check_sheet,
    guess_mapping,
    mapping_from_labels,
    open_sheet,
)
from jiedao.org.models import Region

CLOSING_NOTE = "12345 工单已办结(导入)"
# Which spreadsheet column an action's refusal points at (ApplicationError.field or details keys).
FIELD_COLUMNS = {
    "category": "class1",
    "description": "content",
    "reporter_phone": "reporter_phone",
    "location": "address",
    "unit": "unit",
}


@dataclass
class ImportResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Abort(Exception):
    """An action refused a row in all-or-nothing mode: roll the whole file back."""


def _column(row: Row, exc: ApplicationError, mapping: Mapping[str, str]) -> list[RowError]:
    fields = list(exc.details) if isinstance(exc.details, dict) else [exc.field or ""]
    errors = []
    for name in fields:
        key = FIELD_COLUMNS.get(name, "request_type" if name.startswith("attribute[") else "order_no")
        message = exc.details[name] if isinstance(exc.details, dict) else exc.message
        errors.append(RowError(row.number, mapping.get(key, BY_KEY[key].label), exc.code, message))
    return errors


def _create(row: Row) -> Case:
    codes = {attribute["code"] for attribute in row.category.attributes}
    data = actions.ReportInput(
        category=row.category,
        description=row.description,
        channel=Channel.HOTLINE_12345,
        address=row.address,
        reporter_name=row.reporter_name,
        reporter_phone=row.reporter_phone,
        attributes=row.attributes_for(codes),
        source_ref=row.order_no,
        reported_at=row.dispatched_at,
        due_at=row.deadline,
    )
    with clock.at(row.dispatched_at):
        case = actions.do_report(data, actor=None)
        actions.do_register(case, actor=None, note="12345 工单")
    return case


def _advance(case: Case, row: Row) -> bool:
    """Take the case as far as the row says it went; True when anything changed."""
    before = (case.status, case.unit_id)
    if (
        row.unit is not None
        and case.status in {Status.REGISTERED, Status.DISPATCHED}
        and case.unit_id != row.unit.pk
    ):
        with clock.at(max(row.dispatched_at, case.updated_at)):
            actions.do_dispatch(case, actor=None, unit=row.unit, note="12345 派单")
    if row.closed_at is not None:
        if case.status == Status.DISPATCHED:
            with clock.at(max(row.dispatched_at, case.updated_at)):
                actions.do_accept(case, actor=None)
        if case.status == Status.ACCEPTED:
            with clock.at(max(row.closed_at, case.updated_at)):
                actions.do_handle(case, actor=None, note=CLOSING_NOTE)
        if case.status == Status.HANDLED:
            with clock.at(max(row.closed_at, case.updated_at)):
                actions.do_verify(case, actor=None, passed=True, note=CLOSING_NOTE)
    if row.satisfaction and case.status == Status.CLOSED:
        with clock.at(max(row.closed_at, case.updated_at)):
            actions.do_evaluate(
                case,
                actor=None,
                satisfaction=row.satisfaction,
                resolved=row.resolved,
                contacted=row.contacted,
                note="12345 回访",
            )
    return (case.status, case.unit_id) != before


def _apply(rows: list[Row], result: ImportResult, mapping: Mapping[str, str], *, partial: bool) -> None:
    existing = {
        case.source_ref: case
        for case in Case.objects.filter(
            channel=Channel.HOTLINE_12345, source_ref__in=[row.order_no for row in rows]
        ).select_related("category", "unit")
    }
    for row in rows:
        try:
            # All-or-nothing needs no savepoint per row: the first refusal rolls the whole file back.
            with transaction.atomic() if partial else nullcontext():
                case = existing.get(row.order_no)
                if case is None:
                    case = _create(row)
                    _advance(case, row)
                    result.created += 1
                elif _advance(case, row):
                    result.updated += 1
                else:
                    result.unchanged += 1
        except ApplicationError as exc:
            result.errors.extend(_column(row, exc, mapping))
            if not partial:
                raise _Abort from exc


def import_sheet(
    source: str | IO[bytes],
    *,
    actor: Actor | None,
    mapping_labels: Mapping[str, str] | None = None,
    dry_run: bool = False,
    partial: bool = False,
) -> ImportResult:
    """Check the whole file, then (unless ``dry_run`` or any error without ``partial``) import it.

    All-or-nothing by default: one refused row and nothing is stored. ``partial`` imports the good rows.
    """
    sheet = open_sheet(source)
    mapping = (
        mapping_from_labels(mapping_labels, sheet.headers) if mapping_labels else guess_mapping(sheet.headers)
    )
    street = Region.objects.get(code=settings.JIEDAO["STREET"])
    checked: CheckedSheet = check_sheet(sheet, mapping, street)
    result = ImportResult(total=checked.total, errors=list(checked.errors))
    if dry_run or (result.errors and not partial) or not checked.rows:
        return result
    try:
        with transaction.atomic():
            _apply(checked.rows, result, mapping, partial=partial)
            audit.record(
                actor,
                "hotline.import",
                "hotline",
                street.code,
                new={
                    "rows": result.total,
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "refused": len(result.errors),
                },
            )
    except _Abort:
        result.created = result.updated = result.unchanged = 0
        return result
    result.committed = True
    return result
