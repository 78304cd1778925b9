"""Small helpers the views share: who is acting, and how a refusal becomes messages next to fields."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError
from jiedao.org.selectors import actor_for_user

NON_FIELD = "__all__"


def client_ip(request: HttpRequest) -> str | None:
    """The peer address as the server saw it (a proxy in front must set REMOTE_ADDR correctly)."""
    return request.META.get("REMOTE_ADDR") or None


def staff_actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "_jiedao_actor", None)
    if actor is None:
        actor = actor_for_user(request.user, ip=client_ip(request))
        request._jiedao_actor = actor
    return actor


def error_dict(exc: ApplicationError) -> dict[str, str]:
    """field → message from a refusal: its details when it names several fields, else its one field."""
    if isinstance(exc.details, dict) and exc.details:
        return {str(k): str(v) for k, v in exc.details.items()}
    return {exc.field or NON_FIELD: exc.message}


def form_errors(form: forms.Form) -> dict[str, str]:
    return {name: " ".join(str(m) for m in messages) for name, messages in form.errors.items()}


def attribute_input(post) -> dict[str, object]:
    """The Open311-style extra fields of a POST: attribute[code] and attribute[code][] (lists)."""
    return {
        key: (post.getlist(key) if key.endswith("[]") else post.get(key))
        for key in post
        if key.startswith("attribute[")
    }
