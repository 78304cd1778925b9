"""Keeping the daily rollup (``DailyStats``) equal to the cases, automatically.

Unit of work: a *partition*, one street on one local day. Recomputing a partition replaces its rows — the
day's totals and its split by community, unit, category and channel — with the grouped counts of the cases
whose anchor times (上报, 立案, 结案, 回访) fall on that day: the same counters and the same code
(``metrics.direct_counts``) as a direct count, so a freshly recomputed partition is right by construction.

What remains is that every partition a change touches gets recomputed after the change. Every change of a
case goes through ``cases.actions``, which writes a CaseEvent and a ``case.<action>`` outbox message in the
same transaction, and every anchor time of a case is the time of one of its events. So when a message is
delivered (after commit, retried until it succeeds) the partitions of *all* the days the case has events on
are marked stale — including a day an anchor has just left (a reopened case's old 结案 day). Messages reach us
through ``cases.notify.CASE_EVENT_HOOKS``, the fan-out of the one ``case.`` outbox handler; unlike an id
watermark over CaseEvent, an outbox row cannot be skipped by a transaction that commits out of id order.

Marking is cheap (one read of the case's event days, one upsert: ``stale_since`` set if unset, ``version``
bumped), so a burst of messages — a 12345 import of thousands of orders — costs one recompute per partition,
not one per message. The periodic job ``refresh_stale`` (run with every sweep, right after the outbox
delivery) recomputes each stale partition once under a lock on its ``RollupPartition`` row. It reads the
version under that lock, before it reads the cases, and clears the mark only if the version is unchanged at
the end: a mark committed before the lock was taken is covered by the cases the recompute read (the change
was committed before its message was delivered); a mark landing during the recompute either waits for the
lock (PostgreSQL row lock, SQLite's single writer) and marks the partition again after it, or — if it got
in — bumped the version, so the mark stays. Either way the partition stays stale and is recomputed again:
a change is never lost, and concurrent workers serialise per partition.

Freshness: the metrics never read a stale partition. ``metrics.measure`` counts the partitions marked stale in
the period asked straight from the cases (a day of one street: cheap) and the rest from the rollup, so a
figure includes every change whose outbox message has been delivered, whether or not the job has caught up.
A change whose message is still waiting in the outbox is not counted yet, as before (the sweep delivers each
pass). ``rebuild`` recomputes everything (after a bulk import that bypassed the write path, e.g. the
benchmark's COPY); ``mismatches`` checks a period against direct counts (``manage.py rebuild_rollups
--check``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Max, Min, Q

from jiedao.cases.models import Case, CaseEvent
from jiedao.core import clock
from jiedao.core.models import OutboxMessage
from jiedao.insight.metrics import COUNTERS, NONE, direct_counts, grouped_queries, rollup_counts
from jiedao.insight.models import DailyStats, RollupPartition
from jiedao.insight.periods import Period, local_date, midnight

SPLITS = ("", "community", "unit", "category", "channel")


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _encode(value: object) -> str:
    return NONE if value is None else str(value)


def _day_rows(street_id: str, day: date) -> list[DailyStats]:
    """One street-day's rollup rows: one grouped count per anchor over all four dimensions at once, summed
    into the totals and each split (each case falls in exactly one group, so the sums are exact)."""
    cases = Case.objects.filter(street_id=street_id)
    dims = tuple(d for d in SPLITS if d)
    grouped = direct_counts(cases, midnight(day), midnight(day + timedelta(days=1)), dims)
    splits: dict[tuple[str, str], dict[str, float]] = {}
    for key, counts in grouped.items():
        targets = [("", "")] + [(dim, _encode(value)) for dim, value in zip(dims, key, strict=True)]
        for target in targets:
            into = splits.setdefault(target, dict.fromkeys(COUNTERS, 0))
            for counter, n in counts.items():
                into[counter] += n
    return [
        DailyStats(street_id=street_id, day=day, dim=dim, value=value, **counts)
        for (dim, value), counts in splits.items()
        if any(counts.values())
    ]


def refresh_partition(street_id: str, day: date, *, only_stale: bool = False) -> int | None:
    """Recompute one street's rollup rows of one local day under the partition's row lock; returns how many
    rows it now has. Clears the stale mark unless the partition was marked again meanwhile. With
    ``only_stale``, a partition another worker has refreshed since it was listed is left alone (None)."""
    with transaction.atomic():
        RollupPartition.objects.bulk_create(
            [RollupPartition(street_id=street_id, day=day)], ignore_conflicts=True
        )
        partition = RollupPartition.objects.select_for_update().get(street_id=street_id, day=day)
        if only_stale and partition.stale_since is None:
            return None
        seen = partition.version  # read under the lock, before the cases
        rows = _day_rows(street_id, day)
        DailyStats.objects.filter(street_id=street_id, day=day).delete()
        DailyStats.objects.bulk_create(rows, batch_size=1000)
        mine = RollupPartition.objects.filter(pk=partition.pk)
        mine.update(refreshed_at=clock.now())
        mine.filter(version=seen).update(stale_since=None)
    return len(rows)


def case_partitions(case_ids: Iterable[int]) -> set[tuple[str, date]]:
    """Every (street, day) on which these cases have an event."""
    events = CaseEvent.objects.filter(case_id__in=list(case_ids)).values_list("case__street_id", "at")
    return {(street, local_date(at)) for street, at in events}


def mark_stale(partitions: Iterable[tuple[str, date]]) -> int:
    """Mark partitions stale in one upsert (creating their rows): ``stale_since`` keeps the oldest unrefreshed
    mark, ``version`` counts every mark. Sorted, so concurrent markers take the row locks in one order."""
    partitions = sorted(set(partitions))
    if not partitions:
        return 0
    table = quote(RollupPartition._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(clock.now())
    values, params = [], []
    for street_id, day in partitions:
        values.append("(%s, %s, 1, %s)")
        params += [street_id, connection.ops.adapt_datefield_value(day), now]
    sql = (
        f"INSERT INTO {table} (street_id, day, version, stale_since) VALUES {', '.join(values)} "
        f"ON CONFLICT (street_id, day) DO UPDATE SET version = {table}.version + 1, "
        f"stale_since = COALESCE({table}.stale_since, EXCLUDED.stale_since)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return len(partitions)


def mark_for_message(message: OutboxMessage) -> None:
    """Outbox hook: a case changed (the message is delivered after its transaction committed)."""
    case_id = message.payload.get("case_id")
    if case_id is not None:
        mark_stale(case_partitions([case_id]))


REFRESH_BUDGET_SECONDS = 30.0


def refresh_stale(budget_seconds: float | None = REFRESH_BUDGET_SECONDS) -> int:
    """Periodic job: recompute each partition that is stale now once, oldest mark first; returns how many were
    recomputed. Past ``budget_seconds`` the rest wait for the next pass (the metrics count them from the cases
    meanwhile), so a backlog never holds up the sweep; partitions marked again meanwhile wait for it too."""
    started = time.monotonic()
    stale = RollupPartition.objects.filter(stale_since__isnull=False).order_by("stale_since", "pk")
    done = 0
    for street_id, day in list(stale.values_list("street_id", "day")):
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
        if refresh_partition(street_id, day, only_stale=True) is not None:
            done += 1
    return done


def rebuild(street_ids: Iterable[str] | None = None) -> int:
    """Recompute the whole rollup (or some streets') inside the database: for each split, the grouped query
    of every anchor (``metrics.grouped_queries``, the same SQL as a direct count) summed into rows by one
    INSERT … SELECT. Returns the number of rows written. Stale marks are left for the periodic job: one may
    stand for a change committed after the rebuild read the cases."""
    cases = Case.objects.all()
    rollup = DailyStats.objects.all()
    if street_ids is not None:
        street_ids = list(street_ids)
        cases, rollup = cases.filter(street_id__in=street_ids), rollup.filter(street_id__in=street_ids)
    span = cases.aggregate(first=Min("reported_at"), last=Max("updated_at"), last_report=Max("reported_at"))
    with transaction.atomic():
        rollup.delete()
        if span["first"] is None:
            return 0
        last = max(span["last"], span["last_report"])
        start, end = midnight(local_date(span["first"])), midnight(local_date(last) + timedelta(days=1))
        written = sum(_insert_split(cases, split, start, end) for split in SPLITS)
        days = rollup.values_list("street_id", "day").distinct()
        RollupPartition.objects.bulk_create(
            [RollupPartition(street_id=s, day=d, refreshed_at=clock.now()) for s, d in days.iterator()],
            ignore_conflicts=True,
            batch_size=5000,
        )
    return written


def _insert_split(cases, split: str, start, end) -> int:
    by = ("street", "day", split) if split else ("street", "day")
    parts, params = [], []
    for query, counters in grouped_queries(cases, start, end, by):
        sql, query_params = query.query.sql_with_params()
        mine = {c.key for c in counters}
        columns = ", ".join(f"q.{quote(k)}" if k in mine else f"0 AS {quote(k)}" for k in COUNTERS)
        value = f"q.g_{split}" if split else "NULL"
        parts.append(f"SELECT q.g_street, q.g_day, {value} AS g_value, {columns} FROM ({sql}) q")
        params += query_params
    sums = ", ".join(f"SUM(u.{quote(k)})" for k in COUNTERS)
    value = f"COALESCE(CAST(u.g_value AS TEXT), '{NONE}')" if split else "''"
    sql = (
        f"INSERT INTO {quote(DailyStats._meta.db_table)} (street_id, day, dim, value, {', '.join(map(quote, COUNTERS))}) "
        f"SELECT u.g_street, u.g_day, '{split}', {value}, {sums} FROM ({' UNION ALL '.join(parts)}) u "
        f"GROUP BY u.g_street, u.g_day, u.g_value HAVING {' OR '.join(f'SUM(u.{quote(k)}) <> 0' for k in COUNTERS)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def mismatches(street_id: str, period: Period) -> list[tuple]:
    """(split, key, counter, rollup, direct) for every count where the rollup differs from the cases."""
    start, end = period.bounds()
    cases = Case.objects.filter(street_id=street_id)
    problems = []
    for split in SPLITS:
        by = (split, "day") if split else ("day",)
        direct = direct_counts(cases, start, end, by)
        rolled = rollup_counts(Q(street_id=street_id), period, split, by)
        for key in sorted(set(direct) | set(rolled), key=str):
            a, b = rolled.get(key, {}), direct.get(key, {})
            for counter in COUNTERS:
                if round(a.get(counter, 0), 2) != round(b.get(counter, 0), 2):
                    problems.append((split, *key, counter, a.get(counter, 0), b.get(counter, 0)))
    return problems
