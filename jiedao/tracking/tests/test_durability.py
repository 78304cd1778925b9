"""Durability: a listener process killed with SIGKILL mid-stream has stored every position it acknowledged.

The listener runs as its own process on a SQLite file (WAL), as `make run` starts it; terminals stream
locations without waiting; the process is killed after some acknowledgements; the database must then hold
every acknowledged fix.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from jiedao.settings import BASE_DIR
from jiedao.tracking.protocol.jt808 import MsgId
from jiedao.tracking.terminal import auth_body, location_body
from jiedao.tracking.tests.conftest import T0, Terminal

pytestmark = pytest.mark.durability

TERMINALS = 4
SENT_PER_TERMINAL = 3000
KILL_AFTER_ACKS = 400

SETUP = """
from jiedao.tracking.models import Device
from jiedao.tracking.tests.conftest import T0
for n in range({n}):
    Device.objects.create(identifier=f"1390000{{n:04d}}", protocol="jt808", kind="vehicle",
                          name=f"车{{n}}", auth_code="CODE", created_at=T0)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else "listener died"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("listener did not start")


def test_every_acknowledged_position_survives_sigkill(tmp_path: Path):
    env = {
        **os.environ,
        "JIEDAO_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _manage(env, "migrate", "--noinput")
    _manage(env, "shell", "-c", SETUP.format(n=TERMINALS))
    port = _free_port()
    listener = subprocess.Popen(
        [
            sys.executable,
            str(BASE_DIR / "manage.py"),
            "jt808_listener",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, listener)
        terminals = [Terminal(port, phone=f"1390000{n:04d}") for n in range(TERMINALS)]
        for terminal in terminals:
            terminal.send(MsgId.AUTH, auth_body("CODE"))
            assert terminal.reply().body[-1] == 0
        acked: dict[str, set[int]] = {t.phone: set() for t in terminals}
        enough = threading.Event()
        lock = threading.Lock()

        def read(terminal: Terminal) -> None:
            try:
                while True:
                    reply = terminal.reply()
                    if reply.body[2:4] == MsgId.LOCATION.to_bytes(2, "big") and reply.body[4] == 0:
                        with lock:
                            acked[terminal.phone].add(int.from_bytes(reply.body[:2], "big"))
                            if sum(map(len, acked.values())) >= KILL_AFTER_ACKS:
                                enough.set()
            except (ConnectionError, OSError):
                return

        def write(terminal: Terminal) -> None:
            try:
                for i in range(SENT_PER_TERMINAL):
                    when = T0 + timedelta(seconds=terminal.serial + 1)
                    terminal.send(MsgId.LOCATION, location_body(when, 120.6 + i * 1e-5, 31.28))
            except OSError:
                return

        threads = [
            threading.Thread(target=f, args=(t,), daemon=True) for t in terminals for f in (read, write)
        ]
        for thread in threads:
            thread.start()
        assert enough.wait(60), "too few acknowledgements before the kill"
        listener.send_signal(signal.SIGKILL)
        listener.wait(10)
        for thread in threads:
            thread.join(10)
    finally:
        if listener.poll() is None:
            listener.kill()
        listener.wait(10)
    with lock:
        snapshot = {phone: set(serials) for phone, serials in acked.items()}
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    stored = set(
        database.execute(
            "SELECT d.identifier, p.fixed_at FROM tracking_position p JOIN tracking_device d ON d.id = p.device_id"
        )
    )
    database.close()
    expected = {
        (phone, (T0 + timedelta(seconds=serial)).strftime("%Y-%m-%d %H:%M:%S"))
        for phone, serials in snapshot.items()
        for serial in serials
    }
    assert sum(map(len, snapshot.values())) >= KILL_AFTER_ACKS
    assert expected <= stored, f"{len(expected - stored)} acknowledged positions lost"
    # the kill came mid-stream: not everything sent was stored
    assert len(stored) < TERMINALS * SENT_PER_TERMINAL
