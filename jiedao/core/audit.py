"""Writing the audit log. Called by actions inside their transaction; refusals are written after rollback."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jiedao.core import clock
from jiedao.core.actor import Actor
from jiedao.core.models import AuditEvent


def record(
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
    """Append one audit record. ``actor`` None means the system (sweep, import)."""
    return AuditEvent.objects.create(
        at=at or clock.now(),
        actor=actor.user if actor else None,
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


def record_refusal(actor: Actor | None, action: str, obj_type: str, obj_id: object, reason: str) -> None:
    """Record a refused action in its own transaction, so the refusal survives the rollback of the attempt."""
    with transaction.atomic():
        record(actor, action, obj_type, obj_id, reason=reason, success=False)
