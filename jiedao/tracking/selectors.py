"""Who may see which devices, tracks and zones (轨迹属于敏感个人信息).

Dispatchers and leaders see every device of the units in their jurisdiction and the devices not yet
assigned to a unit; anyone else sees only the devices of their own units. The three administrators see none.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from jiedao.core.actor import Actor
from jiedao.org.models import Role
from jiedao.org.selectors import ADMIN_ROLES, prefix_q, region_prefixes
from jiedao.tracking.models import Device, Shift, Zone

OVERSEERS = {Role.DISPATCHER, Role.LEADER}


def _scope(actor: Actor, unit_field: str, *, unassigned: bool) -> Q:
    overseen = region_prefixes(actor, OVERSEERS)
    query = prefix_q(f"{unit_field}__region_id", overseen)
    if unassigned and any(settings.JIEDAO["STREET"].startswith(p) for p in overseen):
        query |= Q(**{f"{unit_field}__isnull": True})
    own_units = [m.unit_id for m in actor.memberships if m.role not in ADMIN_ROLES]
    return query | Q(**{f"{unit_field}_id__in": own_units})


def devices_for(actor: Actor) -> QuerySet[Device]:
    return Device.objects.filter(_scope(actor, "unit", unassigned=True)).select_related("unit")


def zones_for(actor: Actor) -> QuerySet[Zone]:
    return Zone.objects.filter(_scope(actor, "unit", unassigned=False), active=True).select_related("unit")


def shifts_for(actor: Actor) -> QuerySet[Shift]:
    return (
        Shift.objects.filter(_scope(actor, "zone__unit", unassigned=False), active=True, zone__active=True)
        .select_related("zone", "zone__unit")
        .prefetch_related("devices", "crew")
    )
