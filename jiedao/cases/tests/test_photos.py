"""Photos: checked by content, re-encoded without metadata, thumbnailed, stored on disk — or refused with a
message naming the file, with nothing stored."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jiedao.cases import actions as a
from jiedao.cases.models import Attachment, Case, CaseEvent
from jiedao.cases.testing import case_in
from jiedao.cases.tests.support import image_upload, sh
from jiedao.core.errors import ApplicationError
from jiedao.testing.world import centre_of

pytestmark = pytest.mark.usefixtures("frozen")


def media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def noisy_png(name: str, size: tuple[int, int]) -> SimpleUploadedFile:
    """A PNG that does not compress (random pixels), so its size in bytes is predictable."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def png_claiming(width: int, height: int, name: str = "bomb.png") -> SimpleUploadedFile:
    """A tiny PNG file whose header claims huge dimensions (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, data, content_type="image/png")


def jpeg_with_exif(name: str = "phone.jpg", size=(400, 300)) -> SimpleUploadedFile:
    """A phone photo: camera make, GPS position and "rotate 90°" orientation in its EXIF."""
    image = Image.new("RGB", size, (30, 140, 60))
    exif = Image.Exif()
    exif[0x010F] = "SomePhone"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (31.0, 17.0, 0.0), 3: "E", 4: (120.0, 36.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    raw = buffer.getvalue()
    assert b"SomePhone" in raw
    return SimpleUploadedFile(name, raw, content_type="image/jpeg")


def handle_with(world, actor, uploads) -> Case:
    case = case_in(world, "accepted")
    a.do_handle(case, actor=actor("handler"), note="已清理完毕", uploads=uploads)
    return case


def refused_on_handle(world, actor, uploads) -> ApplicationError:
    case = case_in(world, "accepted")
    events_before = CaseEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        a.do_handle(case, actor=actor("handler"), note="已清理完毕", uploads=uploads)
    case.refresh_from_db()
    assert case.status == "accepted"
    assert CaseEvent.objects.count() == events_before
    assert not Attachment.objects.exists() and media_files() == []
    assert caught.value.field == "photos"
    return caught.value


# --- Accepted photos ---------------------------------------------------------------------------------------------


def test_a_png_is_stored_as_a_jpeg_with_its_thumbnail(world, actor):
    handle_with(world, actor, [image_upload("现场.png", size=(1000, 800))])
    attachment = Attachment.objects.get()
    full, thumb = Path(attachment.file.path), Path(attachment.thumbnail.path)
    assert full.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert thumb.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert sorted([full, thumb]) == media_files()
    data = full.read_bytes()
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    assert (attachment.width, attachment.height) == (1000, 800)
    assert attachment.content_type == "image/jpeg" and attachment.original_name == "现场.png"
    assert attachment.uploaded_at == sh(2025, 3, 3, 8, 0)
    with Image.open(full) as stored:
        assert stored.format == "JPEG" and stored.size == (1000, 800)
    with Image.open(thumb) as small:
        assert small.format == "JPEG"
        assert max(small.size) <= 360 and small.size == (360, 288)


def test_a_phone_jpeg_loses_its_exif_and_is_turned_upright(world, actor):
    handle_with(world, actor, [jpeg_with_exif(size=(400, 300))])
    attachment = Attachment.objects.get()
    raw = Path(attachment.file.path).read_bytes()
    assert b"SomePhone" not in raw and b"Exif" not in raw
    with Image.open(attachment.file.path) as stored:
        assert not stored.getexif()
        assert stored.size == (300, 400)  # the orientation was applied, then dropped
    assert (attachment.width, attachment.height) == (300, 400)


def test_a_reporter_can_attach_photos_to_a_report(world):
    lon, lat = centre_of(0, 0)
    data = a.ReportInput(
        category=world.category,
        description="井盖缺失",
        channel="resident",
        lon=lon,
        lat=lat,
        reporter_phone="13812345678",
    )
    case = a.do_report(data, actor=None, uploads=[image_upload("1.png"), image_upload("2.jpg", fmt="JPEG")])
    assert case.attachments.count() == 2
    assert {att.event.action for att in case.attachments.all()} == {"report"}
    assert len(media_files()) == 4


# --- Refused photos -----------------------------------------------------------------------------------------------


def test_a_text_file_named_like_a_photo_is_refused(world, actor):
    fake = SimpleUploadedFile("photo.jpg", "这不是图片".encode(), content_type="image/jpeg")
    error = refused_on_handle(world, actor, [fake])
    assert error.code == "photo_invalid"
    assert error.message == "第1张照片「photo.jpg」不是有效的图片文件"


def test_the_second_bad_photo_is_named_and_the_good_first_one_is_not_stored(world, actor):
    fake = SimpleUploadedFile("scan.png", b"%PDF-1.7 not an image", content_type="image/png")
    error = refused_on_handle(world, actor, [image_upload("ok.png"), fake])
    assert error.message == "第2张照片「scan.png」不是有效的图片文件"


def test_a_truncated_jpeg_is_refused(world, actor):
    whole = image_upload("cut.jpg", size=(640, 480), fmt="JPEG").read()
    cut = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    error = refused_on_handle(world, actor, [cut])
    assert error.message == "第1张照片「cut.jpg」不是有效的图片文件"


def test_an_oversized_photo_is_refused(world, actor, settings):
    settings.JIEDAO = {**settings.JIEDAO, "PHOTO_MAX_BYTES": 20 * 1024}
    big = noisy_png("big.png", (100, 100))  # about 30 KB
    error = refused_on_handle(world, actor, [big])
    assert error.message.startswith("第1张照片「big.png」大小 ")
    assert "超过上限 20 KB" in error.message


def test_an_oversized_photo_of_unknown_size_is_refused_after_reading_just_past_the_limit(
    world, actor, settings
):
    settings.JIEDAO = {**settings.JIEDAO, "PHOTO_MAX_BYTES": 20 * 1024}
    big = noisy_png("stream.png", (100, 100))
    big.size = None  # a streamed upload that does not say how big it is
    error = refused_on_handle(world, actor, [big])
    assert error.message == "第1张照片「stream.png」超过大小上限 20 KB"


def test_too_many_photos_are_refused(world, actor, settings):
    most = settings.JIEDAO["PHOTOS_PER_ACTION"]
    error = refused_on_handle(world, actor, [image_upload(f"{i}.png") for i in range(most + 1)])
    assert error.code == "too_many_photos"
    assert str(most) in error.message


def test_a_decompression_bomb_is_refused(world, actor):
    bomb = png_claiming(50_000, 50_000)
    assert bomb.size < 2000
    error = refused_on_handle(world, actor, [bomb])
    assert error.message.startswith("第1张照片「bomb.png」像素过多")


def test_a_photo_with_too_many_pixels_is_refused(world, actor):
    error = refused_on_handle(world, actor, [png_claiming(8000, 6000, "huge.png")])  # 48 million > 40 million
    assert error.message == "第1张照片「huge.png」像素过多(8000×6000)"


def test_a_bad_photo_refuses_the_whole_report(world):
    lon, lat = centre_of(0, 0)
    data = a.ReportInput(
        category=world.category,
        description="井盖缺失",
        channel="resident",
        lon=lon,
        lat=lat,
        reporter_phone="13812345678",
    )
    fake = SimpleUploadedFile("photo.jpg", b"hello", content_type="image/jpeg")
    with pytest.raises(ApplicationError) as caught:
        a.do_report(data, actor=None, uploads=[image_upload(), fake])
    assert caught.value.message == "第2张照片「photo.jpg」不是有效的图片文件"
    assert not Case.objects.exists() and not Attachment.objects.exists() and media_files() == []


def test_a_photo_read_before_the_check_is_still_checked_whole(world, actor):
    upload = image_upload("read.png")
    upload.read()  # a form looked at it first
    handle_with(world, actor, [upload])
    assert Attachment.objects.get().original_name == "read.png"
