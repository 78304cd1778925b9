"""Keys and integrators move ``secrets.version`` when they change (not when a key is merely used)."""

from django.db import migrations

from jiedao.core.versions import follow_table


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial"), ("core", "0003_audit_append_only")]

    operations = [
        follow_table("integrations_apikey", "secrets.version", ("prefix", "hashed", "revoked_at", "integrator_id")),
        follow_table("integrations_integrator", "secrets.version"),
    ]
