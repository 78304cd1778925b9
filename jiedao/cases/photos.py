"""Photos: checked by content (not by name), size-limited, re-encoded without metadata, with thumbnails."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from jiedao.core.errors import ApplicationError

log = logging.getLogger(__name__)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP"}
THUMBNAIL_SIZE = (360, 360)


@dataclass
class CheckedPhoto:
    """A photo that passed the checks, re-encoded as JPEG and ready to store."""

    name: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str


def _refuse(index: int, name: str, why: str) -> ApplicationError:
    return ApplicationError("photo_invalid", f"第{index}张照片「{name}」{why}", field="photos")


def _size_text(n: int) -> str:
    """A byte count as people read it: 8 MB, 512 KB, 900 字节."""
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.3g} MB"
    if n >= 1024:
        return f"{n / 1024:.3g} KB"
    return f"{n} 字节"


def check_photo(upload: UploadedFile, index: int = 1) -> CheckedPhoto:
    """Validate one uploaded photo; raise ApplicationError naming the file and the rule it broke."""
    name = (upload.name or "photo")[:100]
    limit = settings.JIEDAO["PHOTO_MAX_BYTES"]
    max_pixels = settings.JIEDAO["PHOTO_MAX_PIXELS"]
    if upload.size is not None and upload.size > limit:
        raise _refuse(index, name, f"大小 {_size_text(upload.size)},超过上限 {_size_text(limit)}")
    if hasattr(upload, "seek"):
        upload.seek(0)  # a form or a second check may have read it already
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise _refuse(index, name, f"超过大小上限 {_size_text(limit)}")
    too_many_pixels = _refuse(index, name, f"像素过多(上限 {max_pixels:,} 像素)")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            fmt = probe.format
            if probe.width * probe.height > max_pixels:
                raise _refuse(index, name, f"像素过多({probe.width}×{probe.height})")
            probe.verify()
        if fmt not in ACCEPTED_FORMATS:
            raise _refuse(index, name, f"格式 {fmt} 不受支持,请上传 JPEG/PNG/WebP 图片")
        with Image.open(io.BytesIO(raw)) as image:
            if image.width * image.height > max_pixels:  # a later frame may claim other dimensions
                raise too_many_pixels
            image = ImageOps.exif_transpose(image).convert("RGB")
            return _encode(name, image)
    except Image.DecompressionBombError as exc:
        raise too_many_pixels from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _refuse(index, name, "不是有效的图片文件") from exc


def _encode(name: str, image: Image.Image) -> CheckedPhoto:
    # Re-encoding drops EXIF (including the phone's GPS position of the reporter) and any appended payload.
    full = io.BytesIO()
    image.save(full, "JPEG", quality=85, optimize=True)
    thumb_image = image.copy()
    thumb_image.thumbnail(THUMBNAIL_SIZE)
    thumb = io.BytesIO()
    thumb_image.save(thumb, "JPEG", quality=75)
    data = full.getvalue()
    return CheckedPhoto(
        name, data, thumb.getvalue(), image.width, image.height, hashlib.sha256(data).hexdigest()
    )


def check_photos(uploads: list[UploadedFile]) -> list[CheckedPhoto]:
    """Validate all photos of one action before anything is written."""
    most = settings.JIEDAO["PHOTOS_PER_ACTION"]
    if len(uploads) > most:
        raise ApplicationError("too_many_photos", f"一次最多上传 {most} 张照片", field="photos")
    return [check_photo(upload, i) for i, upload in enumerate(uploads, start=1)]


def write_files(photo: CheckedPhoto, when) -> tuple[str, str]:
    """Write the photo and its thumbnail to storage; returns their names (the caller removes them on rollback)."""
    stem = uuid.uuid4().hex
    folder = f"cases/{timezone.localtime(when):%Y/%m}"
    full = default_storage.save(f"{folder}/{stem}.jpg", ContentFile(photo.data))
    try:
        thumb = default_storage.save(f"{folder}/{stem}_t.jpg", ContentFile(photo.thumbnail))
    except BaseException:
        default_storage.delete(full)  # the caller only learns of complete pairs
        raise
    return full, thumb


def remove_files(names: list[str]) -> None:
    """Delete written files after a rollback; one failure does not keep the others."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("could not remove %s after a rollback", name)
