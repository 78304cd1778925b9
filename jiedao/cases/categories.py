"""The category catalogue (类别目录) in each process's memory: every category with its parent and stage limits.

Every report, import row and deadline needs a category and its limits; the catalogue changes a few times a
year. Database triggers on the category and limit tables move its version (``core.versions``), whoever writes.
The instances handed out are shared by the process: read them, never change them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from jiedao.cases.models import Category, StageLimit
from jiedao.core import versions

VERSION_COUNTER = "categories.version"


@dataclass(frozen=True)
class Catalogue:
    by_id: dict[int, Category]
    by_service_code: dict[str, Category]
    limits: dict[int, dict[tuple[str, str], StageLimit]]  # category id → (urgency, stage) → limit


def _build() -> Catalogue:
    by_id = {category.pk: category for category in Category.objects.all()}
    limits: dict[int, dict[tuple[str, str], StageLimit]] = {pk: {} for pk in by_id}
    for limit in StageLimit.objects.all():
        limits[limit.category_id][(limit.urgency, limit.stage)] = limit
    for category in by_id.values():
        if category.parent_id is not None:
            category.parent = by_id[category.parent_id]
    return Catalogue(by_id, {c.service_code: c for c in by_id.values()}, limits)


_cache = versions.VersionedCache(VERSION_COUNTER, _build)


def catalogue() -> Catalogue:
    return _cache.get()


def by_service_code(service_code: str) -> Category | None:
    """The category behind ``scheme-kind-code`` (Category.service_code), or None."""
    return _cache.get().by_service_code.get(service_code)


def limits_of(category_id: int) -> dict[tuple[str, str], StageLimit]:
    """The stage limits of a category by (urgency, stage)."""
    found = _cache.get().limits.get(category_id)
    if found is None:  # created inside this pinned scope, after it read the catalogue's version
        found = {(lim.urgency, lim.stage): lim for lim in StageLimit.objects.filter(category_id=category_id)}
    return found


def display_name(category: Category) -> str:
    """A category's name in the active language (English names come from the catalogue)."""
    if (get_language() or "").startswith("en") and category.name_en:
        return category.name_en
    return category.name
