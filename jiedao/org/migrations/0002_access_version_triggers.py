"""Memberships, units and regions move ``memberships.version``; an account's standing and name move
``secrets.version`` (a staff token carries its account). Logging in does not move either."""

from django.db import migrations

from jiedao.core.versions import follow_table

ACCOUNT = ("username", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial"), ("core", "0003_audit_append_only")]

    operations = [
        follow_table("org_membership", "memberships.version"),
        follow_table("org_unit", "memberships.version"),
        follow_table("org_region", "memberships.version"),
        follow_table("org_user", "secrets.version", ACCOUNT),
    ]
