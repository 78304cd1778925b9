"""Reads of cases, always scoped by the actor's jurisdiction (the one place a query learns its scope)."""

from __future__ import annotations

import hmac

from django.db.models import F, Q, QuerySet

from jiedao.cases.models import Attachment, Case, CaseEvent, Category
from jiedao.core.actor import Actor
from jiedao.org.models import Role
from jiedao.org.selectors import prefix_q

AREA_ROLES = {Role.DISPATCHER, Role.LEADER, Role.COMMUNITY_STAFF, Role.GRID_WORKER}
UNIT_ROLES = {Role.HANDLER, Role.COMMUNITY_STAFF}


def scope_q(actor: Actor) -> Q:
    """Cases in the regions of the actor's area roles, or assigned (or co-assigned) to their units."""
    area = sorted({m.unit.region_id for m in actor.memberships if m.role in AREA_ROLES})
    units = sorted({m.unit_id for m in actor.memberships if m.role in UNIT_ROLES})
    query = prefix_q("community_id", area) | (Q(community__isnull=True) & prefix_q("street_id", area))
    if units:
        query |= Q(unit_id__in=units) | Q(co_units__in=units)
    return query


def cases_for(actor: Actor) -> QuerySet[Case]:
    """Every case the actor may see; nothing for admins and outsiders."""
    query = scope_q(actor)
    base = Case.objects.filter(query)
    if any(m.role in UNIT_ROLES for m in actor.memberships):
        base = base.distinct()  # co-handler joins may repeat a case
    return base.select_related("category", "category__parent", "unit", "community", "grid")


def case_for(actor: Actor, number: str) -> Case:
    """One case by number within the actor's scope (Case.DoesNotExist otherwise)."""
    return cases_for(actor).get(number=number)


def public_timeline(case: Case) -> QuerySet[CaseEvent]:
    """What a resident sees of a case's history."""
    return case.events.filter(public=True).select_related("actor_unit", "target_unit")


def running_first(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Overdue first, then the nearest deadline; cases with no running clock last."""
    return queryset.order_by(F("stage_deadline").asc(nulls_last=True), "-reported_at")


# --- Residents (no account: a case is theirs when they know its number and their phone's last four digits) --


def _public_case(number: str) -> Case | None:
    return (
        Case.objects.select_related("category", "category__parent", "community", "unit")
        .filter(number=number)
        .first()
    )


def resident_case(number: str, last4: str) -> Case | None:
    """The case with this number whose reporter's phone ends in ``last4``; None otherwise (no hint which)."""
    case = _public_case(number)
    stored = case.reporter_phone_last4 if case else ""
    if case is None or not stored or not hmac.compare_digest(stored, last4):
        return None
    return case


def proven_resident_case(number: str) -> Case | None:
    """A case whose ownership the resident's session already proved with ``resident_case``."""
    return _public_case(number)


def public_photos(case: Case) -> QuerySet[Attachment]:
    """Photos attached to public steps of the case (the report's and the handler's evidence)."""
    return case.attachments.filter(event__public=True)


def reportable_category(category_id: str | int | None) -> Category | None:
    """A category a resident may choose (a public, active 小类), or None."""
    try:
        pk = int(category_id)
    except (TypeError, ValueError):
        return None
    return (
        Category.objects.filter(pk=pk, public=True, active=True, parent__isnull=False)
        .select_related("parent")
        .first()
    )
