from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from jiedao.core.adminkit import SECURITY, RoleAdmin
from jiedao.org.models import Grid, Membership, Region, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(User)
class JiedaoUserAdmin(RoleAdmin, UserAdmin):
    roles = frozenset({SECURITY})
    inlines = (MembershipInline,)
    list_display = ("username", "get_full_name", "is_active", "last_login")


@admin.register(Region)
class RegionAdmin(RoleAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    exclude = ("boundary",)


@admin.register(Grid)
class GridAdmin(RoleAdmin):
    list_display = ("code", "name", "community", "area_m2", "is_demo_geometry")
    list_filter = ("community", "is_demo_geometry")
    search_fields = ("code", "name")
    filter_horizontal = ("workers",)
    readonly_fields = ("polygon", "area_m2", "street")


@admin.register(Unit)
class UnitAdmin(RoleAdmin):
    list_display = ("name", "kind", "specialty", "region", "escalates_to", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "specialty")
