"""Narrowing an already scoped queryset of cases by what the workbench and the map ask for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from jiedao.cases.models import Case, Clock
from jiedao.cases.states import OPEN


def clock_q(state: str, now: datetime) -> Q:
    """Cases whose clock is ``state`` right now (the same rule as ``sla.clock_state``)."""
    running = Q(status__in=OPEN, paused_at__isnull=True, stage_deadline__isnull=False)
    if state == Clock.OVERDUE:
        return running & Q(stage_deadline__lt=now)
    if state == Clock.WARNING:
        return running & Q(stage_deadline__gte=now, warn_at__lte=now)
    if state == Clock.NORMAL:
        return running & Q(stage_deadline__gte=now) & (Q(warn_at__isnull=True) | Q(warn_at__gt=now))
    if state == Clock.PAUSED:
        return Q(status__in=OPEN, paused_at__isnull=False)
    return Q()


def search_q(text: str) -> Q:
    text = text.strip()
    compact = "".join(ch for ch in text if not ch.isspace() and ch != "-")
    query = Q(description__icontains=text) | Q(address__icontains=text)
    if compact.isdigit():
        query |= Q(number__contains=compact)
    return query


def apply(cases: QuerySet[Case], params: dict[str, Any], now: datetime) -> QuerySet[Case]:
    if params.get("q"):
        cases = cases.filter(search_q(params["q"]))
    if params.get("group"):
        cases = cases.filter(category__parent=params["group"])
    if params.get("community"):
        cases = cases.filter(community_id=params["community"])
    if params.get("unit"):
        cases = cases.filter(unit=params["unit"])
    if params.get("channel"):
        cases = cases.filter(channel=params["channel"])
    if params.get("clock"):
        cases = cases.filter(clock_q(params["clock"], now))
    return cases


def status_counts(cases: QuerySet[Case]) -> dict[str, int]:
    rows = cases.order_by().values("status").annotate(n=Count("pk", distinct=True))
    return {row["status"]: row["n"] for row in rows}
