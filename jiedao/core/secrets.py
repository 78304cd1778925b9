"""Finding the stored row of a bearer secret (API key, staff token) and noting its use.

Every API call presents one, so each process remembers the rows it found by prefix (with the account or
integrator they belong to) until a trigger moves ``secrets.version``: a revocation, a new secret, a disabled
account or integrator is seen by every process from the next request on. The hash is checked on every call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from django.db.models import QuerySet

from jiedao.core import clock, versions
from jiedao.core.models import IssuedSecret
from jiedao.lib import issued_secrets

S = TypeVar("S", bound=IssuedSecret)
# last_used_at is a hint for administrators, not an audit trail: write it at most once a minute per secret.
LAST_USED_RESOLUTION = timedelta(minutes=1)
VERSION_COUNTER = "secrets.version"
_rows: versions.VersionedMemo[tuple[str, str], IssuedSecret] = versions.VersionedMemo(VERSION_COUNTER)


def find_active(rows: QuerySet[S], plain: str, kind: str) -> S | None:
    """The unrevoked row of ``rows`` whose hash matches ``plain`` (a secret of ``kind``), or None."""
    prefix = issued_secrets.prefix_of(plain, kind)
    if not prefix:
        return None
    row = _rows.get((rows.model._meta.label, prefix), lambda: rows.filter(prefix=prefix).first())
    if row is None or row.revoked_at is not None or not issued_secrets.matches(row.hashed, plain):
        return None
    return row


def touch(row: IssuedSecret) -> None:
    """Note that a secret was used (at most once per LAST_USED_RESOLUTION)."""
    now = clock.now()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
