"""python manage.py write_report --scope 320508020 --period 2026-10 --format docx --output 报告.docx"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jiedao.insight.metrics import Scope
from jiedao.insight.periods import parse_period
from jiedao.insight.reports import build_report, to_docx, to_text, to_xlsx
from jiedao.org.models import Region, Unit, User
from jiedao.org.selectors import actor_for_user

WRITERS = {"docx": to_docx, "xlsx": to_xlsx, "txt": lambda report: to_text(report).encode()}


class Command(BaseCommand):
    help = "写出一份量化报告(街道、社区或单位;周/月/季/年或自定义区间)。"

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True, help="街道(9位)或社区(12位)区划代码,或 unit:<单位ID>")
        parser.add_argument(
            "--period", required=True, help="2026-W43、2026-10、2026Q3、2026 或 2026-10-01..2026-10-15"
        )
        parser.add_argument("--format", choices=sorted(WRITERS), default="docx")
        parser.add_argument("--output", required=True, help="输出文件路径")
        parser.add_argument("--user", help="以该账号的管辖范围统计(默认:系统,统计范围内全部案件)")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="附录中案件清单链接的站点地址"
        )

    def handle(
        self, *args, scope: str, period: str, format: str, output: str, user: str | None, base_url: str, **kw
    ):
        try:
            when = parse_period(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if scope.startswith("unit:"):
            if not scope[5:].isdigit() or not Unit.objects.filter(pk=int(scope[5:])).exists():
                raise CommandError(f"没有单位 {scope}")
        elif not Region.objects.filter(code=scope, level__in=["street", "community"]).exists():
            raise CommandError(f"没有街道或社区 {scope}")
        actor = None
        if user:
            account = User.objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"没有账号 {user}")
            actor = actor_for_user(account)
        where = Scope(actor, scope)
        if not where.allows():
            raise CommandError(f"{user} 无权查看 {scope}")
        report = build_report(where, when, base_url=base_url.rstrip("/"))
        Path(output).write_bytes(WRITERS[format](report))
        self.stdout.write(f"{report.title}:已写入 {output}({len(report.appendix)} 项指标可追溯)")
