"""Deadlines (时限) of a case's stages on the working calendar, and the state of its clock.

``apply_clock`` is the one place a step changes the clock. Transitions call it live; ``replay_clock`` calls
it over the timeline, so deadlines recompute deterministically when a calendar or a limit changes.

The clock of a stage has three instants: when it started, when it turns yellow (``warn_at``) and when it turns
red (``stage_deadline``). They are measured on the stage's own basis: a working-time limit turns yellow when
the configured share of its *working* time is used (not of the nights and weekends in between), and a pause
(缓办, a pending extension) moves every instant still ahead by exactly the time that did not count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from jiedao.cases.categories import limits_of
from jiedao.cases.models import Case, Clock, Stage, StageLimit, TimeBasis
from jiedao.cases.states import STAGE_OF_STATUS
from jiedao.core.calendar import get_calendar

PAUSING_ACTIONS = {"suspend", "request_extension"}
RESUMING_ACTIONS = {"resume", "deny_extension"}
# Leaving the handle stage while an extension request is still pending: nobody decided the request and it no
# longer matters, so it lapses and the clock it stopped runs again before the step is judged.
LAPSING_ACTIONS = {"handle", "return", "escalate"}
# Actions that hand the case to a (possibly new) unit: its handle deadline starts afresh when it accepts.
REASSIGNING_ACTIONS = {"return", "escalate", "reopen"}
# Events written on a case by another case's action (并案): they are not steps of this case's clock.
FOREIGN_EVENTS = {"merged"}


def stage_limit(case: Case, stage: str) -> StageLimit | None:
    """The limit of ``stage`` for the case's category and urgency (from the in-memory catalogue)."""
    return limits_of(case.category_id).get((case.urgency, stage))


def deadline_after(start: datetime, limit: StageLimit) -> datetime:
    return get_calendar().add(start, limit.amount, limit.unit, limit.basis)


def _basis(case: Case, status: str | None = None) -> str:
    """The time basis of the stage that runs in ``status`` (default: the case's current status)."""
    limit = stage_limit(case, STAGE_OF_STATUS.get(status or case.status, Stage.HANDLE))
    return limit.basis if limit else TimeBasis.NATURAL


def _shift(deadline: datetime | None, paused_at: datetime, now: datetime, basis: str) -> datetime | None:
    """Move ``deadline`` so the time between ``paused_at`` and ``now`` does not count.

    An instant already behind the clock when it stopped stays behind it: on a working basis it is kept as it
    was, on a natural basis it moves with the pause (either way it is still in the past at ``now``).
    """
    if deadline is None:
        return None
    if basis == TimeBasis.WORKING:
        if deadline <= paused_at:
            return deadline
        calendar = get_calendar()
        remaining = calendar.working_minutes_between(paused_at, deadline)
        return calendar.add_working_minutes(now, remaining)
    return deadline + (now - paused_at)


def warning_point(start: datetime | None, deadline: datetime | None, basis: str) -> datetime | None:
    """The instant the clock from ``start`` to ``deadline`` has used CLOCK_WARNING_PERCENT of its time."""
    if start is None or deadline is None:
        return None
    percent = settings.JIEDAO["CLOCK_WARNING_PERCENT"]
    if deadline <= start:
        return deadline
    if basis == TimeBasis.WORKING:
        calendar = get_calendar()
        total = calendar.working_minutes_between(start, deadline)
        used = -(-total * percent // 100)  # whole minutes, rounded up: never yellow before the share is used
        return min(calendar.add_working_minutes(start, used), deadline)
    return start + (deadline - start) * percent / 100


def _resume(case: Case, at: datetime, basis: str) -> None:
    """Restart a stopped clock at ``at``: every instant still ahead moves by the time that did not count."""
    paused_at = case.paused_at
    if paused_at is None:
        return
    case.stage_deadline = _shift(case.stage_deadline, paused_at, at, basis)
    case.due_at = _shift(case.due_at, paused_at, at, basis)
    case.warn_at = _shift(case.warn_at, paused_at, at, basis)
    case.paused_at = None


def enter_stage(case: Case, now: datetime) -> None:
    """Start the clock of the stage that belongs to the case's (new) state."""
    stage = STAGE_OF_STATUS.get(case.status)
    case.stage_seq += 1
    case.stage_started_at = now
    if stage is None:  # closed, evaluated or voided: no clock runs, none is stopped
        case.stage_deadline = case.warn_at = case.paused_at = None
    elif stage == Stage.HANDLE and case.due_at is not None:
        case.stage_deadline = case.due_at  # rework runs against the deadline already promised
    else:
        limit = stage_limit(case, stage)
        case.stage_deadline = deadline_after(now, limit) if limit else None
        if stage == Stage.HANDLE:
            case.due_at = case.stage_deadline
    if stage is not None:
        case.warn_at = warning_point(now, case.stage_deadline, _basis(case))
    case.clock = clock_state(case, now)


def _record_outcomes(case: Case, action: str, now: datetime) -> None:
    if action == "handle":
        case.handled_on_time = case.due_at is None or now <= case.due_at
    elif action == "verify":
        on_time_verify = case.stage_deadline is None or now <= case.stage_deadline
        case.closed_on_time = case.handled_on_time is not False and on_time_verify
    elif action == "reopen":
        case.handled_on_time = None
        case.closed_on_time = None
    if action in REASSIGNING_ACTIONS:
        case.due_at = None


def apply_clock(case: Case, action: str, from_status: str, at: datetime, data: dict[str, Any]) -> None:
    """Apply one step of the timeline to the case's clock fields.

    Called after the action changed the case (its new status and flags are set) and before it is saved.
    """
    if action in LAPSING_ACTIONS and case.extension_pending:
        _resume(case, at, _basis(case, from_status))
        case.extension_pending = False
        case.extension_requested_until = None
        data["extension_lapsed"] = True
    _record_outcomes(case, action, at)
    if action in PAUSING_ACTIONS and case.paused_at is None:
        case.paused_at = at
    elif action in RESUMING_ACTIONS and case.paused_at is not None and not _still_paused(case, action):
        _resume(case, at, _basis(case))
    elif action == "approve_extension":
        case.due_at = datetime.fromisoformat(data["until"])
        case.stage_deadline = case.due_at
        case.stage_seq += 1  # a new deadline may be warned of and missed again (see ClockBreach)
        case.warn_at = warning_point(case.stage_started_at, case.stage_deadline, _basis(case))
        if not case.suspended:
            case.paused_at = None
    if case.status != from_status or action in {"dispatch", "escalate", "reopen"}:
        enter_stage(case, at)
    case.clock = clock_state(case, at)


def _still_paused(case: Case, action: str) -> bool:
    # Resuming a suspension while an extension is still pending (or the reverse) keeps the clock stopped.
    return (action == "resume" and case.extension_pending) or (action == "deny_extension" and case.suspended)


def clock_state(case: Case, now: datetime) -> str:
    """normal / warning / overdue / paused / none, as lists and the case page show it.

    The same rule as ``web.filters.clock_q`` and the sweep: red after ``stage_deadline``, yellow from
    ``warn_at``.
    """
    if not case.is_open or (case.status == "reported" and case.stage_deadline is None):
        return Clock.NONE
    if case.paused_at is not None:
        return Clock.PAUSED
    if case.stage_deadline is None:
        return Clock.NONE
    if now > case.stage_deadline:
        return Clock.OVERDUE
    if case.warn_at is not None and now >= case.warn_at:
        return Clock.WARNING
    return Clock.NORMAL


def warning_at(case: Case) -> datetime | None:
    """When the current stage's clock turns yellow (None when it does not run)."""
    if case.paused_at is not None:
        return None
    return case.warn_at


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
        if event.action in FOREIGN_EVENTS:
            continue
        from_status = shadow.status
        shadow.status = event.to_status
        shadow.suspended = _flag_after(shadow.suspended, event.action, "suspend", "resume")
        shadow.extension_pending = _flag_after(
            shadow.extension_pending, event.action, "request_extension", "approve_extension", "deny_extension"
        )
        if event.action == "report":
            # A deadline set outside (a 12345 order's 办理时限) arrives with the report.
            external = event.data.get("due_at")
            shadow.due_at = datetime.fromisoformat(external) if external else None
            enter_stage(shadow, event.at)
            continue
        apply_clock(shadow, event.action, from_status, event.at, dict(event.data))
    shadow.clock = clock_state(shadow, now)
    return {name: getattr(shadow, name) for name in CLOCK_FIELDS}


def _flag_after(current: bool, action: str, on: str, *offs: str) -> bool:
    if action == on:
        return True
    return False if action in offs else current
