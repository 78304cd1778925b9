"""API keys of integrators: issued once, stored hashed, looked up by prefix, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction

from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.integrations.models import ApiKey, Integrator

KEY_PREFIX = "jd_"
# last_used_at is a hint for administrators, not an audit trail: write it at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(integrator: Integrator, *, actor: Actor | None) -> tuple[ApiKey, str]:
    """A new key for ``integrator``; the plain key is returned once and never stored."""
    prefix = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            integrator=integrator, prefix=prefix, hashed=_hash(plain), created_at=clock.now()
        )
        audit.record(actor, "apikey.issue", "integrator", integrator.pk, new={"prefix": prefix})
    return key, plain


def revoke_key(key: ApiKey, *, actor: Actor | None) -> None:
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record(actor, "apikey.revoke", "integrator", key.integrator_id, old={"prefix": key.prefix})


def authenticate_key(plain: str) -> ApiKey | None:
    """The active key behind ``plain``, or None (unknown, wrong, revoked, or its integrator is inactive)."""
    if not plain.startswith(KEY_PREFIX):
        return None
    prefix = plain[len(KEY_PREFIX) :].split("_", 1)[0]
    key = (
        ApiKey.objects.select_related("integrator", "integrator__jurisdiction").filter(prefix=prefix).first()
    )
    if (
        key is None
        or key.revoked_at is not None
        or not key.integrator.active
        or not hmac.compare_digest(key.hashed, _hash(plain))
    ):
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def integrator_actor(integrator: Integrator, *, ip: str | None = None) -> Actor:
    """An integrator acting through the API: no account, no memberships, labelled in timeline and audit."""
    return Actor(user=None, label=f"接口:{integrator.name}", roles=frozenset({"integrator"}), ip=ip)


def covers(integrator: Integrator, region_code: str) -> bool:
    """Whether ``region_code`` lies inside the integrator's jurisdiction (codes are prefixes of descendants)."""
    return region_code.startswith(integrator.jurisdiction_id) or integrator.jurisdiction_id.startswith(
        region_code
    )
