"""JT/T 808 codec: hand-built and published frames, rejections, reassembly, and fuzzing."""

from __future__ import annotations

import contextlib
from datetime import datetime
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedao.tracking.protocol import GMT8
from jiedao.tracking.protocol.jt808 import (
    FrameSplitter,
    MsgId,
    ProtocolError,
    Reassembler,
    Subpackage,
    Version,
    decode_auth,
    decode_batch,
    decode_frame,
    decode_location,
    decode_register,
    encode_frame,
    escape,
    general_response,
    register_response,
    unescape,
)

FUZZ = settings(deadline=None, max_examples=300)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


HEARTBEAT = h("7E 0002 0000 013912345678 0007 35 7E")

# Hand-built 0x0100, 2013 widths: province 44, city 0300, maker[5], model[20], terminal id[7], colour, plate.
REGISTER_2013 = h(
    "7E 0100 002D 013912345678 0001"
    " 002C 0300 4A49454441 4A442D313030 0000000000000000000000000000 54303030303031 01"
    " D4C1 42 3132333435 51 7E"
)

# Hand-built 0x0102, 2019 header (bit 14, version byte 01, BCD[10] phone): len, code, IMEI[15], version[20].
AUTH_2019 = h(
    "7E 0102 402E 01 00000000013912345678 0002"
    " 0A 41555448313233343536 383631323334353637383930313233"
    " 56312E302E30 0000000000000000000000000000 03 7E"
)

# Hand-built 0x0200, south and west, items 0x02, 0x2A, 0x2B, 0x30, 0x31, unknown 0xF0, 0x01 with a bad length.
LOCATION_ITEMS = h(
    "7E 0200 0039 013912345678 0003"
    " 00000001 0000000E 0204CC14 09034550 0010 01F4 010E 240131235959"
    " 0202 0064 2A02 0003 2B04 0002 0001 3001 1F 3101 09 F003 AABBCC 0102 0001 43 7E"
)

# Hand-built 0x0704 blind-area batch (type 1) of two locations, the first with a 0x31 item.
BATCH_BLIND = h(
    "7E 0704 0042 013912345678 0004 0002 01"
    " 001F 00000000 00000002 01588B48 06CBE1E0 0005 0000 005A 240131080000 3101 07"
    " 001C 00000000 00000002 01588C10 06CBE2A8 0006 0064 005B 240131080030 00 7E"
)

# Serial 0x7E31 and checksum 0x7D both need escaping.
HEARTBEAT_ESCAPED = h("7E 0002 0000 013912345678 7D02 31 7D01 7E")

# Body with 0x7D and 0x7E in altitude, speed and direction (0x007D, 0x007E, 0x7E7D).
LOCATION_ESCAPED = h(
    "7E 0200 001C 013912345678 0005 00000000 00000002 01DCD650 06CD81A0"
    " 007D01 007D02 7D027D01 240131120000 9E 7E"
)

# One 0x0200 body split in three packets, serials 0x10..0x12 (header bit 13, total 3, index 1..3).
PARTS = [
    h("7E 0200 200A 013912345678 0010 0003 0001 00000000 00000002 01DC D5 7E"),
    h("7E 0200 200A 013912345678 0011 0003 0002 D650 06CD81A0 0010 0000 74 7E"),
    h("7E 0200 200B 013912345678 0012 0003 0003 0000 240131120000 3101 0C 31 7E"),
]

# Published example frames (hex quoted from the pages named; no code taken from them):
# Huabao Telematics, "JT808 common message parsing of GPS electronic lock" (2022),
# https://huabaotelematics.com/blog/jt808-common-message-parsing-of-gps-electronic-lock-huabaotelematics-com_b9
HUABAO_LOCATION = h(
    "7E 02 00 00 52 00 20 02 60 43 23 00 A4 00 02 00 00 00 0C 00 02 01 58 B9 1B 06 CB 70 61 00 46 00"
    " 00 00 59 21 09 22 16 37 58 01 04 00 00 00 01 03 02 00 00 25 04 00 00 00 01 30 01 11 31 01 10 E3"
    " 01 00 D5 1B 02 20 02 60 43 23 27 95 93 78 61 60 00 12 20 00 00 12 34 27 95 93 78 61 58 00 12 86 7E"
)
HUABAO_AUTH = h("7E 01 02 00 0D 00 20 02 60 43 25 00 01 38 33 30 30 32 30 30 32 36 30 34 33 32 13 7E")
HUABAO_GENERAL_RESPONSE = h("7E 80 01 00 05 00 20 02 60 43 23 00 09 00 EE 02 00 00 43 7E")
# Aliyun developer community, "JT808教程：终端的注册" (2025), https://developer.aliyun.com/article/1669671
ALIYUN_REGISTER_2019 = h(
    "7E 01 00 40 54 01 00 00 00 00 00 02 23 45 67 89 00 00 00 0B 00 65 01 23 45 67 89 AB CD EF 00 00 00"
    " 01 23 45 67 89 AB CD EF 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    " 01 23 45 67 89 AB CD EF 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"
    " 01 BE A9 44 31 32 33 34 35 93 7E"
)
ALIYUN_REGISTER_REPLY_2019 = h(
    "7E 81 00 40 17 01 00 00 00 00 00 02 23 45 67 89 00 00 00 00 00"
    " 6E 75 67 6D 51 52 56 34 61 78 6C 4C 47 6A 6A 6F 6E 41 3D 3D 13 7E"
)


# --- frames and bodies ---------------------------------------------------------------------------


def test_heartbeat_2013() -> None:
    msg = decode_frame(HEARTBEAT)
    assert (msg.msg_id, msg.version, msg.phone, msg.serial) == (MsgId.HEARTBEAT, 2013, "013912345678", 7)
    assert (msg.encryption, msg.subpackage, msg.body) == (0, None, b"")
    assert msg.raw_hex == HEARTBEAT.hex()


def test_frame_without_delimiters_decodes_the_same() -> None:
    assert decode_frame(HEARTBEAT[1:-1]) == decode_frame(HEARTBEAT)


def test_register_2013() -> None:
    msg = decode_frame(REGISTER_2013)
    assert (msg.msg_id, msg.version) == (MsgId.REGISTER, 2013)
    reg = decode_register(msg.body, msg.version)
    assert (reg.province, reg.city, reg.maker, reg.model) == (44, 0x0300, "JIEDA", "JD-100")
    assert (reg.terminal_id, reg.plate_color, reg.plate) == ("T000001", 1, "粤B12345")


def test_register_2019_published_example_and_reply() -> None:
    msg = decode_frame(ALIYUN_REGISTER_2019)
    assert (msg.version, msg.phone, msg.serial) == (2019, "00000000000223456789", 0)
    reg = decode_register(msg.body, 2019)
    assert (reg.province, reg.city, reg.plate_color, reg.plate) == (11, 101, 1, "京D12345")
    reply = register_response(msg.serial, 0, "nugmQRV4axlLGjjonA==")
    assert encode_frame(0x8100, msg.phone, 0, reply, version=2019) == ALIYUN_REGISTER_REPLY_2019


def test_register_widths_differ_between_editions() -> None:
    body = decode_frame(REGISTER_2013).body
    with pytest.raises(ProtocolError) as err:
        decode_register(body, 2019)
    assert err.value.reason == "truncated"


def test_auth_2013_published_example() -> None:
    msg = decode_frame(HUABAO_AUTH)
    assert (msg.msg_id, msg.phone, msg.serial) == (MsgId.AUTH, "002002604325", 1)
    auth = decode_auth(msg.body, 2013)
    assert (auth.code, auth.imei, auth.software_version) == ("8300200260432", None, None)


def test_auth_2019_header_and_body() -> None:
    msg = decode_frame(AUTH_2019)
    assert (msg.msg_id, msg.version, msg.phone, msg.serial) == (MsgId.AUTH, 2019, "00000000013912345678", 2)
    auth = decode_auth(msg.body, 2019)
    assert (auth.code, auth.imei, auth.software_version) == ("AUTH123456", "861234567890123", "V1.0.0")


def test_auth_2019_rejects_trailing_bytes() -> None:
    with pytest.raises(ProtocolError) as err:
        decode_auth(decode_frame(AUTH_2019).body + b"\x00", 2019)
    assert err.value.reason == "bad_length"
    assert err.value.offset == 46


def test_location_published_example() -> None:
    msg = decode_frame(HUABAO_LOCATION)
    assert (msg.msg_id, msg.phone, msg.serial, len(msg.body)) == (MsgId.LOCATION, "002002604323", 0xA4, 82)
    loc = decode_location(msg.body)
    assert (loc.alarm, loc.status, loc.fix_valid) == (0x00020000, 0x000C0002, True)
    assert (loc.lat, loc.lon, loc.altitude, loc.speed_kmh, loc.direction) == (
        22.591771,
        113.995873,
        70,
        0.0,
        89,
    )
    assert loc.time == datetime(2021, 9, 22, 16, 37, 58, tzinfo=GMT8)
    assert loc.extras["mileage_km"] == 0.1
    assert loc.extras["recorder_speed_kmh"] == 0.0
    assert loc.extras["vehicle_signal"] == 1
    assert (loc.extras["signal_strength"], loc.extras["satellites"]) == (0x11, 0x10)
    assert loc.extras["0xE3"] == b"\x00"
    assert len(loc.extras["0xD5"]) == 0x1B


def test_location_hemispheres_and_items() -> None:
    loc = decode_location(decode_frame(LOCATION_ITEMS).body)
    assert (loc.alarm, loc.fix_valid, loc.lat, loc.lon) == (1, True, -33.86882, -151.209296)
    assert (loc.altitude, loc.speed_kmh, loc.direction) == (16, 50.0, 270)
    assert loc.time == datetime(2024, 1, 31, 23, 59, 59, tzinfo=GMT8)
    assert loc.extras == {
        "fuel_l": 10.0,
        "io_status": 3,
        "analog": {"ad0": 1, "ad1": 2},
        "signal_strength": 31,
        "satellites": 9,
        "0xF0": h("AABBCC"),
        "0x01": h("0001"),
    }


def test_location_without_fix() -> None:
    body = bytearray(decode_frame(LOCATION_ITEMS).body)
    body[7] &= ~0x02
    assert decode_location(bytes(body)).fix_valid is False


def test_batch_blind_area() -> None:
    msg = decode_frame(BATCH_BLIND)
    batch = decode_batch(msg.body)
    assert batch.blind_area is True
    first, second = batch.locations
    assert (first.lat, first.lon, first.speed_kmh) == (22.58004, 114.024928, 0.0)
    assert first.extras == {"satellites": 7}
    assert (second.lat, second.lon, second.speed_kmh, second.extras) == (22.58024, 114.025128, 10.0, {})
    assert second.time == datetime(2024, 1, 31, 8, 0, 30, tzinfo=GMT8)


def test_batch_normal_and_empty() -> None:
    assert decode_batch(h("0000 00")).blind_area is False
    assert decode_batch(h("0000 00")).locations == ()


@pytest.mark.parametrize(
    ("body", "reason", "offset"),
    [
        (h("0000 02"), "bad_value", 2),
        (h("0001 00"), "truncated", 3),
        (h("0000 00 00"), "bad_length", 3),
        (h("0001 00 0002 0000"), "truncated", 5),
    ],
    ids=["bad type", "missing item", "extra bytes", "short item"],
)
def test_batch_rejections(body: bytes, reason: str, offset: int) -> None:
    with pytest.raises(ProtocolError) as err:
        decode_batch(body)
    assert (err.value.reason, err.value.offset) == (reason, offset)


def test_batch_error_offsets_count_from_the_batch_body() -> None:
    body = bytearray(decode_frame(BATCH_BLIND).body)
    body[3 + 2 + 22] = 0x5A  # first byte of the first item's time
    with pytest.raises(ProtocolError) as err:
        decode_batch(bytes(body))
    assert (err.value.reason, err.value.offset) == ("bad_bcd", 27)


def test_escaped_serial_and_checksum() -> None:
    msg = decode_frame(HEARTBEAT_ESCAPED)
    assert msg.serial == 0x7E31
    assert encode_frame(0x0002, msg.phone, msg.serial, b"") == HEARTBEAT_ESCAPED


def test_escaped_body() -> None:
    msg = decode_frame(LOCATION_ESCAPED)
    loc = decode_location(msg.body)
    assert (loc.altitude, loc.speed_kmh, loc.direction) == (0x7D, 12.6, 0x7E7D)
    assert encode_frame(0x0200, msg.phone, msg.serial, msg.body) == LOCATION_ESCAPED


def test_escape_and_unescape() -> None:
    assert escape(h("30 7E 08 7D 55")) == h("30 7D02 08 7D01 55")
    assert unescape(h("30 7D02 08 7D01 55")) == h("30 7E 08 7D 55")
    assert unescape(h("7D01 02")) == h("7D 02")  # one pass: the 0x02 after 0x7D 0x01 stays


def test_published_general_response() -> None:
    body = general_response(0xEE, MsgId.LOCATION, 0)
    assert encode_frame(MsgId.PLATFORM_RESPONSE, "002002604323", 9, body) == HUABAO_GENERAL_RESPONSE


# --- rejections ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "reason", "offset"),
    [
        ("7E 0002 0000 013912345678 0007 36 7E", "bad_checksum", 12),
        ("7E 0002 0000 013912345678 0008 AA 90 7E", "bad_length", 12),
        ("7E 0002 0005 013912345678 0009 AAAA 3E 7E", "truncated", 12),
        ("7E 0002 0000 0139 7E", "truncated", 6),
        ("7E 0002 0000 013912345678 7D03 31 7D01 7E", "bad_escape", 10),
        ("7E 0002 0000 013912345678 0007 35 7D 7E", "bad_escape", 13),
        ("0002 7E 0000 013912345678 0007 35", "bad_escape", 2),
        ("7E 0002 0000 01391234567A 000C 3C 7E", "bad_bcd", 9),
        ("7E 0200 200A 013912345678 0010 0003 0004 00000000 00000002 01DC D0 7E", "bad_subpackage", 12),
    ],
    ids=[
        "bad checksum",
        "body longer than declared",
        "body shorter than declared",
        "short header",
        "0x7D 0x03",
        "0x7D at end",
        "stray 0x7E",
        "phone not BCD",
        "packet index past total",
    ],
)
def test_frame_rejections(frame: str, reason: str, offset: int) -> None:
    with pytest.raises(ProtocolError) as err:
        decode_frame(h(frame))
    assert (err.value.reason, err.value.offset) == (reason, offset)
    assert f"byte {offset}" in str(err.value)


def test_checksum_message_names_both_values() -> None:
    with pytest.raises(ProtocolError, match=r"checksum 0x36, computed 0x35 at frame byte 12"):
        decode_frame(h("7E 0002 0000 013912345678 0007 36 7E"))


@pytest.mark.parametrize(
    ("frame", "reason", "offset"),
    [
        (
            "7E 0200 001C 013912345678 000A 00000000 00000002 01DCD650 06CD81A0 0000 0000 0000"
            " 24013112005A CB 7E",
            "bad_bcd",
            27,
        ),
        (
            "7E 0200 001C 013912345678 000B 00000000 00000002 01DCD650 06CD81A0 0000 0000 0000"
            " 241331120000 82 7E",
            "bad_time",
            22,
        ),
        (
            "7E 0200 001F 013912345678 000D 00000000 00000002 01DCD650 06CD81A0 0000 0000 0000"
            " 240131120000 310400 A0 7E",
            "truncated",
            30,
        ),
    ],
    ids=["time not BCD", "month 13", "item longer than body"],
)
def test_location_rejections(frame: str, reason: str, offset: int) -> None:
    msg = decode_frame(h(frame))
    with pytest.raises(ProtocolError) as err:
        decode_location(msg.body)
    assert (err.value.reason, err.value.offset) == (reason, offset)


def test_location_rejects_latitude_over_90() -> None:
    body = h("00000000 00000002 05F5E101 00000000 0000 0000 0000 240131120000")
    with pytest.raises(ProtocolError) as err:
        decode_location(body)
    assert (err.value.reason, err.value.offset) == ("bad_value", 8)


def test_register_rejects_plate_that_is_not_gbk() -> None:
    body = decode_frame(REGISTER_2013).body[:-8] + h("FF FF")
    with pytest.raises(ProtocolError) as err:
        decode_register(body, 2013)
    assert (err.value.reason, err.value.offset) == ("bad_text", 37)


# --- builders ------------------------------------------------------------------------------------


def test_register_response_bodies() -> None:
    assert register_response(0x0102, 0, "AB12") == h("0102 00 41423132")
    assert register_response(0x0102, 4) == h("0102 04")
    with pytest.raises(ValueError):
        register_response(1, 0)
    with pytest.raises(ValueError):
        register_response(1, 5, "x")


def test_general_response_rejects_unknown_result() -> None:
    assert general_response(7, 0x0102, 3) == h("0007 0102 03")
    with pytest.raises(ValueError):
        general_response(7, 0x0102, 9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"phone": "12ab"},
        {"phone": "1" * 13},
        {"serial": 0x10000},
        {"msg_id": -1},
        {"body": bytes(1024)},
        {"version": 2011},
        {"subpackage": (2, 3)},
        {"encryption": 8},
    ],
)
def test_encode_frame_refuses_bad_arguments(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"msg_id": 2, "phone": "1", "serial": 1, "body": b""} | kwargs
    with pytest.raises(ValueError):
        encode_frame(**args)  # type: ignore[arg-type]


# --- subpackages ---------------------------------------------------------------------------------


def test_three_parts_out_of_order() -> None:
    messages = [decode_frame(part) for part in PARTS]
    assert [m.subpackage for m in messages] == [Subpackage(3, 1), Subpackage(3, 2), Subpackage(3, 3)]
    joiner = Reassembler(clock=lambda: 0.0)
    assert joiner.add(messages[2]) is None
    assert joiner.add(messages[0]) is None
    body = joiner.add(messages[1])
    assert body is not None and len(body) == 31
    loc = decode_location(body)
    assert (loc.lat, loc.altitude, loc.speed_kmh, loc.extras) == (31.25, 16, 0.0, {"satellites": 12})
    assert len(joiner) == 0


def test_unsplit_message_passes_through() -> None:
    msg = decode_frame(LOCATION_ITEMS)
    assert Reassembler().add(msg) == msg.body


def test_duplicate_packet_is_replaced_not_counted() -> None:
    first, second, third = (decode_frame(part) for part in PARTS)
    joiner = Reassembler(clock=lambda: 0.0)
    assert joiner.add(first) is None
    assert joiner.add(first) is None
    assert joiner.add(third) is None
    assert joiner.add(second) is not None


def test_stale_parts_expire() -> None:
    now = [0.0]
    joiner = Reassembler(timeout=30, clock=lambda: now[0])
    first, second, third = (decode_frame(part) for part in PARTS)
    joiner.add(first)
    joiner.add(second)
    now[0] = 31.0
    assert joiner.add(third) is None  # the earlier parts were dropped
    assert len(joiner) == 1


def test_buffer_is_bounded() -> None:
    joiner = Reassembler(max_messages=2, clock=lambda: 0.0)
    for serial in (0x100, 0x200, 0x300):
        frame = encode_frame(0x0801, "1", serial, b"x", subpackage=(2, 1))
        assert joiner.add(decode_frame(frame)) is None
    assert len(joiner) == 2
    late = decode_frame(encode_frame(0x0801, "1", 0x101, b"y", subpackage=(2, 2)))
    assert joiner.add(late) is None  # its first packet was evicted


def test_byte_bound() -> None:
    joiner = Reassembler(max_bytes=1500, clock=lambda: 0.0)
    for serial in (0x100, 0x200):
        joiner.add(decode_frame(encode_frame(0x0801, "1", serial, bytes(1000), subpackage=(2, 1))))
    assert len(joiner) == 1


def test_serial_wraps_around() -> None:
    joiner = Reassembler(clock=lambda: 0.0)
    last = decode_frame(encode_frame(0x0801, "1", 0x0000, b"b", subpackage=(2, 2)))
    first = decode_frame(encode_frame(0x0801, "1", 0xFFFF, b"a", subpackage=(2, 1)))
    assert joiner.add(last) is None
    assert joiner.add(first) == b"ab"


# --- splitting -----------------------------------------------------------------------------------


def test_splitter_partial_reads() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(HEARTBEAT[:5]) == []
    assert splitter.feed(HEARTBEAT[5:-1]) == []
    assert splitter.feed(HEARTBEAT[-1:]) == [HEARTBEAT[1:-1]]


def test_splitter_back_to_back_frames() -> None:
    shared = HEARTBEAT + AUTH_2019[1:]
    separate = HEARTBEAT + AUTH_2019
    for stream in (shared, separate):
        assert FrameSplitter().feed(stream) == [HEARTBEAT[1:-1], AUTH_2019[1:-1]]


def test_splitter_drops_garbage_before_first_flag() -> None:
    assert FrameSplitter().feed(b"GET / HTTP/1.1\r\n" + HEARTBEAT) == [HEARTBEAT[1:-1]]
    splitter = FrameSplitter()
    assert splitter.feed(b"no flag here") == []
    assert splitter.feed(HEARTBEAT) == [HEARTBEAT[1:-1]]


def test_splitter_guards_overlong_frames() -> None:
    splitter = FrameSplitter(max_frame=40)
    with pytest.raises(ProtocolError) as err:
        splitter.feed(HEARTBEAT + bytes(50))
    assert err.value.reason == "frame_too_long"
    assert splitter.feed(b"") == [HEARTBEAT[1:-1]]  # completed before the error
    assert splitter.feed(bytes(10) + HEARTBEAT) == [HEARTBEAT[1:-1]]  # resynchronised


def test_splitter_refuses_overlong_complete_frame() -> None:
    splitter = FrameSplitter(max_frame=20)
    with pytest.raises(ProtocolError):
        splitter.feed(AUTH_2019 + HEARTBEAT)
    assert splitter.feed(b"") == [HEARTBEAT[1:-1]]


# --- fuzzing -------------------------------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=300))
def test_decode_frame_only_raises_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_frame(data)


@FUZZ
@given(st.binary(max_size=200), st.sampled_from([2013, 2019]))
def test_body_decoders_only_raise_protocol_error(data: bytes, version: Version) -> None:
    decoders = (decode_location, decode_batch, partial(decode_register, version=version))
    for decode in (*decoders, partial(decode_auth, version=version)):
        with contextlib.suppress(ProtocolError):
            decode(data)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@FUZZ
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0), max_size=8), st.integers(4, 64))
def test_splitter_random_chunks(data: bytes, cuts: list[int], limit: int) -> None:
    splitter = FrameSplitter(max_frame=limit)
    for chunk in _chunks(data, cuts):
        try:
            frames = splitter.feed(chunk)
        except ProtocolError:
            continue
        assert all(frame and b"\x7e" not in frame and len(frame) <= limit for frame in frames)


@FUZZ
@given(st.binary(max_size=400), st.lists(st.integers(min_value=0), max_size=8))
def test_splitter_is_chunking_invariant(data: bytes, cuts: list[int]) -> None:
    splitter = FrameSplitter(max_frame=1000)
    frames = [frame for chunk in _chunks(data, cuts) for frame in splitter.feed(chunk)]
    start = data.find(b"\x7e")
    expected = [] if start < 0 else [p for p in data[start + 1 :].split(b"\x7e")[:-1] if p]
    assert frames == expected


_versions = st.sampled_from([2013, 2019])


@st.composite
def _headers(draw: st.DrawFn) -> dict[str, object]:
    version = draw(_versions)
    total = draw(st.integers(1, 0xFFFF))
    subpackage = draw(st.none() | st.integers(1, total).map(lambda index: (total, index)))
    return {
        "msg_id": draw(st.integers(0, 0xFFFF)),
        "phone": draw(st.text("0123456789", min_size=1, max_size=12 if version == 2013 else 20)),
        "serial": draw(st.integers(0, 0xFFFF)),
        "body": draw(st.binary(max_size=1023)),
        "version": version,
        "subpackage": subpackage,
        "encryption": draw(st.integers(0, 7)),
    }


@FUZZ
@given(_headers(), st.lists(st.integers(min_value=0), max_size=6))
def test_encode_split_decode_round_trip(header: dict[str, object], cuts: list[int]) -> None:
    frame = encode_frame(**header)  # type: ignore[arg-type]
    splitter = FrameSplitter()
    raw = [f for chunk in _chunks(b"\x00\x7e" + frame, cuts) for f in splitter.feed(chunk)]
    assert raw == [frame[1:-1]]
    msg = decode_frame(raw[0])
    width = 12 if header["version"] == 2013 else 20
    assert msg.phone == str(header["phone"]).zfill(width)
    assert (msg.msg_id, msg.serial, msg.body, msg.version, msg.encryption) == (
        header["msg_id"],
        header["serial"],
        header["body"],
        header["version"],
        header["encryption"],
    )
    assert msg.subpackage == header["subpackage"]


@FUZZ
@given(_headers(), st.integers(min_value=0), st.integers(0, 255))
def test_mutated_frames_only_raise_protocol_error(header: dict[str, object], at: int, value: int) -> None:
    frame = bytearray(encode_frame(**header))  # type: ignore[arg-type]
    frame[at % len(frame)] = value
    with contextlib.suppress(ProtocolError):
        decode_frame(bytes(frame))


_location_fixed = st.tuples(
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=6, max_size=6),
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)),
)


@FUZZ
@given(_location_fixed, st.binary(max_size=120))
def test_location_items_only_raise_protocol_error(fixed: tuple[bytes, bytes, datetime], tail: bytes) -> None:
    head, middle, stamp = fixed
    body = head + middle + bytes.fromhex(stamp.strftime("%y%m%d%H%M%S")) + tail
    with contextlib.suppress(ProtocolError):
        loc = decode_location(body)
        assert loc.time == stamp.replace(microsecond=0, tzinfo=GMT8)
