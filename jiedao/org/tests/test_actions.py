"""The organisation's write path: bootstrapping a sub-district, grid import/export, units and accounts."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import box, mapping

from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.core.models import AuditEvent, Counter
from jiedao.lib.geo import demo_layout, number_grids
from jiedao.org.actions import (
    do_add_membership,
    do_assign_grid_workers,
    do_bootstrap_street,
    do_create_unit,
    do_create_user,
    do_import_grids,
    do_set_region_boundary,
    export_grids_geojson,
    grid_name,
)
from jiedao.org.locating import VERSION_COUNTER, locate, locate_many
from jiedao.org.models import Grid, Membership, Region, RegionLevel, Role, UnitKind
from jiedao.org.selectors import actor_for_user

STREET = "320508020"  # 沧浪街道, 苏州市姑苏区
A, B = "320508020033", "320508020034"  # 胥江社区, 泰南社区
D = 0.002  # about 190 m × 220 m here


def square(col: int, row: int = 0) -> list:
    x, y = 120.60 + col * D, 31.28 + row * D
    return [[[x, y], [x + D, y], [x + D, y + D], [x, y + D], [x, y]]]


def feature(code, coordinates=None, **properties) -> dict:
    geometry = {"type": "Polygon", "coordinates": coordinates if coordinates is not None else square(0)}
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


GOOD = collection(
    feature(f"{A}001", square(0), name="胥江一网格"),
    feature(f"{A}002", square(1)),
    feature(f"{B}001", square(2)),
)


@pytest.fixture
def street(db) -> Region:
    return do_bootstrap_street(STREET, actor=None)


def grid_version() -> int:
    return Counter.objects.filter(name=VERSION_COUNTER).values_list("value", flat=True).first() or 0


# --- bootstrap ----------------------------------------------------------------------------------------------


def test_bootstrap_creates_the_real_street_and_all_its_communities(db) -> None:
    street = do_bootstrap_street(STREET, actor=None)
    assert (street.name, street.level, street.parent.code, street.parent.name) == (
        "沧浪街道", RegionLevel.STREET, "320508", "姑苏区",
    )  # fmt: skip
    communities = list(street.children.order_by("code"))
    assert [c.code for c in communities] == [f"320508020{n:03d}" for n in range(14, 35)]
    assert {c.level for c in communities} == {RegionLevel.COMMUNITY}
    assert Region.objects.get(code=A).name == "胥江社区居委会"
    record = AuditEvent.objects.get(action="org.bootstrap_street")
    assert len(record.new["created"]) == 23 and record.actor_label == "系统"


def test_bootstrap_is_idempotent_and_keeps_existing_rows(street) -> None:
    Region.objects.filter(code=A).update(name="胥江社区(改名)")
    Region.objects.filter(code=B).delete()
    do_bootstrap_street(STREET, actor=None)
    assert Region.objects.get(code=A).name == "胥江社区(改名)"
    assert Region.objects.get(code=B).name == "泰南社区居委会"
    assert Region.objects.filter(parent=street).count() == 21
    assert AuditEvent.objects.filter(action="org.bootstrap_street").first().new == {"created": [B]}
    before = AuditEvent.objects.count()
    do_bootstrap_street(STREET, actor=None)
    assert AuditEvent.objects.count() == before  # nothing new, nothing recorded


def test_bootstrap_refuses_unknown_codes(db) -> None:
    for code in ("999999999", "3205080", "abc"):
        with pytest.raises(ApplicationError) as info:
            do_bootstrap_street(code, actor=None)
        assert info.value.code == "unknown_street"
    assert not Region.objects.exists()


# --- import -------------------------------------------------------------------------------------------------


def test_import_of_good_geojson(street) -> None:
    version = grid_version()
    result = do_import_grids(GOOD, actor=None, street=street)
    assert result.ok and result.created == [f"{A}001", f"{A}002", f"{B}001"]
    grids = {g.code: g for g in Grid.objects.select_related("community")}
    assert grids[f"{A}001"].name == "胥江一网格"
    assert grids[f"{A}002"].name == "胥江社区第二网格"  # a default name when the file has none
    assert grids[f"{B}001"].community.code == B and grids[f"{B}001"].street == street
    assert 40_000 < grids[f"{A}001"].area_m2 < 45_000
    assert not grids[f"{A}001"].is_demo_geometry
    assert grid_version() != version  # every process rebuilds its grid index
    record = AuditEvent.objects.get(action="grid.import", success=True)
    assert record.object_id == STREET and record.new["created"] == 3


def out_of_street_boundary(street: Region) -> bytes:
    do_set_region_boundary(street, mapping(box(120.60, 31.28, 120.604, 31.282)), actor=None)
    return collection(feature(f"{A}001", square(0)), feature(f"{A}002", square(2)))


BAD_FILES = {
    "json": b'{"type": "FeatureCollection", "features": [',
    "collection_type": json.dumps({"type": "Feature"}).encode(),
    "ring_closed": collection(feature(f"{A}001", [[*square(0)[0][:-1], [120.6001, 31.28]]])),
    "valid": collection(
        feature(
            f"{A}001",
            [[[120.60, 31.28], [120.602, 31.282], [120.602, 31.28], [120.60, 31.282], [120.60, 31.28]]],
        )
    ),
    "lonlat_order": collection(feature(f"{A}001", [[[lat, lon] for lon, lat in square(0)[0]]])),
    "code_format": collection(feature("3205080200330011"), feature("3205080200")),
    "code_street": collection(feature("320508001033001")),
    "code_community": collection(feature("320508020099001")),
    "code_duplicate": collection(feature(f"{A}001", square(0)), feature(f"{A}001", square(1))),
    "overlap": collection(
        feature(f"{A}001", square(0)),
        feature(
            f"{A}002",
            [[[120.601, 31.28], [120.603, 31.28], [120.603, 31.282], [120.601, 31.282], [120.601, 31.28]]],
        ),
    ),
}


@pytest.mark.parametrize("rule", [*BAD_FILES, "boundary"])
def test_bad_geojson_is_refused_with_its_rule_and_nothing_is_written(street, rule) -> None:
    data = out_of_street_boundary(street) if rule == "boundary" else BAD_FILES[rule]
    version = grid_version()
    result = do_import_grids(data, actor=None, street=street)
    assert not result.ok and rule in {e.rule for e in result.errors}, result.errors
    assert (result.created, result.updated, result.removed) == ([], [], [])
    assert not Grid.objects.exists() and grid_version() == version
    error = next(e for e in result.errors if e.rule == rule)
    assert error.message and error.field
    if rule not in {"json", "collection_type"}:
        assert error.index is not None and error.index >= 1
    refusal = AuditEvent.objects.get(action="grid.import")
    assert refusal.success is False


def test_one_bad_feature_stops_the_good_ones(street) -> None:
    data = collection(
        feature(f"{A}001", square(0)), feature("320508020099001", square(1)), feature(f"{A}003", square(2))
    )
    result = do_import_grids(data, actor=None, street=street)
    assert [(e.index, e.code, e.rule) for e in result.errors] == [(2, "320508020099001", "code_community")]
    assert not Grid.objects.exists()


def test_community_must_exist_in_the_database(street) -> None:
    Region.objects.filter(code=B).delete()
    result = do_import_grids(GOOD, actor=None, street=street)
    assert [(e.index, e.code, e.rule) for e in result.errors] == [(3, f"{B}001", "community_missing")]
    assert not Grid.objects.exists()


def test_reimport_updates_and_overlap_with_stored_grids_is_refused(street) -> None:
    do_import_grids(GOOD, actor=None, street=street)
    moved = collection(feature(f"{A}002", square(1, 1), name="胥江二网格"))
    result = do_import_grids(moved, actor=None, street=street)
    assert result.ok and result.updated == [f"{A}002"] and result.created == []
    assert Grid.objects.get(code=f"{A}002").name == "胥江二网格"
    clash = collection(feature(f"{A}009", square(0)))
    result = do_import_grids(clash, actor=None, street=street)
    assert [e.rule for e in result.errors] == ["overlap"] and "已有网格" in result.errors[0].message
    assert Grid.objects.count() == 3


def test_replace_removes_missing_grids_unless_cases_use_them(world) -> None:
    street = world.street
    keep = collection(feature(f"{A}001", world.grids["a1"].polygon["coordinates"]))
    result = do_import_grids(keep, actor=None, street=street, replace=True)
    assert result.ok and result.removed == [f"{A}002", f"{B}001"] and result.unchanged == 0
    assert list(Grid.objects.values_list("code", flat=True)) == [f"{A}001"]


def test_replace_refuses_to_remove_a_grid_with_cases(world) -> None:
    from jiedao.cases.testing import report

    report(world, grid=(2, 0))  # a case in 泰南第一网格
    keep = collection(feature(f"{A}001", world.grids["a1"].polygon["coordinates"]))
    result = do_import_grids(keep, actor=None, street=world.street, replace=True)
    assert [(e.code, e.rule) for e in result.errors] == [(f"{B}001", "grid_in_use")]
    assert Grid.objects.count() == 3


def test_export_import_round_trip(street) -> None:
    layout = demo_layout(120.62, 31.29, 1200, [A, B], 4, seed=7)
    features = [
        feature(code, mapping(polygon)["coordinates"])
        for c in (A, B)
        for code, polygon in number_grids(c, layout[c])
    ]
    assert do_import_grids(collection(*features), actor=None, street=street).ok
    exported = export_grids_geojson(street)
    assert [f["properties"]["code"] for f in exported["features"]] == [
        f"{c}00{n}" for c in (A, B) for n in range(1, 5)
    ]
    again = do_import_grids(json.dumps(exported).encode(), actor=None, street=street)
    assert again.ok and (again.created, again.updated, again.unchanged) == ([], [], 8)
    assert export_grids_geojson(street) == exported
    replaced = do_import_grids(json.dumps(exported).encode(), actor=None, street=street, replace=True)
    assert replaced.ok and replaced.removed == [] and replaced.unchanged == 8


def test_locate_after_import_single_and_bulk_agree(street) -> None:
    do_import_grids(GOOD, actor=None, street=street)
    centres = [(120.60 + (col + 0.5) * D, 31.28 + 0.5 * D) for col in range(3)]
    assert [locate(lon, lat).code for lon, lat in centres] == [f"{A}001", f"{A}002", f"{B}001"]
    lons = [120.5995 + i * 0.00031 for i in range(25)]
    lats = [31.2795 + (i % 5) * 0.0006 for i in range(25)]
    singles = [grid.pk if (grid := locate(lon, lat)) else None for lon, lat in zip(lons, lats, strict=True)]
    assert locate_many(lons, lats) == singles
    assert None in singles and len({s for s in singles if s}) == 3
    # A new import moves the index on at once.
    do_import_grids(collection(feature(f"{A}002", square(1, 3))), actor=None, street=street)
    assert locate(*centres[1]) is None


# --- commands -----------------------------------------------------------------------------------------------


def test_commands_load_import_and_export(db, tmp_path, capsys) -> None:
    call_command("load_street", STREET)
    assert "21 个社区" in capsys.readouterr().out
    good, bad = tmp_path / "good.geojson", tmp_path / "bad.geojson"
    good.write_bytes(GOOD)
    bad.write_bytes(
        collection(feature(f"{A}001"), feature("320508020099001", square(1)), feature("12", square(2)))
    )
    with pytest.raises(CommandError, match="2 个错误"):
        call_command("import_grids", str(bad), street=STREET)
    err = capsys.readouterr().err
    assert "第 2 个要素(320508020099001) properties.code [code_community]" in err
    assert "第 3 个要素 properties.code [code_format]" in err
    assert not Grid.objects.exists()
    call_command("import_grids", str(good), street=STREET)
    assert "新增 3" in capsys.readouterr().out
    out = tmp_path / "out.geojson"
    call_command("export_grids", output=out, street=STREET)
    assert len(json.loads(out.read_text(encoding="utf-8"))["features"]) == 3


# --- units, accounts, memberships ---------------------------------------------------------------------------


def test_units_accounts_memberships_and_grid_workers(street) -> None:
    do_import_grids(GOOD, actor=None, street=street)
    centre = do_create_unit(
        actor=None, name="沧浪街道综合指挥中心", kind=UnitKind.COMMAND_CENTRE, region=street
    )
    committee = do_create_unit(
        actor=None, name="胥江社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE, region=Region.objects.get(code=A),
        escalates_to=centre,
    )  # fmt: skip
    with pytest.raises(ApplicationError, match="已有单位"):
        do_create_unit(actor=None, name="沧浪街道综合指挥中心", kind=UnitKind.COMMAND_CENTRE, region=street)
    with pytest.raises(ApplicationError) as info:
        do_create_user(actor=None, username="wang", full_name="王小明", password="12345678")
    assert info.value.code == "password"
    admin = do_create_user(
        actor=None, username="admin", full_name="陈管理", password="Jiedao@2026", superuser=True
    )
    assert admin.check_password("Jiedao@2026") and admin.is_staff and admin.get_full_name() == "陈管理"
    worker = do_create_user(actor=None, username="wg", full_name="周网格", password_hash=admin.password)
    do_add_membership(admin, centre, Role.SYSTEM_ADMIN, actor=None)
    with pytest.raises(ApplicationError) as info:
        do_add_membership(admin, centre, Role.AUDIT_ADMIN, actor=None)
    assert info.value.code == "separation"
    grid = Grid.objects.get(code=f"{A}001")
    with pytest.raises(ApplicationError, match="不是"):
        do_assign_grid_workers(grid, [worker], actor=None)
    do_add_membership(worker, committee, Role.GRID_WORKER, actor=None)
    do_assign_grid_workers(grid, [worker], actor=None)
    assert list(grid.workers.all()) == [worker]
    b_grid = Grid.objects.get(code=f"{B}001")
    with pytest.raises(ApplicationError):
        do_assign_grid_workers(b_grid, [worker], actor=None)  # 泰南 is not the worker's community
    actions = set(AuditEvent.objects.filter(success=True).values_list("action", flat=True))
    assert {"unit.create", "user.create", "membership.create", "grid.assign_workers"} <= actions
    assert "Jiedao" not in json.dumps(list(AuditEvent.objects.values_list("new", flat=True)))


def test_three_admins_are_separate(street) -> None:
    centre = do_create_unit(actor=None, name="指挥中心", kind=UnitKind.COMMAND_CENTRE, region=street)
    people = {}
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DISPATCHER):
        people[role] = do_create_user(actor=None, username=role, full_name="张三", password_hash="!")
        do_add_membership(people[role], centre, role, actor=None)
    system, security, dispatcher = (actor_for_user(people[r]) for r in people)
    # Accounts are the security administrator's; regions and units the system administrator's.
    do_create_user(actor=security, username="new", full_name="李四", password_hash="!")
    with pytest.raises(PermissionRefused):
        do_create_user(actor=system, username="other", full_name="李四", password_hash="!")
    do_create_unit(actor=system, name="城管中队", kind=UnitKind.DEPARTMENT, region=street)
    for actor in (security, dispatcher):
        with pytest.raises(PermissionRefused):
            do_create_unit(actor=actor, name="市政", kind=UnitKind.DEPARTMENT, region=street)
        with pytest.raises(PermissionRefused):
            do_import_grids(GOOD, actor=actor, street=street)
    assert not Grid.objects.exists()
    assert AuditEvent.objects.filter(success=False, action="unit.create").count() == 2
    assert Membership.objects.count() == 3


def test_grid_names() -> None:
    assert grid_name("胥江社区居委会", f"{A}001") == "胥江社区第一网格"
    assert grid_name("胥江社区居委会", f"{A}010") == "胥江社区第十网格"
    assert grid_name("小明沙村委会", "320582003200023") == "小明沙村第二十三网格"
    assert grid_name("永兴村民委员会", "320582003205002") == "永兴村第二网格"
    assert grid_name("胥江社区居委会", f"{A}120") == "胥江社区第120网格"
