"""Staff API tokens (stored hashed) and idempotency keys (the same ``Idempotency-Key`` makes one case)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedao.cases.models import Case
from jiedao.core.models import IssuedSecret
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


class StaffToken(IssuedSecret):
    """工作人员接口令牌: ``Authorization: Token …`` for a staff account."""

    user = models.ForeignKey(
        User, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="api_tokens"
    )

    class Meta(IssuedSecret.Meta):
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"
