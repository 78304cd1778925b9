"""Integrators (对接单位): systems that report cases through the API and Open311, and hear back by webhook."""

from __future__ import annotations

import secrets

from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedao.core.clock import now
from jiedao.core.models import IssuedSecret, OutboxMessage
from jiedao.org.models import Region


class Integrator(models.Model):
    """对接单位: an outside system (a 12345 platform, a property company's app) with a jurisdiction."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    jurisdiction = models.ForeignKey(
        Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="integrators"
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=now)

    class Meta:
        verbose_name = _("对接单位")
        verbose_name_plural = _("对接单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(IssuedSecret):
    """接口密钥 of an integrator."""

    integrator = models.ForeignKey(Integrator, on_delete=models.CASCADE, related_name="keys")

    class Meta(IssuedSecret.Meta):
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.integrator} · {self.prefix}…"


class WebhookEvent(models.TextChoices):
    REPORTED = "case.reported", _("上报")
    REGISTERED = "case.registered", _("立案")
    VOIDED = "case.voided", _("作废")
    MERGED = "case.merged", _("并案")
    DISPATCHED = "case.dispatched", _("派遣")
    ACCEPTED = "case.accepted", _("签收")
    RETURNED = "case.returned", _("退单")
    ESCALATED = "case.escalated", _("上报上级")
    EXTENDED = "case.extended", _("批准延期")
    SUSPENDED = "case.suspended", _("缓办")
    RESUMED = "case.resumed", _("恢复办理")
    HANDLED = "case.handled", _("处置反馈")
    REWORKED = "case.reworked", _("返工")
    CLOSED = "case.closed", _("结案")
    EVALUATED = "case.evaluated", _("评价")
    REOPENED = "case.reopened", _("重办")
    OVERDUE = "case.overdue", _("超期")


# The case action (cases.states) behind each webhook event.
EVENT_OF_ACTION: dict[str, str] = {
    "report": WebhookEvent.REPORTED,
    "register": WebhookEvent.REGISTERED,
    "void": WebhookEvent.VOIDED,
    "merge": WebhookEvent.MERGED,
    "dispatch": WebhookEvent.DISPATCHED,
    "accept": WebhookEvent.ACCEPTED,
    "return": WebhookEvent.RETURNED,
    "escalate": WebhookEvent.ESCALATED,
    "approve_extension": WebhookEvent.EXTENDED,
    "suspend": WebhookEvent.SUSPENDED,
    "resume": WebhookEvent.RESUMED,
    "handle": WebhookEvent.HANDLED,
    "rework": WebhookEvent.REWORKED,
    "verify": WebhookEvent.CLOSED,
    "evaluate": WebhookEvent.EVALUATED,
    "reopen": WebhookEvent.REOPENED,
    "overdue": WebhookEvent.OVERDUE,
}


WEBHOOK_URL = URLValidator(schemes=["http", "https"])


def new_secret() -> str:
    return secrets.token_hex(24)


class WebhookSubscription(models.Model):
    """事件订阅: where to POST which case events; disabled after too many consecutive failures."""

    integrator = models.ForeignKey(Integrator, on_delete=models.CASCADE, related_name="subscriptions")
    url = models.URLField(_("接收地址"), max_length=500, validators=[WEBHOOK_URL])
    secret = models.CharField(_("签名密钥"), max_length=100, default=new_secret)
    events = models.JSONField(_("事件类型"), default=list, help_text=_("如 case.dispatched;空表示全部"))
    active = models.BooleanField(_("启用"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    disabled_at = models.DateTimeField(_("自动停用时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=now)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.integrator} → {self.url}"

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败")


class WebhookDelivery(models.Model):
    """投递记录: one event for one subscription, with every attempt's outcome (the owner can read it)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    source = models.ForeignKey(OutboxMessage, null=True, on_delete=models.SET_NULL, related_name="+")
    event = models.CharField(_("事件"), max_length=40)
    body = models.TextField(_("内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    response_status = models.PositiveIntegerField(_("响应码"), null=True, blank=True)
    last_error = models.CharField(_("最后错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    last_attempt_at = models.DateTimeField(_("最后尝试"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Redelivering one outbox message never queues the same event twice for a subscription.
            models.UniqueConstraint(fields=["subscription", "source"], name="delivery_once_per_message")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} {self.status}"
