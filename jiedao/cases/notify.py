"""In-app notifications for case events, delivered from the outbox after commit."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from jiedao.cases.states import ACTION_LABELS
from jiedao.core import clock, outbox
from jiedao.core.models import Notification, OutboxMessage
from jiedao.org.models import Membership, Role

WORKERS = (Role.HANDLER, Role.COMMUNITY_STAFF)
CENTRE = (Role.DISPATCHER,)
# Who hears of which action: the handling unit's people (and on dispatch its co-handlers' 协办), the centre's
# dispatchers, the leaders.
AUDIENCE: dict[str, tuple[str, ...]] = {
    "report": ("centre",),
    "dispatch": ("unit", "co_units"),
    "escalate": ("unit", "centre"),
    "reopen": ("unit",),
    "urge": ("unit",),
    "supervise": ("unit",),
    "rework": ("unit",),
    "approve_extension": ("unit",),
    "deny_extension": ("unit",),
    "return": ("centre",),
    "handle": ("centre",),
    "request_extension": ("centre", "leaders"),
    "warning": ("unit",),
    "overdue": ("unit", "centre", "leaders"),
}
# A case imported with the steps it already went through (``cases.bulk``, one "import" message) is news only
# to whoever must act on it now, by the state it arrived in; an order that arrived closed tells nobody.
IMPORTED_AUDIENCE: dict[str, tuple[str, ...]] = {
    "reported": ("centre",),
    "registered": ("centre",),
    "dispatched": ("unit",),
    "accepted": ("unit",),
    "handled": ("centre",),
}
# Other apps that react to case events (e.g. integrations.webhooks.fan_out) append themselves here; each runs
# in the delivery transaction of the case message, so one outbox message serves them all.
CASE_EVENT_HOOKS: list[Callable[[OutboxMessage], None]] = []
LEVEL = {
    "overdue": "danger",
    "warning": "warning",
    "urge": "warning",
    "supervise": "warning",
    "return": "warning",
}


# A warning goes to whoever must act before the deadline: the centre registers, dispatches and verifies
# (no unit holds the case yet, or the unit has reported back); the unit accepts and handles.
CENTRE_STAGE_STATUSES = {"reported", "registered", "handled"}


def audience_for(payload: dict) -> tuple[str, ...]:
    """Who hears of this case message (empty: nobody)."""
    action = payload.get("action", "")
    if action == "import":
        return IMPORTED_AUDIENCE.get(payload.get("status", ""), ())
    if action == "warning" and (payload.get("status") in CENTRE_STAGE_STATUSES or not payload.get("unit_id")):
        return ("centre",)
    return AUDIENCE.get(action, ())


def recipients(payload: dict, audience: tuple[str, ...]) -> set[int]:
    query = Q(pk__in=[])
    if "unit" in audience and payload.get("unit_id"):
        query |= Q(unit_id=payload["unit_id"], role__in=WORKERS)
    if "co_units" in audience and payload.get("co_unit_ids"):
        query |= Q(unit_id__in=payload["co_unit_ids"], role__in=WORKERS)
    street = payload.get("street") or ""
    if "centre" in audience:
        query |= Q(unit__region_id=street, role__in=CENTRE)
    if "leaders" in audience:
        query |= Q(unit__region_id=street, role=Role.LEADER)
    users = set(Membership.objects.filter(query, user__is_active=True).values_list("user_id", flat=True))
    users.discard(payload.get("actor_id"))  # nobody is told of what they did themselves
    return users


@outbox.handles("case.")
def deliver_case_notification(message: OutboxMessage) -> None:
    for hook in CASE_EVENT_HOOKS:
        hook(message)
    payload = message.payload
    audience = audience_for(payload)
    if not audience:
        return
    title = f"案件 {payload['number']} {ACTION_LABELS.get(payload['action'], payload['action'])}"
    existing = set(Notification.objects.filter(source=message).values_list("user_id", flat=True))
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                created_at=clock.now(),
                title=title,
                url=f"/cases/{payload['number']}/",
                level=LEVEL.get(payload["action"], "info"),
                source=message,
            )
            for user_id in sorted(recipients(payload, audience) - existing)
        ],
        ignore_conflicts=True,  # a redelivery racing another never notifies a person twice
    )
