"""The write path for the organisation (组织架构): regions, grids, units, accounts and memberships.

Like ``cases.actions``, every ``do_<verb>`` is atomic and writes its audit record in the same transaction.
``actor`` None is the system (management commands, the demo loader). A signed-in actor needs the system
administrator role (系统管理员) for regions, grids and units, and the security administrator role (安全管理员)
for accounts and memberships — the separation of the three administrators (三员分立).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from jiedao.core import audit
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.lib import divisions
from jiedao.lib.geo import area_m2
from jiedao.lib.gridgeojson import (
    GridError,
    ParsedGrid,
    grids_to_geojson,
    parse_grid_collection,
    polygon_geojson,
)
from jiedao.org.locating import bump_grid_version
from jiedao.org.models import Grid, Membership, Region, RegionLevel, Role, Unit, UnitKind, User
from jiedao.org.selectors import ADMIN_ROLES

_CHINESE_DIGITS = "〇一二三四五六七八九"


def require_role(actor: Actor | None, role: str, action: str, obj_type: str, obj_id: object) -> None:
    """Refuse (and audit the refusal) unless the actor is the system or holds ``role``."""
    if actor is None or actor.has_role(role):
        return
    message = _("您没有执行该操作的权限(需要%(r)s)") % {"r": Role(role).label}
    audit.record_refusal(actor, action, obj_type, obj_id, message)
    raise PermissionRefused("forbidden", message)


# --- regions ------------------------------------------------------------------------------------------------


def _ensure_region(code: str, name: str, level: str, parent: Region | None, created: list[str]) -> Region:
    region, was_created = Region.objects.get_or_create(
        code=code, defaults={"name": name, "level": level, "parent": parent}
    )
    if was_created:
        created.append(code)
    return region


def do_bootstrap_street(code: str, *, actor: Actor | None) -> Region:
    """建立街道: the district, the sub-district and all its communities/villages from the shipped division
    codes (real names and codes). Existing rows are kept as they are; missing ones are added."""
    try:
        info = divisions.street(code)
    except divisions.UnknownDivision as exc:
        raise ApplicationError("unknown_street", str(exc), field="code") from exc
    require_role(actor, Role.SYSTEM_ADMIN, "org.bootstrap_street", "region", code)
    created: list[str] = []
    with transaction.atomic():
        district = _ensure_region(info.district_code, info.district_name, RegionLevel.DISTRICT, None, created)
        street = _ensure_region(code, info.name, RegionLevel.STREET, district, created)
        for community in divisions.communities(code):
            _ensure_region(community.code, community.name, RegionLevel.COMMUNITY, street, created)
        if created:
            audit.record(actor, "org.bootstrap_street", "region", code, new={"created": created})
    return street


def do_set_region_boundary(
    region: Region, boundary: dict[str, Any], *, actor: Actor | None, demo: bool = False
) -> Region:
    """设置边界: a region's outline (GeoJSON Polygon/MultiPolygon, WGS-84) and the centre the map opens on."""
    require_role(actor, Role.SYSTEM_ADMIN, "region.set_boundary", "region", region.code)
    try:
        geometry = shape(boundary)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ApplicationError("boundary", _("边界不是有效的 GeoJSON 几何"), field="boundary") from exc
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid or geometry.is_empty:
        raise ApplicationError("boundary", _("边界必须是有效的多边形"), field="boundary")
    centre = geometry.representative_point()
    with transaction.atomic():
        old = {"center": [region.center_lon, region.center_lat], "demo": region.is_demo_geometry}
        region.boundary = polygon_geojson(geometry)
        region.center_lon, region.center_lat = round(centre.x, 6), round(centre.y, 6)
        region.is_demo_geometry = demo
        region.save(update_fields=["boundary", "center_lon", "center_lat", "is_demo_geometry"])
        new = {"center": [region.center_lon, region.center_lat], "demo": demo}
        audit.record(actor, "region.set_boundary", "region", region.code, old=old, new=new)
    return region


# --- grids --------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What a grid import did, or why it did nothing: ``errors`` non-empty means nothing was written."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[GridError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _chinese_number(n: int) -> str:
    """一 … 九十九 for 1–99; larger numbers stay in digits."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_CHINESE_DIGITS[tens]}十")
    return head + (_CHINESE_DIGITS[ones] if ones else "")


def grid_name(community_name: str, code: str) -> str:
    """The default name of a grid: 胥江社区第三网格 for sequence 003 of 胥江社区居委会."""
    # 胥江社区居委会 → 胥江社区, 小明沙村委会 / 小明沙村民委员会 → 小明沙村
    place = community_name.removesuffix("居民委员会").removesuffix("居委会").removesuffix("民委员会")
    place = place.removesuffix("委会")
    return f"{place}第{_chinese_number(int(code[12:]))}网格"


def _import_errors(grids: list[ParsedGrid], street: Region, removed: list[str]) -> list[GridError]:
    """Problems the file alone cannot show: communities not set up yet, removed grids that cases use."""
    errors = []
    known = set(
        Region.objects.filter(parent=street, level=RegionLevel.COMMUNITY).values_list("code", flat=True)
    )
    for grid in grids:
        if grid.community_code not in known:
            message = _("社区 %(c)s 尚未建立:请先运行 manage.py load_street %(s)s") % {
                "c": grid.community_code,
                "s": street.code,
            }
            errors.append(GridError(grid.index, grid.code, "properties.code", "community_missing", message))
    in_use = Grid.objects.filter(code__in=removed, case__isnull=False).values_list("code", flat=True)
    for code in sorted(set(in_use)):
        message = _("网格 %(g)s 已有案件,不能删除:请在文件中保留该网格") % {"g": code}
        errors.append(GridError(None, code, "features", "grid_in_use", message))
    return errors


def do_import_grids(
    data: bytes, *, actor: Actor | None, street: Region, replace: bool = False, demo: bool = False
) -> ImportResult:
    """导入网格: create or update the street's grids from a GeoJSON file, all or nothing.

    Grids whose code exists are updated, the others created. With ``replace`` the file is the whole set:
    grids missing from it are removed (refused while cases use them) and it is not checked for overlap with
    them. ``demo`` labels the geometry as made up (演示几何).
    """
    require_role(actor, Role.SYSTEM_ADMIN, "grid.import", "region", street.code)
    existing = {grid.code: grid for grid in Grid.objects.filter(street=street).select_related("community")}
    parsed = parse_grid_collection(
        data,
        street_code=street.code,
        boundary=shape(street.boundary) if street.boundary else None,
        existing=[] if replace else [(code, shape(grid.polygon)) for code, grid in existing.items()],
    )
    removed = sorted(set(existing) - {grid.code for grid in parsed.grids}) if replace else []
    errors = parsed.errors or _import_errors(parsed.grids, street, removed)
    if errors:
        reason = _("%(n)d 个错误,未导入") % {"n": len(errors)}
        audit.record_refusal(actor, "grid.import", "region", street.code, reason)
        return ImportResult(errors=errors)
    result = ImportResult(removed=removed)
    communities = {r.code: r for r in Region.objects.filter(parent=street, level=RegionLevel.COMMUNITY)}
    with transaction.atomic():
        for parsed_grid in parsed.grids:
            _store_grid(parsed_grid, existing.get(parsed_grid.code), street, communities, demo, result)
        Grid.objects.filter(street=street, code__in=result.removed).delete()
        bump_grid_version()
        audit.record(
            actor,
            "grid.import",
            "region",
            street.code,
            new={
                "created": len(result.created),
                "updated": result.updated,
                "removed": result.removed,
                "unchanged": result.unchanged,
                "demo": demo,
            },
        )
    return result


def _store_grid(
    parsed: ParsedGrid,
    grid: Grid | None,
    street: Region,
    communities: dict[str, Region],
    demo: bool,
    result: ImportResult,
) -> None:
    community = communities[parsed.community_code]
    polygon = polygon_geojson(parsed.polygon)  # rounded to 0.1 m, as exported: a round trip changes nothing
    values = {
        "name": parsed.name or grid_name(community.name, parsed.code),
        "community": community,
        "street": street,
        "polygon": polygon,
        "area_m2": round(area_m2(shape(polygon)), 1),
        "is_demo_geometry": demo,
    }
    if grid is None:
        Grid.objects.create(code=parsed.code, **values)
        result.created.append(parsed.code)
        return
    changed = [name for name, value in values.items() if getattr(grid, name) != value]
    if not changed:
        result.unchanged += 1
        return
    for name in changed:
        setattr(grid, name, values[name])
    grid.save(update_fields=[*changed, "updated_at"])
    result.updated.append(parsed.code)


def export_grids_geojson(street: Region) -> dict[str, Any]:
    """导出网格: the street's grids as an RFC 7946 FeatureCollection that ``do_import_grids`` reads back."""
    grids = Grid.objects.filter(street=street).order_by("code")
    return grids_to_geojson(
        ParsedGrid(g.code, g.name, g.community_id, shape(g.polygon), g.area_m2) for g in grids.iterator()
    )


def do_assign_grid_workers(grid: Grid, workers: Sequence[User], *, actor: Actor | None) -> Grid:
    """分配网格员: the grid's workers become exactly ``workers``, each a grid worker of its community."""
    require_role(actor, Role.SYSTEM_ADMIN, "grid.assign_workers", "grid", grid.code)
    for user in workers:
        covers = Membership.objects.filter(user=user, role=Role.GRID_WORKER).values_list(
            "unit__region_id", flat=True
        )
        if not any(grid.community_id.startswith(region) for region in covers):
            raise ApplicationError(
                "not_grid_worker",
                _("%(u)s 不是%(c)s的网格员") % {"u": user, "c": grid.community.name},
                field="workers",
            )
    with transaction.atomic():
        old = sorted(grid.workers.values_list("username", flat=True))
        grid.workers.set(workers)
        new = sorted(user.username for user in workers)
        audit.record(
            actor, "grid.assign_workers", "grid", grid.code, old={"workers": old}, new={"workers": new}
        )
    return grid


# --- units, accounts, memberships ---------------------------------------------------------------------------


def do_create_unit(
    *,
    actor: Actor | None,
    name: str,
    kind: str,
    region: Region,
    specialty: str = "",
    escalates_to: Unit | None = None,
    phone: str = "",
) -> Unit:
    """新建单位: a handling unit in a region; ``escalates_to`` is the next tier for 上报 (吹哨报到)."""
    require_role(actor, Role.SYSTEM_ADMIN, "unit.create", "unit", name)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ApplicationError("name", _("单位名称不能为空,且不超过100字"), field="name")
    if kind not in UnitKind.values:
        raise ApplicationError("kind", _("未知的单位类型"), field="kind")
    if Unit.objects.filter(region=region, name=name).exists():
        raise ApplicationError(
            "unit_exists", _("%(r)s已有单位「%(n)s」") % {"r": region.name, "n": name}, field="name"
        )
    with transaction.atomic():
        unit = Unit.objects.create(
            name=name, kind=kind, region=region, specialty=specialty, escalates_to=escalates_to, phone=phone
        )
        audit.record(
            actor,
            "unit.create",
            "unit",
            unit.pk,
            new={
                "name": name,
                "kind": kind,
                "region": region.code,
                "specialty": specialty,
                "escalates_to": escalates_to.name if escalates_to else None,
            },
        )
    return unit


def do_create_user(
    *,
    actor: Actor | None,
    username: str,
    full_name: str,
    password: str | None = None,
    password_hash: str | None = None,
    phone: str = "",
    superuser: bool = False,
) -> User:
    """新建账号: a staff account. ``password`` is checked against the password rules and hashed;
    ``password_hash`` is an already hashed password (e.g. one demo password hashed once for many accounts).
    A superuser may also sign in to the configuration admin (Django admin)."""
    require_role(actor, Role.SECURITY_ADMIN, "user.create", "user", username)
    if (password is None) == (password_hash is None):
        raise ValueError("give exactly one of password and password_hash")
    full_name = (full_name or "").strip()
    if not full_name:
        raise ApplicationError("full_name", _("请填写姓名"), field="full_name")
    if User.objects.filter(username=username).exists():
        raise ApplicationError(
            "username_taken", _("用户名「%(u)s」已被使用") % {"u": username}, field="username"
        )
    # Chinese names: family name first, one character in all but a few compound surnames.
    user = User(username=username, last_name=full_name[0], first_name=full_name[1:], phone=phone)
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError("password", " ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.password = password_hash
    user.is_superuser = user.is_staff = superuser
    with transaction.atomic():
        user.save()
        audit.record(actor, "user.create", "user", username, new={"name": full_name, "superuser": superuser})
    return user


def do_add_membership(
    user: User, unit: Unit, role: str, *, actor: Actor | None, can_view_pii: bool = False
) -> Membership:
    """任职: give a person a role in a unit. One person holds at most one of the three admin roles (三员分立)."""
    require_role(actor, Role.SECURITY_ADMIN, "membership.create", "user", user.username)
    if role not in Role.values:
        raise ApplicationError("role", _("未知的角色"), field="role")
    held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if role in held and Membership.objects.filter(user=user, unit=unit, role=role).exists():
        raise ApplicationError(
            "membership_exists", _("%(u)s 已在该单位担任该角色") % {"u": user}, field="role"
        )
    if role in ADMIN_ROLES and (held & ADMIN_ROLES) - {role}:
        raise ApplicationError(
            "separation", _("系统、安全、审计管理员须由不同人员担任(三员分立)"), field="role"
        )
    with transaction.atomic():
        membership = Membership.objects.create(user=user, unit=unit, role=role, can_view_pii=can_view_pii)
        audit.record(
            actor,
            "membership.create",
            "user",
            user.username,
            new={"unit": unit.name, "role": role, "can_view_pii": can_view_pii},
        )
    return membership
