"""JT/T 808 (道路运输车辆卫星定位系统终端通讯协议) codec for the 2013 and 2019 editions.

Frame on the wire: ``0x7E | header | body | checksum | 0x7E``, big-endian, with 0x7E and 0x7D escaped
inside. This module splits a TCP stream into frames, checks and decodes them, decodes the bodies a
tracking platform needs (register, authenticate, location, batch), builds the platform's replies and
joins subpackaged messages. It does no I/O.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from functools import reduce
from operator import xor
from typing import Literal, NamedTuple

from jiedao.tracking.protocol import GMT8

Version = Literal[2013, 2019]

FLAG = 0x7E
ESCAPE = 0x7D
MAX_BODY = 0x03FF
MAX_HEADER = 21  # 2019 header with subpackage fields
MAX_FRAME = 2 * (MAX_HEADER + MAX_BODY + 1)  # escaped worst case, delimiters excluded

_LENGTH_BITS = 0x03FF
_SUBPACKAGE_BIT = 0x2000
_VERSION_BIT = 0x4000
_PHONE_BYTES: dict[int, int] = {2013: 6, 2019: 10}
_PROTOCOL_VERSION_2019 = 1
_MIN_FRAME = 12 + 1  # 2013 header and checksum
_UNESCAPED = {0x01: ESCAPE, 0x02: FLAG}
_SOUTH_BIT = 0x04
_WEST_BIT = 0x08
_FIX_BIT = 0x02


class MsgId(IntEnum):
    """Message ids this codec knows (消息ID)."""

    TERMINAL_RESPONSE = 0x0001
    HEARTBEAT = 0x0002
    UNREGISTER = 0x0003
    REGISTER = 0x0100
    AUTH = 0x0102
    LOCATION = 0x0200
    BATCH_LOCATION = 0x0704
    PLATFORM_RESPONSE = 0x8001
    REGISTER_RESPONSE = 0x8100


class Result(IntEnum):
    """Result byte of a general response 0x0001/0x8001 (通用应答结果)."""

    OK = 0
    FAIL = 1
    BAD_MESSAGE = 2
    UNSUPPORTED = 3
    ALARM_ACK = 4


class RegisterResult(IntEnum):
    """Result byte of the register response 0x8100 (注册应答结果)."""

    OK = 0
    VEHICLE_REGISTERED = 1
    NO_SUCH_VEHICLE = 2
    TERMINAL_REGISTERED = 3
    NO_SUCH_TERMINAL = 4


class ProtocolError(Exception):
    """Bytes that break JT/T 808 (协议错误).

    ``reason`` is a stable machine key (bad_checksum, bad_length, truncated, bad_escape, bad_bcd,
    bad_time, bad_text, bad_subpackage, bad_value, frame_too_long); ``offset`` is the byte concerned,
    counted in ``scope`` (the escaped frame, the unescaped frame, or the message body).
    """

    def __init__(self, reason: str, message: str, offset: int | None = None, scope: str = "body") -> None:
        super().__init__(message if offset is None else f"{message} at {scope} byte {offset}")
        self.reason = reason
        self.offset = offset


class Subpackage(NamedTuple):
    """Packet total and 1-based packet index of a subpackaged message (分包)."""

    total: int
    index: int


@dataclass(frozen=True, slots=True)
class Message:
    """A checked frame: header fields and the body bytes (消息)."""

    msg_id: int
    version: Version
    phone: str
    serial: int
    encryption: int
    subpackage: Subpackage | None
    body: bytes
    raw_hex: str


@dataclass(frozen=True, slots=True)
class Location:
    """A 0x0200 location report (位置信息汇报); time is GMT+8 as the terminal sent it."""

    alarm: int
    status: int
    fix_valid: bool
    lat: float
    lon: float
    altitude: int
    speed_kmh: float
    direction: int
    time: datetime
    extras: dict[str, object]


@dataclass(frozen=True, slots=True)
class Batch:
    """A 0x0704 batch upload (定位数据批量上传); ``blind_area`` marks re-sent data (盲区补报)."""

    blind_area: bool
    locations: tuple[Location, ...]


@dataclass(frozen=True, slots=True)
class Registration:
    """A 0x0100 register request (终端注册)."""

    province: int
    city: int
    maker: str
    model: str
    terminal_id: str
    plate_color: int
    plate: str


@dataclass(frozen=True, slots=True)
class Auth:
    """A 0x0102 authentication request (终端鉴权); IMEI and software version only in 2019."""

    code: str
    imei: str | None
    software_version: str | None


class _Reader:
    """Big-endian cursor that raises ProtocolError('truncated') instead of reading past the end."""

    def __init__(self, data: bytes, base: int = 0, scope: str = "body") -> None:
        self.data = data
        self.pos = 0
        self.base = base
        self.scope = scope

    @property
    def offset(self) -> int:
        return self.base + self.pos

    @property
    def left(self) -> int:
        return len(self.data) - self.pos

    def take(self, size: int, what: str) -> bytes:
        if size > self.left:
            raise ProtocolError(
                "truncated", f"{what} needs {size} bytes, {self.left} left", self.offset, self.scope
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def uint(self, size: int, what: str) -> int:
        return int.from_bytes(self.take(size, what), "big")

    def bcd(self, size: int, what: str) -> str:
        at = self.offset
        return _bcd_digits(self.take(size, what), what, at, self.scope)

    def text(self, size: int, what: str) -> str:
        at = self.offset
        return _gbk(self.take(size, what), what, at)

    def rest(self) -> bytes:
        return self.take(self.left, "rest")

    def finish(self, what: str) -> None:
        if self.left:
            raise ProtocolError(
                "bad_length", f"{self.left} bytes left over after {what}", self.offset, self.scope
            )


def _bcd_digits(raw: bytes, what: str, at: int, scope: str) -> str:
    digits = raw.hex()
    if not digits.isdigit():
        bad = next(i for i, c in enumerate(digits) if not c.isdigit()) // 2
        raise ProtocolError("bad_bcd", f"{what}: 0x{raw[bad]:02X} is not two BCD digits", at + bad, scope)
    return digits


def _gbk(raw: bytes, what: str, at: int) -> str:
    try:
        return raw.decode("gbk").strip("\x00 ")
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad_text", f"{what} is not GBK text", at + exc.start) from None


def _checksum(data: bytes) -> int:
    return reduce(xor, data, 0)


# --- framing -------------------------------------------------------------------------------------


class FrameSplitter:
    """Cuts a TCP byte stream into escaped frames between 0x7E delimiters (分帧).

    Bytes before the first 0x7E are dropped; frames may share a delimiter or not. A run longer than
    ``max_frame`` without a delimiter raises ProtocolError('frame_too_long'); the splitter then drops
    it, waits for the next 0x7E, and hands out any frames completed before the error on the next feed.
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self._max = max_frame
        self._pending = b""
        self._synced = False
        self._ready: list[bytes] = []

    def feed(self, data: bytes) -> list[bytes]:
        """Add bytes just read; return the frames they complete, without delimiters, still escaped."""
        ready, self._ready = self._ready, []
        if not self._synced:
            start = data.find(FLAG)
            if start < 0:
                return ready
            self._synced = True
            data = data[start + 1 :]
        *complete, self._pending = (self._pending + data).split(bytes([FLAG]))
        frames = [piece for piece in complete if 0 < len(piece) <= self._max]
        overlong = len(frames) < sum(1 for piece in complete if piece)
        if len(self._pending) > self._max:
            self._pending, self._synced, overlong = b"", False, True
        if overlong:
            self._ready = ready + frames
            raise ProtocolError("frame_too_long", f"no 0x7E delimiter within {self._max} bytes")
        return ready + frames


def unescape(raw: bytes) -> bytes:
    """Undo escaping in one pass: 0x7D 0x02 → 0x7E, 0x7D 0x01 → 0x7D (转义还原)."""
    stray = raw.find(FLAG)
    if stray >= 0:
        raise ProtocolError("bad_escape", "unescaped 0x7E inside a frame", stray, "escaped frame")
    first, *rest = raw.split(bytes([ESCAPE]))
    out = bytearray(first)
    at = len(first)
    for part in rest:
        code = part[0] if part else None
        if code not in _UNESCAPED:
            shown = "the end of the frame" if code is None else f"0x{code:02X}"
            raise ProtocolError("bad_escape", f"0x7D followed by {shown}", at, "escaped frame")
        out.append(_UNESCAPED[code])
        out += part[1:]
        at += 1 + len(part)
    return bytes(out)


def escape(data: bytes) -> bytes:
    """Escape 0x7D then 0x7E for sending (转义)."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def _strip_flags(frame: bytes) -> bytes:
    start = 1 if frame[:1] == b"\x7e" else 0
    end = len(frame) - 1 if len(frame) > start and frame[-1] == FLAG else len(frame)
    return frame[start:end]


# --- header --------------------------------------------------------------------------------------


def decode_frame(frame: bytes) -> Message:
    """Unescape, verify checksum and body length, and decode the header of one frame (解析消息).

    ``frame`` is what FrameSplitter returns, with or without the 0x7E delimiters. Offsets in errors
    count bytes of the unescaped frame, delimiter excluded.
    """
    content = _strip_flags(frame)
    data = unescape(content)
    if len(data) < _MIN_FRAME:
        raise ProtocolError(
            "truncated",
            f"frame has {len(data)} bytes, header and checksum need {_MIN_FRAME}",
            len(data),
            "frame",
        )
    expected = _checksum(data[:-1])
    if data[-1] != expected:
        raise ProtocolError(
            "bad_checksum", f"checksum 0x{data[-1]:02X}, computed 0x{expected:02X}", len(data) - 1, "frame"
        )
    reader = _Reader(data[:-1], scope="frame")
    msg_id = reader.uint(2, "message id")
    props = reader.uint(2, "body properties")
    version: Version = 2019 if props & _VERSION_BIT else 2013
    if version == 2019:
        reader.uint(1, "protocol version")
    phone = reader.bcd(_PHONE_BYTES[version], "terminal phone")
    serial = reader.uint(2, "serial")
    subpackage = _read_subpackage(reader) if props & _SUBPACKAGE_BIT else None
    body_at = reader.offset
    body = reader.rest()
    _check_body_length(len(body), props & _LENGTH_BITS, body_at)
    return Message(
        msg_id=msg_id,
        version=version,
        phone=phone,
        serial=serial,
        encryption=(props >> 10) & 0x07,
        subpackage=subpackage,
        body=body,
        raw_hex=(b"\x7e" + content + b"\x7e").hex(),
    )


def _read_subpackage(reader: _Reader) -> Subpackage:
    at = reader.offset
    total = reader.uint(2, "packet total")
    index = reader.uint(2, "packet index")
    if not 1 <= index <= total:
        raise ProtocolError("bad_subpackage", f"packet {index} of {total}", at, "frame")
    return Subpackage(total, index)


def _check_body_length(actual: int, declared: int, body_at: int) -> None:
    if actual < declared:
        raise ProtocolError(
            "truncated", f"header declares a {declared}-byte body, frame holds {actual}", body_at, "frame"
        )
    if actual > declared:
        raise ProtocolError(
            "bad_length", f"header declares a {declared}-byte body, frame holds {actual}", body_at, "frame"
        )


def encode_frame(
    msg_id: int,
    phone: str,
    serial: int,
    body: bytes,
    version: Version = 2013,
    *,
    subpackage: Subpackage | tuple[int, int] | None = None,
    encryption: int = 0,
) -> bytes:
    """Build an escaped frame with delimiters, for replies and simulators (组包)."""
    _check_version(version)
    _check_range("msg_id", msg_id, 0xFFFF)
    _check_range("serial", serial, 0xFFFF)
    _check_range("encryption", encryption, 0x07)
    _check_range("body length", len(body), MAX_BODY)
    props = len(body) | encryption << 10
    props |= _VERSION_BIT if version == 2019 else 0
    props |= _SUBPACKAGE_BIT if subpackage else 0
    header = struct.pack(">HH", msg_id, props)
    header += bytes([_PROTOCOL_VERSION_2019]) if version == 2019 else b""
    header += _phone_bcd(phone, _PHONE_BYTES[version]) + struct.pack(">H", serial)
    header += _subpackage_bytes(subpackage) if subpackage else b""
    data = header + body
    return b"\x7e" + escape(data + bytes([_checksum(data)])) + b"\x7e"


def _check_version(version: int) -> None:
    if version not in _PHONE_BYTES:
        raise ValueError(f"version must be 2013 or 2019, not {version!r}")


def _check_range(name: str, value: int, high: int, low: int = 0) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be {low}..{high}, not {value}")


def _phone_bcd(phone: str, size: int) -> bytes:
    if not (phone.isascii() and phone.isdigit() and len(phone) <= 2 * size):
        raise ValueError(f"phone must be up to {2 * size} digits, not {phone!r}")
    return bytes.fromhex(phone.zfill(2 * size))


def _subpackage_bytes(subpackage: tuple[int, int]) -> bytes:
    total, index = subpackage
    _check_range("packet total", total, 0xFFFF, 1)
    _check_range("packet index", index, total, 1)
    return struct.pack(">HH", total, index)


# --- bodies --------------------------------------------------------------------------------------


def _tenths(raw: bytes) -> float:
    return int.from_bytes(raw, "big") / 10


def _unsigned(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _analog(raw: bytes) -> dict[str, int]:
    return {"ad0": _unsigned(raw[2:]), "ad1": _unsigned(raw[:2])}


# id → (name, length, decoder) for the additional items (位置附加信息项) this codec understands.
_ITEMS: dict[int, tuple[str, int, Callable[[bytes], object]]] = {
    0x01: ("mileage_km", 4, _tenths),
    0x02: ("fuel_l", 2, _tenths),
    0x03: ("recorder_speed_kmh", 2, _tenths),
    0x25: ("vehicle_signal", 4, _unsigned),
    0x2A: ("io_status", 2, _unsigned),
    0x2B: ("analog", 4, _analog),
    0x30: ("signal_strength", 1, _unsigned),
    0x31: ("satellites", 1, _unsigned),
}


def decode_location(body: bytes) -> Location:
    """Decode a 0x0200 body: basic fields, then id/length/value items (位置信息汇报).

    Known items are named in ``extras`` (mileage_km, fuel_l, recorder_speed_kmh, vehicle_signal,
    io_status, analog, signal_strength, satellites); others, or known ids with an unexpected length,
    are kept as raw bytes under their id, e.g. ``"0xE3"``.
    """
    return _read_location(_Reader(body))


def _read_location(reader: _Reader) -> Location:
    alarm = reader.uint(4, "alarm flags")
    status = reader.uint(4, "status")
    lat = _degrees(reader, "latitude", 90)
    lon = _degrees(reader, "longitude", 180)
    altitude = reader.uint(2, "altitude")
    speed = reader.uint(2, "speed") / 10
    direction = reader.uint(2, "direction")
    at = reader.offset
    stamp = _bcd_time(reader.bcd(6, "time"), at)
    return Location(
        alarm=alarm,
        status=status,
        fix_valid=bool(status & _FIX_BIT),
        lat=-lat if status & _SOUTH_BIT else lat,
        lon=-lon if status & _WEST_BIT else lon,
        altitude=altitude,
        speed_kmh=speed,
        direction=direction,
        time=stamp,
        extras=_read_items(reader),
    )


def _degrees(reader: _Reader, what: str, limit: int) -> float:
    at = reader.offset
    value = reader.uint(4, what) / 1e6
    if value > limit:
        raise ProtocolError("bad_value", f"{what} {value} exceeds {limit} degrees", at)
    return value


def _bcd_time(digits: str, at: int) -> datetime:
    year, month, day, hour, minute, second = (int(digits[i : i + 2]) for i in range(0, 12, 2))
    try:
        return datetime(2000 + year, month, day, hour, minute, second, tzinfo=GMT8)
    except ValueError:
        raise ProtocolError("bad_time", f"time {digits} is not a valid YYMMDDhhmmss", at) from None


def _read_items(reader: _Reader) -> dict[str, object]:
    extras: dict[str, object] = {}
    while reader.left:
        item_id = reader.uint(1, "item id")
        size = reader.uint(1, f"length of item 0x{item_id:02X}")
        value = reader.take(size, f"item 0x{item_id:02X}")
        known = _ITEMS.get(item_id)
        if known is not None and size == known[1]:
            extras[known[0]] = known[2](value)
        else:
            extras[f"0x{item_id:02X}"] = value
    return extras


def decode_batch(body: bytes) -> Batch:
    """Decode a 0x0704 body: count WORD, type BYTE, then count × (length WORD + 0x0200 body)."""
    reader = _Reader(body)
    count = reader.uint(2, "item count")
    at = reader.offset
    kind = reader.uint(1, "batch type")
    if kind not in (0, 1):
        raise ProtocolError("bad_value", f"batch type {kind} is neither 0 (normal) nor 1 (blind area)", at)
    locations = tuple(_read_batch_item(reader, n) for n in range(count))
    reader.finish(f"{count} batch items")
    return Batch(blind_area=kind == 1, locations=locations)


def _read_batch_item(reader: _Reader, n: int) -> Location:
    size = reader.uint(2, f"length of batch item {n}")
    at = reader.offset
    item = _Reader(reader.take(size, f"batch item {n}"), base=at)
    return _read_location(item)


# maker, model and terminal id widths by edition (制造商ID, 终端型号, 终端ID)
_REGISTER_WIDTHS: dict[int, tuple[int, int, int]] = {2013: (5, 20, 7), 2019: (11, 30, 30)}


def decode_register(body: bytes, version: Version) -> Registration:
    """Decode a 0x0100 body; field widths follow the edition, the plate is GBK (车牌)."""
    _check_version(version)
    maker_size, model_size, id_size = _REGISTER_WIDTHS[version]
    reader = _Reader(body)
    return Registration(
        province=reader.uint(2, "province"),
        city=reader.uint(2, "city"),
        maker=reader.text(maker_size, "maker"),
        model=reader.text(model_size, "model"),
        terminal_id=reader.text(id_size, "terminal id"),
        plate_color=reader.uint(1, "plate colour"),
        plate=reader.text(reader.left, "plate"),
    )


def decode_auth(body: bytes, version: Version) -> Auth:
    """Decode a 0x0102 body: 2013 is the code alone; 2019 is length, code, IMEI[15], version[20]."""
    _check_version(version)
    reader = _Reader(body)
    if version == 2013:
        return Auth(code=reader.text(reader.left, "auth code"), imei=None, software_version=None)
    size = reader.uint(1, "auth code length")
    auth = Auth(
        code=reader.text(size, "auth code"),
        imei=reader.text(15, "IMEI"),
        software_version=reader.text(20, "software version"),
    )
    reader.finish("software version")
    return auth


# --- replies -------------------------------------------------------------------------------------


def general_response(serial: int, msg_id: int, result: int) -> bytes:
    """Body of a 0x8001 platform general response (平台通用应答) to message ``msg_id``/``serial``."""
    return struct.pack(">HHB", serial, msg_id, Result(result))


def register_response(serial: int, result: int, auth_code: str = "") -> bytes:
    """Body of a 0x8100 register response (终端注册应答); the auth code is sent only on success."""
    outcome = RegisterResult(result)
    if outcome is RegisterResult.OK and not auth_code:
        raise ValueError("a successful registration needs an auth code")
    code = auth_code.encode("gbk") if outcome is RegisterResult.OK else b""
    return struct.pack(">HB", serial, outcome) + code


# --- subpackages ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    total: int
    parts: dict[int, bytes]
    size: int
    touched: float


class Reassembler:
    """Joins subpackaged messages (分包合并) keyed by (phone, msg_id, serial of packet 1).

    Packets of one message carry consecutive serials, so packet 1's serial is known from any packet.
    At most ``max_messages`` messages and ``max_bytes`` body bytes wait; the least recently touched go
    first, and a message untouched for ``timeout`` seconds (by ``clock``) is dropped.
    """

    def __init__(
        self,
        *,
        timeout: float = 60.0,
        max_messages: int = 64,
        max_bytes: int = 4 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = timeout
        self._max_messages = max_messages
        self._max_bytes = max_bytes
        self._clock = clock
        self._pending: dict[tuple[str, int, int], _Pending] = {}
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, msg: Message) -> bytes | None:
        """Take one message; return the whole body once every packet is in, else None.

        A message that is not subpackaged comes straight back.
        """
        if msg.subpackage is None:
            return msg.body
        now = self._clock()
        self._expire(now)
        total, index = msg.subpackage
        key = (msg.phone, msg.msg_id, (msg.serial - index + 1) & 0xFFFF)
        entry = self._pop(key)
        if entry is None or entry.total != total:
            entry = _Pending(total, {}, 0, now)
        entry.size += len(msg.body) - len(entry.parts.get(index, b""))
        entry.parts[index] = msg.body
        entry.touched = now
        if len(entry.parts) == total:
            return b"".join(entry.parts[i] for i in range(1, total + 1))
        self._pending[key] = entry
        self._bytes += entry.size
        self._shrink()
        return None

    def _pop(self, key: tuple[str, int, int]) -> _Pending | None:
        entry = self._pending.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size
        return entry

    def _expire(self, now: float) -> None:
        while self._pending:
            key, entry = next(iter(self._pending.items()))
            if now - entry.touched < self._timeout:
                return
            self._pop(key)

    def _shrink(self) -> None:
        while self._pending and (len(self._pending) > self._max_messages or self._bytes > self._max_bytes):
            self._pop(next(iter(self._pending)))
