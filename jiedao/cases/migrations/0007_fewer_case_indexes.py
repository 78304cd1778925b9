"""Fewer indexes on cases: category and unit are led by (category|unit, status); the phone blind index is
looked up by equality only, so it needs no LIKE (pattern) index.

Only the indexes are dropped: an AlterField would make SQLite rebuild the table (losing the indexes insight's
migration 0003 made in SQL) and PostgreSQL re-check every case against its foreign keys.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [
    "cases_case_category_id_c6dc5a5a",
    "cases_case_unit_id_f34fc706",
    "cases_case_reporter_phone_index_04829eb9",
    "cases_case_reporter_phone_index_04829eb9_like",  # PostgreSQL only; IF EXISTS covers SQLite
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_drop_duplicate_street_reported_at_index"),
        ("org", "0002_access_version_triggers"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"') for name in DROPPED],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="cases.category",
                        verbose_name="类别",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="reporter_phone_index",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="org.unit",
                        verbose_name="承办单位",
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["reporter_phone_index"], name="case_reporter_phone_index"),
        ),
    ]
