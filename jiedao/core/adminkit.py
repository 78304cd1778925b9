"""The configuration admin, split among the three administrators (三员) and audited.

系统管理员 configures (categories, units, grids, calendar), 安全管理员 manages accounts and roles, 审计管理员
reads the audit log. A model admin names the roles that may use it; every change made in the admin writes an
AuditEvent like any other change, so configuration has the same who/when/what trail as cases.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import transaction
from django.http import HttpRequest

SYSTEM, SECURITY, AUDIT = "system_admin", "security_admin", "audit_admin"
ADMIN_ROLES = {SYSTEM, SECURITY, AUDIT}


def admin_roles(request: HttpRequest) -> set[str]:
    """The 三员 roles of the signed-in person; a Django superuser counts as the system administrator."""
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return set()
    cached = getattr(request, "_jiedao_admin_roles", None)
    if cached is None:
        cached = set(user.memberships.filter(role__in=ADMIN_ROLES).values_list("role", flat=True))
        if user.is_superuser:
            cached.add(SYSTEM)
        request._jiedao_admin_roles = cached
    return cached


class JiedaoAdminSite(admin.AdminSite):
    site_header = "街道 Jiedao 配置管理"
    site_title = "街道 Jiedao"
    index_title = "配置"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(admin_roles(request))


class JiedaoAdminConfig(AdminConfig):
    default_site = "jiedao.core.adminkit.JiedaoAdminSite"


class RoleAdmin(admin.ModelAdmin):
    """A model admin usable by the named 三员 roles only, with every change audited."""

    roles: frozenset[str] = frozenset({SYSTEM})
    read_only = False

    def _allowed(self, request: HttpRequest) -> bool:
        return bool(admin_roles(request) & self.roles)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._allowed(request) and not self.read_only

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and not self.read_only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request) and not self.read_only

    def _audit(
        self, request: HttpRequest, verb: str, obj: Any, changed: dict[str, Any] | None = None
    ) -> None:
        from jiedao.core import audit  # imported late: this module is loaded before the app registry is ready
        from jiedao.org.selectors import actor_for_user

        actor = actor_for_user(request.user, ip=request.META.get("REMOTE_ADDR"))
        audit.record(
            actor, f"admin.{verb}", obj._meta.label_lower, obj.pk, new=changed or {}, reason=str(obj)
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            changed = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
            self._audit(request, "change" if change else "add", obj, changed)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._audit(request, "delete", obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, "delete", obj)
            super().delete_queryset(request, queryset)


class ReadOnlyAdmin(RoleAdmin):
    """Records that are written by the system and only read here (audit log, delivery logs)."""

    read_only = True
