"""Helpers of the case-core tests: Beijing wall-clock instants and real images made by Pillow."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An Asia/Shanghai wall-clock instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def image_upload(
    name: str = "scene.png", size: tuple[int, int] = (64, 48), fmt: str = "PNG", colour=(200, 120, 40), **save
) -> SimpleUploadedFile:
    """A real image file as a browser would upload it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt, **save)
    content_type = {"PNG": "image/png", "JPEG": "image/jpeg"}.get(fmt, "application/octet-stream")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)
