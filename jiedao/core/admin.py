"""Admin for configuration only. The audit log is readable by audit admins and editable by nobody."""

from django.contrib import admin
from django.http import HttpRequest

from jiedao.core.calendar import invalidate_calendar
from jiedao.core.models import AuditEvent, CalendarDay


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "success", "ip")
    list_filter = ("success", "action", "object_type")
    search_fields = ("actor_label", "object_id", "action", "reason")
    date_hierarchy = "at"

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        from jiedao.org.models import Role

        return request.user.is_superuser or request.user.memberships.filter(role=Role.AUDIT_ADMIN).exists()


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_working_day", "note")
    list_filter = ("is_working_day",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidate_calendar()
