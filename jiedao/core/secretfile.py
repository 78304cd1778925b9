"""A generated secret kept beside the embedded database, so `make run` needs no configuration."""

from __future__ import annotations

import secrets
from pathlib import Path


def load_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value
