"""Admin for configuration only. The audit log is readable by audit admins and editable by nobody."""

from django.contrib import admin

from jiedao.core.adminkit import AUDIT, ReadOnlyAdmin, RoleAdmin
from jiedao.core.calendar import calendar_changed
from jiedao.core.models import AuditEvent, CalendarDay


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    roles = frozenset({AUDIT})
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "success", "ip")
    list_filter = ("success", "action", "object_type")
    search_fields = ("actor_label", "object_id", "action", "reason")
    date_hierarchy = "at"


@admin.register(CalendarDay)
class CalendarDayAdmin(RoleAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)

    # Every change of the overrides moves deadlines computed from now on, in every process.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        calendar_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        calendar_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        calendar_changed()
