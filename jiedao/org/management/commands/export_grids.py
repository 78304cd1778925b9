"""python manage.py export_grids [--output F] — the sub-district's grids as GeoJSON (RFC 7946)."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiedao.org.actions import export_grids_geojson
from jiedao.org.models import Region


class Command(BaseCommand):
    help = "Write the grids as a GeoJSON FeatureCollection to --output or standard output."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument("--street", default=settings.JIEDAO["STREET"], help="9-digit sub-district code")

    def handle(self, *args, output: Path | None, street: str, **options):
        region = Region.objects.filter(code=street).first()
        if region is None:
            raise CommandError(f"街道 {street} 尚未建立")
        collection = export_grids_geojson(region)
        text = json.dumps(collection, ensure_ascii=False)
        if output is None:
            self.stdout.write(text)
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"{len(collection['features'])} 个网格已写入 {output}")
