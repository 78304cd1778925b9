"""指挥中心大屏: the figures of the command-centre wall screen and the leaders' phone view, in one payload.

Period figures come through ``metrics`` (the rollup); live states (open, overdue, the map) come straight from
the open cases, which are few and indexed. Everything is put in the visitor's language here: the metrics keep
their Chinese labels for the reports.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from jiedao.cases.categories import catalogue, display_name
from jiedao.cases.models import Clock
from jiedao.cases.states import OPEN
from jiedao.insight.hotspots import find_hotspots
from jiedao.insight.metrics import METRICS, Figure, Metric, Scope, figures, measure, table
from jiedao.insight.periods import Period, current, local_date
from jiedao.insight.rankings import rank
from jiedao.org.models import Grid
from jiedao.org.selectors import grids_for

TREND_DAYS = 30
OVERDUE_LIST = 10
MAX_POINTS = 1500
CLOCK_STATES = (Clock.NORMAL, Clock.WARNING, Clock.OVERDUE, Clock.PAUSED)


def clock_q(state: str, now: datetime) -> Q:
    """Open cases whose clock is ``state`` now — the rule of ``cases.sla.clock_state``."""
    running = Q(status__in=OPEN, paused_at__isnull=True, stage_deadline__isnull=False)
    if state == Clock.OVERDUE:
        return running & Q(stage_deadline__lt=now)
    if state == Clock.WARNING:
        return running & Q(stage_deadline__gte=now, warn_at__lte=now)
    if state == Clock.NORMAL:
        return running & Q(stage_deadline__gte=now) & (Q(warn_at__isnull=True) | Q(warn_at__gt=now))
    return Q(status__in=OPEN, paused_at__isnull=False)


def _chinese() -> bool:
    return (get_language() or "zh").startswith("zh")


def _display(metric: Metric, value: float | None, shown: str) -> str:
    """A figure as the page shows it: the reports' form (8件, 3.5万元) in Chinese, plain numbers in English."""
    if _chinese() or value is None or metric.unit in {"%", "分"}:
        return shown
    return f"¥{value:,.0f}" if metric.unit == "元" else f"{int(value):,}"


def _kpi(fig: Figure, label: str | None = None) -> dict[str, Any]:
    return {
        "key": fig.metric.key,
        "label": label or _(fig.metric.label),
        "display": _display(fig.metric, fig.value, fig.display),
        "value": fig.value,
        "url": fig.url(),
    }


def kpis(scope: Scope, today: Period, month: Period) -> dict[str, list[dict[str, Any]]]:
    day = figures(scope, today, ["reported", "registered", "closed"])
    this_month = figures(
        scope,
        month,
        ["registered", "closed", "close_rate", "ontime_close_rate", "satisfaction_rate", "hotline_score"],
    )
    return {
        "today": [
            _kpi(day["reported"], _("今日上报")),
            _kpi(day["registered"], _("今日立案")),
            _kpi(day["closed"], _("今日结案")),
        ],
        "month": [_kpi(f) for f in this_month.values()],
    }


def clock_states(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    cases = scope.cases().filter(status__in=OPEN)  # lets the database read only open cases (index)
    counts = cases.aggregate(**{state: Count("pk", filter=clock_q(state, now)) for state in CLOCK_STATES})
    workbench = reverse("workbench")
    return [
        {"key": state, "label": str(state.label), "value": counts[state], "url": f"{workbench}?clock={state}"}
        for state in CLOCK_STATES
    ]


def most_overdue(scope: Scope, now: datetime, limit: int = OVERDUE_LIST) -> list[dict[str, Any]]:
    rows = (
        scope.cases()
        .filter(clock_q(Clock.OVERDUE, now))
        .select_related("category", "community", "unit")
        .order_by("stage_deadline")[:limit]
    )
    return [
        {
            "number": case.number,
            "category": display_name(case.category),
            "community": case.community.name if case.community else "",
            "unit": case.unit.name if case.unit else _("未派遣"),
            "overdue_hours": round((now - case.stage_deadline).total_seconds() / 3600, 1),
            "url": reverse("case_detail", args=[case.number]),
        }
        for case in rows
    ]


def trend(scope: Scope, end_day) -> dict[str, Any]:
    period = Period("custom", end_day - timedelta(days=TREND_DAYS - 1), end_day + timedelta(days=1))
    keys = ["reported", "registered", "closed"]
    by_day = measure(scope, period, ("day",), keys=keys)
    days = period.days()
    return {
        "days": [f"{d.month}/{d.day}" for d in days],
        "series": [
            {
                "key": k,
                "name": _(METRICS[k].label),
                "data": [int(by_day.get((d,), {}).get(k, 0)) for d in days],
            }
            for k in keys
        ],
        "period": period.code,
    }


def mix(scope: Scope, period: Period, by: str, key: str) -> list[dict[str, Any]]:
    rows = table(scope, period, by, [key])
    names = _group_names(r.key for r in rows) if by == "group" else {}
    items = [
        {"name": names.get(r.key) or _(r.label), "value": r.figures[key].value, "url": r.figures[key].url()}
        for r in rows
    ]
    return sorted(items, key=lambda i: -(i["value"] or 0))


def _group_names(keys) -> dict[Any, str]:
    """大类 names in the page's language (labels of ``table`` are the reports' Chinese)."""
    categories = catalogue().by_id
    return {key: display_name(categories[key]) for key in keys if key in categories}


def ranking(scope: Scope, period: Period, by: str = "unit", key: str = "ontime_close_rate") -> dict[str, Any]:
    result = rank(scope, period, key, by)

    def rows(items):
        return [
            {
                "label": _(r.label),
                "display": _display(result.metric, r.figures[key].value, r.figures[key].display),
                "value": r.figures[key].value,
                "url": r.figures[key].url(),
            }
            for r in items
        ]

    return {
        "metric": _(result.metric.label),
        "rows": rows(result.rows),
        "red": rows(result.red),
        "black": rows(result.black),
    }


def hotspot_list(scope: Scope, now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "category": display_name(h.category),
            "count": h.count,
            "open": h.open_count,
            "place": h.address,
            "lon": h.lon,
            "lat": h.lat,
            "cases": [c.number for c in h.cases],
        }
        for h in find_hotspots(scope, now, limit=8)
    ]


def build(scope: Scope, now: datetime) -> dict[str, Any]:
    """The whole dashboard for one scope at one instant."""
    today_date = local_date(now)
    today, month = current("day", today_date), current("month", today_date)
    return {
        "generated_at": now.isoformat(),
        "month": formats.date_format(month.start, "YEAR_MONTH_FORMAT"),
        "kpis": kpis(scope, today, month),
        "clock": clock_states(scope, now),
        "trend": trend(scope, today_date),
        "categories": mix(scope, month, "group", "registered"),
        "channels": mix(scope, month, "channel", "reported"),
        "overdue": most_overdue(scope, now),
        "units": ranking(scope, month, "unit"),
        "communities": ranking(scope, month, "community"),
        "hotspots": hotspot_list(scope, now),
    }


def map_layers(scope: Scope, grids, now: datetime) -> dict[str, Any]:
    """Grids shaded by open and overdue cases, and the open cases as points (most overdue first)."""
    open_cases = scope.cases().filter(status__in=OPEN)
    counts = {
        row["grid_id"]: row
        for row in open_cases.filter(grid__isnull=False)
        .order_by()
        .values("grid_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=clock_q(Clock.OVERDUE, now)))
    }
    features = []
    for grid in grids:
        c = counts.get(grid.pk, {})
        features.append(
            {
                "type": "Feature",
                "geometry": grid.polygon,
                "properties": {
                    "kind": "grid",
                    "code": grid.code,
                    "name": grid.name,
                    "community": grid.community.name,
                    "open": c.get("open", 0),
                    "overdue": c.get("overdue", 0),
                },
            }
        )
    case_url = reverse("case_detail", args=["0"])[:-2]  # "/cases/"; each case's page is <this><number>/
    points = (
        open_cases.filter(lon__isnull=False)
        .order_by("stage_deadline")
        .values_list("number", "lon", "lat", "stage_deadline", "paused_at", "category__name")[:MAX_POINTS]
    )
    for number, lon, lat, deadline, paused_at, category in points:
        overdue = deadline is not None and paused_at is None and deadline < now
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "kind": "case",
                    "number": number,
                    "category": category,
                    "state": "overdue" if overdue else "open",
                    "url": f"{case_url}{number}/",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def scope_grids(scope: Scope):
    """The grids the actor may see, narrowed to the scope's street or community."""
    grids = grids_for(scope.actor) if scope.actor is not None else Grid.objects.select_related("community")
    if scope.code and scope.unit_id is None:
        grids = grids.filter(Q(street_id=scope.code) | Q(community_id=scope.code))
    return grids
