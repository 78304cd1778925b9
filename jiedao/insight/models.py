"""统计分析: the daily rollup behind the metrics, its partition locks, and the editable report wording."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedao.org.models import Region


class RollupDim(models.TextChoices):
    TOTAL = "", _("合计")
    COMMUNITY = "community", _("社区")
    UNIT = "unit", _("承办单位")
    CATEGORY = "category", _("类别")
    CHANNEL = "channel", _("来源渠道")


class DailyStats(models.Model):
    """日统计: the counts the metrics need, per local day and street — in total and split by one dimension
    (community, unit, category or channel; ``value`` is its code or id, "-" for none).

    Never edited by hand: ``insight.rollups`` recomputes a (street, day) partition from the cases after a case
    with an event on that day changed (marked stale at once, recomputed by the periodic job; the metrics count
    a stale partition straight from the cases until then). Each count column is the counter of the same name in
    ``insight.metrics.COUNTERS``, counted on the day of that counter's anchor (上报, 立案, 结案 or 回访日).
    A street-day has at most one row per dimension value (a few dozen), whatever its number of cases.
    """

    day = models.DateField(_("日期"))
    street = models.ForeignKey(Region, verbose_name=_("街道"), on_delete=models.CASCADE, related_name="+")
    dim = models.CharField(_("维度"), max_length=10, choices=RollupDim.choices, blank=True)
    value = models.CharField(_("取值"), max_length=40, blank=True)

    reported = models.PositiveIntegerField(default=0)
    voided = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    closed_due = models.PositiveIntegerField(default=0)
    due_timed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0)
    handled_on_time = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    suspended = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    dispatch_ok = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    amount = models.FloatField(default=0)
    closed = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    effective = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("日统计")
        verbose_name_plural = _("日统计")
        indexes = [models.Index(fields=["street", "dim", "day"]), models.Index(fields=["dim", "day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.street_id}"


class RollupPartition(models.Model):
    """One (street, day) of the rollup: marked stale when a case with an event on that day changes, and
    recomputed by the periodic job under a lock on this row (see ``insight.rollups``)."""

    street = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    refreshed_at = models.DateTimeField(null=True)
    # When the oldest change not yet recomputed was marked; None while the day's rows equal the cases.
    stale_since = models.DateTimeField(null=True)
    # Bumped by every mark: a recompute clears the mark only if no mark landed since it read this.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("统计分区")
        verbose_name_plural = _("统计分区")
        constraints = [models.UniqueConstraint(fields=["street", "day"], name="rollup_partition_unique")]
        indexes = [
            models.Index(
                fields=["stale_since"],
                condition=models.Q(stale_since__isnull=False),
                name="rollup_partition_stale",
            )
        ]

    def __str__(self) -> str:
        return f"{self.street_id} {self.day}"


class ScopeLevel(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    UNIT = "unit", _("单位")


class ReportTemplate(models.Model):
    """报告模板: the wording of a quantified report, a Django template a sub-district may edit in the admin.

    The figures come from the data; the template only says how to phrase them (see the admin help text for
    the variables). Migration 0002 ships the defaults of ``insight.wording``; a level without a row uses them.
    """

    level = models.CharField(_("适用层级"), max_length=10, choices=ScopeLevel.choices, unique=True)
    title = models.CharField(
        _("标题"), max_length=200, help_text=_("如:{{ scope_name }}{{ period.label }}工作量化报告")
    )
    body = models.TextField(
        _("正文模板"),
        help_text=_(
            "Django 模板语法。以“## ”开头的行为小标题,空行分段。可用变量:scope_name、period、previous、"
            "last_year、f(本期指标,如 f.registered、f.ontime_close_rate)、p(上期)、y(去年同期)、"
            "hotline(12345 工单指标)、hazard、dispute、wish、red、black(红黑榜)、hotspots。"
        ),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("报告模板")
        verbose_name_plural = _("报告模板")
        ordering = ["level"]

    def __str__(self) -> str:
        return f"{self.get_level_display()}:{self.title}"
