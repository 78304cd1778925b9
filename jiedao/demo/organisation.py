"""The demo sub-district's organisation: demo grids, units, accounts for every role and routing rules.

Everything goes through ``org.actions`` and ``cases.services`` with the system as actor, so the audit log
shows how the demo was set up.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

import shapely
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from shapely.geometry import mapping

from jiedao.cases.models import Category
from jiedao.cases.services import do_set_routing_rule
from jiedao.core.actor import Actor
from jiedao.lib import divisions
from jiedao.lib.geo import area_m2, demo_layout, demo_street_area, number_grids
from jiedao.lib.gridgeojson import ParsedGrid, grids_to_geojson
from jiedao.org import actions as org
from jiedao.org.models import Grid, Region, RegionLevel, Role, Unit, UnitKind, User
from jiedao.org.selectors import actor_for_user

from . import texts

PASSWORD = "Jiedao@2026"

# Departments and external bodies by the specialty (专业) the catalogue's default_unit_kind names:
# (specialty, kind, name template, username).
DEPARTMENTS = (
    ("城管", UnitKind.DEPARTMENT, "{street_short}城管中队", "chengguan"),
    ("市政", UnitKind.DEPARTMENT, "{street}市政设施养护站", "shizheng"),
    ("绿化", UnitKind.DEPARTMENT, "{street}绿化养护队", "lvhua"),
    ("环卫", UnitKind.DEPARTMENT, "{street}环卫所", "huanwei"),
    ("消防", UnitKind.DEPARTMENT, "{street_short}消防救援站", "xiaofang"),
    ("派出所", UnitKind.DEPARTMENT, "{street_short}派出所", "paichusuo"),
    ("市场监管", UnitKind.DEPARTMENT, "{street_short}市场监管所", "shichang"),
    ("住建", UnitKind.DEPARTMENT, "{street}城建管理办公室", "zhujian"),
    ("供电", UnitKind.EXTERNAL, "国网{city}供电公司{district}供电服务中心", "gongdian"),
    ("燃气", UnitKind.EXTERNAL, "{city}燃气集团{district}服务站", "ranqi"),
)
PROPERTY_COMPANIES = (
    "{city}{street_short}物业服务有限公司",
    "{city}安居物业管理有限公司",
    "{city}润泽物业服务有限公司",
)
# Catalogue unit kinds served per community by a unit the specialty alone cannot pick.
ROUTED_KINDS = ("联动工作站", "物业")


@dataclass
class Account:
    """One demo login, for the table printed at the end."""

    username: str
    name: str
    role: str
    unit: str


@dataclass
class DemoOrg:
    """The demo organisation and the people who act in the case history."""

    street: Region
    communities: list[Region]
    grids: dict[str, list[Grid]]
    centre: Unit
    committees: dict[str, Unit]
    departments: list[Unit]
    accounts: list[Account] = field(default_factory=list)
    dispatchers: list[Actor] = field(default_factory=list)
    leader: Actor | None = None
    handlers: dict[int, Actor] = field(default_factory=dict)  # unit id → who accepts and handles there
    grid_workers: dict[int, Actor] = field(default_factory=dict)  # grid id → its grid worker
    staff: dict[str, Actor] = field(default_factory=dict)  # community code → community staff member


def short_name(name: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def random_name(rng: random.Random) -> str:
    """A made-up Chinese name: a common family name and one or two given-name characters."""
    given = "".join(rng.choice(texts.GIVEN_NAME_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(texts.SURNAMES) + given


def place_names(street: Region) -> dict[str, str]:
    """The names unit templates use: 沧浪街道 / 沧浪 / 苏州 / 姑苏."""
    info = divisions.street(street.code)
    # Municipalities' "cities" are named 市辖区 or 县 in the statistics: the province names the city.
    city = info.province_name if info.city_name in {"市辖区", "县", "省直辖县级行政区划"} else info.city_name
    return {
        "street": street.name,
        "street_short": short_name(street.name, "街道办事处", "街道", "镇", "乡"),
        "city": short_name(city, "市", "地区", "自治州", "盟"),
        "district": short_name(info.district_name, "区", "县", "市", "旗"),
    }


class _People:
    """Makes demo accounts with one password hashed once (hashing is deliberately slow)."""

    def __init__(self, org_: DemoOrg, rng: random.Random) -> None:
        probe = User(username="admin")
        validate_password(PASSWORD, probe)
        self.hash = make_password(PASSWORD)
        self.org, self.rng = org_, rng

    def add(
        self, username: str, unit: Unit, role: str, *, pii: bool = False, superuser: bool = False
    ) -> User:
        name = random_name(self.rng)
        user = org.do_create_user(
            actor=None, username=username, full_name=name, password_hash=self.hash, superuser=superuser
        )
        org.do_add_membership(user, unit, role, actor=None, can_view_pii=pii)
        self.org.accounts.append(Account(username, name, Role(role).label, unit.name))
        return user


def _demo_grids(street: Region, communities: list[Region], seed: int) -> None:
    """Made-up grids (2–5 per community) tiling a plausible area, imported through the grid import."""
    lon, lat, radius = demo_street_area(street.code)
    codes = [c.code for c in communities]
    counts = random.Random(f"{seed}/grids")
    per_community = {code: counts.randint(2, 5) for code in codes}
    layout = demo_layout(lon, lat, radius, codes, per_community.__getitem__, seed=f"{street.code}/{seed}")
    everything = shapely.union_all([p for polygons in layout.values() for p in polygons]).convex_hull
    org.do_set_region_boundary(street, mapping(everything), actor=None, demo=True)
    parsed = []
    for community in communities:
        polygons = layout[community.code]
        org.do_set_region_boundary(community, mapping(shapely.union_all(polygons)), actor=None, demo=True)
        for code, polygon in number_grids(community.code, polygons):
            name = org.grid_name(community.name, code)
            parsed.append(ParsedGrid(code, name, community.code, polygon, area_m2(polygon)))
    data = json.dumps(grids_to_geojson(parsed)).encode()
    result = org.do_import_grids(data, actor=None, street=street, demo=True)
    if not result.ok:  # the demo layout is valid by construction; a failure here is a bug
        raise RuntimeError(f"demo grids refused: {result.errors[:3]}")


def _units(demo: DemoOrg, names: dict[str, str]) -> list[Unit]:
    """Workstations, committees, departments and property companies; returns the workstations."""
    half = (len(demo.communities) + 1) // 2
    workstations = [
        org.do_create_unit(
            actor=None,
            name=f"{names['street']}{label}片区联动工作站",
            kind=UnitKind.WORKSTATION,
            region=demo.street,
            escalates_to=demo.centre,
        )
        for label in ("第一", "第二")
    ]
    for i, community in enumerate(demo.communities):
        demo.committees[community.code] = org.do_create_unit(
            actor=None,
            name=community.name,
            kind=UnitKind.COMMUNITY_COMMITTEE,
            region=community,
            escalates_to=workstations[0 if i < half else 1],
        )
    bodies = [(specialty, kind, template) for specialty, kind, template, _username in DEPARTMENTS]
    bodies += [("物业", UnitKind.EXTERNAL, template) for template in PROPERTY_COMPANIES]
    demo.departments = [
        org.do_create_unit(
            actor=None,
            name=template.format(**names),
            kind=kind,
            region=demo.street,
            specialty=specialty,
            escalates_to=demo.centre,
        )
        for specialty, kind, template in bodies
    ]
    return workstations


def _routing(demo: DemoOrg, workstations: list[Unit]) -> None:
    """Per community: 联动工作站 matters go to the community's workstation, 物业 matters to its company."""
    companies = [u for u in demo.departments if u.specialty == "物业"]
    categories = Category.objects.filter(parent__isnull=False, default_unit_specialty__in=ROUTED_KINDS)
    for i, community in enumerate(demo.communities):
        committee = demo.committees[community.code]
        for category in categories:
            if category.default_unit_specialty == "物业":
                unit = companies[i % len(companies)]
            else:
                unit = next(w for w in workstations if w.pk == committee.escalates_to_id)
            do_set_routing_rule(category, community, unit, actor=None)


def _accounts(demo: DemoOrg, workstations: list[Unit], rng: random.Random) -> None:
    people = _People(demo, rng)
    centre = demo.centre
    people.add("admin", centre, Role.SYSTEM_ADMIN, superuser=True)
    people.add("security", centre, Role.SECURITY_ADMIN)
    people.add("auditor", centre, Role.AUDIT_ADMIN)
    demo.leader = actor_for_user(people.add("leader", centre, Role.LEADER, pii=True))
    demo.dispatchers = [
        actor_for_user(people.add(f"dispatcher{i}", centre, Role.DISPATCHER, pii=True)) for i in (1, 2)
    ]
    handlers = [(people.add("duty", centre, Role.HANDLER), centre)]
    handlers += [(people.add(f"station{i}", ws, Role.HANDLER), ws) for i, ws in enumerate(workstations, 1)]
    usernames = [username for *_rest, username in DEPARTMENTS] + [f"wuye{i}" for i in (1, 2, 3)]
    handlers += [
        (people.add(name, unit, Role.HANDLER), unit)
        for name, unit in zip(usernames, demo.departments, strict=True)
    ]
    for user, unit in handlers:
        demo.handlers[unit.pk] = actor_for_user(user)
    for community in demo.communities:
        committee, suffix = demo.committees[community.code], community.code[-3:]
        staff = actor_for_user(people.add(f"sq{suffix}", committee, Role.COMMUNITY_STAFF, pii=True))
        demo.staff[community.code] = demo.handlers[committee.pk] = staff
        grids = demo.grids[community.code]
        letters = "ab"[: 1 + (len(grids) >= 4)]  # two grid workers for four grids or more
        workers = [people.add(f"wg{suffix}{letter}", committee, Role.GRID_WORKER) for letter in letters]
        actors = [actor_for_user(worker) for worker in workers]
        for i, grid in enumerate(grids):
            org.do_assign_grid_workers(grid, [workers[i % len(workers)]], actor=None)
            demo.grid_workers[grid.pk] = actors[i % len(actors)]


def build_organisation(street_code: str, *, seed: int) -> DemoOrg:
    """The street with its communities and demo grids, units, accounts and routing rules."""
    street = org.do_bootstrap_street(street_code, actor=None)
    communities = list(Region.objects.filter(parent=street, level=RegionLevel.COMMUNITY).order_by("code"))
    _demo_grids(street, communities, seed)
    names = place_names(street)
    centre = org.do_create_unit(
        actor=None, name=f"{names['street']}综合指挥中心", kind=UnitKind.COMMAND_CENTRE, region=street
    )
    grids = {
        c.code: list(Grid.objects.filter(community=c).select_related("community").order_by("code"))
        for c in communities
    }
    demo = DemoOrg(
        street=street, communities=communities, grids=grids, centre=centre, committees={}, departments=[]
    )
    workstations = _units(demo, names)
    _routing(demo, workstations)
    _accounts(demo, workstations, random.Random(f"{seed}/people"))
    return demo
