"""Writing the audit log. Called by actions inside their transaction; refusals are written after rollback."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiedao.core import clock
from jiedao.core.actor import Actor
from jiedao.core.copyin import insert_new
from jiedao.core.models import AuditEvent


def record(actor: Actor | None, action: str, obj_type: str, obj_id: object, **details: Any) -> AuditEvent:
    """Append one audit record (``details`` as for ``entry``). ``actor`` None means the system (sweep, import)."""
    event = entry(actor, action, obj_type, obj_id, **details)
    event.save(force_insert=True)
    return event


def entry(
    actor: Actor | None,
    action: str,
    obj_type: str,
    obj_id: object,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    success: bool = True,
    at=None,
) -> AuditEvent:
    """One audit record as ``record`` writes it, not yet written (``record_many`` appends many at once)."""
    return AuditEvent(
        at=at or clock.now(),
        actor_id=actor.user_id if actor else None,  # the key, not the object: cheaper to set, same row
        actor_label=(actor.display if actor else "系统")[:100],
        action=action,
        object_type=obj_type,
        object_id=str(obj_id),
        old=old or {},
        new=new or {},
        reason=reason[:2000],
        success=success,
        ip=actor.ip if actor else None,
    )


def record_many(entries: list[AuditEvent]) -> None:
    """Append many audit records (made by ``entry``) in a few statements, in order."""
    insert_new(entries)


def record_refusal(actor: Actor | None, action: str, obj_type: str, obj_id: object, reason: str) -> None:
    """Record a refused action in its own transaction, so the refusal survives the rollback of the attempt."""
    with transaction.atomic():
        record(actor, action, obj_type, obj_id, reason=reason, success=False)
