"""python manage.py import_grids FILE.geojson [--replace] — import unit grids (单元网格), all or nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiedao.org.actions import do_import_grids
from jiedao.org.models import Region


class Command(BaseCommand):
    help = "Import grids from a GeoJSON FeatureCollection; prints every error and writes nothing if any."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--replace", action="store_true", help="the file is the whole set: remove others")
        parser.add_argument("--street", default=settings.JIEDAO["STREET"], help="9-digit sub-district code")

    def handle(self, *args, file: Path, replace: bool, street: str, **options):
        region = Region.objects.filter(code=street).first()
        if region is None:
            raise CommandError(f"街道 {street} 尚未建立:请先运行 manage.py load_street {street}")
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取 {file}:{exc}") from exc
        result = do_import_grids(data, actor=None, street=region, replace=replace)
        for error in result.errors:
            where = f"第 {error.index} 个要素" if error.index else "文件"
            code = f"({error.code})" if error.code else ""
            self.stderr.write(f"{where}{code} {error.field} [{error.rule}] {error.message}")
        if not result.ok:
            raise CommandError(f"{len(result.errors)} 个错误,未导入任何网格")
        self.stdout.write(
            f"新增 {len(result.created)} · 更新 {len(result.updated)} · 删除 {len(result.removed)} · "
            f"未变 {result.unchanged}"
        )
