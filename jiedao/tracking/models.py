"""Terminals, their positions, responsibility zones and shifts (定位终端、轨迹、责任区、班次)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    JT808 = "jt808", _("JT/T 808")
    OSMAND = "osmand", _("OsmAnd(手机)")


class DeviceKind(models.TextChoices):
    BOAT = "boat", _("保洁船")
    VEHICLE = "vehicle", _("车辆")
    PERSON = "person", _("人员")


class Device(models.Model):
    """终端: a GPS terminal on a boat or vehicle, or a phone carried by a person.

    ``identifier`` is the JT/T 808 terminal phone number without leading zeros, or the OsmAnd device id.
    The ``last_*`` fields cache the newest stored fix for the live map.
    """

    identifier = models.CharField(_("终端号"), max_length=64, unique=True)
    protocol = models.CharField(_("协议"), max_length=10, choices=Protocol.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=DeviceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    plate = models.CharField(_("牌号"), max_length=30, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="devices",
        help_text=_("自动注册的终端在指定单位前只有指挥中心可见"),
    )
    crew = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("随车/随船人员"), blank=True, related_name="tracking_devices"
    )
    auth_code = models.CharField(_("鉴权码"), max_length=40, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    info = models.JSONField(_("终端信息"), default=dict, blank=True)
    created_at = models.DateTimeField(_("登记时间"))
    last_fix_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    last_lon = models.FloatField(_("最后经度"), null=True, blank=True)
    last_lat = models.FloatField(_("最后纬度"), null=True, blank=True)
    last_speed = models.FloatField(_("最后速度(km/h)"), null=True, blank=True)
    last_course = models.FloatField(_("最后方向"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("最后通信时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定位终端")
        verbose_name_plural = _("定位终端")
        ordering = ["name", "identifier"]

    def __str__(self) -> str:
        return f"{self.name}({self.identifier})"


class Position(models.Model):
    """定位点: one fix in WGS-84, time in UTC; a device has at most one fix per instant."""

    id = models.BigAutoField(primary_key=True)
    # The unique (device, fixed_at) constraint is the index; a second one on device alone would only cost writes.
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="positions", db_index=False)
    fixed_at = models.DateTimeField(_("定位时间"))
    received_at = models.DateTimeField(_("接收时间"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    speed_kmh = models.FloatField(_("速度(km/h)"), default=0)
    course = models.FloatField(_("方向"), null=True, blank=True)
    altitude = models.FloatField(_("海拔(米)"), null=True, blank=True)
    accuracy = models.FloatField(_("精度(米)"), null=True, blank=True)
    valid = models.BooleanField(_("有效定位"), default=True)
    alarm = models.BigIntegerField(_("报警标志"), default=0)
    status = models.BigIntegerField(_("状态位"), default=0)
    blind_area = models.BooleanField(_("盲区补报"), default=False)
    extras = models.JSONField(_("附加信息"), default=dict, blank=True)

    class Meta:
        verbose_name = _("定位点")
        verbose_name_plural = _("定位点")
        constraints = [
            models.UniqueConstraint(fields=["device", "fixed_at"], name="position_once_per_instant")
        ]
        indexes = [models.Index(fields=["fixed_at"], name="position_fixed_at")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.fixed_at:%Y-%m-%d %H:%M:%S} {self.lon:.6f},{self.lat:.6f}"


class ZoneKind(models.TextChoices):
    POLYGON = "polygon", _("区域")
    CORRIDOR = "corridor", _("河道/路段")


class Zone(models.Model):
    """责任区: a polygon, or a corridor — a line (a river, a road) buffered by ``width_m`` either side."""

    name = models.CharField(_("名称"), max_length=100)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="zones"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ZoneKind.choices)
    geometry = models.JSONField(
        _("几何"),
        help_text=_("GeoJSON, WGS-84:区域为 Polygon/MultiPolygon,河道为 LineString/MultiLineString"),
    )
    width_m = models.FloatField(_("两侧宽度(米)"), default=0, help_text=_("河道/路段中心线每侧的宽度"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("责任区")
        verbose_name_plural = _("责任区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Shift(models.Model):
    """班次: who must be in which zone when — by device or by crew member — with a grace period."""

    name = models.CharField(_("名称"), max_length=100)
    zone = models.ForeignKey(Zone, verbose_name=_("责任区"), on_delete=models.CASCADE, related_name="shifts")
    devices = models.ManyToManyField(Device, verbose_name=_("终端"), blank=True, related_name="shifts")
    crew = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), blank=True, related_name="tracking_shifts"
    )
    weekdays = models.CharField(
        _("星期"), max_length=7, default="12345", help_text=_("1=周一 … 7=周日;勾选“仅工作日”时忽略")
    )
    working_days_only = models.BooleanField(
        _("仅工作日"), default=False, help_text=_("按工作日历(含调休上班日)排班")
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"), help_text=_("早于开始时间表示跨夜"))
    grace_minutes = models.PositiveIntegerField(_("宽限(分钟)"), default=10)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["zone__name", "start"]

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}-{self.end:%H:%M}"


class ZoneEventKind(models.TextChoices):
    ENTER = "enter", _("进入")
    EXIT = "exit", _("离开")


class ZoneEvent(models.Model):
    """进出责任区: written by the ingest for fixes in time order."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="zone_events")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("类型"), max_length=5, choices=ZoneEventKind.choices)
    at = models.DateTimeField(_("时间"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = _("进出责任区")
        verbose_name_plural = _("进出责任区")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["device", "zone", "at", "kind"], name="zone_event_once")
        ]
        indexes = [models.Index(fields=["device", "at"], name="zone_event_device_at")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.kind} {self.zone_id} {self.at:%Y-%m-%d %H:%M:%S}"
