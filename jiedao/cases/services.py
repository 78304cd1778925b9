"""Configuration of case handling: the category catalogue (类别目录) with its deadlines, and routing rules.

Like the actions, each function is atomic and audited in the same transaction; ``actor`` None is the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from jiedao.cases.attributes import CategorySpec, load_catalogue
from jiedao.cases.models import Category, RoutingRule, StageLimit
from jiedao.core import audit
from jiedao.core.actor import Actor
from jiedao.core.errors import ApplicationError
from jiedao.org.actions import require_role
from jiedao.org.models import Region, Role, Unit


@dataclass
class SyncCounts:
    """What ``sync_catalogue`` changed."""

    categories_created: int = 0
    categories_updated: int = 0
    limits_created: int = 0
    limits_updated: int = 0

    @property
    def changed(self) -> bool:
        return any(
            (self.categories_created, self.categories_updated, self.limits_created, self.limits_updated)
        )


def _group_values(spec: CategorySpec) -> dict[str, Any]:
    return {
        "name": spec.group_name,
        "name_en": spec.group_name_en,
        "description": spec.group_description,
        "default_unit_specialty": spec.group_unit_kind,
        "parent": None,
    }


def _leaf_values(spec: CategorySpec, parent: Category) -> dict[str, Any]:
    return {
        "name": spec.name,
        "name_en": spec.name_en,
        "description": spec.description,
        "keywords": " ".join(spec.keywords),
        "default_unit_specialty": spec.default_unit_kind,
        "attributes": list(spec.attributes),
        "parent": parent,
    }


class _Syncer:
    """Brings the stored categories and limits in line with the specs, touching only what differs."""

    def __init__(self) -> None:
        self.categories = {(c.scheme, c.kind, c.code): c for c in Category.objects.all()}
        self.limits = {(lim.category_id, lim.urgency, lim.stage): lim for lim in StageLimit.objects.all()}
        self.counts = SyncCounts()
        self.changed: list[str] = []

    def category(self, key: tuple[str, str, str], values: dict[str, Any]) -> Category:
        category = self.categories.get(key)
        if category is None:
            scheme, kind, code = key
            category = Category.objects.create(scheme=scheme, kind=kind, code=code, **values)
            self.categories[key] = category
            self.counts.categories_created += 1
            self.changed.append(category.service_code)
            return category
        fields = [name for name, value in values.items() if getattr(category, name) != value]
        if fields:
            for name in fields:
                setattr(category, name, values[name])
            category.save(update_fields=fields)
            self.counts.categories_updated += 1
            self.changed.append(category.service_code)
        return category

    def limit(self, category: Category, urgency: str, stage: str, amount: int, unit: str, basis: str) -> None:
        values = {"amount": amount, "unit": unit, "basis": basis}
        limit = self.limits.get((category.pk, urgency, stage))
        if limit is None:
            StageLimit.objects.create(category=category, urgency=urgency, stage=stage, **values)
            self.counts.limits_created += 1
        elif any(getattr(limit, name) != value for name, value in values.items()):
            StageLimit.objects.filter(pk=limit.pk).update(**values)
            self.counts.limits_updated += 1
        else:
            return
        if category.service_code not in self.changed:
            self.changed.append(category.service_code)


def sync_catalogue(*, actor: Actor | None, path: str | Path | None = None) -> SyncCounts:
    """载入类别目录: create or update the categories (大类 and 小类) and their stage limits from the catalogue
    file (the shipped one by default). Idempotent; categories not in the file are left alone."""
    require_role(actor, Role.SYSTEM_ADMIN, "category.sync", "category", "catalogue")
    specs = load_catalogue(path)
    with transaction.atomic():
        syncer = _Syncer()
        for spec in specs:
            parent = syncer.category((spec.scheme, spec.kind, spec.group_code), _group_values(spec))
            leaf = syncer.category(spec.key, _leaf_values(spec, parent))
            for urgency, stage, amount, unit, basis in spec.stage_limits():
                syncer.limit(leaf, urgency, stage, amount, unit, basis)
        if syncer.counts.changed:
            audit.record(
                actor,
                "category.sync",
                "category",
                "catalogue",
                new={**vars(syncer.counts), "categories": syncer.changed},
            )
    return syncer.counts


def do_set_routing_rule(
    category: Category, region: Region, unit: Unit, *, actor: Actor | None
) -> RoutingRule:
    """派遣规则: cases of ``category`` (or of its 小类) in ``region`` go to ``unit`` by default."""
    require_role(actor, Role.SYSTEM_ADMIN, "routing.set", "category", category.service_code)
    if not unit.active or not unit.region_id.startswith(region.code[:6]):
        raise ApplicationError("bad_unit", f"不能把「{region.name}」的案件派给「{unit.name}」", field="unit")
    with transaction.atomic():
        rule = RoutingRule.objects.filter(category=category, region=region).select_related("unit").first()
        old = {"unit": rule.unit.name} if rule else {}
        if rule is None:
            rule = RoutingRule.objects.create(category=category, region=region, unit=unit)
        elif rule.unit_id != unit.pk:
            rule.unit = unit
            rule.save(update_fields=["unit"])
        else:
            return rule
        audit.record(
            actor,
            "routing.set",
            "category",
            category.service_code,
            old=old,
            new={"region": region.code, "unit": unit.name},
        )
    return rule
