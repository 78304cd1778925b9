"""Loading the category catalogue into the database, and routing rules."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jiedao.cases.attributes import load_catalogue
from jiedao.cases.models import Category, RoutingRule, StageLimit
from jiedao.cases.routing import suggest_unit
from jiedao.cases.services import do_set_routing_rule, sync_catalogue
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.core.models import AuditEvent
from jiedao.org.models import Region, RegionLevel, Unit, UnitKind


def test_sync_creates_what_the_catalogue_holds(db) -> None:
    specs = load_catalogue()
    groups = {(s.scheme, s.kind, s.group_code) for s in specs}
    counts = sync_catalogue(actor=None)
    assert counts.categories_created == len(specs) + len(groups)
    assert counts.limits_created == 10 * len(specs)
    assert Category.objects.filter(parent__isnull=True).count() == len(groups)
    assert Category.objects.filter(parent__isnull=False).count() == len(specs)
    assert StageLimit.objects.count() == 10 * len(specs)

    charging = Category.objects.get(scheme="local", kind="hazard", code="L0103")
    assert (charging.name, charging.parent.name, charging.default_unit_specialty) == (
        "电动车违规充电",
        "安全隐患",
        "物业",
    )
    assert charging.parent.default_unit_specialty == "联动工作站"
    assert [a["code"] for a in charging.attributes][:2] == ["hazard_level", "place_type"]
    rubbish = Category.objects.get(scheme="gbt30428", kind="event", code="0102")
    assert rubbish.keywords == "垃圾 乱扔垃圾 散落垃圾" and rubbish.name_en == "Exposed rubbish"
    hotline = Category.objects.get(scheme="12345", kind="request", code="H0101")
    limits = {(lim.urgency, lim.stage): (lim.amount, lim.unit, lim.basis) for lim in hotline.limits.all()}
    assert limits[("normal", "handle")] == (7, "day", "working")
    rubbish_limits = {
        (lim.urgency, lim.stage): (lim.amount, lim.unit, lim.basis) for lim in rubbish.limits.all()
    }
    assert rubbish_limits[("normal", "handle")] == (4, "hour", "working")
    assert rubbish_limits[("urgent", "handle")] == (1, "hour", "natural")
    assert rubbish_limits[("normal", "dispatch")] == (30, "minute", "working")
    record = AuditEvent.objects.get(action="category.sync")
    assert record.new["categories_created"] == counts.categories_created


def test_sync_again_changes_nothing_and_repairs_drift(db) -> None:
    sync_catalogue(actor=None)
    audits = AuditEvent.objects.count()
    counts = sync_catalogue(actor=None)
    assert not counts.changed and AuditEvent.objects.count() == audits
    rubbish = Category.objects.get(scheme="gbt30428", kind="event", code="0102")
    Category.objects.filter(pk=rubbish.pk).update(name="改过的名字")
    StageLimit.objects.filter(category=rubbish, urgency="normal", stage="handle").update(amount=9)
    StageLimit.objects.filter(category=rubbish, urgency="urgent", stage="verify").delete()
    counts = sync_catalogue(actor=None)
    assert (counts.categories_updated, counts.limits_updated, counts.limits_created) == (1, 1, 1)
    assert Category.objects.get(pk=rubbish.pk).name == "暴露垃圾"
    assert rubbish.limits.get(urgency="normal", stage="handle").amount == 4
    assert AuditEvent.objects.filter(action="category.sync").first().new["categories"] == [
        "gbt30428-event-0102"
    ]


def test_load_catalogue_command(db, capsys) -> None:
    call_command("load_catalogue")
    assert "类别 新增" in capsys.readouterr().out
    call_command("load_catalogue")
    assert "新增 0 · 更新 0" in capsys.readouterr().out


def test_only_the_system_admin_syncs(world, actor) -> None:
    with pytest.raises(PermissionRefused):
        sync_catalogue(actor=actor("dispatcher"))
    assert AuditEvent.objects.filter(action="category.sync", success=False).exists()


def test_routing_rule_wins_over_specialty(world) -> None:
    category = world.category
    assert suggest_unit(category, world.street, world.a) == world.units.chengguan
    do_set_routing_rule(category, world.a, world.units.station, actor=None)
    do_set_routing_rule(category, world.a, world.units.station, actor=None)  # unchanged: no second record
    assert suggest_unit(category, world.street, world.a) == world.units.station
    assert suggest_unit(category, world.street, world.b) == world.units.chengguan
    assert RoutingRule.objects.count() == 1
    assert AuditEvent.objects.filter(action="routing.set").count() == 1
    elsewhere = Region.objects.create(code="320102001", name="外区街道", level=RegionLevel.STREET)
    far = Unit.objects.create(name="外区单位", kind=UnitKind.DEPARTMENT, region=elsewhere)
    with pytest.raises(ApplicationError):
        do_set_routing_rule(category, world.a, far, actor=None)
