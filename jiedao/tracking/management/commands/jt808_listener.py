"""python manage.py jt808_listener [--port 8808] — the JT/T 808 TCP listener for GPS terminals."""

from __future__ import annotations

import asyncio
import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand

from jiedao.tracking.listener import serve


class Command(BaseCommand):
    help = "Accept JT/T 808 terminals over TCP and store their positions."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=settings.JIEDAO["JT808_PORT"])
        parser.add_argument("--batch", type=int, default=500, help="commit after this many fixes")
        parser.add_argument("--wait-ms", type=int, default=50, help="or after this many milliseconds")

    def handle(self, *args, host: str, port: int, batch: int, wait_ms: int, **options):
        self.stdout.write(f"JT/T 808 listener on {host}:{port}")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(host, port, max_fixes=batch, max_wait=wait_ms / 1000))
