"""Tracking fixtures: devices of the test world, a running JT/T 808 listener, a fresh zone index."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from jiedao.tracking import zones
from jiedao.tracking.models import Device, DeviceKind, Protocol
from jiedao.tracking.protocol.jt808 import FrameSplitter, Message, decode_frame, encode_frame

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Suzhou


@pytest.fixture(autouse=True)
def _fresh_zone_index():
    zones._cache.invalidate()


def make_device(identifier: str = "13912345678", **fields) -> Device:
    defaults = {
        "protocol": Protocol.JT808,
        "kind": DeviceKind.BOAT,
        "name": f"保洁船 {identifier[-4:]}",
        "auth_code": "AUTH1234",
        "created_at": T0,
    }
    return Device.objects.create(identifier=identifier, **{**defaults, **fields})


class Terminal:
    """A blocking JT/T 808 client: send frames, read the platform's replies."""

    def __init__(self, port: int, phone: str = "013912345678") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.phone = phone
        self.serial = 0
        self.splitter = FrameSplitter()
        self.pending: list[Message] = []

    def send(self, msg_id: int, body: bytes = b"", **kwargs) -> int:
        self.serial += 1
        self.sock.sendall(encode_frame(msg_id, self.phone, self.serial, body, **kwargs))
        return self.serial

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> Message:
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("listener closed the connection")
            self.pending += [decode_frame(frame) for frame in self.splitter.feed(data)]
        return self.pending.pop(0)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener(transactional_db) -> Iterator[int]:
    """A JT/T 808 listener on a free port, in a thread of its own; yields the port."""
    from jiedao.tracking.listener import Jt808Server

    loop = asyncio.new_event_loop()
    server = Jt808Server(max_wait=0.01)
    started = threading.Event()
    holder: dict[str, int] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)
        holder["port"] = loop.run_until_complete(server.start("127.0.0.1", 0))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield holder["port"]
    asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
