"""Benchmark: cases created per second through the REST API and Open311, and a large 12345 import.

    python bench/bench_api.py [--clients 50] [--requests 20] [--rate 150] [--workers 6] [--threads 1]
        [--rows 100000] [--mix street|mixed] [--only-import]
        [--database-url postgres://postgres@127.0.0.1:5432/jiedao_bench_api]

Recreates the PostgreSQL database, migrates it, builds the test sub-district (jiedao.testing.world), starts
gunicorn on 127.0.0.1, and lets ``--clients`` concurrent keep-alive clients each create ``--requests`` cases
through ``POST /api/cases/`` (staff token) and then through ``POST /open311/v2/requests.json`` (API key), twice:
closed loop (each client sends again as soon as it is answered: the capacity) and open loop (together
``--rate`` requests/s on a schedule, latency counted from the scheduled time: the latency users see at that load).
Then imports a generated ``--rows``-row 12345 spreadsheet in this process (``--rows 0`` skips it): with
``--mix street`` (the default, the figure recorded so far) every order is still sent to the street; with
``--mix mixed`` a quarter each is sent to the street, dispatched to a unit, handled (办结时间) and closed and
rated (是否联系/是否解决/满意度), as a real export is; the cases each status ends with are printed after it.
Prints one line per figure: what, data size, figure, unit. Machines here are noisy: compare ratios.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
BIN = Path(sys.executable).parent
HIGH_RATE = "1000000/min"  # throttling is measured by the tests, not here


def recreate_database(url: str) -> None:
    import psycopg

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")
    for scope in ("ANON", "INTEGRATOR", "USER"):
        os.environ[f"JIEDAO_API_{scope}_RATE"] = HIGH_RATE
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> tuple[str, str, str]:
    """The test sub-district; returns (staff token, integrator API key, service_code)."""
    from jiedao.api.tokens import issue_token
    from jiedao.integrations.testing import integrator_with_key
    from jiedao.testing.world import build_world

    world = build_world()
    token = issue_token(world.people.dispatcher, actor=None)
    _integrator, key = integrator_with_key(world.street)
    return token, key, world.category.service_code


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int, threads: int, url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "jiedao.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--backlog",
            "256",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


Request = Callable[[int], tuple[str, str, bytes, dict[str, str]]]


def hammer(
    port: int, clients: int, per_client: int, make: Request, rate: float | None = None
) -> tuple[float, list[float], int]:
    """``clients`` threads with one keep-alive connection each; returns (seconds, latencies, failures).

    Without ``rate`` each client sends its next request as soon as the last one answers (closed loop: the
    figure is the capacity, and latency is just clients / throughput). With ``rate`` the clients together send
    ``rate`` requests per second on a fixed schedule (open loop, as users arrive), and each latency is counted
    from the request's *scheduled* time, so a slow answer that delays the next send is not hidden.
    """
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    origin = [0.0]

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()
        mine, bad = [], 0
        for n in range(per_client):
            method, path, body, headers = make(index * per_client + n)
            due = origin[0] + (n * clients + index) / rate if rate else time.perf_counter()
            time.sleep(max(0.0, due - time.perf_counter()))
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - due)
            bad += response.status != 201
        with lock:
            latencies.extend(mine)
            failures[0] += bad
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    origin[0] = time.perf_counter() + 0.05
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, failures[0]


def report(what: str, elapsed: float, latencies: list[float], failures: int) -> None:
    quantiles = statistics.quantiles(latencies, n=100)
    count = len(latencies)
    print(f"{what}, {count} cases: {count / elapsed:.0f} creates/s")
    print(f"{what}, {count} cases: p50 {quantiles[49] * 1000:.0f} ms")
    print(f"{what}, {count} cases: p95 {quantiles[94] * 1000:.0f} ms")
    if failures:
        print(f"{what}: {failures} requests did not answer 201")


# The units of jiedao.testing.world a mixed sheet dispatches orders to.
HOTLINE_UNITS = ("沧浪城管中队", "沧浪街道联动工作站", "胥江社区居委会", "泰南社区居委会")
# What a mixed sheet's orders end as, in turn: sent to the street, dispatched, handled, closed and rated.
MIXED_STATES = ("registered", "dispatched", "closed", "evaluated")
RATINGS = (
    {"是否联系": "是", "是否解决": "是", "满意度": "满意"},
    {"是否联系": "是", "是否解决": "否", "满意度": "基本满意"},
    {"是否联系": "否", "是否解决": "否", "满意度": "不满意"},
)


def mixed_overrides(index: int, dispatched: datetime) -> dict[str, Any]:
    """The columns that take order ``index`` (dispatched at ``dispatched``) to MIXED_STATES[index % 4]."""
    state = MIXED_STATES[index % len(MIXED_STATES)]
    if state == "registered":
        return {"承办单位": "沧浪街道"}
    unit = {"承办单位": HOTLINE_UNITS[index // len(MIXED_STATES) % len(HOTLINE_UNITS)]}
    if state == "dispatched":
        return unit
    closed = {**unit, "办结时间": dispatched + timedelta(days=1 + index % 9)}  # a few past the 7-day 时限
    if state == "closed":
        return closed
    return {**closed, **RATINGS[index % len(RATINGS)]}


def orders(rows: int, mix: str, start: datetime) -> Iterator[dict[str, Any]]:
    """``rows`` work orders of the ``mix`` (see the module's docstring), one a minute from ``start``."""
    from jiedao.hotline.testing import order

    for index in range(rows):
        if mix == "street":
            yield order(index, start, 承办单位="沧浪街道")
        else:
            yield order(index, start, **mixed_overrides(index, start + timedelta(minutes=index)))


def expected_states(rows: int, mix: str) -> dict[str, int]:
    """How many orders of ``orders(rows, mix, …)`` should end in each status."""
    if mix == "street":
        return {"registered": rows} if rows else {}
    return dict(sorted(Counter(MIXED_STATES[index % len(MIXED_STATES)] for index in range(rows)).items()))


def status_counts() -> dict[str, int]:
    from django.db.models import Count

    from jiedao.cases.models import Case, Channel

    counted = Case.objects.filter(channel=Channel.HOTLINE_12345).values_list("status").annotate(Count("id"))
    return dict(sorted(counted))


def bench_import(rows: int, mix: str) -> None:
    from django.utils import timezone

    from jiedao.hotline.importer import import_sheet
    from jiedao.hotline.testing import make_hotline_category, write_orders

    make_hotline_category()
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.xlsx"
        began = time.perf_counter()
        write_orders(path, orders(rows, mix, start - timedelta(minutes=rows)))
        print(f"12345 spreadsheet written, {rows} rows ({mix}): {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        checked = import_sheet(path, actor=None, dry_run=True)
        print(f"12345 import check only (--dry-run), {rows} rows: {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        result = import_sheet(path, actor=None)
        elapsed = time.perf_counter() - began
    assert checked.ok and result.committed, result.errors[:3]
    print(f"12345 import, {rows} rows ({mix}): {elapsed:.1f} s ({rows / elapsed:.0f} rows/s)")
    counts = status_counts()
    print(f"12345 import, {rows} rows ({mix}): cases by status {counts}")
    assert counts == expected_states(rows, mix), "the sheet did not give the cases it was made for"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="cases per client, interface and run")
    parser.add_argument("--rate", type=float, default=150, help="requests/s of the open-loop runs (0: none)")
    parser.add_argument("--workers", type=int, default=6, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--mix",
        choices=("street", "mixed"),
        default="street",
        help="the import's orders: all sent to the street, or every state a real export has",
    )
    parser.add_argument("--only-import", action="store_true", help="skip the HTTP runs")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jiedao_bench_api")
    args = parser.parse_args()
    recreate_database(args.database_url)
    setup_django(args.database_url)
    credentials = seed()  # the import needs the sub-district too
    if not args.only_import:
        bench_http(args, *credentials)
    if args.rows:
        bench_import(args.rows, args.mix)


def bench_http(args: argparse.Namespace, token: str, key: str, service_code: str) -> None:
    from jiedao.testing.world import centre_of

    lon, lat = centre_of(0, 0)

    def rest(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        body = {"service_code": service_code, "description": f"压测案件 {n}", "lon": lon, "lat": lat}
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        return "POST", "/api/cases/", json.dumps(body).encode(), headers

    def open311(n: int) -> tuple[str, str, bytes, dict[str, str]]:
        form = {
            "api_key": key,
            "service_code": service_code,
            "description": f"压测 {n}",
            "lat": lat,
            "long": lon,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return "POST", "/open311/v2/requests.json", urllib.parse.urlencode(form).encode(), headers

    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads, args.database_url)
    try:
        hammer(port, 4, 5, rest)  # warm every worker up
        for what, make in (("REST POST /api/cases/", rest), ("Open311 POST requests.json", open311)):
            label = f"{what}, {args.clients} clients"
            report(f"{label}, closed loop", *hammer(port, args.clients, args.requests, make))
            if args.rate:
                run = hammer(port, args.clients, args.requests, make, rate=args.rate)
                report(f"{label}, open loop at {args.rate:.0f}/s", *run)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
