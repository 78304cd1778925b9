"""python manage.py import_12345 FILE.xlsx [--mapping JSON] [--dry-run] [--partial]"""

import json

from django.core.management.base import BaseCommand, CommandError

from jiedao.hotline.importer import import_sheet


class Command(BaseCommand):
    help = "Import 12345 work orders from an .xlsx export. All-or-nothing unless --partial."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--mapping",
            help='standard column → header in this file, as JSON, e.g. {"工单号": "工单编号"}',
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
        parser.add_argument("--partial", action="store_true", help="import the good rows even if others fail")

    def handle(self, *args, file: str, mapping: str | None, dry_run: bool, partial: bool, **options):
        try:
            labels = json.loads(mapping) if mapping else None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--mapping is not valid JSON: {exc}") from exc
        if labels is not None and not isinstance(labels, dict):
            raise CommandError("--mapping must be a JSON object")
        try:
            result = import_sheet(file, actor=None, mapping_labels=labels, dry_run=dry_run, partial=partial)
        except (OSError, ValueError) as exc:  # missing or unreadable file, not an .xlsx, bad mapping
            raise CommandError(str(exc)) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        self.stdout.write(
            f"行数 {result.total} · 新建 {result.created} · 更新 {result.updated} · 未变 {result.unchanged} · "
            f"错误 {len(result.errors)} · {'已提交' if result.committed else '未提交'}"
        )
        if result.errors and not partial:
            raise CommandError(f"{len(result.errors)} 处错误,未导入任何数据")
