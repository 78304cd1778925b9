"""Admin for staff API tokens: listed without their hash, revoked by an action (issued by the command)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiedao.api.models import StaffToken
from jiedao.api.tokens import revoke_tokens
from jiedao.core.adminkit import SECURITY, ReadOnlyAdmin
from jiedao.org.selectors import actor_for_user


@admin.register(StaffToken)
class StaffTokenAdmin(ReadOnlyAdmin):
    roles = frozenset({SECURITY})  # tokens belong with accounts, to the 安全管理员
    list_display = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("hashed",)
    search_fields = ("user__username", "prefix")
    actions = ["revoke"]

    @admin.action(description=_("吊销所选令牌的账号的全部令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[StaffToken]) -> None:
        actor = actor_for_user(request.user)
        for user in {token.user for token in queryset.select_related("user")}:
            revoke_tokens(user, actor=actor)
