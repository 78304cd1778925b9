from django.db import migrations

from jiedao.insight.wording import ship_defaults


def ship(apps, schema_editor):
    ship_defaults(apps.get_model("insight", "ReportTemplate"))


class Migration(migrations.Migration):
    dependencies = [("insight", "0001_initial")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
