"""Helpers for the page tests: real photos made by Pillow, signed-in clients per persona."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def png(
    name: str = "scene.png", size: tuple[int, int] = (64, 48), colour=(200, 120, 40)
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def login(client, world):
    """login("dispatcher") → the test client signed in as that persona."""

    def sign_in(name: str):
        client.force_login(getattr(world.people, name))
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
