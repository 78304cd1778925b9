"""The one write path for cases (工单流转). Every change of a case is a ``do_<verb>`` here.

Each action is atomic: it locks the case, checks the transition table, the guards and the actor's
permission, applies the change and the clock, and writes the timeline event, the audit record and the
outbox messages in the same transaction. A refusal raises ApplicationError and is itself audited.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiedao.cases import photos as photo_store
from jiedao.cases.attributes import AttributeValidationError, clean_attributes
from jiedao.cases.models import Attachment, Case, CaseEvent, Category, Channel, ClockBreach, Stage, Urgency
from jiedao.cases.permissions import acting_membership
from jiedao.cases.pii import PHONE_RE, encrypt_reporter, normalise_phone
from jiedao.cases.sla import apply_clock, enter_stage, replay_clock
from jiedao.cases.states import ACTION_LABELS, ALLOWED_WHILE_SUSPENDED, GUARDS, STAGE_OF_STATUS, target_state
from jiedao.core import audit, clock, outbox, versions
from jiedao.core.actor import Actor
from jiedao.core.calendar import pinned_calendar
from jiedao.core.counters import reserve
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.org.locating import Placement, place
from jiedao.org.models import Membership, Unit, UnitKind

RETURN_REASONS = {
    "not_our_duty": gettext_lazy("职能不符"),
    "not_our_area": gettext_lazy("属地不符"),
    "incomplete": gettext_lazy("信息不全"),
}
CHANNELS, URGENCIES = frozenset(Channel.values), frozenset(Urgency.values)  # (.values builds a list per call)
# The fields an audit record compares before and after an action.
AUDITED_FIELDS = (
    "status",
    "category_id",
    "urgency",
    "unit_id",
    "community_id",
    "grid_id",
    "suspended",
    "extension_pending",
    "due_at",
    "stage_deadline",
    "satisfaction",
    "resolved",
    "callback_reached",
    "contacted",
    "merged_into_id",
    "void_reason",
    "escalation_level",
)
_audited_values = operator.attrgetter(*AUDITED_FIELDS)  # all of a case's audited values in one call


def refusal(case: Case, action: str, actor: Actor | None) -> ApplicationError | None:
    """Why ``actor`` may not take ``action`` on ``case`` now, or None when allowed. Checks no side effects."""
    label = ACTION_LABELS.get(action, action)
    if target_state(case.status, action) is None:
        return ApplicationError(
            "invalid_state",
            _("案件当前状态为「%(s)s」,不能%(a)s") % {"s": case.get_status_display(), "a": label},
        )
    if case.suspended and action not in ALLOWED_WHILE_SUSPENDED:
        return ApplicationError("suspended", _("案件处于缓办状态,请先恢复办理再%(a)s") % {"a": label})
    guard = GUARDS.get(action)
    if guard and not guard.check(case):
        return ApplicationError("guard", str(guard.message))
    if actor is not None and acting_membership(actor, case, action) is False:
        return PermissionRefused("forbidden", _("您没有对该案件执行「%(a)s」的权限") % {"a": label})
    return None


@dataclass
class Step:
    """What an action is doing to the locked case; the action fills it in before the transition commits."""

    case: Case
    now: datetime
    data: dict[str, Any] = field(default_factory=dict)
    target_unit: Unit | None = None
    public: bool = True
    photos: list[photo_store.CheckedPhoto] = field(default_factory=list)
    notify: dict[str, Any] = field(default_factory=dict)
    event: CaseEvent | None = None


def _snapshot(case: Case, zone: tzinfo | None = None) -> dict[str, Any]:
    """The audited fields as the audit log shows them, instants in ``zone`` (default: the current one)."""
    zone = zone or timezone.get_current_timezone()
    return {
        name: _jsonable(value, zone)
        for name, value in zip(AUDITED_FIELDS, _audited_values(case), strict=True)
    }


def _jsonable(value: Any, zone: tzinfo | None = None) -> Any:
    # One time zone for every instant, so an unchanged deadline never reads as changed (UTC from the database,
    # Beijing time from the calendar) and the audit log shows the times people saw.
    if not isinstance(value, datetime):
        return value
    return value.astimezone(zone or timezone.get_current_timezone()).isoformat()


@contextmanager
def transition(
    case: Case, action: str, actor: Actor | None, *, note: str = "", uploads: Sequence[UploadedFile] = ()
) -> Iterator[Step]:
    """Run one action on ``case``: lock, check, let the caller change the case, then record everything."""
    checked = photo_store.check_photos(list(uploads))  # before any write: a bad photo changes nothing
    written: list[str] = []
    try:
        with transaction.atomic(), pinned_calendar():
            locked = (
                Case.objects.select_for_update(of=("self",))
                .select_related("category", "unit")
                .get(pk=case.pk)
            )
            reason = refusal(locked, action, actor)
            if reason is not None:
                raise reason
            step = Step(case=locked, now=clock.now(), photos=checked)
            before, from_status = _snapshot(locked), locked.status
            yield step
            locked.status = target_state(from_status, action)
            apply_clock(locked, action, from_status, step.now, step.data)
            _finish(locked, step, action, actor, from_status, note, before, written)
    except ApplicationError as exc:
        photo_store.remove_files(written)
        audit.record_refusal(actor, f"case.{action}", "case", case.number, exc.message)
        raise
    except BaseException:
        photo_store.remove_files(written)
        raise
    case.__dict__.update(locked.__dict__)  # the caller's object reflects what was committed


def _finish(
    case: Case,
    step: Step,
    action: str,
    actor: Actor | None,
    from_status: str,
    note: str,
    before: dict[str, Any],
    written: list[str],
) -> None:
    case.updated_at = step.now
    case.save()
    step.event = append_event(case, action, actor, from_status=from_status, note=note, step=step)
    for photo in step.photos:
        names = photo_store.write_files(photo, step.now)
        written.extend(names)
        _attach(case, step.event, photo, names, actor, step.now)
    change = audit_change(before, _snapshot(case))
    audit.record(actor, f"case.{action}", "case", case.number, **change, reason=note, at=step.now)
    outbox.enqueue(f"case.{action}", case_message(case, action, actor, **step.notify))


def audit_change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The audit record's old and new values: the audited fields whose snapshots differ."""
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    return {"old": {k: before.get(k) for k in changed}, "new": changed}


def case_message(case: Case, action: str, actor: Actor | None, **extra: Any) -> dict[str, Any]:
    """The payload of a case's outbox message (notifications, webhooks and rollups read it)."""
    return {
        "case_id": case.pk,
        "number": case.number,
        "action": action,
        "status": case.status,
        "unit_id": case.unit_id,
        "street": case.street_id,
        "community": case.community_id,
        "actor_id": actor.user_id if actor else None,
        **extra,
    }


def append_event(
    case: Case, action: str, actor: Actor | None, *, from_status: str, note: str, step: Step
) -> CaseEvent:
    event = timeline_event(case, action, actor, from_status=from_status, note=note, step=step)
    event.save(force_insert=True)
    return event


def timeline_event(
    case: Case, action: str, actor: Actor | None, *, from_status: str, note: str, step: Step
) -> CaseEvent:
    """The timeline event of a step, not yet written (``cases.bulk`` writes many at once)."""
    membership = acting_membership(actor, case, action) if actor else None
    # Keys rather than objects: cheaper for Django to set (an import makes hundreds of thousands of these).
    return CaseEvent(
        case_id=case.pk,
        at=step.now,
        action=action,
        from_status=from_status,
        to_status=case.status,
        actor_id=actor.user_id if actor else None,
        actor_label=actor.display if actor else "系统",
        actor_unit_id=membership.unit_id if isinstance(membership, Membership) else None,
        target_unit_id=step.target_unit.pk if step.target_unit else None,
        note=note,
        data=step.data,
        public=step.public,
    )


def _attach(
    case: Case,
    event: CaseEvent,
    photo: photo_store.CheckedPhoto,
    names: tuple[str, str],
    actor: Actor | None,
    now: datetime,
) -> Attachment:
    attachment = Attachment(
        case=case,
        event=event,
        content_type="image/jpeg",
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
        original_name=photo.name,
        uploaded_at=now,
        uploaded_by=actor.user if actor else None,
    )
    attachment.file.name, attachment.thumbnail.name = names
    attachment.save()
    return attachment


# --- Report (the only action that creates a case) ----------------------------------------------------------


@dataclass
class ReportInput:
    """What a reporter says; validated by ``do_report``."""

    category: Category
    description: str
    channel: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    urgency: str = Urgency.NORMAL
    attributes: dict[str, Any] = field(default_factory=dict)
    source_ref: str = ""
    reported_at: datetime | None = None
    # A handling deadline set outside (a 12345 order's 办理时限); the handle stage then runs against it.
    due_at: datetime | None = None


def _validate_report(
    data: ReportInput, actor: Actor | None, *, schema_checked: bool = False
) -> dict[str, Any]:
    """The report's cleaned values, or its refusal; ``schema_checked`` as for ``clean_attributes``."""
    errors: dict[str, str] = {}
    if not data.category.active or data.category.parent_id is None:
        errors["category"] = _("请选择一个具体的问题类别(小类)")
    description = (data.description or "").strip()
    if not description:
        errors["description"] = _("请描述问题")
    elif len(description) > 4000:
        errors["description"] = _("问题描述不能超过4000字")
    phone = normalise_phone(data.reporter_phone)
    if phone and not PHONE_RE.match(phone):
        errors["reporter_phone"] = _("电话号码格式不正确")
    if data.channel == Channel.RESIDENT and not phone:
        errors["reporter_phone"] = _("请留下联系电话,以便查询进度和回访")
    if data.lon is None and not data.address.strip():
        errors["location"] = _("请在地图上选点或填写地址")
    if data.channel not in CHANNELS:
        errors["channel"] = _("未知的来源渠道")
    if data.urgency not in URGENCIES:
        errors["urgency"] = _("未知的紧急程度")
    try:
        attributes = clean_attributes(
            data.category.attributes, data.attributes, schema_checked=schema_checked
        )
    except AttributeValidationError as exc:
        attributes = {}
        for problem in exc.errors:
            errors[f"attribute[{problem['code']}]"] = problem["message_zh"]
    if errors:
        raise ApplicationError("invalid", "; ".join(errors.values()), details=errors)
    return {"description": description, "phone": phone, "attributes": attributes}


def _place(data: ReportInput) -> tuple[str, str | None, int | None]:
    """The street, community and grid ids of a report; a point outside every grid of the street is refused."""
    if data.lon is None or data.lat is None:
        return settings.JIEDAO["STREET"], None, None
    return placed(data, place(data.lon, data.lat))


def placed(data: ReportInput, found: Placement | None) -> tuple[str, str | None, int | None]:
    """The ids of where a report's point was found (``place``); None (outside every grid) is refused."""
    if found is None:
        raise ApplicationError(
            "outside_area",
            _("所选位置(%(lon).6f, %(lat).6f)不在本街道辖区内,请重新选点")
            % {"lon": data.lon, "lat": data.lat},
            field="location",
        )
    return found.street_id, found.community_id, found.grid_id


def new_case_number(now: datetime) -> str:
    """A number people can read over the phone: date + daily sequence, e.g. 2611210042."""
    return new_case_numbers(now, 1)[0]


def new_case_numbers(now: datetime, count: int) -> list[str]:
    """``count`` consecutive numbers of the day of ``now``, reserved in one statement (``cases.bulk``)."""
    day = timezone.localtime(now).strftime("%y%m%d")
    return [f"{day}{value:04d}" for value in reserve(f"case:{day}", count)]


def do_report(data: ReportInput, *, actor: Actor | None, uploads: Sequence[UploadedFile] = ()) -> Case:
    """上报: create a case from any channel, located to its grid, with the register clock running."""
    clean = _validate_report(data, actor)
    checked = photo_store.check_photos(list(uploads))
    with versions.pinned():  # the grid and calendar versions in one read
        place_ids = _place(data)
        # The number is drawn in its own short transaction: holding the day's counter row until the case
        # commits would make every report of the city wait for the one before it. A rollback leaves a gap.
        number = new_case_number(clock.now())
        written: list[str] = []
        try:
            with transaction.atomic(), pinned_calendar():
                case = _create_case(data, clean, actor, place_ids, number)
                opened = {"channel": data.channel}
                if data.due_at is not None:
                    opened["due_at"] = data.due_at.isoformat()  # the timeline alone must rebuild the clock
                step = Step(case=case, now=case.reported_at, photos=checked, data=opened)
                _finish(case, step, "report", actor, "", "", {}, written)
        except BaseException:
            photo_store.remove_files(written)
            raise
    return case


def _create_case(
    data: ReportInput,
    clean: dict[str, Any],
    actor: Actor | None,
    place_ids: tuple[str, str | None, int | None],
    number: str,
) -> Case:
    now = clock.now()
    case = Case(
        number=number,
        category=data.category,
        urgency=data.urgency,
        channel=data.channel,
        source_ref=data.source_ref,
        description=clean["description"],
        address=data.address.strip()[:255],
        lon=data.lon,
        lat=data.lat,
        street_id=place_ids[0],
        community_id=place_ids[1],
        grid_id=place_ids[2],
        attributes=clean["attributes"],
        reporter_user=actor.user if actor else None,
        reported_at=data.reported_at or now,
        due_at=data.due_at,
        updated_at=now,
    )
    encrypt_reporter(case, data.reporter_name.strip()[:50], clean["phone"])
    enter_stage(case, case.reported_at)
    return case


# --- Transitions --------------------------------------------------------------------------------------------


def _require(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError("note_required", _("请填写%(w)s") % {"w": what}, field="note")
    return text


def do_register(
    case: Case,
    *,
    actor: Actor | None,
    category: Category | None = None,
    urgency: str | None = None,
    note: str = "",
) -> Case:
    """立案: accept the report as a case (optionally correcting its category and urgency)."""
    with transition(case, "register", actor, note=note) as step:
        apply_register(step, category, urgency)
    return case


def apply_register(step: Step, category: Category | None = None, urgency: str | None = None) -> None:
    """What 立案 changes on the case, besides its state and clock (``cases.bulk`` replays it in memory)."""
    if category is not None:
        step.case.category = category
    if urgency in URGENCIES:
        step.case.urgency = urgency
    step.case.registered_at = step.now


def do_void(case: Case, *, actor: Actor | None, reason: str) -> Case:
    """作废: not a case (duplicate, invalid, not ours) — a reason is required."""
    reason = _require(reason, _("作废原因"))
    with transition(case, "void", actor, note=reason) as step:
        step.case.void_reason = reason[:200]
    return case


def do_merge(case: Case, *, actor: Actor | None, into: Case, note: str = "") -> Case:
    """并案: this case joins another open case; both timelines keep the link."""
    if into.pk == case.pk:
        raise ApplicationError("merge_target", _("只能并入本街道另一件未结案的案件"), field="into")
    with transition(case, "merge", actor, note=note) as step:
        into = Case.objects.select_for_update(of=("self",)).get(pk=into.pk)
        if not into.is_open or into.street_id != step.case.street_id:
            raise ApplicationError("merge_target", _("只能并入本街道另一件未结案的案件"), field="into")
        step.case.merged_into = into
        step.case.void_reason = _("并入案件 %(n)s") % {"n": into.number}
        step.data = {"into": into.number}
        CaseEvent.objects.create(
            case=into,
            at=step.now,
            action="merged",
            from_status=into.status,
            to_status=into.status,
            actor=actor.user if actor else None,
            actor_label=actor.display if actor else "系统",
            note=note,
            data={"from": case.number},
        )
        audit.record(actor, "case.merged", "case", into.number, new={"merged_from": case.number}, reason=note)
    return case


def may_handle(unit: Unit, case: Case) -> bool:
    """A unit may take a case of its own street, or be an outside body (供电, 燃气) serving the case's district."""
    if not unit.active:
        return False
    if unit.region_id.startswith(case.street_id):
        return True
    return unit.kind == UnitKind.EXTERNAL and case.street_id.startswith(unit.region_id)


def do_dispatch(
    case: Case, *, actor: Actor | None, unit: Unit, co_units: Sequence[Unit] = (), note: str = ""
) -> Case:
    """派遣: send the case to a handling unit (with optional co-handlers 协办)."""
    check_units(case, (unit, *co_units))
    with transition(case, "dispatch", actor, note=note) as step:
        apply_dispatch(step, unit, co_units)
        step.case.co_units.set(co_units)
    return case


def check_units(case: Case, units: Sequence[Unit]) -> None:
    """Refuse a unit that may not handle the case (see ``may_handle``)."""
    for candidate in units:
        if not may_handle(candidate, case):
            raise ApplicationError("bad_unit", _("不能派遣给「%(u)s」") % {"u": candidate.name}, field="unit")


def apply_dispatch(step: Step, unit: Unit, co_units: Sequence[Unit] = ()) -> None:
    """What 派遣 changes on the case and its step, besides the co-units (a relation) and state and clock."""
    step.case.unit = unit
    step.case.dispatched_at = step.now
    step.target_unit = unit
    step.data = {"unit": unit.name, "co_units": [u.name for u in co_units]}
    if co_units:  # their people are told too (cases.notify)
        step.notify["co_unit_ids"] = [u.pk for u in co_units]


def do_accept(case: Case, *, actor: Actor | None, note: str = "") -> Case:
    """签收: the unit takes the case; the handling deadline starts."""
    with transition(case, "accept", actor, note=note) as step:
        apply_accept(step)
    return case


def apply_accept(step: Step) -> None:
    step.case.accepted_at = step.now


def do_return(case: Case, *, actor: Actor | None, reason: str, note: str = "") -> Case:
    """退单: back to the dispatcher with a reason (职能不符 / 属地不符 / 信息不全) — 首接负责."""
    if reason not in RETURN_REASONS:
        raise ApplicationError("return_reason", _("请选择退单原因"), field="reason")
    note = _require(note, _("退单说明"))
    with transition(case, "return", actor, note=note) as step:
        step.data = {
            "reason": reason,
            "reason_label": str(RETURN_REASONS[reason]),
            "unit": step.case.unit.name,
        }
        step.case.return_count += 1
        step.case.unit = None
        step.case.due_at = None
        step.case.co_units.clear()
    return case


def do_escalate(case: Case, *, actor: Actor | None, note: str) -> Case:
    """上报上级: hand the case to the next tier (社区 → 联动工作站 → 街道 → 部门, 吹哨报到)."""
    note = _require(note, _("上报理由"))
    with transition(case, "escalate", actor, note=note) as step:
        upper = step.case.unit.escalates_to
        step.data = {"from_unit": step.case.unit.name, "unit": upper.name}
        step.target_unit = upper
        step.case.unit = upper
        step.case.escalation_level += 1
        step.case.due_at = None
        step.case.dispatched_at = step.now
    return case


def do_request_extension(case: Case, *, actor: Actor | None, until: datetime, reason: str) -> Case:
    """申请延期: the clock stops until the dispatcher decides."""
    reason = _require(reason, _("延期理由"))
    if until is None or timezone.is_naive(until):
        raise ApplicationError("extension_until", _("请填写带时区的延期时限"), field="until")
    try:
        until = clock.in_zone(until, timezone.get_current_timezone())  # any offset a form or client sent
    except ValueError:
        raise ApplicationError("extension_until", _("延期后的时限超出范围"), field="until") from None
    with transition(case, "request_extension", actor, note=reason) as step:
        if step.case.due_at and until <= step.case.due_at:
            raise ApplicationError("extension_until", _("延期后的时限必须晚于当前时限"), field="until")
        step.case.extension_pending = True
        step.case.extension_requested_until = until
        step.data = {"until": until.isoformat()}
    return case


def do_approve_extension(case: Case, *, actor: Actor | None, note: str = "") -> Case:
    """批准延期: the deadline moves to the requested time."""
    with transition(case, "approve_extension", actor, note=note) as step:
        step.data = {"until": step.case.extension_requested_until.isoformat()}
        step.case.extension_pending = False
        step.case.extension_count += 1
    return case


def do_deny_extension(case: Case, *, actor: Actor | None, note: str) -> Case:
    """驳回延期: the clock runs again from where it stopped."""
    note = _require(note, _("驳回理由"))
    with transition(case, "deny_extension", actor, note=note) as step:
        step.case.extension_pending = False
        step.case.extension_requested_until = None
    return case


def do_suspend(case: Case, *, actor: Actor | None, reason: str) -> Case:
    """缓办: stop the clock (e.g. waiting for weather or a court)."""
    reason = _require(reason, _("缓办理由"))
    with transition(case, "suspend", actor, note=reason) as step:
        step.case.suspended = True
        step.case.was_suspended = True
    return case


def do_resume(case: Case, *, actor: Actor | None, note: str = "") -> Case:
    """恢复办理: the clock runs again; the suspended time does not count."""
    with transition(case, "resume", actor, note=note) as step:
        step.case.suspended = False
    return case


def do_supervise(case: Case, *, actor: Actor | None, note: str) -> Case:
    """督办: a formal supervision of the handling unit."""
    note = _require(note, _("督办意见"))
    with transition(case, "supervise", actor, note=note) as step:
        step.case.supervise_count += 1
    return case


def do_urge(case: Case, *, actor: Actor | None, note: str = "") -> Case:
    """催办: remind the handling unit."""
    with transition(case, "urge", actor, note=note) as step:
        step.case.urge_count += 1
    return case


def do_handle(case: Case, *, actor: Actor | None, note: str, uploads: Sequence[UploadedFile] = ()) -> Case:
    """处置反馈: the unit reports back with notes and photo evidence."""
    note = _require(note, _("处置情况"))
    with transition(case, "handle", actor, note=note, uploads=uploads) as step:
        apply_handle(step)
    return case


def apply_handle(step: Step) -> None:
    step.case.handled_at = step.now


def do_verify(
    case: Case, *, actor: Actor | None, passed: bool, note: str = "", uploads: Sequence[UploadedFile] = ()
) -> Case:
    """核查: pass closes the case; fail sends it back to the handler as rework (返工)."""
    action = "verify" if passed else "rework"
    if not passed:
        note = _require(note, _("返工原因"))
    with transition(case, action, actor, note=note, uploads=uploads) as step:
        apply_verify(step, passed)
    return case


def apply_verify(step: Step, passed: bool) -> None:
    if passed:
        step.case.closed_at = step.now
    else:
        step.case.rework_count += 1


def do_evaluate(
    case: Case,
    *,
    actor: Actor | None,
    satisfaction: str = "",
    resolved: bool | None = None,
    contacted: bool | None = None,
    reached: bool = True,
    note: str = "",
) -> Case:
    """评价/回访: the callback result. When it reached the requester (有效回访): 满意 / 基本满意 / 不满意,
    whether it was resolved and whether the handling unit had contacted them (响应). A callback that did not
    reach them is recorded with no answers, and counts in none of the 12345 rates."""
    if reached and satisfaction not in {"satisfied", "basic", "unsatisfied"}:
        raise ApplicationError("satisfaction", _("请选择满意程度"), field="satisfaction")
    with transition(case, "evaluate", actor, note=note) as step:
        apply_evaluate(step, satisfaction, resolved, contacted, reached)
    return case


def apply_evaluate(
    step: Step, satisfaction: str, resolved: bool | None, contacted: bool | None, reached: bool = True
) -> None:
    if not reached:  # nobody answered: there are no answers to record
        satisfaction, resolved, contacted = "", None, None
    step.case.callback_reached = reached
    step.case.satisfaction = satisfaction
    step.case.resolved = resolved
    step.case.contacted = contacted
    step.case.evaluated_at = step.now
    step.data = {
        "reached": reached,
        "satisfaction": satisfaction,
        "resolved": resolved,
        "contacted": contacted,
    }


def do_reopen(case: Case, *, actor: Actor | None, note: str) -> Case:
    """重办: an unsatisfied result goes back to the same unit with a fresh deadline."""
    note = _require(note, _("重办理由"))
    with transition(case, "reopen", actor, note=note) as step:
        step.case.reopen_count += 1
        step.case.satisfaction = ""
        step.case.resolved = None
        step.case.contacted = None
        step.case.callback_reached = None
        step.case.closed_at = None
        step.case.dispatched_at = step.now
        step.target_unit = step.case.unit
    return case


def do_attach(case: Case, *, actor: Actor | None, uploads: Sequence[UploadedFile], note: str = "") -> Case:
    """补充材料: add photos or a note to the timeline without changing the state."""
    if not uploads and not note.strip():
        raise ApplicationError("empty", _("请上传照片或填写说明"), field="photos")
    with transition(case, "attach", actor, note=note, uploads=uploads):
        pass
    return case


def do_mark_clock(case: Case, *, actor: Actor | None, level: str) -> bool:
    """Record a warning or overdue breach of the current stage exactly once; overdue also escalates and
    supervises. Returns False when this breach was already recorded."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        stage = STAGE_OF_STATUS.get(locked.status)
        if (
            stage is None
            or ClockBreach.objects.filter(case=locked, stage_seq=locked.stage_seq, level=level).exists()
        ):
            return False
        note = _("%(s)s环节%(l)s") % {"s": Stage(stage).label, "l": ACTION_LABELS[level]}
        with transition(locked, level, actor, note=note) as step:
            ClockBreach.objects.create(
                case=step.case, stage_seq=step.case.stage_seq, stage=stage, level=level, at=step.now
            )
            step.data = {"stage": stage, "deadline": _jsonable(step.case.stage_deadline)}
            step.public = False
            if level == "overdue":
                step.case.escalation_level += 1
                step.case.supervise_count += 1
    return True


__all__ = [name for name in dir() if name.startswith("do_")] + ["RETURN_REASONS", "ReportInput", "refusal"]


def do_recompute_clock(case: Case, *, actor: Actor | None, reason: str) -> bool:
    """Recompute the case's deadlines from its timeline (after the working calendar or a limit changed).

    Not a step of the case: no timeline event, but an audit record of every deadline that moved.
    Returns whether anything changed."""
    with transaction.atomic(), pinned_calendar():
        locked = Case.objects.select_for_update(of=("self",)).select_related("category").get(pk=case.pk)
        fresh = replay_clock(locked, clock.now())
        # The stored clock state is a snapshot that the sweep refreshes; only moved instants count.
        changed = {name: v for name, v in fresh.items() if name != "clock" and getattr(locked, name) != v}
        if not changed:
            return False
        old = {name: _jsonable(getattr(locked, name)) for name in changed}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changed))
        audit.record(
            actor,
            "case.recompute_clock",
            "case",
            locked.number,
            old=old,
            new={name: _jsonable(value) for name, value in changed.items()},
            reason=reason,
        )
    return True
