"""The periodic sweep: raise warnings, mark overdue stages (escalating and supervising once per breach),
then deliver the outbox. Run by ``manage.py sweep --loop`` (or Celery beat at scale)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from jiedao.cases.actions import do_mark_clock
from jiedao.cases.models import Case, ClockBreach, Status
from jiedao.core import clock, outbox

log = logging.getLogger(__name__)
RUNNING = [Status.REPORTED, Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED, Status.HANDLED]


@dataclass
class SweepResult:
    warnings: int = 0
    overdue: int = 0
    delivered: int = 0


def _due(level: str, field: str, now) -> list[int]:
    recorded = ClockBreach.objects.filter(case=OuterRef("pk"), stage_seq=OuterRef("stage_seq"), level=level)
    running = Case.objects.filter(status__in=RUNNING, paused_at__isnull=True, **{f"{field}__lte": now})
    if level == "warning":
        running = running.filter(stage_deadline__gt=now)  # already overdue: the red mark says it all
    return list(running.exclude(Exists(recorded)).order_by(field).values_list("pk", flat=True)[:1000])


def run_sweep(batch: int = 1000) -> SweepResult:
    """One pass. Safe to run in several processes at once: each breach is recorded exactly once."""
    result = SweepResult()
    now = clock.now()
    for case_id in _due("overdue", "stage_deadline", now)[:batch]:
        result.overdue += do_mark_clock(Case(pk=case_id), actor=None, level="overdue")
    for case_id in _due("warning", "warn_at", now)[:batch]:
        result.warnings += do_mark_clock(Case(pk=case_id), actor=None, level="warning")
    result.delivered = outbox.deliver_pending()
    if result.warnings or result.overdue:
        log.info(
            "sweep: %s warnings, %s overdue, %s messages delivered",
            result.warnings,
            result.overdue,
            result.delivered,
        )
    return result
