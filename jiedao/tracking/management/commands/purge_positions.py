"""python manage.py purge_positions — delete positions older than the retention period (run daily)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from jiedao.tracking.services import purge_old_positions


class Command(BaseCommand):
    help = "Delete positions and zone events older than JIEDAO_TRACKING_RETENTION_DAYS."

    def handle(self, *args, **options):
        deleted = purge_old_positions()
        days = settings.JIEDAO["TRACKING_RETENTION_DAYS"]
        self.stdout.write(f"deleted {deleted} positions older than {days} days")
