"""Admin for integrators: keys are issued by an action that shows the plain key once, and revoked by another."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from jiedao.core.admin import ReadOnlyAdmin
from jiedao.integrations.keys import issue_key, revoke_key
from jiedao.integrations.models import ApiKey, Integrator, WebhookDelivery, WebhookSubscription
from jiedao.org.selectors import actor_for_user


@admin.register(Integrator)
class IntegratorAdmin(admin.ModelAdmin):
    list_display = ("name", "jurisdiction", "active", "created_at")
    list_filter = ("active",)
    actions = ["issue_api_key"]

    @admin.action(description=_("生成新的接口密钥(仅显示一次)"))
    def issue_api_key(self, request: HttpRequest, queryset: QuerySet[Integrator]) -> None:
        actor = actor_for_user(request.user)
        for integrator in queryset:
            _key, plain = issue_key(integrator, actor=actor)
            self.message_user(
                request,
                _("「%(n)s」的新密钥(请立即保存,之后不再显示):%(k)s") % {"n": integrator, "k": plain},
                messages.WARNING,
            )


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("integrator", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("hashed",)
    actions = ["revoke"]

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        actor = actor_for_user(request.user)
        for key in queryset:
            revoke_key(key, actor=actor)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("integrator", "url", "active", "consecutive_failures", "disabled_at")
    list_filter = ("active",)
    readonly_fields = ("consecutive_failures", "disabled_at")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "event", "status", "attempts", "response_status", "created_at")
    list_filter = ("status", "event")
