"""Display helpers shared by every page: case numbers, state chips, clock badges, timeline details."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from jiedao.cases import sla
from jiedao.cases.categories import display_name
from jiedao.cases.models import Case, CaseEvent, Category, Channel, Clock, Satisfaction, Stage, Status
from jiedao.cases.states import ACTION_LABELS
from jiedao.core import clock

register = template.Library()

# One colour family per state, the same on every page (CSS classes chip--<tone>).
STATUS_TONE = {
    Status.REPORTED: "new",
    Status.REGISTERED: "info",
    Status.DISPATCHED: "info",
    Status.ACCEPTED: "work",
    Status.HANDLED: "work",
    Status.CLOSED: "done",
    Status.EVALUATED: "done",
    Status.VOIDED: "void",
}
CLOCK_LABELS = {
    Clock.NORMAL: _l("正常"),
    Clock.WARNING: _l("预警"),
    Clock.OVERDUE: _l("超期"),
    Clock.PAUSED: _l("暂停"),
}


def group_number(number: str) -> str:
    """2611210042 → "2611 21 0042": month, day and sequence, easy to read over the phone."""
    number = (number or "").strip()
    if len(number) == 10 and number.isdigit():
        return f"{number[:4]} {number[4:6]} {number[6:]}"
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


@register.filter
def case_number(number: str) -> str:
    return group_number(str(number))


@register.filter
def cat_name(category: Category | None) -> str:
    """A category's name in the page's language (English names come from the catalogue)."""
    return "" if category is None else display_name(category)


@register.filter
def cat_path(category: Category | None) -> str:
    """大类 / 小类."""
    if category is None:
        return ""
    if category.parent_id:
        return f"{cat_name(category.parent)} / {cat_name(category)}"
    return cat_name(category)


@register.filter
def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


ACTOR_LABELS = {"系统": _l("系统"), "居民": _l("居民")}


@register.filter
def actor_name(label: str) -> str:
    """Timeline actor labels: people's names as they are; the system and residents in the page's language."""
    return str(ACTOR_LABELS.get(label, label))


@register.filter
def status_label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def duration_text(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s小时%(m)s分") % {"h": hours, "m": mins}
    return _("%(m)s分钟") % {"m": mins}


def clock_info(case: Case, now: datetime | None = None) -> dict[str, Any]:
    """The live state of the case's clock (the stored one may be a sweep behind)."""
    now = now or clock.now()
    state = sla.clock_state(case, now)
    deadline = case.stage_deadline
    info: dict[str, Any] = {
        "state": state,
        "label": CLOCK_LABELS.get(state, ""),
        "deadline": deadline,
        "hint": "",
    }
    if state == Clock.OVERDUE and deadline:
        info["hint"] = _("超 %(t)s") % {"t": duration_text(now - deadline)}
    elif state in (Clock.NORMAL, Clock.WARNING) and deadline:
        info["hint"] = _("剩 %(t)s") % {"t": duration_text(deadline - now)}
    elif state == Clock.PAUSED:
        info["hint"] = _("缓办中") if case.suspended else _("延期审批中")
    return info


@register.inclusion_tag("web/_clock.html")
def clock_badge(case: Case, compact: bool = False) -> dict[str, Any]:
    return {"c": clock_info(case), "compact": compact}


@register.inclusion_tag("web/_status.html")
def status_chip(case_or_status: Case | str) -> dict[str, Any]:
    status = case_or_status.status if isinstance(case_or_status, Case) else case_or_status
    return {"tone": STATUS_TONE.get(status, "info"), "label": status_label(status)}


def _when(value: str | None) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        return value or ""
    return date_format(timezone.localtime(parsed), "Y-m-d H:i")


def _yes_no(value: Any) -> str:
    if value is None:
        return "—"
    return _("是") if value else _("否")


@register.simple_tag
def event_details(event: CaseEvent) -> list[tuple[str, str]]:
    """The interesting parts of an event's data as (label, value) rows for the staff timeline."""
    data = event.data or {}
    rows: list[tuple[str, str]] = []
    action = event.action
    if action == "report" and data.get("channel"):
        try:
            rows.append((_("来源"), str(Channel(data["channel"]).label)))
        except ValueError:
            rows.append((_("来源"), data["channel"]))
    if action in {"dispatch", "reopen"} and data.get("unit"):
        rows.append((_("承办单位"), data["unit"]))
    if data.get("co_units"):
        rows.append((_("协办单位"), "、".join(data["co_units"])))
    if action == "return":
        from jiedao.cases.actions import RETURN_REASONS

        reason = RETURN_REASONS.get(data.get("reason", ""), data.get("reason_label", ""))
        rows.append((_("退单原因"), str(reason)))
        if data.get("unit"):
            rows.append((_("退单单位"), data["unit"]))
    if action == "escalate":
        rows.append((_("上报"), f"{data.get('from_unit', '')} → {data.get('unit', '')}"))
    if action in {"request_extension", "approve_extension"} and data.get("until"):
        rows.append((_("延期至"), _when(data["until"])))
    if action == "merge" and data.get("into"):
        rows.append((_("并入"), group_number(data["into"])))
    if action == "merged" and data.get("from"):
        rows.append((_("被并入案件"), group_number(data["from"])))
    if action == "evaluate" and data.get("reached") is False:
        rows.append((_("回访"), _("未联系上诉求人")))
    elif action == "evaluate":
        if data.get("satisfaction"):
            rows.append((_("满意度"), str(Satisfaction(data["satisfaction"]).label)))
        rows.append((_("是否解决"), _yes_no(data.get("resolved"))))
        rows.append((_("承办单位联系过诉求人"), _yes_no(data.get("contacted"))))
    if action in {"warning", "overdue"}:
        if data.get("stage"):
            rows.append((_("环节"), str(Stage(data["stage"]).label)))
        if data.get("deadline"):
            rows.append((_("时限"), _when(data["deadline"])))
    return rows


@register.simple_tag
def attribute_rows(case: Case) -> list[tuple[str, str]]:
    """The category's extra fields with their labels and display values, in schema order."""
    schema = sorted(case.category.attributes or [], key=lambda a: a.get("order", 0))
    values = case.attributes or {}
    rows = []
    for attribute in schema:
        code = attribute.get("code")
        if code not in values:
            continue
        value = values[code]
        names = {v["key"]: v["name"] for v in attribute.get("values", [])}
        if isinstance(value, list):
            shown = "、".join(names.get(v, str(v)) for v in value)
        elif attribute.get("datatype") == "datetime":
            shown = _when(value)
        else:
            shown = names.get(value, str(value)) if isinstance(value, str) else str(value)
        rows.append((attribute.get("description", code), shown))
    known = {a.get("code") for a in schema}
    rows += [(code, str(value)) for code, value in values.items() if code not in known]
    return rows


@register.filter
def get_item(mapping: dict, key: str) -> Any:
    return (mapping or {}).get(key)
