"""Who is acting: a staff member in one or more memberships, a resident, or the system (None)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jiedao.org.models import Membership, User


@dataclass(frozen=True)
class Actor:
    """The person behind an action, with the memberships that give them roles and jurisdiction."""

    user: User | None
    memberships: tuple[Membership, ...] = ()
    label: str = ""
    # A resident proves ownership of a case by number + last four phone digits; the tracked number is kept here.
    resident_case_number: str | None = None
    roles: frozenset[str] = field(default=frozenset())
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def display(self) -> str:
        if self.user:
            return self.user.get_full_name() or self.user.username
        return self.label or "系统"

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def resident_actor(case_number: str | None = None, *, ip: str | None = None) -> Actor:
    """A resident using the public pages (no account)."""
    return Actor(
        user=None, label="居民", resident_case_number=case_number, roles=frozenset({"resident"}), ip=ip
    )
