"""python manage.py tracking_demo [--days 3] — boats, vehicles, zones, shifts and simulated tracks."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiedao.tracking.demo import build_demo


class Command(BaseCommand):
    help = "Register demo terminals, zones and shifts for the sub-district and simulate a few days of tracks."

    def add_arguments(self, parser):
        parser.add_argument("--street", default=settings.JIEDAO["STREET"])
        parser.add_argument("--days", type=int, default=3)
        parser.add_argument("--seed", type=int, default=808)

    def handle(self, *args, street: str, days: int, seed: int, **options):
        try:
            result = build_demo(street, days, seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{result.devices} devices, {result.zones} zones, {result.shifts} shifts, "
            f"{result.stored} positions stored"
        )
