"""Bearer secrets (API keys, staff tokens): shown once when issued, stored only as a prefix and a SHA-256.

A secret reads ``<kind>_<prefix>_<random>``: the kind tells a reader what it is (and what leaked, if it shows
up in a log), the prefix finds its row without a scan, and the 256-bit random part makes a plain SHA-256 safe
to store (nothing to guess, so no slow hash is needed). A database dump gives nobody a working secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class IssuedSecret:
    plain: str
    prefix: str
    hashed: str


def digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def issue(kind: str) -> IssuedSecret:
    prefix = secrets.token_hex(6)
    plain = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return IssuedSecret(plain, prefix, digest(plain))


def prefix_of(plain: str, kind: str) -> str | None:
    """The lookup prefix of a secret of ``kind``, or None when it is not one."""
    if not plain.startswith(f"{kind}_"):
        return None
    return plain[len(kind) + 1 :].split("_", 1)[0] or None


def matches(hashed: str, plain: str) -> bool:
    return hmac.compare_digest(hashed, digest(plain))
