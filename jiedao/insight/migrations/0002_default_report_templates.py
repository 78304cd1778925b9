from django.db import migrations

from jiedao.insight.wording import DEFAULTS


def ship(apps, schema_editor):
    ReportTemplate = apps.get_model("insight", "ReportTemplate")
    for level, (title, body) in DEFAULTS.items():
        ReportTemplate.objects.get_or_create(level=level, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
