"""Staff API tokens (stored hashed) and idempotency keys (the same ``Idempotency-Key`` makes one case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedao.cases.models import Case
from jiedao.org.models import User


class IdempotencyKey(models.Model):
    caller = models.CharField(_("调用方"), max_length=40)
    key = models.CharField(_("幂等键"), max_length=100)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["caller", "key"], name="idempotency_key_once")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key} → {self.case_id}"


class StaffToken(models.Model):
    """工作人员接口令牌: ``Authorization: Token …`` for a staff account. Shown once when issued; only its prefix
    (for lookup) and its SHA-256 are stored (``lib.issued_secrets``)."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(_("前缀"), max_length=16, unique=True)
    hashed = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("创建时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
