"""Shared fixtures: the test world and its personas, an actor per persona, isolated media files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.cache import cache

from jiedao.core.versions import invalidate_all


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    # Argon2 is deliberately slow; the personas' passwords need no protection in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    invalidate_all()  # a rolled-back test leaves nothing in the in-memory caches
    cache.clear()  # request rates (API throttling) and cached pages start afresh in each test
    yield
    invalidate_all()


@pytest.fixture
def world(db):
    from jiedao.testing.world import build_world

    return build_world()


@pytest.fixture
def actor(world):
    """actor("dispatcher") → the Actor of that persona."""
    from jiedao.org.selectors import actor_for_user

    return lambda name: actor_for_user(getattr(world.people, name))


CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser downloads are not used
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium():
    """Headless Chromium driven by Playwright. Request database fixtures first: Playwright's sync API runs an
    event loop, and the ORM refuses to run inside one unless told it is safe (it is: one thread)."""
    # Not a skip: without the browser these journeys are untested, so say so loudly (make test installs it).
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run scripts/ensure-browser"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test's own queries ran in Playwright's context, on a connection of their own: close it, or it
        # would still be open when the PostgreSQL test database is dropped.
        connections.close_all()
