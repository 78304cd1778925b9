"""python manage.py create_api_token USERNAME — prints a new API token for a staff account."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token

from jiedao.core import audit
from jiedao.org.models import User


class Command(BaseCommand):
    help = "Create a new REST API token for USERNAME (replacing any previous one) and print it."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account {username!r}")
        with transaction.atomic():
            Token.objects.filter(user=user).delete()
            token = Token.objects.create(user=user)
            audit.record(None, "api.token_issue", "user", user.pk)
        self.stdout.write(token.key)
