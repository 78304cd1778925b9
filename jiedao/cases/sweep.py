"""The periodic sweep: raise warnings, mark overdue stages (escalating and supervising once per breach),
then deliver the outbox. Run by ``manage.py sweep --loop`` (or Celery beat at scale)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef

from jiedao.cases.actions import do_mark_clock, do_recompute_clock
from jiedao.cases.models import Case, ClockBreach, Status
from jiedao.core import clock, outbox
from jiedao.core.errors import ApplicationError
from jiedao.core.models import OutboxMessage

log = logging.getLogger(__name__)
RUNNING = [Status.REPORTED, Status.REGISTERED, Status.DISPATCHED, Status.ACCEPTED, Status.HANDLED]


@dataclass
class SweepResult:
    warnings: int = 0
    overdue: int = 0
    delivered: int = 0
    errors: int = 0


def _due(level: str, field: str, now: datetime, batch: int) -> list[int]:
    recorded = ClockBreach.objects.filter(case=OuterRef("pk"), stage_seq=OuterRef("stage_seq"), level=level)
    # Red strictly after the deadline (at the deadline is still on time), yellow from the warning instant:
    # the same rule as sla.clock_state.
    lookup = "lt" if level == "overdue" else "lte"
    running = Case.objects.filter(status__in=RUNNING, paused_at__isnull=True, **{f"{field}__{lookup}": now})
    if level == "warning":
        running = running.filter(stage_deadline__gte=now)  # already overdue: the red mark says it all
    return list(running.exclude(Exists(recorded)).order_by(field).values_list("pk", flat=True)[:batch])


def _breached(case: Case, level: str, now: datetime) -> bool:
    """Whether the current stage of the (locked, fresh) case is still in breach at ``now``.

    The candidates were read without a lock: by the time a case is locked it may have moved on (a new stage
    with a new deadline), been suspended, or had its deadline extended. Only the state under the lock counts.
    """
    if case.status not in RUNNING or case.paused_at is not None or case.suspended:
        return False
    if case.stage_deadline is None:
        return False
    if level == "overdue":
        return case.stage_deadline < now
    return case.warn_at is not None and case.warn_at <= now <= case.stage_deadline


def mark(case_id: int, level: str, now: datetime) -> bool:
    """Record one breach if it still holds under the row lock; True when this call recorded it."""
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).filter(pk=case_id).first()
        if case is None or not _breached(case, level, now):
            return False
        return do_mark_clock(case, actor=None, level=level)


def run_sweep(batch: int = 1000) -> SweepResult:
    """One pass. Safe to run in several processes at once: each breach is recorded exactly once.

    One case that cannot be marked (a refusal, a database error) is logged and skipped; it never stops the
    pass, the other cases or the outbox delivery.
    """
    result = SweepResult()
    now = clock.now()
    for level, field in (("overdue", "stage_deadline"), ("warning", "warn_at")):
        for case_id in _due(level, field, now, batch):
            try:
                marked = mark(case_id, level, now)
            except ApplicationError as exc:
                log.warning("sweep: case %s not marked %s: %s", case_id, level, exc.message)
                result.errors += 1
                continue
            except Exception:
                log.exception("sweep: case %s not marked %s", case_id, level)
                result.errors += 1
                continue
            if marked and level == "overdue":
                result.overdue += 1
            elif marked:
                result.warnings += 1
    try:
        result.delivered = outbox.deliver_pending()
    except Exception:  # the next pass tries again; the loop must not die with it
        log.exception("sweep: outbox delivery failed")
        result.errors += 1
    if result.warnings or result.overdue or result.errors:
        log.info(
            "sweep: %s warnings, %s overdue, %s errors, %s messages delivered",
            result.warnings,
            result.overdue,
            result.errors,
            result.delivered,
        )
    return result


@outbox.handles("calendar.")
def recompute_after_calendar_change(message: OutboxMessage) -> None:
    """Deadlines are recomputed deterministically from each open case's timeline when the calendar changes."""
    for case_id in Case.objects.filter(status__in=RUNNING).values_list("pk", flat=True).iterator():
        do_recompute_clock(Case(pk=case_id), actor=None, reason="工作日历调整,按流转记录重算时限")
