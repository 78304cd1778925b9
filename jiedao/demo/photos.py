"""Demo photos (演示照片): small generated JPEGs that go through the same upload checks as real ones."""

from __future__ import annotations

import io
from functools import lru_cache

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

COLOURS = ((70, 110, 160), (90, 140, 90), (160, 110, 60), (120, 90, 150))
SIZE = (320, 240)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("NotoSansCJK-Regular.ttc", size)
    except OSError:  # no CJK font installed: Pillow's own font (the Chinese shows as boxes)
        return ImageFont.load_default(size)


@lru_cache(maxsize=16)
def _jpeg(label: str, colour: int) -> bytes:
    image = Image.new("RGB", SIZE, COLOURS[colour % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, SIZE[0] - 12, SIZE[1] - 12), outline=(255, 255, 255), width=3)
    draw.text((SIZE[0] / 2, 100), "演示照片", fill="white", font=_font(40), anchor="mm")
    draw.text((SIZE[0] / 2, 160), label, fill="white", font=_font(24), anchor="mm")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def demo_photo(label: str, colour: int) -> SimpleUploadedFile:
    """An upload of a coloured picture reading 演示照片 and ``label`` (e.g. 处置后)."""
    return SimpleUploadedFile(f"{label}.jpg", _jpeg(label, colour), content_type="image/jpeg")
