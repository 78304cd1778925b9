"""python manage.py osmand_listener [--port 5055] — the OsmAnd HTTP endpoint for phone trackers."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn import config as gunicorn_config


class Command(BaseCommand):
    help = "Serve the OsmAnd (Traccar Client) HTTP endpoint with gunicorn on its own port."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=settings.JIEDAO["OSMAND_PORT"])
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, host: str, port: int, workers: int, **options):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "jiedao.tracking.osmand_wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--timeout",
            "30",
        ]
        if any(setting.name == "control_socket_disable" for setting in gunicorn_config.KNOWN_SETTINGS):
            argv.append("--no-control-socket")  # the web server's gunicorn owns the default control socket
        os.execv(sys.executable, argv)
