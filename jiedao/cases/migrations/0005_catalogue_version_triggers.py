"""Any write to the category catalogue moves its version, so every process reloads it (cases.categories)."""

from django.db import migrations

from jiedao.core.versions import follow_table

COUNTER = "categories.version"


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_callback_reached"), ("core", "0003_audit_append_only")]

    operations = [follow_table("cases_category", COUNTER), follow_table("cases_stagelimit", COUNTER)]
