"""python manage.py create_api_key --name NAME --jurisdiction CODE — prints a new key once."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiedao.core import clock
from jiedao.integrations.keys import issue_key
from jiedao.integrations.models import Integrator
from jiedao.org.models import Region


class Command(BaseCommand):
    help = "Create (or reuse) an integrator and print a new API key for it. The key is shown only once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--jurisdiction", required=True, help="region code, e.g. 320508020")

    def handle(self, *args, name: str, jurisdiction: str, **options):
        region = Region.objects.filter(code=jurisdiction).first()
        if region is None:
            raise CommandError(f"unknown region code {jurisdiction!r}")
        with transaction.atomic():
            integrator, _ = Integrator.objects.get_or_create(
                name=name, defaults={"jurisdiction": region, "created_at": clock.now()}
            )
            if integrator.jurisdiction_id != region.code:
                raise CommandError(
                    f"integrator {name!r} exists with jurisdiction {integrator.jurisdiction_id}"
                )
            _key, plain = issue_key(integrator, actor=None)
        self.stdout.write(plain)
