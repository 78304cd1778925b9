"""Importing 12345 work orders: each checked row becomes (or advances) one case, through the case write path,
at the order's own times. The same 工单号 always finds the same case, so re-importing a newer export
advances what changed and never makes a second case.

A row's steps (``_steps``: dispatch, accept, handle, verify, evaluate as far as the order went) are worked out
once. New orders — nearly all of an import — are created with them in batches by ``cases.bulk``, which
records exactly what the actions would, in a few statements per batch; an order already imported is advanced
through the actions one step at a time (``bulk.take``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from jiedao.cases import actions, bulk
from jiedao.cases.models import Case, Channel, Status
from jiedao.cases.states import target_state
from jiedao.core import audit
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
# New orders are created this many at a time (cases.bulk), inside the import's one transaction.
BATCH_ROWS = 2000
# Which spreadsheet column an action's refusal points at (ApplicationError.field or details keys).
FIELD_COLUMNS = {
    "category": "class1",
    "description": "content",
    "reporter_phone": "reporter_phone",
    "location": "address",
    "unit": "unit",
    "satisfaction": "satisfaction",
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


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for an import: it holds a few million objects (rows, cases,
    events), and every full collection would walk them all again — it doubled the time of a 100,000-row import.
    Reference counting still frees what is done with; the collector resumes (if it ran before) at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def _report(row: Row) -> actions.ReportInput:
    codes = {attribute["code"] for attribute in row.category.attributes}
    return actions.ReportInput(
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


def _steps(row: Row, status: str, unit_id: int | None, since: datetime) -> list[bulk.PastStep]:
    """The steps that take a case in ``status`` (with ``unit_id``, last changed at ``since``) as far as the row
    says the order went, each at the order's own time but never before the step that came before it."""
    steps: list[bulk.PastStep] = []

    def add(action: str, at: datetime, **details: Any) -> None:
        nonlocal status, since
        since = max(at, since)
        steps.append(bulk.PastStep(action, since, **details))
        status = target_state(status, action) or status

    if row.unit is not None and status in {Status.REGISTERED, Status.DISPATCHED} and unit_id != row.unit.pk:
        add("dispatch", row.dispatched_at, unit=row.unit, note="12345 派单")
    if row.closed_at is not None:
        if status == Status.DISPATCHED:
            add("accept", row.dispatched_at)
        if status == Status.ACCEPTED:
            add("handle", row.closed_at, note=CLOSING_NOTE)
        if status == Status.HANDLED:
            add("verify", row.closed_at, note=CLOSING_NOTE)
    if row.satisfaction and status == Status.CLOSED:
        add(
            "evaluate",
            row.closed_at,
            satisfaction=row.satisfaction,
            resolved=row.resolved,
            contacted=row.contacted,
            note="12345 回访",
        )
    return steps


def _timeline(row: Row) -> bulk.Timeline:
    """A new order: reported and registered when it was dispatched to the street, then its own steps."""
    registered = bulk.PastStep("register", row.dispatched_at, note="12345 工单")
    return bulk.Timeline(_report(row), [registered, *_steps(row, Status.REGISTERED, None, row.dispatched_at)])


def _advance(case: Case, row: Row) -> bool:
    """Take an existing case as far as the row says it went, action by action; True when anything changed."""
    before = (case.status, case.unit_id)
    for step in _steps(row, case.status, case.unit_id, case.updated_at):
        bulk.take(case, step, actor=None)
    return (case.status, case.unit_id) != before


def _apply(rows: list[Row], result: ImportResult, mapping: Mapping[str, str], *, partial: bool) -> None:
    existing = {
        case.source_ref: case
        for start in range(0, len(rows), BATCH_ROWS)  # a bounded number of query parameters
        for case in Case.objects.filter(
            channel=Channel.HOTLINE_12345,
            source_ref__in=[row.order_no for row in rows[start : start + BATCH_ROWS]],
        ).select_related("category", "unit")
    }
    errors: list[RowError] = []
    try:
        for row in rows:
            case = existing.get(row.order_no)
            if case is None:
                continue
            try:
                # All-or-nothing needs no savepoint per row: the first refusal rolls the whole file back.
                with transaction.atomic() if partial else nullcontext():
                    if _advance(case, row):
                        result.updated += 1
                    else:
                        result.unchanged += 1
            except ApplicationError as exc:
                errors.extend(_column(row, exc, mapping))
                if not partial:
                    raise _Abort from exc
        new = [row for row in rows if row.order_no not in existing]
        for start in range(0, len(new), BATCH_ROWS):
            batch = new[start : start + BATCH_ROWS]
            # Every row of the batch is checked before any is written: a refused row writes nothing.
            outcomes = bulk.import_timelines([_timeline(row) for row in batch], actor=None)
            for row, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, ApplicationError):
                    errors.extend(_column(row, outcome, mapping))
                else:
                    result.created += 1
            if errors and not partial:
                raise _Abort
    finally:
        result.errors.extend(sorted(errors, key=lambda error: error.row))


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
    with _collector_paused():
        checked: CheckedSheet = check_sheet(sheet, mapping, street)
    result = ImportResult(total=checked.total, errors=list(checked.errors))
    if dry_run or (result.errors and not partial) or not checked.rows:
        return result
    try:
        with _collector_paused(), transaction.atomic():
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
