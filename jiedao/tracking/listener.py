"""JT/T 808 TCP listener (JT/T 808 接入服务): asyncio sockets in front, Django storage in threads.

What the listener answers, per message (the codec's notes):
- a frame that fails ``decode_frame`` (escape, checksum, length): no reply; logged with terminal and bytes;
- encrypted (RSA) messages and unknown message ids: 0x8001 result 3 (unsupported);
- a body that fails to decode: 0x8001 result 2 (bad message);
- 0x0002 heartbeat: 0x8001 result 0;
- 0x0100 register: 0x8100 with the auth code, or result 4 for an unknown terminal (unless auto-registration);
- 0x0102 authenticate: 0x8001 result 0, or 1 for a wrong code;
- 0x0200 / 0x0704 before authentication: 0x8001 result 1, nothing stored;
- 0x0200 / 0x0704 after authentication: stored through ``ingest.store_batch``; 0x8001 result 0 only once the
  batch holding them is committed, result 1 when the commit failed (the terminal re-sends);
- each packet of a subpackaged message: 0x8001 result 0 on receipt; the joined message as above.

Fixes of all connections are gathered by one ``BatchWriter`` and committed together (every ``max_wait``
seconds or ``max_fixes`` fixes, whichever comes first); each acknowledgement waits for its batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from typing import Any, TypeVar

from django.db import connection

from jiedao.tracking import ingest, services
from jiedao.tracking.ingest import Fix, StoredResult
from jiedao.tracking.models import Device, Protocol
from jiedao.tracking.protocol.jt808 import (
    FrameSplitter,
    Location,
    Message,
    MsgId,
    ProtocolError,
    Reassembler,
    RegisterResult,
    Result,
    decode_auth,
    decode_batch,
    decode_frame,
    decode_location,
    decode_register,
    encode_frame,
    general_response,
    register_response,
)

log = logging.getLogger("jiedao.tracking.jt808")
T = TypeVar("T")
READ_SIZE = 64 * 1024
MAX_IN_FLIGHT = 64  # unacknowledged location messages per connection before reading pauses


def fix_from_location(location: Location, *, blind_area: bool = False) -> Fix:
    """A decoded 0x0200 body as a Fix in UTC; raw extra items are kept as hex."""
    extras = {
        key: value.hex() if isinstance(value, bytes) else value for key, value in location.extras.items()
    }
    return Fix(
        fixed_at=location.time.astimezone(UTC),
        lon=location.lon,
        lat=location.lat,
        speed_kmh=location.speed_kmh,
        course=float(location.direction),
        altitude=float(location.altitude),
        valid=location.fix_valid,
        alarm=location.alarm,
        status=location.status,
        blind_area=blind_area,
        extras=extras,
    )


def _in_db_thread(function: Callable[..., T], *args: Any) -> T:
    """Run a Django call in an executor thread; a failed call drops the thread's connection for the next one."""
    try:
        return function(*args)
    except Exception:
        connection.close()
        raise


def _close_connection() -> None:
    connection.close()  # the calling thread's own connection


class BatchWriter:
    """Gathers fixes from many connections and stores them in one transaction per batch."""

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        *,
        max_fixes: int = 500,
        max_wait: float = 0.05,
        max_queued: int = 20_000,
    ) -> None:
        self._executor = executor
        self._max_fixes = max_fixes
        self._max_wait = max_wait
        self._max_queued = max_queued
        self._items: list[tuple[Device, Sequence[Fix], asyncio.Future[StoredResult] | None]] = []
        self._queued = 0
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._room = asyncio.Condition()

    async def submit(self, device: Device, fixes: Sequence[Fix]) -> asyncio.Future[StoredResult]:
        """Queue fixes; the returned future resolves once they are committed (or fails with the commit)."""
        if self._queued >= self._max_queued:
            async with self._room:
                await self._room.wait_for(lambda: self._queued < self._max_queued)
        future: asyncio.Future[StoredResult] = asyncio.get_running_loop().create_future()
        self._add(device, fixes, future)
        return future

    def touch(self, device: Device) -> None:
        """Note that a device is alive (heartbeat): ``last_seen_at`` moves with the next batch."""
        self._add(device, (), None)

    def _add(self, device: Device, fixes: Sequence[Fix], future: asyncio.Future[StoredResult] | None) -> None:
        self._items.append((device, fixes, future))
        self._queued += len(fixes)
        self._wake.set()
        if self._queued >= self._max_fixes:
            self._full.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._max_wait)
            await self.flush()

    async def flush(self) -> None:
        items, self._items, self._queued = self._items, [], 0
        self._wake.clear()
        self._full.clear()
        async with self._room:
            self._room.notify_all()
        if not items:
            return
        loop = asyncio.get_running_loop()
        batch = [(device, fixes) for device, fixes, _future in items]
        try:
            results = await loop.run_in_executor(self._executor, _in_db_thread, ingest.store_batch, batch)
        except Exception as exc:
            log.exception("jt808: storing a batch of %d messages failed", len(items))
            for _device, _fixes, future in items:
                if future is not None and not future.done():
                    future.set_exception(exc)
            return
        for (_device, _fixes, future), result in zip(items, results, strict=True):
            if future is not None and not future.done():
                future.set_result(result)


class Jt808Server:
    """The listener: one ``Session`` per TCP connection, one ``BatchWriter`` for all of them."""

    def __init__(self, *, max_fixes: int = 500, max_wait: float = 0.05) -> None:
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jt808-control")
        self.store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jt808-store")
        self.writer = BatchWriter(self.store, max_fixes=max_fixes, max_wait=max_wait)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0 = any free port) and return the port."""
        self._tasks.add(asyncio.create_task(self.writer.run()))
        self._server = await asyncio.start_server(self._connected, host, port, limit=READ_SIZE)
        return self._server.sockets[0].getsockname()[1]

    async def serve_forever(self) -> None:
        assert self._server is not None
        await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await self.writer.flush()
        loop = asyncio.get_running_loop()
        for executor in (self.db, self.store):
            await loop.run_in_executor(executor, _close_connection)
        self.db.shutdown(wait=True)
        self.store.shutdown(wait=True)

    async def call_db(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.db, _in_db_thread, function, *args)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = Session(self, writer)
        try:
            await session.run(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            await session.finish()


class Session:
    """One terminal connection: framing, reassembly, authentication and replies."""

    def __init__(self, server: Jt808Server, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.peer = writer.get_extra_info("peername")
        self.splitter = FrameSplitter()
        self.reassembler = Reassembler()
        self.devices: dict[str, Device] = {}  # authenticated terminals on this connection, by phone
        self.serial = 0
        self.in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
        self.acks: set[asyncio.Future[StoredResult]] = set()  # waiting for their batch's commit

    @property
    def terminal(self) -> str:
        return ",".join(self.devices) or "?"

    async def run(self, reader: asyncio.StreamReader) -> None:
        while data := await reader.read(READ_SIZE):
            try:
                frames = self.splitter.feed(data)
            except ProtocolError as exc:
                log.warning("jt808 %s terminal %s: %s", self.peer, self.terminal, exc)
                frames = self.splitter.feed(b"")  # the frames completed around the overlong run
            for frame in frames:
                await self.handle(frame)
            await self.writer.drain()

    async def finish(self) -> None:
        if self.acks:
            await asyncio.gather(*self.acks, return_exceptions=True)
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    def send(self, msg: Message, msg_id: int, body: bytes) -> None:
        self.serial = (self.serial + 1) & 0xFFFF
        if not self.writer.is_closing():
            self.writer.write(encode_frame(msg_id, msg.phone, self.serial, body, msg.version))

    def answer(self, msg: Message, result: int) -> None:
        self.send(msg, MsgId.PLATFORM_RESPONSE, general_response(msg.serial, msg.msg_id, result))

    async def handle(self, frame: bytes) -> None:
        try:
            msg = decode_frame(frame)
        except ProtocolError as exc:
            log.warning(
                "jt808 %s terminal %s: dropped frame (%s): 7e%s7e", self.peer, self.terminal, exc, frame.hex()
            )
            return
        if msg.encryption:
            self.answer(msg, Result.UNSUPPORTED)
            return
        body = self.reassembler.add(msg)
        if body is None:
            self.answer(msg, Result.OK)
            return
        handler = self.HANDLERS.get(msg.msg_id)
        if handler is None:
            if msg.msg_id != MsgId.TERMINAL_RESPONSE:
                self.answer(msg, Result.UNSUPPORTED)
            return
        try:
            await handler(self, msg, body)
        except ProtocolError as exc:
            log.warning("jt808 %s terminal %s: bad body (%s): %s", self.peer, msg.phone, exc, msg.raw_hex)
            self.answer(msg, Result.BAD_MESSAGE)

    async def on_heartbeat(self, msg: Message, body: bytes) -> None:
        device = self.devices.get(msg.phone)
        if device is not None:
            self.server.writer.touch(device)
        self.answer(msg, Result.OK)

    async def on_register(self, msg: Message, body: bytes) -> None:
        registration = decode_register(body, msg.version)
        info = {
            "maker": registration.maker,
            "model": registration.model,
            "terminal_id": registration.terminal_id,
            "plate": registration.plate,
            "plate_color": registration.plate_color,
        }
        device = await self.server.call_db(services.register_terminal, Protocol.JT808, msg.phone, info)
        if device is None:
            log.info("jt808 %s: refused registration of unknown terminal %s", self.peer, msg.phone)
            self.send(
                msg, MsgId.REGISTER_RESPONSE, register_response(msg.serial, RegisterResult.NO_SUCH_TERMINAL)
            )
            return
        self.send(
            msg, MsgId.REGISTER_RESPONSE, register_response(msg.serial, RegisterResult.OK, device.auth_code)
        )

    async def on_auth(self, msg: Message, body: bytes) -> None:
        auth = decode_auth(body, msg.version)
        device = await self.server.call_db(services.authenticate_terminal, msg.phone, auth.code)
        if device is None:
            log.info("jt808 %s: authentication of terminal %s failed", self.peer, msg.phone)
            self.devices.pop(msg.phone, None)
            self.answer(msg, Result.FAIL)
            return
        self.devices[msg.phone] = device
        self.answer(msg, Result.OK)

    async def on_location(self, msg: Message, body: bytes) -> None:
        await self._store(msg, [fix_from_location(decode_location(body))])

    async def on_batch(self, msg: Message, body: bytes) -> None:
        batch = decode_batch(body)
        await self._store(
            msg, [fix_from_location(loc, blind_area=batch.blind_area) for loc in batch.locations]
        )

    async def _store(self, msg: Message, fixes: list[Fix]) -> None:
        device = self.devices.get(msg.phone)
        if device is None:
            self.answer(msg, Result.FAIL)
            return
        await self.in_flight.acquire()
        future = await self.server.writer.submit(device, fixes)
        self.acks.add(future)
        future.add_done_callback(lambda done: self._ack_when_committed(msg, done))

    def _ack_when_committed(self, msg: Message, future: asyncio.Future[StoredResult]) -> None:
        self.acks.discard(future)
        self.in_flight.release()
        self.answer(msg, Result.FAIL if future.cancelled() or future.exception() else Result.OK)

    HANDLERS: dict[int, Callable[[Session, Message, bytes], Any]] = {
        MsgId.HEARTBEAT: on_heartbeat,
        MsgId.REGISTER: on_register,
        MsgId.AUTH: on_auth,
        MsgId.LOCATION: on_location,
        MsgId.BATCH_LOCATION: on_batch,
    }


async def serve(host: str, port: int, *, max_fixes: int = 500, max_wait: float = 0.05) -> None:
    """Run a listener until cancelled (the management command's body)."""
    server = Jt808Server(max_fixes=max_fixes, max_wait=max_wait)
    bound = await server.start(host, port)
    log.info("jt808 listening on %s:%d", host, bound)
    try:
        await server.serve_forever()
    finally:
        await server.close()
