"""The resident's phone pages: 随手拍 (report) and 进度查询 (track). No account; no login."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from jiedao.cases import actions, selectors
from jiedao.cases import photos as photo_store
from jiedao.cases.models import Channel, Status
from jiedao.cases.pii import masked_reporter
from jiedao.core.actor import resident_actor
from jiedao.core.errors import ApplicationError
from jiedao.org.selectors import street_grids
from jiedao.web.common import NON_FIELD, attribute_input, client_ip, error_dict, form_errors
from jiedao.web.forms import ReportForm, ResidentEvaluateForm, TrackForm, leaf_categories
from jiedao.web.geo import community_features, feature_collection, grid_features
from jiedao.web.templatetags.jiedao_ui import cat_name

REPORTED = "jiedao_reported"  # the number this browser just reported (for the success page)
VERIFIED = "jiedao_track"  # numbers this browser proved it owns, most recent last
FAILURES = "jiedao_track_failures"  # {"count": n, "since": epoch seconds}
MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60
IP_MAX_FAILURES = 30  # per address and lockout window, across sessions (cookies are easy to drop)


# --- 随手拍 -------------------------------------------------------------------------------------------------


def attribute_fields(category, post=None, errors: dict | None = None) -> list[dict]:
    """The category's extra fields ready for the template, with what was typed and the messages."""
    if category is None:
        return []
    errors = errors or {}
    fields = []
    for attribute in sorted(category.attributes or [], key=lambda a: a.get("order", 0)):
        code = attribute["code"]
        multi = attribute["datatype"] == "multivaluelist"
        name = f"attribute[{code}]" + ("[]" if multi else "")
        empty: list | str = [] if multi else ""
        value = empty if post is None else (post.getlist(name) if multi else post.get(name, ""))
        fields.append(
            {
                "code": code,
                "name": name,
                "label": attribute.get("description", code),
                "help": attribute.get("datatype_description", ""),
                "datatype": attribute["datatype"],
                "required": attribute.get("required", False),
                "values": attribute.get("values", []),
                "value": value,
                "error": errors.get(f"attribute[{code}]", ""),
            }
        )
    return fields


def _remember(request: HttpRequest, number: str) -> None:
    verified = [n for n in request.session.get(VERIFIED, []) if n != number][-9:]
    request.session[VERIFIED] = [*verified, number]


def _pre_check(form: ReportForm) -> dict[str, str]:
    """When the category itself is missing the report cannot be tried; say what else is missing now too."""
    data, errors = form.data, {}
    if not (data.get("description") or "").strip():
        errors["description"] = _("请描述问题")
    if not (data.get("reporter_phone") or "").strip():
        errors["reporter_phone"] = _("请留下联系电话,以便查询进度和回访")
    if not (data.get("lon") or "").strip() and not (data.get("address") or "").strip():
        errors["location"] = _("请在地图上选点或填写地址")
    return errors


def _photo_problems(uploads) -> dict[str, str]:
    """do_report stops at the first kind of problem; check the photos too, so one round shows everything.

    Only a check: nothing is stored (the report has already been refused)."""
    if not uploads:
        return {}
    try:
        photo_store.check_photos(uploads)
    except ApplicationError as exc:
        return {"photos": exc.message}
    return {}


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = ReportForm(request.POST)
        uploads = request.FILES.getlist("photos")
        if form.is_valid():
            d = form.cleaned_data
            schema_codes = {a["code"] for a in d["category"].attributes or []}
            extra = {
                k: v
                for k, v in attribute_input(request.POST).items()
                if k.removeprefix("attribute[").split("]")[0] in schema_codes
            }
            data = actions.ReportInput(
                category=d["category"],
                description=d["description"],
                channel=Channel.RESIDENT,
                lon=d["lon"],
                lat=d["lat"],
                address=d["address"],
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
                attributes=extra,
            )
            try:
                case = actions.do_report(data, actor=resident_actor(ip=client_ip(request)), uploads=uploads)
            except ApplicationError as exc:
                errors = error_dict(exc)
                if "photos" not in errors:
                    errors.update(_photo_problems(uploads))
            else:
                request.session[REPORTED] = case.number
                _remember(request, case.number)
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("report_done"))
                return redirect("report_done")
        else:
            errors = {**_pre_check(form), **form_errors(form), **_photo_problems(uploads)}
        if uploads and "photos" not in errors and not request.htmx:
            errors.setdefault("photos_again", _("照片未保存,请重新选择照片后再提交"))
        category = form.cleaned_data.get("category") if hasattr(form, "cleaned_data") else None
        context = {
            "form": form,
            "errors": errors,
            "attributes": attribute_fields(category, request.POST, errors),
        }
        if request.htmx:
            return render(request, "resident/_report_feedback.html", context, status=400)
        return render(
            request, "resident/report.html", {**context, "category_index": _category_index()}, status=400
        )
    return render(
        request,
        "resident/report.html",
        {
            "form": ReportForm(),
            "errors": errors,
            "attributes": [],
            "category_index": _category_index(),
        },
    )


def _category_index() -> list[dict]:
    """What the category search box matches against: names, group names and keywords."""
    return [
        {
            "id": c.pk,
            "name": cat_name(c),
            "group": cat_name(c.parent),
            "words": " ".join([c.name, c.name_en, c.keywords, c.parent.name]).lower(),
        }
        for c in leaf_categories(public_only=True)
    ]


@require_GET
def report_fields(request: HttpRequest) -> HttpResponse:
    """The chosen category's extra fields (htmx swaps them in when the category changes)."""
    category = selectors.reportable_category(request.GET.get("category"))
    return render(
        request,
        "resident/_attribute_fields.html",
        {
            "attributes": attribute_fields(category),
            "category": category,
        },
    )


@require_GET
def report_area(request: HttpRequest) -> JsonResponse:
    """The sub-district's communities as outlines, for the report map (public, cached)."""

    def build():
        grids = list(street_grids(settings.JIEDAO["STREET"]))
        return feature_collection(community_features(grids) if len(grids) > 30 else grid_features(grids))

    body = cache.get_or_set(f"jiedao:report-area:{settings.JIEDAO['STREET']}", build, 300)
    response = JsonResponse(body)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def report_done(request: HttpRequest) -> HttpResponse:
    number = request.session.get(REPORTED)
    if not number:
        return redirect("report")
    return render(request, "resident/report_done.html", {"number": number})


# --- 进度查询 ------------------------------------------------------------------------------------------------


def _locked_out(request: HttpRequest) -> bool:
    failures = request.session.get(FAILURES) or {}
    if failures.get("count", 0) >= MAX_FAILURES and time.time() - failures.get("since", 0) < LOCKOUT_SECONDS:
        return True
    return (cache.get(_ip_key(request)) or 0) >= IP_MAX_FAILURES


def _ip_key(request: HttpRequest) -> str:
    return f"jiedao:track-failures:{client_ip(request)}"


def _record_failure(request: HttpRequest) -> int:
    failures = request.session.get(FAILURES) or {}
    if time.time() - failures.get("since", 0) >= LOCKOUT_SECONDS:
        failures = {"count": 0, "since": time.time()}
    failures["count"] = failures.get("count", 0) + 1
    request.session[FAILURES] = failures
    key = _ip_key(request)
    cache.add(key, 0, LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, LOCKOUT_SECONDS)
    return MAX_FAILURES - failures["count"]


def _tracked_case(request: HttpRequest):
    verified = request.session.get(VERIFIED) or []
    wanted = request.GET.get("n")
    number = wanted if wanted in verified else (verified[-1] if verified else None)
    return selectors.proven_resident_case(number) if number else None


def _track_context(request: HttpRequest, case, **extra) -> dict:
    context = {"form": TrackForm(), "case": case, "errors": {}, "locked": _locked_out(request)}
    if case is not None:
        context.update(
            {
                "events": selectors.public_timeline(case),
                "photos": selectors.public_photos(case),
                "reporter": masked_reporter(case),
                "evaluate_form": ResidentEvaluateForm() if case.status == Status.CLOSED else None,
                "others": [n for n in request.session.get(VERIFIED, []) if n != case.number],
            }
        )
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "resident/track.html", _track_context(request, _tracked_case(request)))
    form = TrackForm(request.POST)
    if _locked_out(request):
        errors = {NON_FIELD: _("查询错误次数过多,请%(m)s分钟后再试") % {"m": LOCKOUT_SECONDS // 60}}
        return render(
            request,
            "resident/track.html",
            _track_context(request, None, form=form, errors=errors),
            status=429,
        )
    if not form.is_valid():
        return render(
            request,
            "resident/track.html",
            _track_context(request, None, form=form, errors=form_errors(form)),
            status=400,
        )
    case = selectors.resident_case(form.cleaned_data["number"], form.cleaned_data["last4"])
    if case is None:
        left = _record_failure(request)
        message = _("案件编号或手机号后四位不正确")
        if left > 0:
            message += _("(还可尝试%(n)s次)") % {"n": left}
        else:
            message = _("查询错误次数过多,请%(m)s分钟后再试") % {"m": LOCKOUT_SECONDS // 60}
        return render(
            request,
            "resident/track.html",
            _track_context(request, None, form=form, errors={NON_FIELD: message}),
            status=400,
        )
    request.session.pop(FAILURES, None)
    _remember(request, case.number)
    return redirect(f"{reverse('track')}?n={case.number}")


@require_POST
def track_evaluate(request: HttpRequest, number: str) -> HttpResponse:
    if number not in (request.session.get(VERIFIED) or []):
        return redirect("track")
    case = selectors.proven_resident_case(number)
    if case is None:
        return redirect("track")
    form = ResidentEvaluateForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_evaluate(
                case,
                actor=resident_actor(case.number, ip=client_ip(request)),
                satisfaction=d["satisfaction"],
                resolved=d["resolved"],
                contacted=d["contacted"],
                note=d["note"],
            )
        except ApplicationError as exc:
            errors = error_dict(exc)
        else:
            messages.success(request, _("感谢您的评价!"))
            return redirect(f"{reverse('track')}?n={case.number}")
    else:
        errors = form_errors(form)
    context = _track_context(request, case, evaluate_form=form, evaluate_errors=errors)
    return render(request, "resident/track.html", context, status=400)
