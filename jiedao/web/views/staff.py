"""Staff pages: the workbench, one case with its actions, notifications. Sign-in required."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiedao.cases import actions, permissions, pii, routing, selectors
from jiedao.cases.models import Case, Status
from jiedao.cases.states import ACTION_LABELS
from jiedao.core import clock
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.core.notifications import mark_read
from jiedao.web import filters
from jiedao.web.case_actions import ORDER, SPECS, make_form
from jiedao.web.common import error_dict, staff_actor
from jiedao.web.forms import TABS, BulkDispatchForm, RevealForm, WorkbenchFilter
from jiedao.web.geo import grid_features, point_feature
from jiedao.web.templatetags.jiedao_ui import group_number

PAGE_SIZE = 25
TAB_STATES = {key: states for key, _label, states in TABS}
DISPATCH_ROLES = ("dispatcher", "community_staff")


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("workbench")
    return render(request, "web/home.html")


# --- Workbench --------------------------------------------------------------------------------------------


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    actor = staff_actor(request)
    now = clock.now()
    filter_form = WorkbenchFilter(request.GET, actor=actor)
    filter_form.is_valid()  # invalid values (e.g. a unit outside the scope) are simply ignored
    params = filter_form.cleaned_data
    cases = filters.apply(selectors.cases_for(actor), params, now)
    counts = filters.status_counts(cases)
    tab = params.get("tab") or "open"
    tabs = [(key, label, sum(counts.get(s, 0) for s in states)) for key, label, states in TABS]
    rows = selectors.running_first(cases.filter(status__in=TAB_STATES[tab]))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter_form": filter_form,
        "tab": tab,
        "tabs": tabs,
        "page": page,
        "now": now,
        "can_dispatch": actor.has_role(*DISPATCH_ROLES),
        "dispatch_units": selectors_units(actor) if actor.has_role(*DISPATCH_ROLES) else [],
        "filtered": any(params.get(k) for k in ("q", "group", "community", "unit", "channel", "clock")),
    }
    if request.htmx and request.htmx.target == "workbench-results":
        return render(request, "web/_workbench_results.html", context)
    return render(request, "web/workbench.html", context)


def selectors_units(actor: Actor):
    from jiedao.org.selectors import units_for

    return units_for(actor).order_by("region_id", "kind", "name")


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """批量派遣: each ticked case through do_dispatch, with a message per case."""
    actor = staff_actor(request)
    back = _safe_next(request, reverse("workbench"))
    form = BulkDispatchForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    unit, note = form.cleaned_data["unit"], form.cleaned_data["note"]
    done = []
    for number in form.cleaned_data["numbers"][:100]:
        try:
            case = selectors.case_for(actor, number)
        except Case.DoesNotExist:
            messages.error(request, _("%(n)s:案件不存在或不在您的辖区") % {"n": group_number(number)})
            continue
        try:
            actions.do_dispatch(case, actor=actor, unit=unit, note=note)
        except ApplicationError as exc:
            messages.error(request, f"{group_number(number)}:{exc.message}")
        else:
            done.append(group_number(number))
    if done:
        messages.success(
            request,
            _("已派遣 %(c)s 件至「%(u)s」:%(n)s") % {"c": len(done), "u": unit.name, "n": "、".join(done)},
        )
    return redirect(back)


# --- One case ---------------------------------------------------------------------------------------------


def _case_or_404(actor: Actor, number: str) -> Case:
    try:
        return selectors.case_for(actor, number)
    except Case.DoesNotExist:
        raise Http404(_("案件不存在或不在您的辖区")) from None


def render_case(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    status: int = 200,
    bound=None,
    action_error: str = "",
    revealed=None,
    reveal_form=None,
    reveal_error: str = "",
) -> HttpResponse:
    allowed = set(permissions.allowed_actions(actor, case))
    routing_open = case.status in (Status.REPORTED, Status.REGISTERED)
    suggested = routing.suggest_unit(case.category, case.street, case.community) if routing_open else None
    duplicates = []
    if routing_open:
        near = routing.near_duplicates(case, settings.JIEDAO["DUPLICATE_RADIUS_M"])
        visible = set(
            selectors.cases_for(actor).filter(pk__in=[c.pk for c, _d in near]).values_list("pk", flat=True)
        )
        duplicates = [(c, round(d)) for c, d in near if c.pk in visible]
    action_forms = []
    for name in ORDER:
        if name not in allowed:
            continue  # a refused attempt at an action the person may not take shows only its message
        if bound is not None and bound[0] == name:
            action_forms.append((name, SPECS[name].tone, bound[1], True))
        else:
            action_forms.append(
                (name, SPECS[name].tone, make_form(name, actor, case, suggested=suggested), False)
            )
    events = case.events.select_related("actor_unit", "target_unit").prefetch_related("attachments")
    context = {
        "case": case,
        "events": events,
        "photos": case.attachments.all(),
        "reporter": pii.masked_reporter(case),
        "revealed": revealed,
        "may_reveal": pii.may_reveal(actor, case),
        "reveal_form": reveal_form or RevealForm(),
        "reveal_error": reveal_error,
        "action_forms": action_forms,
        "allowed": allowed,
        "action_error": action_error,
        "action_labels": ACTION_LABELS,
        "suggested": suggested,
        "duplicates": duplicates,
        "map_data": _case_map(case),
    }
    response = render(request, "web/case_detail.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def _case_map(case: Case) -> dict | None:
    features = []
    if case.grid_id:
        features += grid_features([case.grid])
    if case.lon is not None and case.lat is not None:
        features.append(point_feature(case.lon, case.lat, number=case.number, kind="case"))
    return {"type": "FeatureCollection", "features": features} if features else None


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = staff_actor(request)
    return render_case(request, actor, _case_or_404(actor, number))


@login_required
@require_POST
def case_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    actor = staff_actor(request)
    case = _case_or_404(actor, number)
    if action not in SPECS:
        raise Http404(_("没有这个操作"))
    form = make_form(action, actor, case, data=request.POST)
    if not form.is_valid():
        return render_case(
            request, actor, case, status=400, bound=(action, form), action_error=_("请检查填写的内容")
        )
    try:
        SPECS[action].run(case, actor, form.cleaned_data, request.FILES.getlist("photos"))
    except ApplicationError as exc:
        for field, message in error_dict(exc).items():
            form.add_error(field if field in form.fields else None, message)
        case.refresh_from_db()
        return render_case(
            request,
            actor,
            case,
            status=403 if isinstance(exc, PermissionRefused) else 400,
            bound=(action, form),
            action_error=exc.message,
        )
    messages.success(request, _("「%(a)s」已完成") % {"a": ACTION_LABELS.get(action, action)})
    if selectors.cases_for(actor).filter(number=number).exists():
        return redirect("case_detail", number=number)
    messages.info(request, _("案件 %(n)s 已离开您的工作范围") % {"n": group_number(number)})
    return redirect("workbench")


@login_required
@require_POST
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """查看完整信息: the reporter's full name and phone, shown once in this response, logged with a purpose."""
    actor = staff_actor(request)
    case = _case_or_404(actor, number)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render_case(request, actor, case, status=400, reveal_form=form)
    try:
        revealed = pii.reveal_reporter(actor, case, purpose=form.purpose_text())
    except ApplicationError as exc:
        return render_case(request, actor, case, status=403, reveal_form=form, reveal_error=exc.message)
    return render_case(request, actor, case, revealed=revealed)


# --- Notifications ----------------------------------------------------------------------------------------


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = request.user.notifications.order_by(F("read_at").asc(nulls_first=True), "-created_at")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "web/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one, several or all of the person's own notifications read."""
    every = request.POST.get("all") == "1"
    mark_read(request.user, None if every else [int(i) for i in request.POST.getlist("id") if i.isdigit()])
    if request.htmx and request.POST.get("id"):
        item = request.user.notifications.filter(pk=request.POST.get("id")).first()
        if item is None:
            return HttpResponse("")
        return render(request, "web/_notification.html", {"n": item})
    return redirect("notifications")


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link and mark it read."""
    item = request.user.notifications.filter(pk=pk).first()
    if item is None:
        raise Http404
    mark_read(request.user, [pk])
    target = (
        item.url if item.url.startswith("/") and not item.url.startswith("//") else reverse("notifications")
    )
    return redirect(target)
