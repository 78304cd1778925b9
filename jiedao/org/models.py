"""Regions, grids, units, people and their roles: who is where, and who may do what where."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """账号: a staff member (residents use the public pages without an account)."""

    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        # Chinese names are written family name first, without a space.
        return f"{self.last_name}{self.first_name}".strip()


class RegionLevel(models.TextChoices):
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区/村")


class Region(models.Model):
    """行政区划: a district, a sub-district (9-digit code) or a community/village (12-digit code)."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Boundary as a GeoJSON geometry (WGS-84); demo geometry is labelled so nobody mistakes it for survey data.
    boundary = models.JSONField(_("边界"), null=True, blank=True)
    center_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    is_demo_geometry = models.BooleanField(_("演示几何"), default=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def street_code(self) -> str:
        return self.code[:9]


class Grid(models.Model):
    """网格: a polygon inside a community, with a 15-digit code and its grid workers."""

    code = models.CharField(_("网格编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    community = models.ForeignKey(
        Region, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="grids"
    )
    street = models.ForeignKey(Region, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    polygon = models.JSONField(_("范围"), help_text=_("GeoJSON Polygon/MultiPolygon, WGS-84"))
    area_m2 = models.FloatField(_("面积(平方米)"), default=0)
    is_demo_geometry = models.BooleanField(_("演示几何"), default=False)
    workers = models.ManyToManyField("User", verbose_name=_("网格员"), blank=True, related_name="grids")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"


class UnitKind(models.TextChoices):
    COMMAND_CENTRE = "command_centre", _("指挥中心")
    WORKSTATION = "workstation", _("联动工作站")
    COMMUNITY_COMMITTEE = "community_committee", _("社区居委会")
    DEPARTMENT = "department", _("职能部门")
    EXTERNAL = "external", _("外部单位")


class Unit(models.Model):
    """单位/部门: who handles work. ``escalates_to`` is the next tier for 上报 (吹哨报到)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=UnitKind.choices)
    specialty = models.CharField(
        _("专业"), max_length=20, blank=True, help_text=_("如 城管、市政、绿化、物业;用于按类别派遣")
    )
    region = models.ForeignKey(Region, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="units")
    escalates_to = models.ForeignKey(
        "self", verbose_name=_("上报至"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("值班电话"), max_length=30, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["region_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="unit_name_unique_in_region")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    DISPATCHER = "dispatcher", _("受理/派遣员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("街道领导")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Membership(models.Model):
    """任职: a person holds a role in a unit; the unit's region is their jurisdiction."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    can_view_pii = models.BooleanField(
        _("可查看个人信息"), default=False, help_text=_("可查看完整的诉求人电话、姓名(每次查看均记录)")
    )

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
