"""python manage.py load_street CODE — set up a sub-district (街道) and all its communities from the shipped
division codes."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.core.errors import ApplicationError
from jiedao.org.actions import do_bootstrap_street
from jiedao.org.models import RegionLevel


class Command(BaseCommand):
    help = "Create the district, the sub-district and its communities (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="9-digit sub-district code, e.g. 320508020 (沧浪街道)")

    def handle(self, *args, code: str, **options):
        try:
            street = do_bootstrap_street(code, actor=None)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        communities = street.children.filter(level=RegionLevel.COMMUNITY).count()
        self.stdout.write(f"{street.parent.name} {street.name}({street.code}):{communities} 个社区/村")
