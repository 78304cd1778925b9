"""Open311 GeoReport v2 at /open311/v2/: parse, authorise, call cases.actions, render JSON or XML."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiedao.api.auth import FormApiKeyAuthentication, client_ip
from jiedao.api.throttling import JiedaoThrottle
from jiedao.cases.actions import ReportInput, do_report
from jiedao.cases.categories import by_service_code
from jiedao.cases.models import Channel
from jiedao.cases.states import OPEN
from jiedao.core import clock
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.integrations.keys import covers, integrator_actor
from jiedao.integrations.models import ApiKey
from jiedao.open311 import representation
from jiedao.open311.renderers import Open311JSONRenderer, Open311XMLRenderer
from jiedao.open311.selectors import public_requests, service, services

MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00+08:00"


def respond(data: Any, root: str, status_code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=status_code)
    response.xml_root = root
    return response


def _error_status(exc: Exception) -> tuple[int, list[str]] | None:
    """HTTP status and descriptions of a refusal: 404 unknown, 403 bad api_key, 400 anything else."""
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return status.HTTP_404_NOT_FOUND, [str(getattr(exc, "detail", "")) or "not found"]
    if isinstance(exc, (exceptions.AuthenticationFailed, exceptions.NotAuthenticated, PermissionRefused)):
        return status.HTTP_403_FORBIDDEN, [str(exc)]
    if isinstance(exc, exceptions.PermissionDenied):
        return status.HTTP_403_FORBIDDEN, [str(exc.detail)]
    if isinstance(exc, ApplicationError):
        if isinstance(exc.details, dict):
            return status.HTTP_400_BAD_REQUEST, [f"{k}: {v}" for k, v in exc.details.items()]
        return status.HTTP_400_BAD_REQUEST, [f"{exc.field}: {exc.message}" if exc.field else exc.message]
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, list) else [exc.detail]
        return status.HTTP_400_BAD_REQUEST, [str(item) for item in detail]
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, [str(exc.detail)]
    return None


class Open311View(APIView):
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    parser_classes = [FormParser, MultiPartParser]
    authentication_classes = [FormApiKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [JiedaoThrottle]
    schema = None  # documented by the GeoReport v2 specification, not by /api/schema/

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        jurisdiction = request.query_params.get("jurisdiction_id") or request.data.get("jurisdiction_id")
        if jurisdiction and jurisdiction != settings.JIEDAO["STREET"]:
            raise exceptions.NotFound(f"unknown jurisdiction_id {jurisdiction[:20]!r}")

    def handle_exception(self, exc: Exception) -> Response:
        refusal = _error_status(exc)
        if refusal is None:
            return super().handle_exception(exc)
        code, descriptions = refusal
        response = respond([{"code": code, "description": d} for d in descriptions], "errors", code)
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response


class DiscoveryView(Open311View):
    def get(self, request: Request, format: str | None = None) -> Response:
        return respond(
            {
                "changeset": CHANGESET,
                "contact": "",
                "key_service": "",
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": request.build_absolute_uri("/open311/v2/"),
                        "changeset": CHANGESET,
                        "type": "production",
                        "formats": ["application/json", "text/xml"],
                    }
                ],
            },
            "discovery",
        )


class ServiceListView(Open311View):
    def get(self, request: Request, format: str | None = None) -> Response:
        return respond([representation.service(c) for c in services()], "services")


class ServiceDefinitionView(Open311View):
    def get(self, request: Request, service_code: str, format: str | None = None) -> Response:
        category = service(service_code)
        if category is None:
            raise exceptions.NotFound(f"unknown service_code {service_code[:40]!r}")
        return respond(representation.service_definition(category), "service_definition")


def _values(raw: str | None) -> list[str]:
    return [item.strip() for item in (raw or "").split(",") if item.strip()]


def _when(raw: str, name: str) -> datetime:
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        value = datetime.combine(day, time.min) if day else None
    if value is None:
        raise exceptions.ValidationError(f"{name}: expected an ISO-8601 date-time")
    try:
        return clock.in_zone(timezone.make_aware(value) if timezone.is_naive(value) else value)
    except ValueError:
        raise exceptions.ValidationError(f"{name}: out of range") from None


def _whole(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError(f"{name}: expected an integer") from None
    if not low <= value <= high:
        raise exceptions.ValidationError(f"{name}: must be between {low} and {high}")
    return value


def _coordinate(raw: str | None, name: str, limit: float) -> float | None:
    if raw in (None, ""):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise exceptions.ValidationError(f"{name}: expected a decimal number") from None
    if not math.isfinite(value) or abs(value) > limit:
        raise exceptions.ValidationError(f"{name}: out of range")
    return value


class RequestListView(Open311View):
    def get(self, request: Request, format: str | None = None) -> Response:
        params = request.query_params
        extensions = params.get("extensions") == "true"
        queryset = public_requests(with_notes=extensions)
        numbers = _values(params.get("service_request_id"))
        if numbers:  # the spec: other filters are ignored when ids are given
            queryset = queryset.filter(number__in=numbers[:MAX_RESULTS])
        else:
            queryset = self._filtered(queryset, params)
        page = _whole(params.get("page"), "page", 1, 1, 1_000_000)
        size = _whole(params.get("page_size"), "page_size", MAX_RESULTS, 1, MAX_RESULTS)
        cases = queryset.order_by("-reported_at", "-id")[(page - 1) * size : page * size]
        absolute = request.build_absolute_uri
        return respond(
            [representation.service_request(c, absolute=absolute, extensions=extensions) for c in cases],
            "service_requests",
        )

    @staticmethod
    def _filtered(queryset, params):
        codes = _values(params.get("service_code"))
        if codes:
            found = [by_service_code(code) for code in codes]
            queryset = queryset.filter(category__in=[c for c in found if c is not None])
        end = _when(params["end_date"], "end_date") if params.get("end_date") else None
        start = _when(params["start_date"], "start_date") if params.get("start_date") else None
        try:  # a span from an instant near year 1 or 9999 leaves the calendar
            if end is None:
                end = start + MAX_SPAN if start else clock.now()
            start = start or end - MAX_SPAN
        except OverflowError:
            raise exceptions.ValidationError("start_date/end_date: out of range") from None
        if start > end:
            raise exceptions.ValidationError("start_date must be before end_date")
        if end - start > MAX_SPAN:
            raise exceptions.ValidationError("the span from start_date to end_date may be at most 90 days")
        queryset = queryset.filter(reported_at__gte=start, reported_at__lte=end)
        statuses = set(_values(params.get("status")))
        if statuses - {"open", "closed"}:
            raise exceptions.ValidationError("status: expected open or closed")
        if statuses == {"open"}:
            queryset = queryset.filter(status__in=OPEN)
        elif statuses == {"closed"}:
            queryset = queryset.exclude(status__in=OPEN)
        return queryset

    def post(self, request: Request, format: str | None = None) -> Response:
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.PermissionDenied("api_key is required")
        street = settings.JIEDAO["STREET"]
        if not covers(key.integrator, street):
            raise exceptions.PermissionDenied("api_key is not valid for this jurisdiction")
        data = request.data
        category = service(data.get("service_code", ""))
        if category is None:
            raise exceptions.ValidationError("service_code: unknown or missing service_code")
        lat = _coordinate(data.get("lat"), "lat", 90)
        lon = _coordinate(data.get("long"), "long", 180)
        if (lat is None) != (lon is None):
            raise exceptions.ValidationError("lat and long must be given together")
        address = data.get("address_string", "")
        if lat is None and not address.strip():
            raise exceptions.ValidationError("a location is required: lat and long, or address_string")
        report = ReportInput(
            category=category,
            description=data.get("description", ""),
            channel=Channel.API,
            lon=lon,
            lat=lat,
            address=address,
            reporter_name=f"{data.get('last_name', '')}{data.get('first_name', '')}",
            reporter_phone=data.get("phone", ""),
            attributes={name: data.getlist(name) for name in data if name.startswith("attribute[")},
        )
        case = do_report(report, actor=integrator_actor(key.integrator, ip=client_ip(request)))
        answer = {
            "service_request_id": case.number,
            "service_notice": "",
            "account_id": data.get("account_id"),
        }
        return respond([answer], "service_requests", status.HTTP_201_CREATED)


class RequestDetailView(Open311View):
    def get(self, request: Request, service_request_id: str, format: str | None = None) -> Response:
        extensions = request.query_params.get("extensions") == "true"
        case = public_requests(with_notes=extensions).filter(number=service_request_id).first()
        if case is None:
            raise exceptions.NotFound(f"unknown service_request_id {service_request_id[:20]!r}")
        data = representation.service_request(
            case, absolute=request.build_absolute_uri, extensions=extensions
        )
        return respond([data], "service_requests")


class TokenView(Open311View):
    """Requests are created at once, so a token is the request's own id (kept for clients that poll)."""

    def get(self, request: Request, token: str, format: str | None = None) -> Response:
        case = public_requests().filter(number=token, channel=Channel.API).first()
        if case is None:
            raise exceptions.NotFound(f"unknown token {token[:20]!r}")
        return respond([{"service_request_id": case.number, "token": token}], "service_requests")
