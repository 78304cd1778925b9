"""12345 pages: upload → map columns → preview with every row checked → commit; export a filtered list."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiedao.api.filters import CaseFilter
from jiedao.cases.selectors import cases_for
from jiedao.core.actor import Actor
from jiedao.hotline.export import export_cases
from jiedao.hotline.importer import import_sheet
from jiedao.hotline.sheet import BY_KEY, COLUMNS, check_sheet, guess_mapping, mapping_from_labels, open_sheet
from jiedao.org.models import Region, Role
from jiedao.org.selectors import actor_for_user, in_jurisdiction

UPLOADS = Path(tempfile.gettempdir()) / "jiedao-hotline"
SESSION_KEY = "hotline_import"
PREVIEW_ROWS = 20
ERRORS_SHOWN = 200
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def _importer(request: HttpRequest) -> Actor:
    """Only the sub-district's dispatchers import 12345 orders."""
    actor = actor_for_user(request.user, ip=request.META.get("REMOTE_ADDR"))
    if not in_jurisdiction(actor, settings.JIEDAO["STREET"], {Role.DISPATCHER}):
        raise PermissionDenied
    return actor


def _pending(request: HttpRequest) -> tuple[Path, dict[str, str]] | None:
    state = request.session.get(SESSION_KEY)
    if not state:
        return None
    path = UPLOADS / f"{uuid.UUID(state['token']).hex}.xlsx"
    return (path, state.get("labels", {})) if path.exists() else None


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None or not file.name.lower().endswith(".xlsx"):
            error = "请选择 .xlsx 文件"
        elif file.size > MAX_UPLOAD_BYTES:
            error = "文件不能超过50MB"
        else:
            UPLOADS.mkdir(parents=True, exist_ok=True)
            token = uuid.uuid4().hex
            with open(UPLOADS / f"{token}.xlsx", "wb") as target:
                for chunk in file.chunks():
                    target.write(chunk)
            request.session[SESSION_KEY] = {"token": token, "name": file.name}
            return redirect("hotline-map")
    return render(request, "hotline/upload.html", {"error": error}, status=400 if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def map_columns(request: HttpRequest) -> HttpResponse:
    _importer(request)
    pending = _pending(request)
    if pending is None:
        return redirect("hotline-upload")
    path, _labels = pending
    try:
        headers = open_sheet(path).headers
    except (OSError, ValueError, KeyError):
        return render(
            request, "hotline/upload.html", {"error": "无法读取该文件,请确认是 .xlsx 格式"}, status=400
        )
    if request.method == "POST":
        labels = {column.label: request.POST.get(column.key, "") for column in COLUMNS}
        request.session[SESSION_KEY] = {**request.session[SESSION_KEY], "labels": labels}
        return redirect("hotline-preview")
    guessed = guess_mapping(headers)
    columns = [(column, guessed.get(column.key, "")) for column in COLUMNS]
    return render(request, "hotline/map.html", {"columns": columns, "headers": headers})


@login_required
def preview(request: HttpRequest) -> HttpResponse:
    _importer(request)
    pending = _pending(request)
    if pending is None:
        return redirect("hotline-upload")
    path, labels = pending
    sheet = open_sheet(path)
    try:
        mapping = mapping_from_labels(labels, sheet.headers)
    except ValueError as exc:
        return render(request, "hotline/upload.html", {"error": str(exc)}, status=400)
    street = Region.objects.get(code=settings.JIEDAO["STREET"])
    first = check_sheet(sheet, mapping, street, limit=PREVIEW_ROWS)
    whole = import_sheet(path, actor=None, mapping_labels=labels, dry_run=True)
    context = {
        "rows": first.rows,
        "columns": [BY_KEY[key] for key in mapping],
        "result": whole,
        "errors": whole.errors[:ERRORS_SHOWN],
        "name": request.session[SESSION_KEY].get("name", ""),
    }
    return render(request, "hotline/preview.html", context)


@login_required
@require_POST
def commit(request: HttpRequest) -> HttpResponse:
    actor = _importer(request)
    pending = _pending(request)
    if pending is None:
        return redirect("hotline-upload")
    path, labels = pending
    result = import_sheet(
        path, actor=actor, mapping_labels=labels, partial=request.POST.get("partial") == "1"
    )
    if result.committed:
        path.unlink(missing_ok=True)
        del request.session[SESSION_KEY]
    return render(request, "hotline/result.html", {"result": result, "errors": result.errors[:ERRORS_SHOWN]})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Any filtered case list (the API's filters) as .xlsx; masking, reveal logging and audit in export_cases."""
    actor = actor_for_user(request.user, ip=request.META.get("REMOTE_ADDR"))
    filtered = CaseFilter(request.GET, queryset=cases_for(actor))
    if not filtered.is_valid():
        return HttpResponseBadRequest("; ".join(f"{k}: {v[0]}" for k, v in filtered.errors.items()))
    data = export_cases(filtered.qs, actor=actor, description=request.GET.urlencode())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="cases-12345.xlsx"'
    return response
