"""Bodies a JT/T 808 terminal sends, for simulated terminals (tests, the benchmark, the demo)."""

from __future__ import annotations

import struct
from datetime import datetime

from jiedao.tracking.protocol import GMT8

FIX_VALID = 0x02


def location_body(
    when: datetime,
    lon: float,
    lat: float,
    *,
    speed_kmh: float = 0.0,
    course: int = 0,
    altitude: int = 0,
    valid: bool = True,
    alarm: int = 0,
    items: bytes = b"",
) -> bytes:
    """A 0x0200 body; ``when`` (aware) is sent as GMT+8 BCD, as terminals do."""
    status = (FIX_VALID if valid else 0) | (0x04 if lat < 0 else 0) | (0x08 if lon < 0 else 0)
    stamp = bytes.fromhex(when.astimezone(GMT8).strftime("%y%m%d%H%M%S"))
    return (
        struct.pack(
            ">IIIIHHH",
            alarm,
            status,
            round(abs(lat) * 1e6),
            round(abs(lon) * 1e6),
            altitude,
            round(speed_kmh * 10),
            course,
        )
        + stamp
        + items
    )


def batch_body(locations: list[bytes], *, blind_area: bool = False) -> bytes:
    """A 0x0704 body of location bodies."""
    head = struct.pack(">HB", len(locations), 1 if blind_area else 0)
    return head + b"".join(struct.pack(">H", len(body)) + body for body in locations)


def register_body(plate: str = "苏E12345", terminal_id: str = "T000001") -> bytes:
    """A 2013 0x0100 body: province, city, maker[5], model[20], terminal id[7], plate colour, plate."""
    return (
        struct.pack(">HH", 32, 508)
        + b"JIEDA"
        + b"JD-100".ljust(20, b"\0")
        + terminal_id.encode("ascii")[:7].ljust(7, b"\0")
        + b"\x01"
        + plate.encode("gbk")
    )


def auth_body(code: str) -> bytes:
    """A 2013 0x0102 body: the auth code alone."""
    return code.encode("gbk")
