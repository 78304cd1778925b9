"""Loading the demo (加载演示数据): categories, organisation and case history in one transaction, then the
sweep under the real clock."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from jiedao.cases.models import Case
from jiedao.cases.services import sync_catalogue
from jiedao.cases.sweep import run_sweep
from jiedao.core import audit
from jiedao.core.models import AuditEvent, OutboxMessage, OutboxStatus
from jiedao.insight.rollups import rebuild as rebuild_rollups
from jiedao.org.models import Grid

from .history import History
from .organisation import Account, build_organisation

DEMO_ACTION = "demo.load"


@dataclass
class DemoSummary:
    """What ``load_demo`` made."""

    street_name: str
    accounts: list[Account]
    statuses: dict[str, int]
    grids: int


def demo_exists(street_code: str) -> bool:
    """Whether the demo was loaded for this street (the audit log records it)."""
    return AuditEvent.objects.filter(
        action=DEMO_ACTION, object_type="region", object_id=street_code, success=True
    ).exists()


def real_data(street_code: str) -> str:
    """What already exists for the street that a demo must not mix with ("" when nothing)."""
    if Grid.objects.filter(street_id=street_code).exists():
        return "网格"
    if Case.objects.filter(street_id=street_code).exists():
        return "案件"
    return ""


def days_since_months_ago(today: date, months: int) -> int:
    """Days from the same day ``months`` months ago (clamped to the month's end) to ``today``."""
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    start = date(year, month0 + 1, min(today.day, monthrange(year, month0 + 1)[1]))
    return (today - start).days


def _settle_outbox(after_id: int) -> int:
    """The generated history's side effects (messages after ``after_id``) count as delivered at their time:
    nobody should be notified of thousands of past demo steps one by one. The rollups are rebuilt instead."""
    return OutboxMessage.objects.filter(pk__gt=after_id, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.DONE, delivered_at=F("created_at")
    )


def load_demo(street_code: str, *, days: int, seed: int, end: datetime | None = None) -> DemoSummary:
    """Build the demo street and ``days`` days of cases ending at ``end`` (now), all or nothing."""
    end = end or timezone.now()
    with transaction.atomic():
        sync_catalogue(actor=None)
        demo = build_organisation(street_code, seed=seed)
        history = History(demo, seed=seed, end=end)
        last_message = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
        history.run(days)
        _settle_outbox(last_message)
        rebuild_rollups([street_code])
        audit.record(
            None,
            DEMO_ACTION,
            "region",
            street_code,
            new={"days": days, "seed": seed, "cases": history.cases},
        )
    while True:  # the sweep marks what is overdue now and notifies the people concerned
        result = run_sweep()
        if not (result.overdue or result.warnings or result.delivered):
            break
    statuses = dict(
        Case.objects.filter(street=demo.street)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    return DemoSummary(
        street_name=f"{demo.street.parent.name}{demo.street.name}",
        accounts=demo.accounts,
        statuses=statuses,
        grids=sum(len(grids) for grids in demo.grids.values()),
    )
