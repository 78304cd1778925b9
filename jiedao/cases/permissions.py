"""Who may take which action on which case: the PERMISSIONS table applied to one actor and one case."""

from __future__ import annotations

from jiedao.cases.models import Case
from jiedao.cases.states import PERMISSIONS
from jiedao.core.actor import Actor
from jiedao.org.models import Grid, Membership, Unit


def _relation_holds(actor: Actor, membership: Membership | None, relation: str, case: Case) -> bool:
    if relation == "owner":
        return actor.resident_case_number is not None and actor.resident_case_number == case.number
    if membership is None:
        return False
    if relation == "assigned":
        return case.unit_id == membership.unit_id
    if relation == "area":
        return (case.community_id or case.street_id or "").startswith(membership.unit.region_id)
    if relation == "grid":
        return case.grid_id is not None and Grid.objects.filter(pk=case.grid_id, workers=actor.user).exists()
    raise ValueError(f"unknown relation {relation}")


def acting_membership(actor: Actor, case: Case, action: str) -> Membership | bool | None:
    """The membership that allows ``actor`` to take ``action`` on ``case``.

    Returns the Membership, ``None`` when allowed without one (system, resident), or ``False`` when refused.
    """
    rules = PERMISSIONS.get(action, ())
    for role, relation in rules:
        if role == "resident":
            if "resident" in actor.roles and _relation_holds(actor, None, relation, case):
                return None
            continue
        for membership in actor.memberships:
            if membership.role == role and _relation_holds(actor, membership, relation, case):
                return membership
    return False


def allowed_actions(actor: Actor, case: Case) -> list[str]:
    """Every action the actor could take on the case now (state, guards and permission), for the page."""
    from jiedao.cases.actions import refusal  # the same checks the write path makes

    return [action for action in PERMISSIONS if refusal(case, action, actor) is None]


def acting_unit(actor: Actor | None, case: Case, action: str) -> Unit | None:
    if actor is None:
        return None
    membership = acting_membership(actor, case, action)
    return membership.unit if isinstance(membership, Membership) else None
