"""Reads scoped by the actor's jurisdiction: every staff query for regions, grids and units starts here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiedao.core import versions
from jiedao.core.actor import Actor
from jiedao.org.models import Grid, Membership, Region, Role, Unit, User

ADMIN_ROLES = {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
# Every staff request needs the caller's memberships; triggers on memberships, units and regions move this.
MEMBERSHIPS_VERSION = "memberships.version"
_memberships: versions.VersionedMemo[int, tuple[Membership, ...]] = versions.VersionedMemo(
    MEMBERSHIPS_VERSION
)


def _load_memberships(user: User) -> tuple[Membership, ...]:
    return tuple(Membership.objects.filter(user=user).select_related("unit", "unit__region"))


def actor_for_user(user: User, *, ip: str | None = None) -> Actor:
    """Build the Actor of a signed-in staff member from their memberships (remembered per process)."""
    memberships = _memberships.get(user.pk, lambda: _load_memberships(user))
    return Actor(user=user, memberships=memberships, roles=frozenset(m.role for m in memberships), ip=ip)


def region_prefixes(actor: Actor, roles: set[str] | None = None) -> list[str]:
    """The region codes the actor's memberships (optionally only those with ``roles``) cover."""
    return sorted(
        {
            m.unit.region_id
            for m in actor.memberships
            if m.role not in ADMIN_ROLES and (roles is None or m.role in roles)
        }
    )


def in_jurisdiction(actor: Actor, region_code: str | None, roles: set[str] | None = None) -> bool:
    """Whether ``region_code`` lies inside one of the actor's regions (a code is a prefix of its descendants)."""
    if not region_code:
        return False
    return any(region_code.startswith(prefix) for prefix in region_prefixes(actor, roles))


def prefix_q(field: str, prefixes: list[str]) -> Q:
    """Q matching ``field`` against any of the region code prefixes; empty list matches nothing."""
    # Django refuses ``startswith`` on a foreign key's attname; ``<fk>__pk`` matches the same column, no join.
    lookup = f"{field.removesuffix('_id')}__pk" if field.endswith("_id") else field
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(**{f"{lookup}__startswith": prefix})
    return query


def regions_for(actor: Actor) -> QuerySet[Region]:
    return Region.objects.filter(prefix_q("code", region_prefixes(actor)))


def grids_for(actor: Actor) -> QuerySet[Grid]:
    return Grid.objects.filter(prefix_q("community_id", region_prefixes(actor))).select_related("community")


def units_for(actor: Actor) -> QuerySet[Unit]:
    """Units an actor may dispatch to or see: those of their street and its communities, plus external bodies."""
    streets = sorted({p[:9] for p in region_prefixes(actor)})
    return Unit.objects.filter(prefix_q("region_id", streets), active=True)


def street_grids(street_code: str) -> QuerySet[Grid]:
    """All grids of a sub-district: public geometry (the resident map draws their outline)."""
    return Grid.objects.filter(street_id=street_code).select_related("community")
