"""Request rates per caller: anonymous by IP, integrators by key's integrator, staff by account."""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from jiedao.integrations.models import ApiKey


class JiedaoThrottle(SimpleRateThrottle):
    """Rates come from ``settings.JIEDAO["API_RATES"]`` at each request, so they follow the settings."""

    def __init__(self) -> None:  # the scope is only known per request
        pass

    def allow_request(self, request: Request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            self.scope, ident = "integrator", str(request.auth.integrator_id)
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", str(request.user.pk)
        else:
            self.scope, ident = "anon", self.get_ident(request)
        self.rate = settings.JIEDAO["API_RATES"][self.scope]
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.ident = ident
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.ident}
