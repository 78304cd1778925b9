"""Issuing or revoking a staff token moves ``secrets.version``, so every process forgets the tokens it knew."""

from django.db import migrations

from jiedao.core.versions import follow_table


class Migration(migrations.Migration):
    dependencies = [("api", "0002_staff_token"), ("core", "0003_audit_append_only")]

    operations = [
        follow_table("api_stafftoken", "secrets.version", ("prefix", "hashed", "revoked_at", "user_id")),
    ]
