"""A person's in-app notifications (站内通知): what they read is theirs to mark, nobody else's."""

from __future__ import annotations

from collections.abc import Iterable

from jiedao.core import clock
from jiedao.org.models import User


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications read — the given ones, or all when ``ids`` is None."""
    unread = user.notifications.filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())
