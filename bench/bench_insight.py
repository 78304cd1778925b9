"""Benchmark: the figures of 统计分析 (dashboard queries, monthly and annual reports) on a city-sized database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_insight \\
        python bench/bench_insight.py [--cases 1000000] [--streets 100] [--runs 5] [--regenerate]

Creates the database when missing and migrates it. Generates a made-up city of ``--streets`` sub-districts
(20 communities, 10 units each; 24 categories) and ``--cases`` cases over two years with their timelines
(5–7 events per case), **with bulk SQL (INSERT … SELECT generate_series), not through the write path** — the
write path would take hours at this size. Then rebuilds the daily rollup from the cases (as after any bulk
import: ``manage.py rebuild_rollups``) and checks it against direct counts for one sub-district.

Each figure is timed (median of ``--runs``) for one sub-district's leader, beside the naive version that counts
straight from the cases (same code, rollup switched off). One line per figure: what, data size, figure, unit.
Compare ratios, not absolute figures: machines here are noisy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiedao_bench_insight"
os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiedao.settings")

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
START = datetime(2024, 11, 21, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMUNITIES, UNITS = 20, 10
GROUPS = [  # (kind, code, name, children)
    ("event", "01", "市容环境", ["暴露垃圾", "乱堆物料", "占道经营", "违规广告"]),
    ("component", "02", "公用设施", ["井盖破损", "路灯损坏", "护栏损坏", "消防栓损坏"]),
    ("request", "H1", "住房与物业", ["物业服务", "房屋维修", "噪声扰民", "停车管理"]),
    ("hazard", "L1", "安全隐患", ["消防隐患", "燃气隐患", "电动车违规充电", "消防通道堵塞"]),
    ("dispute", "L2", "矛盾纠纷", ["邻里纠纷", "物业纠纷", "劳资纠纷", "婚姻家庭纠纷"]),
    ("wish", "L3", "微心愿", ["生活帮扶", "助学圆梦", "关爱陪伴", "社区微改造"]),
]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def reference_data(streets: int) -> tuple[list[str], int, list[int]]:
    """Regions, grids, units and categories; returns street codes, the first unit id, category ids."""
    from jiedao.cases.models import Category
    from jiedao.org.models import Grid, Region, Unit

    district = Region.objects.create(code="320508", name="基准区", level="district")
    codes, grids, units = [], [], []
    for s in range(streets):
        code = f"320508{s + 1:03d}"
        codes.append(code)
        street = Region.objects.create(code=code, name=f"基准{s + 1}街道", level="street", parent=district)
        x0, y0 = 120.40 + (s % 10) * 0.03, 31.10 + (s // 10) * 0.03
        for c in range(COMMUNITIES):
            community = Region.objects.create(
                code=f"{code}{c + 1:03d}", name=f"第{c + 1}社区", level="community", parent=street
            )
            cx, cy = x0 + (c % 5) * 0.006, y0 + (c // 5) * 0.006
            ring = [[cx, cy], [cx + 0.006, cy], [cx + 0.006, cy + 0.006], [cx, cy + 0.006], [cx, cy]]
            grids.append(
                Grid(
                    code=f"{community.code}001",
                    name=f"第{c + 1}网格",
                    community=community,
                    street=street,
                    polygon={"type": "Polygon", "coordinates": [ring]},
                )
            )
        units.append(Unit(name=f"基准{s + 1}街道指挥中心", kind="command_centre", region=street))
        units += [
            Unit(name=f"基准{s + 1}街道部门{u}", kind="department", region=street) for u in range(1, UNITS)
        ]
    Grid.objects.bulk_create(grids)
    created = Unit.objects.bulk_create(units)
    categories = []
    for kind, code, name, children in GROUPS:
        parent = Category.objects.create(scheme="local", kind=kind, code=code, name=name)
        for i, child in enumerate(children, 1):
            categories.append(
                Category.objects.create(
                    scheme="local", kind=kind, code=f"{code}{i:02d}", name=child, parent=parent
                ).pk
            )
    return codes, created[0].pk, categories


CASES_SQL = """
WITH g AS (
  SELECT i, (i %% %(streets)s) AS s, floor(power(random(), 1.6) * %(communities)s)::int AS c,
         floor(power(random(), 1.4) * %(ncat)s)::int AS k, random() AS rch, random() AS r1, random() AS r2,
         random() AS r3, random() AS r4, random() AS r5, random() AS rx, random() AS ry,
         %(start)s::timestamptz + (%(span)s * power(random(), 0.85)) * interval '1 second' AS rep
  FROM generate_series(1, %(n)s) AS i
), h AS (
  SELECT g.*, extract(epoch FROM %(now)s::timestamptz - rep) / 86400 AS age,
         (%(categories)s::bigint[])[k + 1] AS category_id
  FROM g
), st AS (
  SELECT h.*,
    CASE WHEN r1 < 0.03 THEN -1
         WHEN age > 20 THEN CASE WHEN r2 < 0.65 THEN 6 WHEN r2 < 0.97 THEN 5 ELSE 3 END
         ELSE least(6, floor(r2 * 7 * least(1.0, age / 7 + 0.25)))::int END AS stage
  FROM h
), t AS (
  SELECT st.*,
    CASE WHEN stage >= 1 OR (stage = -1 AND r2 < 0.5) THEN least(rep + (5 + r3 * 60) * interval '1 minute', %(now)s) END AS reg,
    CASE WHEN stage >= 2 THEN least(rep + (30 + r3 * 60) * interval '1 minute', %(now)s) END AS disp,
    CASE WHEN stage >= 3 THEN least(rep + (100 + r3 * 240) * interval '1 minute', %(now)s) END AS acc,
    CASE WHEN stage >= 4 THEN least(rep + (0.3 + r4 * 4) * interval '1 day', %(now)s) END AS hand,
    CASE WHEN stage >= 5 THEN least(rep + (0.8 + r4 * 4) * interval '1 day', %(now)s) END AS clo,
    CASE WHEN stage >= 6 THEN least(rep + (1.8 + r4 * 4) * interval '1 day', %(now)s) END AS eva
  FROM st
)
INSERT INTO cases_case (
  number, category_id, urgency, status, channel, source_ref, description, address, lon, lat, street_id,
  community_id, grid_id, attributes, reporter_name_enc, reporter_phone_enc, reporter_phone_index,
  reporter_phone_last4, unit_id, reported_at, registered_at, dispatched_at, accepted_at, handled_at, closed_at,
  evaluated_at, updated_at, stage_seq, stage_started_at, stage_deadline, warn_at, clock, suspended,
  extension_pending, return_count, rework_count, extension_count, reopen_count, escalation_level,
  supervise_count, urge_count, was_suspended, handled_on_time, closed_on_time, satisfaction, resolved,
  callback_reached, contacted, void_reason)
SELECT
  'B' || i, category_id, 'normal',
  (ARRAY['voided','reported','registered','dispatched','accepted','handled','closed','evaluated'])[stage + 2],
  CASE WHEN rch < 0.35 THEN '12345' WHEN rch < 0.6 THEN 'grid_worker' WHEN rch < 0.8 THEN 'resident'
       WHEN rch < 0.88 THEN 'phone' WHEN rch < 0.94 THEN '110' WHEN rch < 0.97 THEN 'walk_in'
       WHEN rch < 0.99 THEN 'wish_box' ELSE 'api' END,
  '', '基准案件', '',
  120.40 + (s %% 10) * 0.03 + (c %% 5) * 0.006 + rx * 0.006, 31.10 + (s / 10) * 0.03 + (c / 5) * 0.006 + ry * 0.006,
  '320508' || lpad((s + 1)::text, 3, '0'), '320508' || lpad((s + 1)::text, 3, '0') || lpad((c + 1)::text, 3, '0'),
  %(first_grid)s + s * %(communities)s + c,
  CASE WHEN k >= 16 AND k < 20 THEN jsonb_build_object('amount', round((r3 * 50000)::numeric, 2)) ELSE '{}'::jsonb END,
  '', '', '', '',
  CASE WHEN stage >= 2 THEN %(first_unit)s + s * %(units)s + 1 + floor(r5 * (%(units)s - 1))::int END,
  rep, reg, disp, acc, hand, clo, eva,
  greatest(rep, reg, disp, acc, hand, clo, eva), 1,
  CASE WHEN stage BETWEEN 0 AND 4 THEN coalesce(hand, acc, disp, reg, rep) END,
  CASE WHEN stage BETWEEN 0 AND 4 THEN coalesce(hand, acc, disp, reg, rep) + interval '2 days' END,
  CASE WHEN stage BETWEEN 0 AND 4 THEN coalesce(hand, acc, disp, reg, rep) + interval '38 hours' END,
  CASE WHEN stage BETWEEN 0 AND 4 THEN 'overdue' ELSE 'none' END,
  false, false,
  (stage >= 2 AND r1 > 0.94)::int, (stage >= 4 AND r3 < 0.04)::int, (stage >= 3 AND r4 < 0.05)::int, 0, 0, 0, 0,
  stage >= 1 AND r5 < 0.03,
  CASE WHEN stage >= 4 THEN r4 < 0.92 END,
  CASE WHEN stage >= 5 THEN r4 < 0.92 AND r3 < 0.95 END,
  CASE WHEN stage = 6 AND r1 < 0.93 THEN CASE WHEN r5 < 0.8 THEN 'satisfied' WHEN r5 < 0.95 THEN 'basic' ELSE 'unsatisfied' END ELSE '' END,
  CASE WHEN stage = 6 AND r1 < 0.93 THEN r2 < 0.6 END,
  CASE WHEN stage = 6 THEN r1 < 0.93 END,
  CASE WHEN stage = 6 AND r1 < 0.93 THEN r3 < 0.9 END,
  CASE WHEN stage = -1 THEN '基准作废' ELSE '' END
FROM t
"""

EVENTS_SQL = """
INSERT INTO cases_caseevent (case_id, at, action, from_status, to_status, actor_label, note, data, public)
SELECT id, at, action, from_status, to_status, '系统', '', '{}'::jsonb, true FROM (
  SELECT id, reported_at AS at, 'report' AS action, '' AS from_status, 'reported' AS to_status FROM cases_case
  UNION ALL SELECT id, registered_at, 'register', 'reported', 'registered' FROM cases_case WHERE registered_at IS NOT NULL
  UNION ALL SELECT id, dispatched_at, 'dispatch', 'registered', 'dispatched' FROM cases_case WHERE dispatched_at IS NOT NULL
  UNION ALL SELECT id, accepted_at, 'accept', 'dispatched', 'accepted' FROM cases_case WHERE accepted_at IS NOT NULL
  UNION ALL SELECT id, handled_at, 'handle', 'accepted', 'handled' FROM cases_case WHERE handled_at IS NOT NULL
  UNION ALL SELECT id, closed_at, 'verify', 'handled', 'closed' FROM cases_case WHERE closed_at IS NOT NULL
  UNION ALL SELECT id, evaluated_at, 'evaluate', 'closed', 'evaluated' FROM cases_case WHERE evaluated_at IS NOT NULL
  UNION ALL SELECT id, coalesce(registered_at, reported_at) + interval '10 minutes', 'void',
                   CASE WHEN registered_at IS NULL THEN 'reported' ELSE 'registered' END, 'voided'
            FROM cases_case WHERE status = 'voided'
) e
"""


@contextmanager
def bulk_load(cur, tables: list[str]):
    """A bulk load as a DBA does it: secondary indexes dropped and rebuilt after, triggers off (the foreign
    keys hold by construction), big maintenance memory. The rebuilt indexes are the migrations' own."""
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
        " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        [tables],
    )
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cur.execute("SET session_replication_role = replica")
    cur.execute("SET maintenance_work_mem = '2GB'")
    try:
        yield
    finally:
        cur.execute("SET session_replication_role = DEFAULT")
        for _, definition in indexes:
            cur.execute(definition)


def generate(cases: int, streets: int) -> None:
    from django.db import connection

    from jiedao.insight.rollups import rebuild

    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE cases_caseevent, cases_case_co_units, cases_case, insight_dailystats, insight_rolluppartition,"
            " org_grid, org_unit, cases_category, org_region RESTART IDENTITY CASCADE"
        )
    codes, first_unit, categories = reference_data(streets)
    from jiedao.org.models import Grid

    first_grid = Grid.objects.order_by("pk").values_list("pk", flat=True).first()
    params = {
        "streets": streets,
        "communities": COMMUNITIES,
        "units": UNITS,
        "ncat": len(categories),
        "n": cases,
        "start": START,
        "now": NOW,
        "span": (NOW - START).total_seconds(),
        "categories": categories,
        "first_unit": first_unit,
        "first_grid": first_grid,
    }
    t0 = time.perf_counter()
    with connection.cursor() as cur, bulk_load(cur, ["cases_case", "cases_caseevent"]):
        cur.execute(CASES_SQL, params)
        cur.execute(EVENTS_SQL)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM cases_caseevent")
        events = cur.fetchone()[0]
        cur.execute("ANALYZE")
    line(
        "generate cases + events (bulk SQL, not the write path)",
        f"{cases:,} cases, {events:,} events",
        time.perf_counter() - t0,
        "s",
    )
    t0 = time.perf_counter()
    rows = rebuild(codes)
    line(
        "rollup rebuild from the cases",
        f"{cases:,} cases -> {rows:,} rollup rows",
        time.perf_counter() - t0,
        "s",
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def line(what: str, size: str, value: float, unit: str) -> None:
    shown = f"{value * 1000:.1f}" if unit == "ms" else f"{value:.2f}"
    print(f"{what:<58} {size:<44} {shown:>10} {unit}", flush=True)


def timed(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm the caches once; the median of the next runs is the figure
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--streets", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--regenerate", action="store_true", help="regenerate even if the data is there")
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("bench_insight needs PostgreSQL (DATABASE_URL=postgres://…)")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from jiedao.cases.models import Case

    if args.regenerate or Case.objects.count() != args.cases:
        generate(args.cases, args.streets)
    run(args)


class Naive:
    """The same scope counted straight from the cases (the rollup switched off): the reference figure."""

    def __init__(self, scope) -> None:
        self.scope = scope

    def __getattr__(self, name):
        return getattr(self.scope, name)

    def rollup_q(self):
        return None


def run(args) -> None:
    from jiedao.core import clock
    from jiedao.insight import dashboard as board
    from jiedao.insight.metrics import Scope
    from jiedao.insight.periods import current, local_date, parse_period
    from jiedao.insight.reports import build_report
    from jiedao.insight.rollups import mismatches
    from jiedao.org.models import Membership, Unit, User
    from jiedao.org.selectors import actor_for_user

    street = "320508001"
    user, _ = User.objects.get_or_create(username="bench-leader")
    centre = Unit.objects.get(region_id=street, kind="command_centre")
    Membership.objects.get_or_create(user=user, unit=centre, role="leader")
    leader = Scope(actor_for_user(user))
    naive = Naive(leader)
    size = f"{args.cases:,} cases, 1 of {args.streets} streets"
    with clock.at(NOW):
        today = local_date(NOW)
        day, month = current("day", today), current("month", today)
        october, year = parse_period("2026-10"), parse_period("2025")
        t0 = time.perf_counter()
        problems = mismatches(street, parse_period("2025-11-01..2026-11-20"))
        line(
            "rollup == direct count check (1 street, 1 year, all splits)", size, time.perf_counter() - t0, "s"
        )
        if problems:
            sys.exit(f"rollup differs from the cases: {problems[:5]}")
        now = NOW
        queries: list[tuple[str, Callable]] = [
            ("dashboard kpis (today + month)", lambda s: board.kpis(s, day, month)),
            ("dashboard trend (30 days by day)", lambda s: board.trend(s, today)),
            ("dashboard category mix (month)", lambda s: board.mix(s, month, "group", "registered")),
            ("dashboard channel mix (month)", lambda s: board.mix(s, month, "channel", "reported")),
            ("dashboard unit ranking (month)", lambda s: board.ranking(s, month, "unit")),
            ("dashboard community ranking (month)", lambda s: board.ranking(s, month, "community")),
        ]
        live: list[tuple[str, Callable]] = [
            ("dashboard clock states (live, open cases)", lambda s: board.clock_states(s, now)),
            ("dashboard most overdue (live)", lambda s: board.most_overdue(s, now)),
            ("dashboard hotspots (30 days, 200 m)", lambda s: board.hotspot_list(s, now)),
            (
                "dashboard map layers (grids + open cases)",
                lambda s: board.map_layers(s, board.scope_grids(s), now),
            ),
        ]
        total_fast = total_naive = 0.0
        for what, fn in queries:
            fast, slow = timed(lambda fn=fn: fn(leader), args.runs), timed(lambda fn=fn: fn(naive), args.runs)
            total_fast, total_naive = total_fast + fast, total_naive + slow
            line(f"{what} rollup", size, fast, "ms")
            line(f"{what} direct (naive)", size, slow, "ms")
        for what, fn in live:
            took = timed(lambda fn=fn: fn(leader), args.runs)
            total_fast += took
            line(f"{what} (from the cases)", size, took, "ms")
        line(
            "dashboard: whole payload (board.build)",
            size,
            timed(lambda: board.build(leader, now), args.runs),
            "ms",
        )
        system = Scope(None, street)
        for label, period in [("monthly report 2026-10", october), ("annual report 2025", year)]:
            fast = timed(lambda p=period: build_report(system, p), max(1, args.runs // 2))
            slow = timed(lambda p=period: build_report(Naive(system), p), max(1, args.runs // 2))
            line(f"{label} rollup", size, fast, "s")
            line(f"{label} direct (naive)", size, slow, "s")
            line(f"{label} ratio naive/rollup", size, slow / fast, "x")
        city = Scope(None)
        line(
            "city-wide kpis (all streets) rollup",
            f"{args.cases:,} cases, {args.streets} streets",
            timed(lambda: board.kpis(city, day, month), args.runs),
            "ms",
        )
        line(
            "city-wide kpis (all streets) direct (naive)",
            f"{args.cases:,} cases, {args.streets} streets",
            timed(lambda: board.kpis(Naive(city), day, month), args.runs),
            "ms",
        )


if __name__ == "__main__":
    main()
