"""python manage.py load_demo [--street CODE] [--months 4 | --days N] [--seed 1] — a demo sub-district."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from jiedao.cases.models import Status
from jiedao.core.errors import ApplicationError
from jiedao.demo.loader import days_since_months_ago, demo_exists, load_demo, real_data
from jiedao.demo.organisation import PASSWORD


class Command(BaseCommand):
    help = "Load a demo sub-district: demo grids, units, accounts for every role and months of cases."

    def add_arguments(self, parser):
        parser.add_argument("--street", default=settings.JIEDAO["STREET"], help="9-digit sub-district code")
        parser.add_argument("--months", type=int, default=4, help="months of case history ending today")
        parser.add_argument("--days", type=int, help="days of case history (instead of --months)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same demo")

    def handle(self, *args, street: str, months: int, days: int | None, seed: int, **options):
        if demo_exists(street):
            self.stdout.write(f"街道 {street} 的演示数据已存在,保留现有数据。")
            return
        existing = real_data(street)
        if existing:
            self.stdout.write(f"街道 {street} 已有{existing}数据,不加载演示数据。")
            return
        if days is None:
            days = days_since_months_ago(timezone.localdate(), months)
        if days < 0:
            raise CommandError("--days/--months 不能为负数")
        started = time.monotonic()
        try:
            summary = load_demo(street, days=days, seed=seed)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        seconds = time.monotonic() - started
        counts = " · ".join(f"{Status(s).label} {n}" for s, n in summary.statuses.items())
        self.stdout.write(
            f"{summary.street_name}:{summary.grids} 个演示网格,{sum(summary.statuses.values())} 件案件"
            f"({days} 天,{seconds:.1f} 秒)\n{counts}\n\n演示账号(密码均为 {PASSWORD}):"
        )
        for account in summary.accounts:
            self.stdout.write(f"  {account.username:<12} {account.role:<8} {account.name:<4}  {account.unit}")
