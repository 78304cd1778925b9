"""Categories, cases, their timeline and attachments. Cases change only through ``cases.actions``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiedao.org.models import Grid, Region, Unit


class Scheme(models.TextChoices):
    GBT30428 = "gbt30428", _("GB/T 30428.2-2013 数字城管")
    GBT47678 = "gbt47678", _("GB/T 47678.5-2026 城市运行管理")
    HOTLINE = "12345", _("12345 热线")
    LOCAL = "local", _("本地分类")


class CategoryKind(models.TextChoices):
    EVENT = "event", _("事件")
    COMPONENT = "component", _("部件")
    REQUEST = "request", _("诉求")
    HAZARD = "hazard", _("安全隐患")
    DISPUTE = "dispute", _("矛盾纠纷")
    WISH = "wish", _("微心愿")


class Category(models.Model):
    """类别: what a case is about — 大类 (parent is None) or 小类, with deadlines and extra fields."""

    scheme = models.CharField(_("标准"), max_length=10, choices=Scheme.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=CategoryKind.choices)
    code = models.CharField(_("编码"), max_length=12)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("大类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    default_unit_specialty = models.CharField(_("默认承办专业"), max_length=20, blank=True)
    attributes = models.JSONField(_("附加字段"), default=list, blank=True, help_text=_("Open311 属性定义"))
    public = models.BooleanField(_("居民可选"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("类别")
        verbose_name_plural = _("类别")
        ordering = ["scheme", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind", "code"], name="category_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def service_code(self) -> str:
        """The public key of a category (Open311 service_code), unique across schemes."""
        return f"{self.scheme}-{self.kind}-{self.code}"


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Stage(models.TextChoices):
    REGISTER = "register", _("立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPT = "accept", _("签收")
    HANDLE = "handle", _("处置")
    VERIFY = "verify", _("核查")


class TimeUnit(models.TextChoices):
    MINUTE = "minute", _("分钟")
    HOUR = "hour", _("小时")
    DAY = "day", _("天")


class TimeBasis(models.TextChoices):
    WORKING = "working", _("工作时间")
    NATURAL = "natural", _("自然时间")


class StageLimit(models.Model):
    """时限: how long a stage of a case of this category and urgency may take."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="limits")
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices)
    stage = models.CharField(_("环节"), max_length=10, choices=Stage.choices)
    amount = models.PositiveIntegerField(_("时长"))
    unit = models.CharField(_("单位"), max_length=10, choices=TimeUnit.choices)
    basis = models.CharField(_("计时方式"), max_length=10, choices=TimeBasis.choices)

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency", "stage"], name="stage_limit_unique")
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_stage_display()} {self.amount}{self.get_unit_display()}({self.get_basis_display()})"
        )


class RoutingRule(models.Model):
    """派遣规则: cases of a category in a region go to this unit by default (the dispatcher may override)."""

    category = models.ForeignKey(Category, verbose_name=_("类别"), on_delete=models.CASCADE)
    region = models.ForeignKey(Region, verbose_name=_("区域"), on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        constraints = [models.UniqueConstraint(fields=["category", "region"], name="routing_rule_unique")]

    def __str__(self) -> str:
        return f"{self.category} @ {self.region} → {self.unit}"


class Status(models.TextChoices):
    REPORTED = "reported", _("待受理")
    REGISTERED = "registered", _("已立案")
    DISPATCHED = "dispatched", _("已派遣")
    ACCEPTED = "accepted", _("已签收")
    HANDLED = "handled", _("已处置")
    CLOSED = "closed", _("已结案")
    EVALUATED = "evaluated", _("已评价")
    VOIDED = "voided", _("已作废")


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民随手拍")
    GRID_WORKER = "grid_worker", _("网格员巡查")
    HOTLINE_12345 = "12345", _("12345热线")
    POLICE_110 = "110", _("110联动")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("电话")
    WISH_BOX = "wish_box", _("心愿箱")
    API = "api", _("接口")


class Clock(models.TextChoices):
    NORMAL = "normal", _("正常")
    WARNING = "warning", _("预警")
    OVERDUE = "overdue", _("超期")
    PAUSED = "paused", _("暂停计时")
    NONE = "none", _("无")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Case(models.Model):
    """案件/工单: one closed-loop item, from report to rating."""

    number = models.CharField(_("案件编号"), max_length=20, unique=True)
    # Keys without an index of their own where an index in Meta starts with them (fewer indexes per write).
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    source_ref = models.CharField(_("来源单号"), max_length=64, blank=True, help_text=_("如 12345 工单号"))
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地址"), max_length=255, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    street = models.ForeignKey(Region, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT)
    attributes = models.JSONField(_("附加信息"), default=dict, blank=True)

    # Personal data of the reporter: encrypted at rest, masked on display, every reveal logged.
    reporter_name_enc = models.TextField(blank=True)
    reporter_phone_enc = models.TextField(blank=True)
    reporter_phone_index = models.CharField(max_length=64, blank=True)  # indexed in Meta (equality only)
    reporter_phone_last4 = models.CharField(max_length=4, blank=True)
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    co_units = models.ManyToManyField(Unit, verbose_name=_("协办单位"), blank=True, related_name="co_cases")
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )

    reported_at = models.DateTimeField(_("上报时间"), db_index=True)
    registered_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))

    # The running clock of the current stage (see cases.sla).
    stage_seq = models.PositiveIntegerField(default=0)
    stage_started_at = models.DateTimeField(_("环节开始"), null=True, blank=True)
    stage_deadline = models.DateTimeField(_("环节时限"), null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True, db_index=True)
    due_at = models.DateTimeField(_("处置时限"), null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停计时于"), null=True, blank=True)
    clock = models.CharField(_("计时状态"), max_length=10, choices=Clock.choices, default=Clock.NORMAL)
    suspended = models.BooleanField(_("缓办中"), default=False)
    extension_pending = models.BooleanField(_("延期申请中"), default=False)
    extension_requested_until = models.DateTimeField(_("申请延期至"), null=True, blank=True)

    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("返工次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("上报层级"), default=0)
    supervise_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    was_suspended = models.BooleanField(_("曾缓办"), default=False)

    handled_on_time = models.BooleanField(_("按期处置"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期结案"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    # 回访 (12345 三率): whether the callback reached the requester (有效回访), and — asked in it — whether the
    # handling unit had contacted them (响应), whether it was resolved, and how satisfied they are.
    callback_reached = models.BooleanField(_("回访联系上诉求人"), null=True, blank=True)
    contacted = models.BooleanField(_("承办单位联系过诉求人"), null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["street", "status", "stage_deadline"]),
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["community", "status"]),
            models.Index(fields=["category", "status"]),
            models.Index(fields=["reporter_phone_index"], name="case_reporter_phone_index"),
            # A street's cases of a period by each anchor time (street, reported_at|registered_at|closed_at|
            # evaluated_at) are indexed by insight's migration 0003.
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_ref"],
                condition=~models.Q(source_ref=""),
                name="case_source_ref_unique",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in {Status.CLOSED, Status.EVALUATED, Status.VOIDED}


class CaseEvent(models.Model):
    """流转记录: one step of a case's append-only timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(_("操作人"), max_length=100)
    actor_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("意见"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    public = models.BooleanField(_("对居民公开"), default=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Attachment(models.Model):
    """附件: a content-checked photo with its thumbnail, stored on disk, not in the database."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="cases/", max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to="cases/", max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name


class ClockBreach(models.Model):
    """A warning or overdue breach of one stage, recorded once: the sweep's exactly-once guard."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="breaches")
    stage_seq = models.PositiveIntegerField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    level = models.CharField(max_length=10, choices=Clock.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("超时记录")
        verbose_name_plural = _("超时记录")
        constraints = [
            models.UniqueConstraint(fields=["case", "stage_seq", "level"], name="breach_once_per_stage_level")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.level}"
