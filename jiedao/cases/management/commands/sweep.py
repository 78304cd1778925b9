"""python manage.py sweep [--loop] — deadlines, escalation, outbox delivery, then registered housekeeping."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from jiedao.cases.sweep import run_sweep
from jiedao.core.periodic import run_periodic


class Command(BaseCommand):
    help = "Run the periodic sweep once, or forever with --loop."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument("--interval", type=int, default=settings.JIEDAO["SWEEP_INTERVAL_SECONDS"])

    def handle(self, *args, loop: bool, interval: int, **options):
        while True:
            result = run_sweep()
            jobs = run_periodic()
            done = " · ".join(f"{name} {value}" for name, value in jobs.items())
            self.stdout.write(
                f"预警 {result.warnings} · 超期 {result.overdue} · 投递 {result.delivered} {done}".strip()
            )
            if not loop:
                return
            time.sleep(interval)
