"""Indexes on the cases for counting by street and anchor time: what the rollup's partition recompute and the
direct counts (grids, unit scopes) read. Plain SQL that SQLite and PostgreSQL both accept."""

from django.db import migrations

ANCHORS = ("reported_at", "registered_at", "closed_at", "evaluated_at")


class Migration(migrations.Migration):
    dependencies = [("insight", "0002_default_report_templates"), ("cases", "0001_initial")]
    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS insight_case_street_{anchor} ON cases_case (street_id, {anchor})",
            f"DROP INDEX IF EXISTS insight_case_street_{anchor}",
        )
        for anchor in ANCHORS
    ]
