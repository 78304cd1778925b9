"""The (street, reported_at) index added in 0003 repeated insight 0003's insight_case_street_reported_at: one is kept."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_catalogue_version_triggers'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='cases_case_street__9a95c9_idx',
        ),
    ]
