"""One error body for the whole API: {"error": {"code", "message", "message_en"?, "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.utils import translation
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiedao.core.errors import ApplicationError, PermissionRefused

# Refusals that mean "not now, in this state" rather than "bad input".
CONFLICT_CODES = {"invalid_state", "suspended", "guard", "idempotency_mismatch"}


def _flatten(detail: Any, prefix: str = "") -> dict[str, str]:
    """DRF's nested ErrorDetail structures as {"field.sub": "message; message"}."""
    if isinstance(detail, dict):
        fields: dict[str, str] = {}
        for key, value in detail.items():
            fields.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return fields
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": "; ".join(str(item) for item in detail)}
        fields = {}
        for index, item in enumerate(detail):
            fields.update(_flatten(item, f"{prefix}[{index}]"))
        return fields
    return {prefix or "non_field_errors": str(detail)}


def error_body(
    code: str, message: str, *, fields: dict[str, Any] | None = None, message_en: str = ""
) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    if message_en:
        body["message_en"] = message_en
    return {"error": body}


def application_error_response(exc: ApplicationError) -> Response:
    if isinstance(exc, PermissionRefused):
        code = status.HTTP_403_FORBIDDEN
    elif exc.code in CONFLICT_CODES:
        code = status.HTTP_409_CONFLICT
    else:
        code = status.HTTP_400_BAD_REQUEST
    fields = exc.details if isinstance(exc.details, dict) else ({exc.field: exc.message} if exc.field else {})
    return Response(error_body(exc.code, exc.message, fields=fields), status=code)


def _english(exc: exceptions.APIException) -> str:
    with translation.override("en"):
        return str(exc.default_detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # an unexpected error stays a 500 (and is logged)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "; ".join(f"{k}: {v}" for k, v in fields.items())
        response.data = error_body("invalid", message, fields=fields, message_en="Invalid input.")
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(code, str(exc.detail), message_en=_english(exc))
    return response
