"""Pages of 统计分析: the dashboard (大屏), the case list behind any figure, and the quantified reports.

Thin: parse, authorise (every figure is counted within the signed-in person's jurisdiction), call the
business functions in dashboard / metrics / reports, render.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from jiedao.core import clock
from jiedao.core.actor import Actor
from jiedao.insight import dashboard as board
from jiedao.insight.hotspots import DEFAULT_DAYS, DEFAULT_MIN_CASES, DEFAULT_RADIUS_M, find_hotspots
from jiedao.insight.metrics import (
    COUNTERS,
    DIM_LABELS,
    METRICS,
    Scope,
    dim_labels,
    drill_cases,
    figures,
    parse_dims,
    table,
)
from jiedao.insight.periods import Period, current, local_date, parse_period
from jiedao.insight.rankings import RANKABLE, rank
from jiedao.insight.reports import build_report, to_docx, to_text, to_xlsx
from jiedao.org.models import Unit, UnitKind
from jiedao.org.selectors import ADMIN_ROLES, actor_for_user, region_prefixes, regions_for, units_for

PAGE_SIZE = 50
REFRESH_SECONDS = 60
FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", to_docx),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", to_xlsx),
    "txt": ("text/plain; charset=utf-8", lambda report: to_text(report).encode()),
}


class BadInput(ValueError):
    pass


def _actor(request: HttpRequest) -> Actor:
    actor = actor_for_user(request.user, ip=request.META.get("REMOTE_ADDR") or None)
    if not any(m.role not in ADMIN_ROLES for m in actor.memberships):
        raise PermissionDenied("统计分析仅对街道、社区和承办单位工作人员开放")
    return actor


def _scope(actor: Actor, code: str) -> Scope:
    scope = Scope(actor, (code or "").strip())
    if scope.code and not (scope.code.isdigit() or scope.code.startswith("unit:")):
        raise BadInput(f"范围「{scope.code}」无效")
    if scope.code.startswith("unit:") and not scope.code[5:].isdigit():
        raise BadInput(f"范围「{scope.code}」无效")
    if not scope.allows():
        raise PermissionDenied("该范围不在您的管辖范围内")
    return scope


def scope_choices(actor: Actor) -> list[tuple[str, str]]:
    """The streets, communities and units a person may report on."""
    choices = [
        (r.code, r.name if r.level == "street" else f"  {r.name}")
        for r in regions_for(actor).filter(level__in=["street", "community"]).order_by("code")
    ]
    own_units = {m.unit_id for m in actor.memberships}
    units = (
        units_for(actor).exclude(kind=UnitKind.COMMAND_CENTRE)
        if region_prefixes(actor)
        else Unit.objects.none()
    )
    visible = {u.pk: u for u in units}
    visible.update({u.pk: u for u in Unit.objects.filter(pk__in=own_units)})
    for unit in sorted(visible.values(), key=lambda u: (u.region_id, u.name)):
        code = f"unit:{unit.pk}"
        if unit.kind != UnitKind.COMMAND_CENTRE and Scope(actor, code).allows():
            choices.append((code, f"{unit.name}(单位)"))
    return choices


def _bad(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


# --- Drill-down -----------------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The exact cases behind a figure: /insight/cases/?metric=close_rate&period=2026-10&dim=community:…"""
    actor = _actor(request)
    try:
        metric = METRICS.get(request.GET.get("metric", ""))
        if metric is None:
            raise BadInput("未知的指标")
        part = request.GET.get("part", "num")
        if part not in {"num", "den"}:
            raise BadInput("part 只能是 num 或 den")
        period = parse_period(request.GET.get("period", ""))
        scope = _scope(actor, request.GET.get("scope", ""))
        filters = parse_dims(request.GET.getlist("dim"))
    except (BadInput, ValueError) as exc:
        return _bad(str(exc))
    cases = (
        drill_cases(scope, metric, part, period, filters)
        .select_related("category", "community", "unit")
        .order_by("-reported_at", "-pk")
    )
    fig = figures(scope, period, [metric.key], filters)[metric.key]
    labels = {dim: dim_labels(dim, [value])[value if value != "-" else None] for dim, value in fig.filters}
    if metric.components or part == "den":
        counter_keys = [metric.denominator or "effective"]
    else:
        counter_keys = [k for k, _w in metric.terms]
    context = {
        "metric": metric,
        "figure": fig,
        "part": part,
        "period": period,
        "scope": scope,
        "filters": [(DIM_LABELS.get(d, d), labels.get(d, v)) for d, v in fig.filters],
        "counters": [COUNTERS[k] for k in counter_keys],
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "other_part_url": fig.url("den" if part == "num" else "num") if metric.is_rate else "",
    }
    return render(request, "insight/cases.html", context)


# --- Dashboard ------------------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
    except BadInput as exc:
        return _bad(str(exc))
    choices = [(c, n.strip()) for c, n in scope_choices(actor) if not c.startswith("unit:")]
    return render(
        request,
        "insight/dashboard.html",
        {"scope": scope, "choices": choices, "refresh_seconds": REFRESH_SECONDS, "now": clock.now()},
    )


@login_required
@require_GET
def dashboard_data(request: HttpRequest) -> JsonResponse:
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
    except BadInput as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse(board.build(scope, clock.now()), json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
def dashboard_map(request: HttpRequest) -> JsonResponse:
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
    except BadInput as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    layers = board.map_layers(scope, board.scope_grids(scope), clock.now())
    return JsonResponse(layers, json_dumps_params={"ensure_ascii": False})


# --- Reports --------------------------------------------------------------------------------------------


def default_period(today: date) -> Period:
    """Last month: the report people write most."""
    return current("month", current("month", today).start - timedelta(days=1))


def _report_request(request: HttpRequest) -> tuple[Scope, Period, list[tuple[str, str]]]:
    actor = _actor(request)
    choices = scope_choices(actor)
    code = request.GET.get("scope") or (choices[0][0] if choices else "")
    scope = _scope(actor, code)
    text = request.GET.get("period") or default_period(local_date(clock.now())).code
    return scope, parse_period(text), choices


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    try:
        scope, period, choices = _report_request(request)
    except (BadInput, ValueError) as exc:
        return _bad(str(exc))
    report = build_report(scope, period) if scope.code else None
    query = f"scope={scope.code}&period={period.code}"
    return render(
        request,
        "insight/report.html",
        {"report": report, "scope": scope, "period": period, "choices": choices, "query": query},
    )


@login_required
@require_GET
def report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        return _bad("格式只能是 docx、xlsx 或 txt")
    try:
        scope, period, _choices = _report_request(request)
    except (BadInput, ValueError) as exc:
        return _bad(str(exc))
    if not scope.code:
        return _bad("请选择报告范围")
    report = build_report(scope, period, base_url=request.build_absolute_uri("/").rstrip("/"))
    content_type, writer = FORMATS[fmt]
    response = HttpResponse(writer(report), content_type=content_type)
    name = f"{report.scope_name}-{period.code}-量化报告.{fmt}"
    ascii_name = f"report-{slugify(scope.code) or 'scope'}-{period.code}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return response


# --- Rankings, hotspots, figures as JSON ---------------------------------------------------------------


def _period_or_month(request: HttpRequest) -> Period:
    text = request.GET.get("period") or current("month", local_date(clock.now())).code
    return parse_period(text)


@login_required
@require_GET
def rankings_page(request: HttpRequest) -> HttpResponse:
    """红黑榜: units or communities ranked by one metric for a period."""
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
        period = _period_or_month(request)
        key = request.GET.get("metric", "ontime_close_rate")
        by = request.GET.get("by", "unit")
        if key not in METRICS or METRICS[key].fixed or by not in RANKABLE:
            raise BadInput("指标或排名对象无效")
        n = min(10, max(1, int(request.GET.get("n", "3"))))
    except (BadInput, ValueError) as exc:
        return _bad(str(exc))
    ranking = rank(scope, period, key, by, n)
    metrics = [(k, m.label) for k, m in METRICS.items() if m.is_rate or m.components]
    context = {"ranking": ranking, "scope": scope, "period": period, "metrics": metrics, "by": by, "n": n}
    return render(request, "insight/rankings.html", context)


@login_required
@require_GET
def hotspots_page(request: HttpRequest) -> HttpResponse:
    """热点 (未诉先办): the same problem recurring in one place, with its cases."""
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
        radius = min(1000, max(50, int(request.GET.get("radius", DEFAULT_RADIUS_M))))
        days = min(365, max(1, int(request.GET.get("days", DEFAULT_DAYS))))
        minimum = min(100, max(2, int(request.GET.get("min", DEFAULT_MIN_CASES))))
    except (BadInput, ValueError) as exc:
        return _bad(str(exc))
    spots = find_hotspots(scope, clock.now(), radius_m=radius, days=days, min_cases=minimum)
    context = {"spots": spots, "scope": scope, "radius": radius, "days": days, "minimum": minimum}
    return render(request, "insight/hotspots.html", context)


@login_required
@require_GET
def figures_json(request: HttpRequest) -> JsonResponse:
    """The figures as data (for integrations and exports): ?period=2026-10&scope=…&by=community&metric=…"""
    actor = _actor(request)
    try:
        scope = _scope(actor, request.GET.get("scope", ""))
        period = _period_or_month(request)
        keys = request.GET.getlist("metric") or [k for k, m in METRICS.items() if not m.fixed]
        if any(k not in METRICS for k in keys):
            raise BadInput("未知的指标")
        filters = parse_dims(request.GET.getlist("dim"))
        by = request.GET.get("by", "")
        if by and by not in DIM_LABELS:
            raise BadInput("未知的分组维度")
    except (BadInput, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)

    def payload(figs: dict) -> dict:
        return {
            k: {
                "label": f.metric.label,
                "value": f.value,
                "display": f.display,
                "numerator": f.numerator,
                "denominator": f.denominator,
                "definition": f.metric.definition,
                "cases_url": f.url(),
            }
            for k, f in figs.items()
        }

    body: dict = {"period": period.code, "label": period.label, "scope": scope.code}
    if by:
        fixed = {METRICS[k].fixed for k in keys}
        if len(fixed) != 1:
            return JsonResponse({"error": "分组时指标须属同一类(不能混合台账指标)"}, status=400)
        body["rows"] = [
            {"key": row.key, "label": row.label, "figures": payload(row.figures)}
            for row in table(scope, period, by, keys, filters)
        ]
    else:
        body["figures"] = payload(figures(scope, period, keys, filters))
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
