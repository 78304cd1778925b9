"""python manage.py create_api_token USERNAME — prints a new API token for a staff account, once."""

from django.core.management.base import BaseCommand, CommandError

from jiedao.api.tokens import issue_token
from jiedao.org.models import User


class Command(BaseCommand):
    help = (
        "Create a new REST API token for USERNAME (revoking any previous one) and print it. "
        "Only its hash is stored: copy it now, it cannot be shown again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        self.stdout.write(issue_token(user, actor=None))
