"""python manage.py deliver_outbox [--loop] — deliver outbox messages as soon as they are due.

The sweep also delivers, once per pass; this worker keeps notifications, webhooks and statistics within
seconds of the change, and drains a large backlog (a 12345 import) without waiting for the next sweep.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from jiedao.core.outbox import deliver_pending


class Command(BaseCommand):
    help = "Deliver pending outbox messages until none is due; with --loop keep polling."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running")
        parser.add_argument("--poll", type=float, default=settings.JIEDAO["OUTBOX_POLL_SECONDS"])

    def handle(self, *args, loop: bool, poll: float, **options):
        while True:
            delivered = 0
            while batch := deliver_pending():
                delivered += batch
            if delivered:
                self.stdout.write(f"投递 {delivered}")
            if not loop:
                return
            time.sleep(poll)
