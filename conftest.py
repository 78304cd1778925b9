"""Shared fixtures: the test world and its personas, an actor per persona, isolated media files."""

from __future__ import annotations

import pytest

from jiedao.core.calendar import invalidate_calendar


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def world(db):
    from jiedao.testing.world import build_world

    return build_world()


@pytest.fixture
def actor(world):
    """actor("dispatcher") → the Actor of that persona."""
    from jiedao.org.selectors import actor_for_user

    return lambda name: actor_for_user(getattr(world.people, name))
