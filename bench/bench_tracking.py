"""Benchmark: JT/T 808 terminals over real TCP sockets into the listener, stored in PostgreSQL.

    python bench/bench_tracking.py [--terminals 1000] [--messages 20] [--fixes 1] [--window 4]
        [--database postgres://postgres@127.0.0.1:5432/jiedao_bench_tracking]

Creates (drops and re-creates) the database, migrates it, registers N terminals, starts
`manage.py jt808_listener` as its own process, connects N sockets from this process, authenticates them, then
each terminal streams M messages (0x0200 when --fixes is 1, else 0x0704 batches of that many fixes), keeping
at most --window messages unacknowledged. Frames are built before the clock starts. Prints one line per
figure: what, data size, figure, unit:
- acknowledged positions per second (first location sent → last acknowledgement), end to end;
- the same rows written by one psycopg COPY into a copy of the table, the physical reference;
- whether every acknowledged position is in the table (it must be);
- listener memory per idle authenticated connection (RSS delta / N).
Machines here are noisy and the client shares the CPU with the listener: compare ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/jiedao_bench_tracking"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


from jiedao.tracking.protocol.jt808 import FrameSplitter  # noqa: E402


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20, help="location messages per terminal")
    parser.add_argument("--fixes", type=int, default=1, help="fixes per message (>1 sends 0x0704 batches)")
    parser.add_argument("--window", type=int, default=4, help="unacknowledged messages per terminal")
    parser.add_argument("--batch", type=int, default=500, help="listener: commit after this many fixes")
    parser.add_argument("--wait-ms", type=int, default=50, help="listener: or after this many milliseconds")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    return parser.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def phone(n: int) -> str:
    return f"1{n:011d}"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fix_time(message: int, fix: int, fixes: int) -> datetime:
    return T0 + timedelta(seconds=message * fixes + fix)


def build_frames(n: int, messages: int, fixes: int) -> list[bytes]:
    from jiedao.tracking.protocol.jt808 import MsgId, encode_frame
    from jiedao.tracking.terminal import batch_body, location_body

    lon0, lat0 = 120.55 + (n % 100) * 1e-3, 31.25 + (n // 100) * 1e-3
    frames = []
    for m in range(messages):
        bodies = [
            location_body(fix_time(m, k, fixes), lon0 + (m * fixes + k) * 1e-5, lat0, speed_kmh=3.6)
            for k in range(fixes)
        ]
        serial = m + 2  # serial 1 is the authentication
        if fixes == 1:
            frames.append(encode_frame(MsgId.LOCATION, phone(n), serial, bodies[0]))
        else:
            frames.append(encode_frame(MsgId.BATCH_LOCATION, phone(n), serial, batch_body(bodies)))
    return frames


class Client:
    def __init__(self, n: int, frames: list[bytes], window: int) -> None:
        self.n = n
        self.frames = frames
        self.window = window
        self.acked: list[int] = []  # message indexes acknowledged with result 0
        self.failed = 0
        self.pending: list[tuple[int, int]] = []
        self.splitter = FrameSplitter()
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    async def connect(self, port: int) -> None:
        from jiedao.tracking.protocol.jt808 import MsgId, encode_frame
        from jiedao.tracking.terminal import auth_body

        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        self.writer.write(encode_frame(MsgId.AUTH, phone(self.n), 1, auth_body("BENCH")))
        reply = await self._replies(1)
        if reply[0][1] != 0:
            raise RuntimeError(f"terminal {self.n} not authenticated")

    async def _replies(self, count: int) -> list[tuple[int, int]]:
        """(answered serial, result) of the next ``count`` platform replies."""
        from jiedao.tracking.protocol.jt808 import decode_frame

        while len(self.pending) < count:
            data = await self.reader.read(65536)
            if not data:
                raise ConnectionError("listener closed the connection")
            for frame in self.splitter.feed(data):
                msg = decode_frame(frame)
                self.pending.append((int.from_bytes(msg.body[:2], "big"), msg.body[4]))
        out, self.pending = self.pending[:count], self.pending[count:]
        return out

    async def stream(self) -> None:
        sent = in_flight = 0
        total = len(self.frames)
        while sent < total or in_flight:
            burst = min(self.window - in_flight, total - sent)
            if burst:
                self.writer.write(b"".join(self.frames[sent : sent + burst]))
                sent += burst
                in_flight += burst
            for serial, result in await self._replies(1 if sent < total else in_flight):
                in_flight -= 1
                if result == 0:
                    self.acked.append(serial - 2)
                else:
                    self.failed += 1


async def run_clients(
    args: argparse.Namespace, port: int, listener_pid: int
) -> tuple[list[Client], float, int]:
    clients = [
        Client(n, build_frames(n, args.messages, args.fixes), args.window) for n in range(args.terminals)
    ]
    rss_before = rss_kb(listener_pid)
    for start in range(0, len(clients), 100):
        await asyncio.gather(*(c.connect(port) for c in clients[start : start + 100]))
    await asyncio.sleep(1.0)
    rss_idle = rss_kb(listener_pid)
    began, cpu_before = time.perf_counter(), cpu_seconds(listener_pid)
    await asyncio.gather(*(c.stream() for c in clients))
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(listener_pid) - cpu_before
    for c in clients:
        c.writer.close()
    return clients, elapsed, rss_idle - rss_before, cpu


def copy_reference(url: str, rows: list[tuple]) -> float:
    """Seconds for one COPY of the same rows into an empty copy of the positions table."""
    import psycopg
    from psycopg.types.json import Jsonb

    with psycopg.connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_position_copy")
        conn.execute("CREATE TABLE bench_position_copy (LIKE tracking_position INCLUDING ALL)")
        conn.commit()
        columns = "device_id, fixed_at, received_at, lon, lat, speed_kmh, course, altitude, valid, alarm, status, blind_area, extras"
        began = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY bench_position_copy ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:-1], Jsonb(row[-1])))
        conn.commit()
        elapsed = time.perf_counter() - began
        conn.execute("DROP TABLE bench_position_copy")
        conn.commit()
    return elapsed


def main() -> None:
    args = parse()
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    recreate_database(args.database)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], env=env, check=True)

    import django

    django.setup()
    from jiedao.tracking.models import Device, Position

    Device.objects.bulk_create(
        Device(
            identifier=phone(n),
            protocol="jt808",
            kind="vehicle",
            name=f"bench {n}",
            auth_code="BENCH",
            created_at=T0,
        )
        for n in range(args.terminals)
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    listener = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "jt808_listener",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--batch",
            str(args.batch),
            "--wait-ms",
            str(args.wait_ms),
        ],
        env=env,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        clients, elapsed, rss_delta, cpu = asyncio.run(run_clients(args, port, listener.pid))
    finally:
        listener.terminate()
        listener.wait(30)

    acked_fixes = sum(len(c.acked) for c in clients) * args.fixes
    failed = sum(c.failed for c in clients)
    ids = dict(Device.objects.values_list("identifier", "pk"))
    stored = set(Position.objects.values_list("device_id", "fixed_at"))
    expected = {
        (ids[phone(c.n)], fix_time(m, k, args.fixes))
        for c in clients
        for m in c.acked
        for k in range(args.fixes)
    }
    lost = len(expected - stored)
    rows = list(
        Position.objects.values_list(
            "device_id",
            "fixed_at",
            "received_at",
            "lon",
            "lat",
            "speed_kmh",
            "course",
            "altitude",
            "valid",
            "alarm",
            "status",
            "blind_area",
            "extras",
        )
    )
    copy_seconds = copy_reference(args.database, rows)
    kind = "0x0200" if args.fixes == 1 else f"0x0704x{args.fixes}"
    size = f"{args.terminals} terminals x {args.messages} {kind} msgs"
    print(f"listener end-to-end (acked)\t{size}\t{acked_fixes / elapsed:,.0f}\tpositions/s")
    print(f"listener end-to-end (acked)\t{size}\t{len(clients) * args.messages / elapsed:,.0f}\tmessages/s")
    print(f"listener CPU (all threads)\t{size}\t{acked_fixes / cpu:,.0f}\tpositions per CPU-second")
    print(f"psycopg COPY reference\t{len(rows)} rows\t{len(rows) / copy_seconds:,.0f}\tpositions/s")
    print(f"listener / COPY\t\t{acked_fixes / elapsed / (len(rows) / copy_seconds):.2f}\tratio")
    print(f"acknowledged positions\t{size}\t{acked_fixes}\tpositions ({failed} refused)")
    print(f"acknowledged but not stored\t{size}\t{lost}\tpositions")
    print(
        f"listener memory per connection\t{args.terminals} idle authenticated\t{rss_delta / args.terminals:.1f}\tKiB (RSS delta / N)"
    )
    if lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
