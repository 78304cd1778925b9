"""python manage.py rebuild_rollups [--street CODE] [--check PERIOD]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from jiedao.insight.models import RollupPartition
from jiedao.insight.periods import parse_period
from jiedao.insight.rollups import mismatches, rebuild


class Command(BaseCommand):
    help = "重算日统计(批量导入绕过了办理流程之后使用),或用 --check 核对日统计与案件直接计数是否一致。"

    def add_arguments(self, parser):
        parser.add_argument("--street", action="append", help="只处理该街道(可重复)")
        parser.add_argument("--check", metavar="PERIOD", help="只核对,不重算,例如 2026-10")

    def handle(self, *args, street: list[str] | None, check: str | None, **options):
        if check:
            if not street:
                raise CommandError("--check 需要 --street")
            period = parse_period(check)
            for code in street:
                problems = mismatches(code, period)
                stale = RollupPartition.objects.filter(
                    street_id=code, day__gte=period.start, day__lt=period.end, stale_since__isnull=False
                ).count()
                waiting = f"(其中 {stale} 天有变更待定时任务重算)" if stale else ""
                self.stdout.write(f"{code} {period.code}: {len(problems)} 处不一致{waiting}")
                for problem in problems[:20]:
                    self.stdout.write(f"  {problem}")
            return
        rows = rebuild(street)
        self.stdout.write(f"日统计已重算:{rows} 行")
