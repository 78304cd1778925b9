"""Staff API tokens: one active token per account, issued by a command, stored hashed, revocable."""

from __future__ import annotations

from django.db import transaction

from jiedao.api.models import StaffToken
from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.core.secrets import find_active, touch
from jiedao.lib import issued_secrets
from jiedao.org.models import User

KIND = "jdt"


def issue_token(user: User, *, actor: Actor | None) -> str:
    """A new token for ``user``, revoking the previous ones; the plain token is returned once, never stored."""
    secret = issued_secrets.issue(KIND)
    now = clock.now()
    with transaction.atomic():
        StaffToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        StaffToken.objects.create(user=user, prefix=secret.prefix, hashed=secret.hashed, created_at=now)
        audit.record(actor, "api.token_issue", "user", user.pk, new={"prefix": secret.prefix})
    return secret.plain


def revoke_tokens(user: User, *, actor: Actor | None) -> int:
    with transaction.atomic():
        revoked = StaffToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
        audit.record(actor, "api.token_revoke", "user", user.pk, new={"revoked": revoked})
    return revoked


def authenticate_token(plain: str) -> StaffToken | None:
    """The active token behind ``plain`` of an active account, or None."""
    token = find_active(StaffToken.objects.select_related("user"), plain, KIND)
    if token is None or not token.user.is_active:
        return None
    touch(token)
    return token
