"""The staff map: grids of the person's scope coloured by open/overdue cases, and the cases as points."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from jiedao.cases import selectors
from jiedao.cases.models import Clock, Status
from jiedao.cases.states import OPEN
from jiedao.core import clock
from jiedao.org.selectors import grids_for
from jiedao.web import filters
from jiedao.web.common import staff_actor
from jiedao.web.forms import WorkbenchFilter
from jiedao.web.geo import feature_collection, grid_features, point_feature
from jiedao.web.templatetags.jiedao_ui import cat_path, clock_info, group_number, status_label

MAX_POINTS = 2000
RECENT_CLOSED_DAYS = 30


@login_required
@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    actor = staff_actor(request)
    form = WorkbenchFilter(request.GET, actor=actor)
    form.is_valid()
    return render(request, "web/map.html", {"filter_form": form, "recent_days": RECENT_CLOSED_DAYS})


@login_required
@require_GET
def map_grids(request: HttpRequest) -> JsonResponse:
    actor = staff_actor(request)
    now = clock.now()
    open_cases = selectors.cases_for(actor).filter(status__in=OPEN, grid__isnull=False)
    rows = (
        open_cases.order_by()
        .values("grid_id")
        .annotate(
            open=Count("pk", distinct=True),
            overdue=Count("pk", filter=filters.clock_q(Clock.OVERDUE, now), distinct=True),
            warning=Count("pk", filter=filters.clock_q(Clock.WARNING, now), distinct=True),
        )
    )
    counts = {row["grid_id"]: row for row in rows}
    return JsonResponse(feature_collection(grid_features(grids_for(actor), counts)))


@login_required
@require_GET
def map_cases(request: HttpRequest) -> JsonResponse:
    """Open cases and those closed in the last days, in the person's scope; capped, most urgent first."""
    actor = staff_actor(request)
    now = clock.now()
    form = WorkbenchFilter(request.GET, actor=actor)
    form.is_valid()
    cases = filters.apply(selectors.cases_for(actor), form.cleaned_data, now).filter(lon__isnull=False)
    recent = Q(
        status__in=[Status.CLOSED, Status.EVALUATED], closed_at__gte=now - timedelta(days=RECENT_CLOSED_DAYS)
    )
    scope = request.GET.get("scope", "all")
    if scope == "open":
        cases = cases.filter(status__in=OPEN)
    elif scope == "closed":
        cases = cases.filter(recent)
    else:
        cases = cases.filter(Q(status__in=OPEN) | recent)
    rows = list(selectors.running_first(cases)[: MAX_POINTS + 1])
    features = []
    for case in rows[:MAX_POINTS]:
        info = clock_info(case, now)
        features.append(
            point_feature(
                case.lon,
                case.lat,
                number=case.number,
                label=group_number(case.number),
                status=case.status,
                status_label=status_label(case.status),
                open=case.is_open,
                clock=info["state"],
                clock_label=str(info["label"]),
                clock_hint=str(info["hint"]),
                category=cat_path(case.category),
                description=case.description[:60],
                url=reverse("case_detail", args=[case.number]),
            )
        )
    body = feature_collection(features)
    body["truncated"] = len(rows) > MAX_POINTS
    return JsonResponse(body)
