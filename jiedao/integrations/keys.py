"""API keys of integrators: issued once, stored hashed, looked up by prefix, revocable."""

from __future__ import annotations

from django.db import transaction

from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.core.secrets import find_active, touch
from jiedao.integrations.models import ApiKey, Integrator
from jiedao.lib import issued_secrets

KIND = "jd"


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
    key = find_active(ApiKey.objects.select_related("integrator", "integrator__jurisdiction"), plain, KIND)
    if key is None or not key.integrator.active:
        return None
    touch(key)
    return key


def integrator_actor(integrator: Integrator, *, ip: str | None = None) -> Actor:
    """An integrator acting through the API: no account, no memberships, labelled in timeline and audit."""
    return Actor(user=None, label=f"接口:{integrator.name}", roles=frozenset({"integrator"}), ip=ip)


def covers(integrator: Integrator, region_code: str) -> bool:
    """Whether ``region_code`` lies inside the integrator's jurisdiction (codes are prefixes of descendants)."""
    return region_code.startswith(integrator.jurisdiction_id) or integrator.jurisdiction_id.startswith(
        region_code
    )
