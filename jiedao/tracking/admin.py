"""Configuration of devices, zones and shifts (系统管理员). Positions are never edited by hand.

Every save and delete is written to the audit log through ``services``; zone and shift changes also refresh
the listeners' zone index.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from jiedao.core import clock
from jiedao.org.selectors import actor_for_user
from jiedao.tracking import services
from jiedao.tracking.geometry import zone_shape
from jiedao.tracking.models import Device, Shift, Zone
from jiedao.web.common import client_ip


class ZoneForm(forms.ModelForm):
    class Meta:
        model = Zone
        fields = ("name", "unit", "kind", "geometry", "width_m", "active")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("geometry") is not None and data.get("kind"):
            try:
                zone_shape(data["kind"], data["geometry"], data.get("width_m") or 0)
            except ValueError as exc:
                raise forms.ValidationError({"geometry": str(exc)}) from None
        return data


class ShiftForm(forms.ModelForm):
    class Meta:
        model = Shift
        fields = (
            "name",
            "zone",
            "devices",
            "crew",
            "weekdays",
            "working_days_only",
            "start",
            "end",
            "grace_minutes",
            "active",
        )

    def clean_weekdays(self) -> str:
        value = "".join(sorted(set(self.cleaned_data["weekdays"])))
        if not value or not set(value) <= set("1234567"):
            raise forms.ValidationError("星期只能由 1–7 组成(1=周一)")
        return value


class AuditedAdmin(admin.ModelAdmin):
    """Saves as usual, then audits what the form changed (after the many-to-many fields are saved)."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        changed = form.changed_data
        services.record_config_change(
            actor_for_user(request.user, ip=client_ip(request)),
            form.instance,
            created=not change,
            old={name: form.initial.get(name) for name in changed} if change else {},
            new={name: form.cleaned_data.get(name) for name in changed},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_config(actor_for_user(request.user, ip=client_ip(request)), obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        actor = actor_for_user(request.user, ip=client_ip(request))
        for obj in queryset:
            services.delete_config(actor, obj)


@admin.register(Device)
class DeviceAdmin(AuditedAdmin):
    list_display = ("name", "identifier", "protocol", "kind", "unit", "active", "last_fix_at", "last_seen_at")
    list_filter = ("protocol", "kind", "active", "unit")
    search_fields = ("name", "identifier", "plate")
    filter_horizontal = ("crew",)
    fields = (
        "identifier",
        "protocol",
        "kind",
        "name",
        "plate",
        "unit",
        "crew",
        "auth_code",
        "active",
        "created_at",
    )
    readonly_fields = ("created_at",)

    def save_model(self, request: HttpRequest, obj: Device, form, change: bool) -> None:
        if not change:
            obj.identifier = services.normalize_identifier(obj.protocol, obj.identifier)
            obj.created_at = clock.now()
        super().save_model(request, obj, form, change)


@admin.register(Zone)
class ZoneAdmin(AuditedAdmin):
    form = ZoneForm
    list_display = ("name", "unit", "kind", "width_m", "active")
    list_filter = ("kind", "active", "unit")
    search_fields = ("name",)


@admin.register(Shift)
class ShiftAdmin(AuditedAdmin):
    form = ShiftForm
    list_display = (
        "name",
        "zone",
        "start",
        "end",
        "weekdays",
        "working_days_only",
        "grace_minutes",
        "active",
    )
    list_filter = ("active", "working_days_only", "zone")
    filter_horizontal = ("devices", "crew")
