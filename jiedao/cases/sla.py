"""Deadlines (时限) of a case's stages on the working calendar, and the state of its clock.

``apply_clock`` is the one place a step changes the clock. Transitions call it live; ``replay_clock`` calls
it over the timeline, so deadlines recompute deterministically when a calendar or a limit changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from jiedao.cases.models import Case, Clock, Stage, StageLimit, TimeBasis
from jiedao.cases.states import STAGE_OF_STATUS
from jiedao.core.calendar import get_calendar

PAUSING_ACTIONS = {"suspend", "request_extension"}
RESUMING_ACTIONS = {"resume", "deny_extension"}


def stage_limit(case: Case, stage: str) -> StageLimit | None:
    """The limit of ``stage`` for the case's category and urgency (cached per category on the instance)."""
    cache = getattr(case.category, "_limits_cache", None)
    if cache is None:
        cache = {(lim.urgency, lim.stage): lim for lim in case.category.limits.all()}
        case.category._limits_cache = cache
    return cache.get((case.urgency, stage))


def deadline_after(start: datetime, limit: StageLimit) -> datetime:
    return get_calendar().add(start, limit.amount, limit.unit, limit.basis)


def _basis(case: Case) -> str:
    limit = stage_limit(case, STAGE_OF_STATUS.get(case.status, Stage.HANDLE))
    return limit.basis if limit else TimeBasis.NATURAL


def _shift(case: Case, deadline: datetime | None, paused_at: datetime, now: datetime) -> datetime | None:
    """Move ``deadline`` so the time between ``paused_at`` and ``now`` does not count."""
    if deadline is None:
        return None
    if _basis(case) == TimeBasis.WORKING:
        calendar = get_calendar()
        remaining = calendar.working_minutes_between(paused_at, deadline)
        return calendar.add_working_minutes(now, remaining) if deadline > paused_at else deadline
    return deadline + (now - paused_at)


def enter_stage(case: Case, now: datetime) -> None:
    """Start the clock of the stage that belongs to the case's (new) state."""
    stage = STAGE_OF_STATUS.get(case.status)
    case.stage_seq += 1
    case.stage_started_at = now
    if stage is None:
        case.stage_deadline = case.warn_at = None
        return
    if stage == Stage.HANDLE and case.due_at is not None:
        case.stage_deadline = case.due_at  # rework runs against the deadline already promised
        case.warn_at = warning_at(case)
        return
    limit = stage_limit(case, stage)
    case.stage_deadline = deadline_after(now, limit) if limit else None
    case.warn_at = warning_at(case)
    if stage == Stage.HANDLE:
        case.due_at = case.stage_deadline


def _record_outcomes(case: Case, action: str, now: datetime) -> None:
    if action == "handle":
        case.handled_on_time = case.due_at is None or now <= case.due_at
    elif action == "verify":
        on_time_verify = case.stage_deadline is None or now <= case.stage_deadline
        case.closed_on_time = case.handled_on_time is not False and on_time_verify
    elif action == "reopen":
        case.due_at = None
        case.handled_on_time = None
        case.closed_on_time = None


def apply_clock(case: Case, action: str, from_status: str, at: datetime, data: dict[str, Any]) -> None:
    """Apply one step of the timeline to the case's clock fields."""
    _record_outcomes(case, action, at)
    if action in PAUSING_ACTIONS and case.paused_at is None:
        case.paused_at = at
    elif action in RESUMING_ACTIONS and case.paused_at is not None and not _still_paused(case, action):
        case.stage_deadline = _shift(case, case.stage_deadline, case.paused_at, at)
        case.due_at = _shift(case, case.due_at, case.paused_at, at)
        case.paused_at = None
    elif action == "approve_extension":
        case.due_at = datetime.fromisoformat(data["until"])
        case.stage_deadline = case.due_at
        if not case.suspended:
            case.paused_at = None
    if case.status != from_status or action in {"dispatch", "escalate", "reopen"}:
        enter_stage(case, at)
    case.warn_at = warning_at(case)
    case.clock = clock_state(case, at)


def _still_paused(case: Case, action: str) -> bool:
    # Resuming a suspension while an extension is still pending (or the reverse) keeps the clock stopped.
    return (action == "resume" and case.extension_pending) or (action == "deny_extension" and case.suspended)


def clock_state(case: Case, now: datetime) -> str:
    """normal / warning / overdue / paused / none, as lists and the case page show it."""
    if not case.is_open or (case.status == "reported" and case.stage_deadline is None):
        return Clock.NONE
    if case.paused_at is not None:
        return Clock.PAUSED
    if case.stage_deadline is None:
        return Clock.NONE
    if now > case.stage_deadline:
        return Clock.OVERDUE
    total = (case.stage_deadline - case.stage_started_at).total_seconds() if case.stage_started_at else 0
    used = (now - case.stage_started_at).total_seconds() if case.stage_started_at else 0
    warning_share = settings.JIEDAO["CLOCK_WARNING_PERCENT"] / 100
    return Clock.WARNING if total > 0 and used >= warning_share * total else Clock.NORMAL


def warning_at(case: Case) -> datetime | None:
    """When the current stage's clock turns yellow (None when it does not run)."""
    if case.stage_deadline is None or case.stage_started_at is None or case.paused_at is not None:
        return None
    share = settings.JIEDAO["CLOCK_WARNING_PERCENT"] / 100
    return case.stage_started_at + (case.stage_deadline - case.stage_started_at) * share


CLOCK_FIELDS = (
    "stage_seq",
    "stage_started_at",
    "stage_deadline",
    "warn_at",
    "due_at",
    "paused_at",
    "clock",
    "handled_on_time",
    "closed_on_time",
)


def replay_clock(case: Case, now: datetime) -> dict[str, Any]:
    """Recompute the clock fields from the timeline alone; returns them (the caller saves through an action)."""
    shadow = Case(pk=case.pk, category=case.category, urgency=case.urgency, number=case.number)
    shadow.status, shadow.suspended, shadow.extension_pending = "reported", False, False
    shadow.stage_seq = 0
    for event in case.events.order_by("at", "id"):
        from_status = shadow.status
        shadow.status = event.to_status
        shadow.suspended = _flag_after(shadow.suspended, event.action, "suspend", "resume")
        shadow.extension_pending = _flag_after(
            shadow.extension_pending, event.action, "request_extension", "approve_extension", "deny_extension"
        )
        if event.action == "report":
            enter_stage(shadow, event.at)
            continue
        apply_clock(shadow, event.action, from_status, event.at, event.data)
    shadow.clock = clock_state(shadow, now)
    return {name: getattr(shadow, name) for name in CLOCK_FIELDS}


def _flag_after(current: bool, action: str, on: str, *offs: str) -> bool:
    if action == on:
        return True
    return False if action in offs else current
