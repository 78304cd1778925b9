"""Where a case goes: the grid that contains its point, the unit that usually handles it, similar open cases."""

from __future__ import annotations

import math

from django.db.models import Q

from jiedao.cases.models import Case, Category, RoutingRule
from jiedao.lib.geo import distance_m
from jiedao.org.models import Region, Unit, UnitKind


def suggest_unit(category: Category, street: Region, community: Region | None) -> Unit | None:
    """派遣建议: a routing rule for the community, then the street; then the unit of the category's specialty in
    the community, then in the street; else the community committee; else the command centre."""
    regions = [r for r in (community, street) if r is not None]
    categories = [c for c in (category, category.parent) if c is not None]
    rules = RoutingRule.objects.filter(category__in=categories, region__in=regions, unit__active=True)
    ranked = sorted(
        rules.select_related("unit"), key=lambda r: (regions.index(r.region), categories.index(r.category))
    )
    if ranked:
        return ranked[0].unit
    units = Unit.objects.filter(active=True, region__pk__startswith=street.code)
    specialty = category.default_unit_specialty or (
        category.parent.default_unit_specialty if category.parent else ""
    )
    if specialty:
        # The case's own community's unit of that specialty, else the street's; never another community's.
        for region in regions:
            unit = units.filter(specialty=specialty, region=region).order_by("name").first()
            if unit:
                return unit
    if community is not None:
        unit = units.filter(kind=UnitKind.COMMUNITY_COMMITTEE, region=community).first()
        if unit:
            return unit
    return units.filter(kind=UnitKind.COMMAND_CENTRE).first()


def near_duplicates(case: Case, radius_m: float, limit: int = 5) -> list[tuple[Case, float]]:
    """Open cases of the same category within ``radius_m`` of this one (并案建议), nearest first."""
    if case.lon is None or case.lat is None:
        return []
    # A bounding box in degrees narrows the candidates before the exact distance (1° lat ≈ 111 km).
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(0.2, abs(math.cos(math.radians(case.lat)))))
    candidates = (
        Case.objects.filter(category=case.category, street=case.street)
        .exclude(pk=case.pk)
        .exclude(Q(status__in=["closed", "evaluated", "voided"]))
        .filter(lon__range=(case.lon - dlon, case.lon + dlon), lat__range=(case.lat - dlat, case.lat + dlat))
    )
    found = [(other, distance_m(case.lon, case.lat, other.lon, other.lat)) for other in candidates[:200]]
    return sorted([pair for pair in found if pair[1] <= radius_m], key=lambda pair: pair[1])[:limit]
