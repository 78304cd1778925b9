"""What Open311 exposes: the public categories (services) and the cases of public categories (requests)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from jiedao.cases.categories import by_service_code
from jiedao.cases.models import Attachment, Case, CaseEvent, Category


def services() -> QuerySet[Category]:
    """Leaf categories a resident may choose: Open311 services."""
    return Category.objects.filter(public=True, active=True, parent__isnull=False).select_related("parent")


def service(service_code: str) -> Category | None:
    """The Open311 service behind ``service_code``: one of ``services()``, or None."""
    category = by_service_code(service_code)
    if category is None or not (category.public and category.active and category.parent_id):
        return None
    return category


def public_requests(*, with_notes: bool = False) -> QuerySet[Case]:
    """Cases of public categories (hazards, disputes and other private groups never leave the instance)."""
    photos = Prefetch(
        "attachments", queryset=Attachment.objects.filter(event__public=True), to_attr="public_photos"
    )
    queryset = (
        Case.objects.filter(category__public=True)
        .select_related("category", "category__parent", "unit")
        .prefetch_related(photos)
    )
    if with_notes:
        notes = Prefetch("events", queryset=CaseEvent.objects.filter(public=True), to_attr="public_events")
        queryset = queryset.prefetch_related(notes)
    return queryset
