"""python manage.py serve — the web server and the background processes of one instance, started and
stopped together (what `make run` runs)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand
from django.db import connection

# Background processes beside the web server; later domains append theirs (e.g. GPS listeners).
BACKGROUND = [
    ["manage.py", "sweep", "--loop"],
    ["manage.py", "deliver_outbox", "--loop"],  # notifications, webhooks, statistics within seconds
    ["manage.py", "jt808_listener"],  # GPS terminals over TCP (JIEDAO_JT808_PORT, default 8808)
    ["manage.py", "osmand_listener"],  # phone trackers over HTTP (JIEDAO_OSMAND_PORT, default 5055)
]


def web_processes(vendor: str, cores: int) -> tuple[int, int]:
    """(workers, threads) of gunicorn. Requests are CPU-bound: on PostgreSQL, about three single-threaded
    workers per core (measured with bench/bench_api.py); on the embedded SQLite, which takes one writer at a
    time, two workers of four threads."""
    return (max(2, 3 * cores), 1) if vendor == "postgresql" else (2, 4)


class Command(BaseCommand):
    help = "Serve the instance: gunicorn plus the sweep loop."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, help="gunicorn workers (default: see web_processes)")
        parser.add_argument("--threads", type=int, help="threads per worker (default: see web_processes)")

    def handle(self, *args, port: int, host: str, workers: int | None, threads: int | None, **options):
        default_workers, default_threads = web_processes(connection.vendor, os.cpu_count() or 1)
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "jiedao.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers or default_workers),
            "--threads",
            str(threads or default_threads),
            "--timeout",
            "60",
            "--access-logfile",
            "-",
        ]
        children = [subprocess.Popen([sys.executable, *cmd]) for cmd in BACKGROUND]
        children.append(subprocess.Popen(web))
        self.stdout.write(
            self.style.SUCCESS(f"街道 Jiedao is serving on http://{host}:{port}/ (Ctrl+C to stop)")
        )
        stop = {"now": False}

        def _stop(*_args):
            stop["now"] = True

        signal.signal(signal.SIGTERM, _stop)
        try:
            while not stop["now"] and all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=15)
