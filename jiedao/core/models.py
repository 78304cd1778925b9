"""Cross-cutting records: the audit log, the outbox, notifications, counters and calendar overrides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """审计日志: who did what to which object, when, old → new, why, and whether it was allowed."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("操作人名称"), max_length=100)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象"), max_length=64, db_index=True)
    old = models.JSONField(_("变更前"), default=dict, blank=True)
    new = models.JSONField(_("变更后"), default=dict, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    success = models.BooleanField(_("成功"), default=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"
        )


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DONE = "done", _("已发送")
    FAILED = "failed", _("失败")


class OutboxMessage(models.Model):
    """发件箱: a side effect written in the same transaction as the change, delivered after commit."""

    topic = models.CharField(_("主题"), max_length=60, db_index=True)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("创建时间"))
    available_at = models.DateTimeField(_("可发送时间"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    claimed_until = models.DateTimeField(_("领取至"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最后错误"), blank=True)

    class Meta:
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱")
        indexes = [models.Index(fields=["status", "available_at"])]

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} {self.status}"


class Notification(models.Model):
    """站内通知: what a person should look at (a warning, an overdue case, a dispatch)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(_("时间"), db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    level = models.CharField(_("级别"), max_length=10, default="info")
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    source = models.ForeignKey(OutboxMessage, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        constraints = [
            # Redelivering an outbox message never notifies a person twice.
            models.UniqueConstraint(fields=["source", "user"], name="notification_once_per_message")
        ]

    def __str__(self) -> str:
        return self.title


class Counter(models.Model):
    """A named sequence (e.g. the case numbers of one day), incremented under a row lock."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("计数器")
        verbose_name_plural = _("计数器")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class CalendarDay(models.Model):
    """工作日历调整: a date that is (or is not) a working day against the national calendar."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '休息'}"


class IssuedSecret(models.Model):
    """A bearer secret (an integrator's API key, a staff token): shown once when issued; only its prefix (for
    lookup) and its SHA-256 are stored (``lib.issued_secrets``, looked up by ``core.secrets``)."""

    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]
