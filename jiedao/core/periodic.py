"""Housekeeping jobs that other domains register to run with every sweep (e.g. purging old GPS tracks).

The sweep command runs them after the case sweep; a failing job is logged and never stops the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
_JOBS: dict[str, Callable[[], object]] = {}


def periodic(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register ``func`` to run with every sweep under ``name``."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        _JOBS[name] = func
        return func

    return register


def run_periodic() -> dict[str, object]:
    """Run every registered job once; returns each job's result (None where it failed)."""
    results: dict[str, object] = {}
    for name, job in _JOBS.items():
        try:
            results[name] = job()
        except Exception:  # one broken job must not stop deadlines from being swept
            log.exception("periodic job %s failed", name)
            results[name] = None
    return results
