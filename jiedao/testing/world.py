"""A small, fully known sub-district for tests and benchmarks: 沧浪街道 with two communities, three square
grids, the usual units and one person per role (the personas of the test suite)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from jiedao.cases.models import Category, CategoryKind, Scheme, StageLimit
from jiedao.org.locating import bump_grid_version
from jiedao.org.models import Grid, Membership, Region, RegionLevel, Role, Unit, UnitKind, User

STREET = "320508020"
COMMUNITY_A = "320508020033"  # 胥江社区
COMMUNITY_B = "320508020034"  # 泰南社区
WEST, SOUTH, SIZE = 120.600, 31.280, 0.004  # a 0.004° square is about 380 m × 445 m here


def square(x: int, y: int) -> dict:
    """The GeoJSON polygon of the grid square at column x, row y."""
    x0, y0 = WEST + x * SIZE, SOUTH + y * SIZE
    ring = [[x0, y0], [x0 + SIZE, y0], [x0 + SIZE, y0 + SIZE], [x0, y0 + SIZE], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def centre_of(x: int, y: int) -> tuple[float, float]:
    return WEST + (x + 0.5) * SIZE, SOUTH + (y + 0.5) * SIZE


LIMITS = {
    "normal": {
        "register": (1, "hour"),
        "dispatch": (30, "minute"),
        "accept": (2, "hour"),
        "handle": (3, "day"),
        "verify": (1, "day"),
    },
    "urgent": {
        "register": (10, "minute"),
        "dispatch": (10, "minute"),
        "accept": (30, "minute"),
        "handle": (2, "hour"),
        "verify": (2, "hour"),
    },
}


def make_category(
    code: str = "0101", name: str = "暴露垃圾", *, specialty: str = "城管", attributes: list | None = None
) -> Category:
    parent, _ = Category.objects.get_or_create(
        scheme=Scheme.GBT30428, kind=CategoryKind.EVENT, code=code[:2], defaults={"name": "市容环境"}
    )
    category = Category.objects.create(
        scheme=Scheme.GBT30428,
        kind=CategoryKind.EVENT,
        code=code,
        name=name,
        parent=parent,
        default_unit_specialty=specialty,
        attributes=attributes or [],
    )
    for urgency, stages in LIMITS.items():
        for stage, (amount, unit) in stages.items():
            basis = "natural" if urgency == "urgent" else "working"
            StageLimit.objects.create(
                category=category, urgency=urgency, stage=stage, amount=amount, unit=unit, basis=basis
            )
    return category


@dataclass
class World:
    street: Region
    a: Region
    b: Region
    grids: dict[str, Grid]
    units: SimpleNamespace
    people: SimpleNamespace
    category: Category
    password: str = "Jiedao-test-2026"
    extra: dict = field(default_factory=dict)


_HASHES: dict[tuple[str, str], str] = {}


def _password_hash(password: str) -> str:
    """One real (argon2) hash per process and hasher: hashing ten personas per test took seconds."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    key = (password, settings.PASSWORD_HASHERS[0])
    if key not in _HASHES:
        _HASHES[key] = make_password(password)
    return _HASHES[key]


def _person(username: str, name: str, unit: Unit, role: str, *, pii: bool = False) -> User:
    user = User.objects.create(
        username=username, password=_password_hash("Jiedao-test-2026"), last_name=name[0], first_name=name[1:]
    )
    Membership.objects.create(user=user, unit=unit, role=role, can_view_pii=pii)
    return user


def build_world() -> World:
    district = Region.objects.create(code="320508", name="姑苏区", level=RegionLevel.DISTRICT)
    street = Region.objects.create(code=STREET, name="沧浪街道", level=RegionLevel.STREET, parent=district)
    a = Region.objects.create(
        code=COMMUNITY_A, name="胥江社区居委会", level=RegionLevel.COMMUNITY, parent=street
    )
    b = Region.objects.create(
        code=COMMUNITY_B, name="泰南社区居委会", level=RegionLevel.COMMUNITY, parent=street
    )
    other_street = Region.objects.create(
        code="320508001", name="其他街道", level=RegionLevel.STREET, parent=district
    )
    grids = {
        "a1": Grid.objects.create(
            code=f"{COMMUNITY_A}001", name="胥江第一网格", community=a, street=street, polygon=square(0, 0)
        ),
        "a2": Grid.objects.create(
            code=f"{COMMUNITY_A}002", name="胥江第二网格", community=a, street=street, polygon=square(1, 0)
        ),
        "b1": Grid.objects.create(
            code=f"{COMMUNITY_B}001", name="泰南第一网格", community=b, street=street, polygon=square(2, 0)
        ),
    }
    bump_grid_version()
    centre = Unit.objects.create(name="沧浪街道综合指挥中心", kind=UnitKind.COMMAND_CENTRE, region=street)
    station = Unit.objects.create(
        name="沧浪街道联动工作站", kind=UnitKind.WORKSTATION, region=street, escalates_to=centre
    )
    units = SimpleNamespace(
        centre=centre,
        station=station,
        committee_a=Unit.objects.create(
            name="胥江社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE, region=a, escalates_to=station
        ),
        committee_b=Unit.objects.create(
            name="泰南社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE, region=b, escalates_to=station
        ),
        chengguan=Unit.objects.create(
            name="沧浪城管中队",
            kind=UnitKind.DEPARTMENT,
            specialty="城管",
            region=street,
            escalates_to=centre,
        ),
        elsewhere=Unit.objects.create(
            name="其他街道指挥中心", kind=UnitKind.COMMAND_CENTRE, region=other_street
        ),
    )
    people = SimpleNamespace(
        dispatcher=_person("dispatcher", "王调度", centre, Role.DISPATCHER, pii=True),
        leader=_person("leader", "李主任", centre, Role.LEADER),
        staff_a=_person("staff_a", "陈社工", units.committee_a, Role.COMMUNITY_STAFF),
        staff_b=_person("staff_b", "赵社工", units.committee_b, Role.COMMUNITY_STAFF),
        grid_a=_person("grid_a", "周网格", units.committee_a, Role.GRID_WORKER),
        grid_b=_person("grid_b", "吴网格", units.committee_b, Role.GRID_WORKER),
        handler=_person("handler", "孙城管", units.chengguan, Role.HANDLER),
        station_handler=_person("station", "郑站长", station, Role.HANDLER),
        outsider=_person("outsider", "钱外街", units.elsewhere, Role.DISPATCHER, pii=True),
        auditor=_person("auditor", "冯审计", centre, Role.AUDIT_ADMIN),
    )
    grids["a1"].workers.add(people.grid_a)
    grids["b1"].workers.add(people.grid_b)
    return World(street=street, a=a, b=b, grids=grids, units=units, people=people, category=make_category())
