"""The JT/T 808 listener over real TCP: register, authenticate, heartbeat, locations, batches, subpackages
and the refusals, checked against the replies and the stored rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jiedao.core.models import AuditEvent
from jiedao.tracking.models import Device, Position
from jiedao.tracking.protocol.jt808 import (
    MsgId,
    RegisterResult,
    Result,
    encode_frame,
    general_response,
)
from jiedao.tracking.terminal import auth_body, batch_body, location_body, register_body
from jiedao.tracking.tests.conftest import T0, Terminal, make_device

pytestmark = pytest.mark.django_db(transaction=True)

LON, LAT = 120.605, 31.285


def ack(msg, serial: int, msg_id: int) -> int:
    assert msg.msg_id == MsgId.PLATFORM_RESPONSE
    assert msg.body[:4] == general_response(serial, msg_id, 0)[:4]
    return msg.body[4]


@pytest.fixture
def terminal(listener):
    client = Terminal(listener)
    yield client
    client.close()


def authenticate(terminal: Terminal, code: str = "AUTH1234") -> None:
    serial = terminal.send(MsgId.AUTH, auth_body(code))
    assert ack(terminal.reply(), serial, MsgId.AUTH) == Result.OK


def test_register_then_authenticate_then_locate(terminal):
    device = make_device(auth_code="")
    serial = terminal.send(MsgId.REGISTER, register_body())
    reply = terminal.reply()
    assert reply.msg_id == MsgId.REGISTER_RESPONSE
    assert reply.body[:3] == bytes([serial >> 8, serial & 0xFF, RegisterResult.OK])
    code = reply.body[3:].decode("gbk")
    device.refresh_from_db()
    assert code == device.auth_code and len(code) == 16
    authenticate(terminal, code)
    serial = terminal.send(MsgId.LOCATION, location_body(T0, LON, LAT, speed_kmh=12.5, course=90))
    assert ack(terminal.reply(), serial, MsgId.LOCATION) == Result.OK
    position = Position.objects.get()  # acknowledged, therefore committed
    assert (position.lon, position.lat, position.speed_kmh, position.course) == (LON, LAT, 12.5, 90)
    assert position.fixed_at == T0
    device.refresh_from_db()
    assert device.last_fix_at == T0 and device.last_lon == LON and device.last_seen_at is not None
    assert AuditEvent.objects.filter(
        action="tracking.device.issue_auth_code", object_id=str(device.pk)
    ).exists()


def test_unknown_terminal_is_refused_with_result_4(terminal):
    serial = terminal.send(MsgId.REGISTER, register_body())
    reply = terminal.reply()
    assert reply.msg_id == MsgId.REGISTER_RESPONSE
    assert reply.body == bytes([0, serial, RegisterResult.NO_SUCH_TERMINAL])
    assert not Device.objects.exists()


def test_auto_registration_creates_an_audited_device(terminal, settings):
    settings.JIEDAO = {**settings.JIEDAO, "TRACKING_AUTO_REGISTER": True}
    terminal.send(MsgId.REGISTER, register_body(plate="苏E88888"))
    reply = terminal.reply()
    assert reply.body[2] == RegisterResult.OK
    device = Device.objects.get()
    assert (device.identifier, device.plate, device.unit) == ("13912345678", "苏E88888", None)
    assert reply.body[3:].decode() == device.auth_code
    assert AuditEvent.objects.filter(action="tracking.device.auto_register", actor=None).count() == 1


def test_wrong_auth_code_fails_and_locations_are_refused(terminal):
    make_device()
    serial = terminal.send(MsgId.AUTH, auth_body("WRONG"))
    assert ack(terminal.reply(), serial, MsgId.AUTH) == Result.FAIL
    serial = terminal.send(MsgId.LOCATION, location_body(T0, LON, LAT))
    assert ack(terminal.reply(), serial, MsgId.LOCATION) == Result.FAIL
    assert not Position.objects.exists()


def test_heartbeat_is_answered_and_marks_the_device_seen(terminal):
    device = make_device()
    serial = terminal.send(MsgId.HEARTBEAT)
    assert ack(terminal.reply(), serial, MsgId.HEARTBEAT) == Result.OK
    authenticate(terminal)
    serial = terminal.send(MsgId.HEARTBEAT)
    assert ack(terminal.reply(), serial, MsgId.HEARTBEAT) == Result.OK
    # the touch rides on the next batch; a location commits it for sure
    serial = terminal.send(MsgId.LOCATION, location_body(T0, LON, LAT))
    terminal.reply()
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_blind_area_batch_is_stored_and_flagged(terminal):
    make_device()
    authenticate(terminal)
    bodies = [location_body(T0 + timedelta(seconds=10 * i), LON + i * 1e-4, LAT) for i in range(5)]
    serial = terminal.send(MsgId.BATCH_LOCATION, batch_body(bodies, blind_area=True))
    assert ack(terminal.reply(), serial, MsgId.BATCH_LOCATION) == Result.OK
    assert Position.objects.filter(blind_area=True).count() == 5
    # the same batch again: acknowledged, nothing new stored
    serial = terminal.send(MsgId.BATCH_LOCATION, batch_body(bodies, blind_area=True))
    assert ack(terminal.reply(), serial, MsgId.BATCH_LOCATION) == Result.OK
    assert Position.objects.count() == 5


def test_subpackaged_location_is_joined(terminal):
    make_device()
    authenticate(terminal)
    body = location_body(T0, LON, LAT)
    parts = [body[:10], body[10:20], body[20:]]
    first = terminal.serial + 1
    for index, part in enumerate(parts, 1):
        terminal.send(MsgId.LOCATION, part, subpackage=(3, index))
    replies = [terminal.reply() for _ in parts]
    assert [ack(r, first + n, MsgId.LOCATION) for n, r in enumerate(replies)] == [0, 0, 0]
    assert Position.objects.get().lon == LON


def test_bad_checksum_gets_no_reply_and_stores_nothing(terminal, caplog):
    make_device()
    authenticate(terminal)
    frame = bytearray(encode_frame(MsgId.LOCATION, terminal.phone, 99, location_body(T0, LON, LAT)))
    frame[-2] ^= 0x55
    terminal.send_raw(bytes(frame))
    serial = terminal.send(MsgId.HEARTBEAT)
    reply = terminal.reply()  # the next reply answers the heartbeat: the bad frame got none
    assert ack(reply, serial, MsgId.HEARTBEAT) == Result.OK
    assert not Position.objects.exists()
    logged = [r.getMessage() for r in caplog.records if r.name == "jiedao.tracking.jt808"]
    assert any("checksum" in line and bytes(frame).hex() in line for line in logged)


def test_bad_body_unknown_message_and_encryption(terminal):
    make_device()
    authenticate(terminal)
    serial = terminal.send(MsgId.LOCATION, b"\x00\x01")
    assert ack(terminal.reply(), serial, MsgId.LOCATION) == Result.BAD_MESSAGE
    serial = terminal.send(0x0F0F, b"")
    assert ack(terminal.reply(), serial, 0x0F0F) == Result.UNSUPPORTED
    serial = terminal.send(MsgId.LOCATION, location_body(T0, LON, LAT), encryption=1)
    assert ack(terminal.reply(), serial, MsgId.LOCATION) == Result.UNSUPPORTED
    assert not Position.objects.exists()


def test_many_locations_from_two_terminals_share_batches(listener):
    make_device()
    make_device("13900000002")
    one, two = Terminal(listener), Terminal(listener, phone="013900000002")
    try:
        for client in (one, two):
            authenticate(client)
        serials = {one: [], two: []}
        for i in range(50):
            for client in (one, two):
                serials[client].append(
                    client.send(MsgId.LOCATION, location_body(T0 + timedelta(seconds=i), LON + i * 1e-5, LAT))
                )
        for client in (one, two):
            answered = sorted(int.from_bytes(client.reply().body[:2], "big") for _ in range(50))
            assert answered == serials[client]
    finally:
        one.close()
        two.close()
    assert Position.objects.count() == 100


def test_garbage_and_overlong_frames_do_not_break_the_connection(terminal, caplog):
    make_device()
    terminal.send_raw(b"GET / HTTP/1.1\r\n\r\n")  # bytes before any 0x7E are dropped
    terminal.send_raw(b"\x7e" + b"\x01" * 5000 + b"\x7e")  # longer than any JT/T 808 frame
    terminal.send_raw(b"\x7e\x7d\x03\x7e")  # bad escape
    serial = terminal.send(MsgId.HEARTBEAT)
    assert ack(terminal.reply(), serial, MsgId.HEARTBEAT) == Result.OK
    messages = " ".join(r.getMessage() for r in caplog.records if r.name == "jiedao.tracking.jt808")
    assert "no 0x7E delimiter" in messages and "0x7D followed by 0x03" in messages
