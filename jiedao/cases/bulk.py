"""Many new cases at once, each with the steps it already went through: the bulk form of the one write path.

An import of historical orders (a 12345 export) brings cases that were reported, registered, dispatched,
handled and rated long ago. ``import_timelines`` creates them as ``do_report`` followed by one ``do_<verb>``
per step at the step's own time would (``take`` is that per-action path, step by step), and a differential
test holds the two to the same result — but it replays every step in memory and writes a whole batch with a
few INSERTs per table instead of some ten queries per step.

It is built from the actions' own pieces, not a copy of them:

- the report: ``actions._validate_report`` (the same checks and messages as ``do_report``), the place from
  ``org.locating.place_many`` when a report has coordinates (``actions.placed`` refuses a point outside the
  street), the case from ``actions._create_case`` (encrypted reporter data, the register clock);
- each step: ``actions.refusal`` (the transition table ``states.target_state``, the guards, the actor's
  permission), the action's own change of the case (``actions.apply_<verb>``), the clock from
  ``sla.apply_clock`` on one pinned working calendar, the timeline event (``actions.timeline_event``) and
  the audit record's old and new values (``actions.audit_change``);
- the case numbers of each day reserved in one statement (``actions.new_case_numbers``).

What it does differently, on purpose:

- A timeline is checked whole before anything is written: a refused one writes nothing (not even a number)
  and its refusal is returned with the others rather than raised, so the caller can report every refused row
  and still import the good ones. Refusals are not audited one by one: the caller's own audit record counts
  them (``hotline.import``).
- One outbox message per case, ``case.import``, instead of one per step (a 100,000-order import would queue
  some 700,000). Its payload is the usual one (``actions.case_message``) for the case as it ends, with
  ``action`` "import" and ``actions``, every step in order. Each consumer handles it: the rollups mark every
  day the case has events on (they read ``case_id``, as for any case message); webhooks deliver the case once
  to each subscription that wants any of its steps (``integrations.webhooks.fan_out``); in-app notifications
  go only to whoever must act on the case now (``cases.notify``) — nobody is told of a historical order that
  was closed long ago.
- No photos and no co-handling units: imports bring neither.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedao.cases import actions
from jiedao.cases.attributes import check_schema
from jiedao.cases.models import Case, CaseEvent, Satisfaction
from jiedao.cases.sla import apply_clock
from jiedao.cases.states import target_state
from jiedao.core import audit, clock, outbox
from jiedao.core.actor import Actor
from jiedao.core.calendar import pinned_calendar
from jiedao.core.copyin import insert_new
from jiedao.core.errors import ApplicationError
from jiedao.core.models import AuditEvent
from jiedao.org.locating import Placement, place_many
from jiedao.org.models import Unit

IMPORT_ACTION = "import"
IMPORT_TOPIC = f"case.{IMPORT_ACTION}"


@dataclass
class PastStep:
    """One action a case went through, at its own time, with what that action takes."""

    action: str  # one of STEPS
    at: datetime
    note: str = ""
    unit: Unit | None = None  # dispatch
    satisfaction: str = ""  # evaluate
    resolved: bool | None = None
    contacted: bool | None = None


@dataclass
class Timeline:
    """A new case: the report (at ``report.reported_at``) and the steps that followed it, in time order."""

    report: actions.ReportInput
    steps: Sequence[PastStep] = ()


def _check_evaluate(past: PastStep) -> None:
    if past.satisfaction not in Satisfaction.values:
        raise ApplicationError("satisfaction", _("请选择满意程度"), field="satisfaction")


def _check_dispatch(case: Case, past: PastStep) -> None:
    if past.unit is None:
        raise ApplicationError("bad_unit", _("请选择承办单位"), field="unit")
    actions.check_units(case, [past.unit])


# What each step changes on the case, and the checks its action makes before it starts; (check, change).
STEPS: dict[str, tuple[Callable[[Case, PastStep], None] | None, Callable[[actions.Step, PastStep], None]]] = {
    "register": (None, lambda step, past: actions.apply_register(step)),
    "dispatch": (_check_dispatch, lambda step, past: actions.apply_dispatch(step, past.unit)),
    "accept": (None, lambda step, past: actions.apply_accept(step)),
    "handle": (None, lambda step, past: actions.apply_handle(step)),
    "verify": (None, lambda step, past: actions.apply_verify(step, True)),
    "evaluate": (
        lambda case, past: _check_evaluate(past),
        lambda step, past: actions.apply_evaluate(step, past.satisfaction, past.resolved, past.contacted),
    ),
}
# The actions that refuse a step without a note, and what they ask for (as ``do_handle`` does).
NOTE_REQUIRED = {"handle": gettext_lazy("处置情况")}


def take(case: Case, past: PastStep, *, actor: Actor | None) -> Case:
    """The same step through the per-action path, on a case that exists (a re-imported order)."""
    with clock.at(past.at):
        if past.action == "register":
            return actions.do_register(case, actor=actor, note=past.note)
        if past.action == "dispatch":
            return actions.do_dispatch(case, actor=actor, unit=past.unit, note=past.note)
        if past.action == "accept":
            return actions.do_accept(case, actor=actor, note=past.note)
        if past.action == "handle":
            return actions.do_handle(case, actor=actor, note=past.note)
        if past.action == "verify":
            return actions.do_verify(case, actor=actor, passed=True, note=past.note)
        if past.action == "evaluate":
            return actions.do_evaluate(
                case,
                actor=actor,
                satisfaction=past.satisfaction,
                resolved=past.resolved,
                contacted=past.contacted,
                note=past.note,
            )
    raise ValueError(f"not a step of an imported timeline: {past.action}")


@dataclass
class _Replayed:
    """A timeline replayed in memory: the case as it ends, its events, and (action, at, note, change) each."""

    case: Case
    events: list[CaseEvent] = field(default_factory=list)
    audits: list[tuple[str, datetime, str, dict[str, dict[str, Any]]]] = field(default_factory=list)
    snapshot: dict[str, Any] = field(default_factory=dict)  # the audited fields as the last step left them
    zone: tzinfo = field(default_factory=timezone.get_current_timezone)  # of the snapshots: looked up once

    def record(
        self, step: actions.Step, action: str, actor: Actor | None, from_status: str, note: str
    ) -> None:
        """What ``actions._finish`` writes for a step, kept for the batch's INSERTs."""
        self.case.updated_at = step.now
        event = actions.timeline_event(
            self.case, action, actor, from_status=from_status, note=note, step=step
        )
        self.events.append(event)
        before, self.snapshot = self.snapshot, actions._snapshot(self.case, self.zone)
        self.audits.append((action, step.now, note, actions.audit_change(before, self.snapshot)))


def _replay(
    timeline: Timeline, actor: Actor | None, placement: tuple[str, str | None, int | None]
) -> _Replayed:
    """The case, its timeline and its audit changes, as the actions would make them; raises their refusal.
    The category's attribute schema has been checked (``_check_schemas``)."""
    data = timeline.report
    clean = actions._validate_report(data, actor, schema_checked=True)
    with clock.at(data.reported_at or clock.now()):
        case = actions._create_case(data, clean, actor, placement, number="")
    opened: dict[str, Any] = {"channel": data.channel}
    if data.due_at is not None:
        opened["due_at"] = data.due_at.isoformat()  # as do_report: the timeline alone rebuilds the clock
    replayed = _Replayed(case)
    replayed.record(actions.Step(case=case, now=case.reported_at, data=opened), "report", actor, "", "")
    for past in timeline.steps:
        if past.action not in STEPS:
            raise ValueError(f"not a step of an imported timeline: {past.action}")
        check, change = STEPS[past.action]
        note = past.note
        if past.action in NOTE_REQUIRED:
            note = actions._require(note, NOTE_REQUIRED[past.action])
        if check is not None:
            check(case, past)
        if past.at < case.updated_at:
            raise ApplicationError("order", _("各环节的时间不能早于上一环节"), field="at")
        reason = actions.refusal(case, past.action, actor)
        if reason is not None:
            raise reason
        step = actions.Step(case=case, now=past.at)
        from_status = case.status
        change(step, past)
        case.status = target_state(from_status, past.action)
        apply_clock(case, past.action, from_status, step.now, step.data)
        replayed.record(step, past.action, actor, from_status, note)
    return replayed


def _placements(timelines: Sequence[Timeline]) -> list[Placement | None]:
    """Where each report with coordinates lies, located in one vectorised call (None without coordinates)."""
    located = [i for i, t in enumerate(timelines) if t.report.lon is not None and t.report.lat is not None]
    found: list[Placement | None] = [None] * len(timelines)
    if located:
        points = place_many(
            [timelines[i].report.lon for i in located], [timelines[i].report.lat for i in located]
        )
        for i, placement in zip(located, points, strict=True):
            found[i] = placement
    return found


def _place(timeline: Timeline, found: Placement | None) -> tuple[str, str | None, int | None]:
    data = timeline.report
    if data.lon is None or data.lat is None:
        return actions._place(data)  # the street: no lookup needed
    return actions.placed(data, found)


def _check_schemas(timelines: Sequence[Timeline]) -> None:
    """Each category's attribute schema checked once, not once per report (``clean_attributes`` would)."""
    for category in {id(t.report.category): t.report.category for t in timelines}.values():
        check_schema(category.attributes)


def import_timelines(timelines: Sequence[Timeline], *, actor: Actor | None) -> list[Case | ApplicationError]:
    """Create a case for each timeline, with all its steps, in a few statements; for each timeline in order,
    the case created or the refusal that kept it out (nothing of a refused timeline is written).

    Runs in the caller's transaction (or its own). Meant for batches of a few thousand timelines.
    """
    outcomes: list[Case | ApplicationError] = []
    replayed: list[_Replayed] = []
    with transaction.atomic(), pinned_calendar():
        _check_schemas(timelines)
        for timeline, found in zip(timelines, _placements(timelines), strict=True):
            try:
                done = _replay(timeline, actor, _place(timeline, found))
            except ApplicationError as exc:
                outcomes.append(exc)
                continue
            outcomes.append(done.case)
            replayed.append(done)
        if replayed:
            _write(replayed, actor)
    return outcomes


def _write(replayed: list[_Replayed], actor: Actor | None) -> None:
    """Number the cases (a block of each day's numbers in one statement), then insert everything."""
    by_day: dict[str, list[Case]] = defaultdict(list)
    for done in replayed:
        by_day[timezone.localtime(done.case.reported_at).date().isoformat()].append(done.case)
    for cases in by_day.values():
        for case, number in zip(
            cases, actions.new_case_numbers(cases[0].reported_at, len(cases)), strict=True
        ):
            case.number = number
    insert_new([done.case for done in replayed])
    for done in replayed:
        for event in done.events:
            event.case_id = done.case.pk  # the case had no key yet when its events were made
    insert_new([event for done in replayed for event in done.events])
    entries: list[AuditEvent] = []
    messages = []
    for done in replayed:
        case = done.case
        for action, at, note, change in done.audits:
            entries.append(
                audit.entry(actor, f"case.{action}", "case", case.number, **change, reason=note, at=at)
            )
        steps = [event.action for event in done.events]
        with clock.at(case.updated_at):  # as the last step's own message would be
            payload = actions.case_message(case, IMPORT_ACTION, actor, actions=steps)
            messages.append(outbox.pending(IMPORT_TOPIC, payload))
    audit.record_many(entries)
    outbox.enqueue_many(messages)
