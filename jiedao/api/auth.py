"""Who is calling the API: a staff member (hashed token or session) or an integrator (API key)."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from jiedao.api.models import StaffToken
from jiedao.api.tokens import authenticate_token
from jiedao.core.actor import Actor
from jiedao.integrations.keys import authenticate_key, integrator_actor
from jiedao.integrations.models import ApiKey, Integrator
from jiedao.org.models import User
from jiedao.org.selectors import actor_for_user

KEYWORD = "ApiKey"


@dataclass(frozen=True)
class IntegratorPrincipal:
    """``request.user`` of a call made with an API key."""

    integrator: Integrator
    is_authenticated: bool = True
    is_anonymous: bool = False
    pk: None = None


def _key_for(plain: str) -> tuple[IntegratorPrincipal, ApiKey]:
    key = authenticate_key(plain)
    if key is None:
        raise AuthenticationFailed("接口密钥无效或已吊销", code="bad_api_key")
    return IntegratorPrincipal(key.integrator), key


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: ApiKey <key>`` or ``X-Api-Key: <key>``."""

    def authenticate(self, request: Request) -> tuple[IntegratorPrincipal, ApiKey] | None:
        header = get_authorization_header(request).decode("latin-1").split(None, 1)
        if len(header) == 2 and header[0] == KEYWORD:
            return _key_for(header[1].strip())
        plain = request.META.get("HTTP_X_API_KEY", "")
        return _key_for(plain) if plain else None

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class FormApiKeyAuthentication(BaseAuthentication):
    """Open311's ``api_key`` form or query parameter; a wrong key is a 403 (no challenge header)."""

    def authenticate(self, request: Request) -> tuple[IntegratorPrincipal, ApiKey] | None:
        plain = request.query_params.get("api_key") or (
            request.data.get("api_key") if hasattr(request.data, "get") else None
        )
        return _key_for(plain) if plain else None


class StaffTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <token>`` (a staff token from ``manage.py create_api_token``)."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, StaffToken] | None:
        header = get_authorization_header(request).decode("latin-1").split(None, 1)
        if len(header) != 2 or header[0] != self.keyword:
            return None
        token = authenticate_token(header[1].strip())
        if token is None:
            raise AuthenticationFailed("接口令牌无效、已吊销或账号已停用", code="bad_token")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def caller(request: Request) -> Actor:
    """The Actor behind a request (cached on it): the integrator of an API key, or the staff member."""
    cached = getattr(request, "_jiedao_actor", None)
    if cached is None:
        if isinstance(request.auth, ApiKey):
            cached = integrator_actor(request.auth.integrator, ip=client_ip(request))
        else:
            cached = actor_for_user(request.user, ip=client_ip(request))
        request._jiedao_actor = cached
    return cached


def caller_key(request: Request) -> str:
    """A stable name of the caller (for idempotency keys and throttling)."""
    if isinstance(request.auth, ApiKey):
        return f"integrator:{request.auth.integrator_id}"
    return f"user:{request.user.pk}"


class IsStaff(BasePermission):
    message = "需要工作人员账号"

    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and not isinstance(request.auth, ApiKey))


class IsIntegrator(BasePermission):
    message = "需要对接单位的接口密钥"

    def has_permission(self, request: Request, view) -> bool:
        return isinstance(request.auth, ApiKey)
