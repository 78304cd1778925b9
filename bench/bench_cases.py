"""Cases created per second through the write path, on SQLite and PostgreSQL, beside raw INSERTs.

    python bench/bench_cases.py [--cases 2000] [--backends sqlite,postgres]

Each backend runs in its own process on a fresh database (a temporary SQLite file; the PostgreSQL database
named by BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/jiedao_bench_cases, dropped and recreated).
One "case created" = do_report (validate, locate to a grid, number, deadlines, event, audit, outbox, commit)
plus the routing suggestion a dispatcher sees. The reference inserts the same rows with plain SQL, one
commit per row (what the write path does) and all in one transaction (the physical ceiling).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/jiedao_bench_cases")


def _setup_django(backend: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiedao.settings"
    if backend == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        _recreate_pg_database()
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["JIEDAO_DATA_DIR"] = tempfile.mkdtemp(prefix="jiedao-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _recreate_pg_database() -> None:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _measure_write_path(n: int) -> tuple[float, list[int]]:
    from jiedao.cases.actions import ReportInput, do_report
    from jiedao.cases.models import Channel
    from jiedao.cases.routing import suggest_unit
    from jiedao.testing.world import SIZE, SOUTH, WEST, build_world

    world = build_world()
    rng = random.Random(1)
    inputs = [
        ReportInput(
            category=world.category,
            description=f"第{i}号:路口有暴露垃圾,影响通行",
            channel=Channel.RESIDENT,
            lon=WEST + rng.random() * 3 * SIZE,
            lat=SOUTH + rng.random() * SIZE,
            address="胥江路100号",
            reporter_name="张三",
            reporter_phone=f"139{rng.randrange(10**8):08d}",
        )
        for i in range(n)
    ]
    do_report(inputs[0], actor=None)  # warm the grid index and the calendar, as a running server would have
    started = time.perf_counter()
    ids = []
    for data in inputs[1:]:
        case = do_report(data, actor=None)
        suggest_unit(case.category, case.street, case.community)
        ids.append(case.pk)
    return (n - 1) / (time.perf_counter() - started), ids


def _measure_raw_inserts(ids: list[int]) -> tuple[float, float]:
    from django.db import connection, transaction

    from jiedao.cases.models import Case

    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {Case._meta.db_table} ({columns}) VALUES ({marks})"
    rows = []
    for i, case in enumerate(Case.objects.filter(pk__in=ids).order_by("pk")):
        case.number = f"R{i:09d}"
        rows.append([f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields])
    half = len(rows) // 2
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for row in rows[:half]:
            with transaction.atomic():
                cursor.execute(sql, row)
    per_row = half / (time.perf_counter() - started)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows[half:])
    batched = (len(rows) - half) / (time.perf_counter() - started)
    return per_row, batched


def run_backend(backend: str, n: int) -> dict:
    _setup_django(backend)
    from django.db import connection

    rate, ids = _measure_write_path(n)
    per_row, batched = _measure_raw_inserts(ids)
    return {
        "backend": backend,
        "engine": connection.vendor,
        "cases": n - 1,
        "write_path": rate,
        "raw_insert_commit_each": per_row,
        "raw_insert_one_tx": batched,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_backend(args.child, args.cases)))
        return
    print(
        f"# cases created through the write path (do_report + routing), {os.cpu_count()} cores, one process"
    )
    for backend in args.backends.split(","):
        out = subprocess.run(
            [sys.executable, __file__, "--child", backend, "--cases", str(args.cases)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"write path          {backend:8} {r['cases']:>7} cases  {r['write_path']:>9.0f} cases/s")
        print(
            f"raw INSERT, commit each  {backend:8} {r['cases'] // 2:>7} rows   {r['raw_insert_commit_each']:>9.0f} rows/s"
        )
        print(
            f"raw INSERT, one tx   {backend:8} {r['cases'] - r['cases'] // 2:>7} rows   {r['raw_insert_one_tx']:>9.0f} rows/s"
        )
        print(
            f"ratio write path / raw commit-each {backend:8} {r['write_path'] / r['raw_insert_commit_each']:.2f}"
        )


if __name__ == "__main__":
    main()
