"""python manage.py load_catalogue [FILE] — create or update the categories and their deadlines."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiedao.cases.attributes import CatalogueError
from jiedao.cases.services import sync_catalogue


class Command(BaseCommand):
    help = "Load the category catalogue (the shipped categories.json by default); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "file", nargs="?", type=Path, help="a catalogue JSON file (default: the shipped one)"
        )

    def handle(self, *args, file: Path | None, **options):
        try:
            counts = sync_catalogue(actor=None, path=file)
        except CatalogueError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} 个目录错误,未载入") from exc
        self.stdout.write(
            f"类别 新增 {counts.categories_created} · 更新 {counts.categories_updated};"
            f"时限 新增 {counts.limits_created} · 更新 {counts.limits_updated}"
        )
