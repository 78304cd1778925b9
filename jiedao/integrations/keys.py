"""API keys of integrators: issued once, stored hashed, looked up by prefix, revocable."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Model

from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.integrations.models import ApiKey, Integrator
from jiedao.lib import issued_secrets

KIND = "jd"
# last_used_at is a hint for administrators, not an audit trail: write it at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def issue_key(integrator: Integrator, *, actor: Actor | None) -> tuple[ApiKey, str]:
    """A new key for ``integrator``; the plain key is returned once and never stored."""
    secret = issued_secrets.issue(KIND)
    with transaction.atomic():
        key = ApiKey.objects.create(
            integrator=integrator, prefix=secret.prefix, hashed=secret.hashed, created_at=clock.now()
        )
        audit.record(actor, "apikey.issue", "integrator", integrator.pk, new={"prefix": secret.prefix})
    return key, secret.plain


def revoke_key(key: ApiKey, *, actor: Actor | None) -> None:
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record(actor, "apikey.revoke", "integrator", key.integrator_id, old={"prefix": key.prefix})


def authenticate_key(plain: str) -> ApiKey | None:
    """The active key behind ``plain``, or None (unknown, wrong, revoked, or its integrator is inactive)."""
    prefix = issued_secrets.prefix_of(plain, KIND)
    if prefix is None:
        return None
    key = (
        ApiKey.objects.select_related("integrator", "integrator__jurisdiction").filter(prefix=prefix).first()
    )
    if (
        key is None
        or key.revoked_at is not None
        or not key.integrator.active
        or not issued_secrets.matches(key.hashed, plain)
    ):
        return None
    touch(key)
    return key


def touch(row: Model) -> None:
    """Note that a key or token was used (at most once per LAST_USED_RESOLUTION)."""
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now


def integrator_actor(integrator: Integrator, *, ip: str | None = None) -> Actor:
    """An integrator acting through the API: no account, no memberships, labelled in timeline and audit."""
    return Actor(user=None, label=f"接口:{integrator.name}", roles=frozenset({"integrator"}), ip=ip)


def covers(integrator: Integrator, region_code: str) -> bool:
    """Whether ``region_code`` lies inside the integrator's jurisdiction (codes are prefixes of descendants)."""
    return region_code.startswith(integrator.jurisdiction_id) or integrator.jurisdiction_id.startswith(
        region_code
    )
