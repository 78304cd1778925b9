"""Durability: a listener process killed with SIGKILL mid-stream has stored every position it acknowledged.

The listener runs as its own process, as `make run` starts it, on a database of its own of the engine the
suite runs on: a SQLite file (WAL) by default, a fresh PostgreSQL database when the suite runs on PostgreSQL.
Terminals stream locations without waiting; the process is killed after some acknowledgements; the database
must then hold every acknowledged fix.
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
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

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


STORED = (
    "SELECT d.identifier, p.fixed_at FROM tracking_position p JOIN tracking_device d ON d.id = p.device_id"
)
Stored = Callable[[], set[tuple[str, str]]]


def _sqlite(path: Path) -> set[tuple[str, str]]:
    database = sqlite3.connect(path)
    try:
        return set(database.execute(STORED))  # fixed_at as SQLite keeps it: "2026-03-02 01:00:01" (UTC)
    finally:
        database.close()


def _postgres(url: str) -> set[tuple[str, str]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(STORED).fetchall()
    return {(phone, f"{fixed_at.astimezone(UTC):%Y-%m-%d %H:%M:%S}") for phone, fixed_at in rows}


def _postgres_url(database: dict, name: str) -> str:
    """The URL of database ``name`` on the server (and with the credentials) of Django's ``database``."""
    user = urllib.parse.quote(database["USER"] or "postgres")
    password = f":{urllib.parse.quote(database['PASSWORD'])}" if database["PASSWORD"] else ""
    return f"postgres://{user}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{name}"


@pytest.fixture
def listener_database(tmp_path: Path) -> Iterator[tuple[str, Stored]]:
    """(DATABASE_URL, how to read the stored fixes) of an empty database of the suite's engine."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}", lambda: _sqlite(tmp_path / "db.sqlite3")
        return
    name = f"jiedao_durability_{uuid.uuid4().hex[:12]}"
    url, admin = _postgres_url(default, name), _postgres_url(default, "postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url, lambda: _postgres(url)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_acknowledged_position_survives_sigkill(tmp_path: Path, listener_database):
    url, stored_fixes = listener_database
    env = {**os.environ, "JIEDAO_DATA_DIR": str(tmp_path), "DATABASE_URL": url}
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
    stored = stored_fixes()
    expected = {
        (phone, (T0 + timedelta(seconds=serial)).strftime("%Y-%m-%d %H:%M:%S"))
        for phone, serials in snapshot.items()
        for serial in serials
    }
    assert sum(map(len, snapshot.values())) >= KILL_AFTER_ACKS
    assert expected <= stored, f"{len(expected - stored)} acknowledged positions lost"
    # the kill came mid-stream: not everything sent was stored
    assert len(stored) < TERMINALS * SENT_PER_TERMINAL
