"""What Open311 exposes: the public categories (services) and the cases of public categories (requests)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from jiedao.cases.models import Attachment, Case, CaseEvent, Category


def services() -> QuerySet[Category]:
    """Leaf categories a resident may choose: Open311 services."""
    return Category.objects.filter(public=True, active=True, parent__isnull=False).select_related("parent")


def category_by_service_code(service_code: str, among: QuerySet[Category] | None = None) -> Category | None:
    """The category behind ``scheme-kind-code`` (Category.service_code), optionally only ``among``; or None."""
    parts = service_code.split("-", 2)
    if len(parts) != 3:
        return None
    scheme, kind, code = parts
    queryset = among if among is not None else Category.objects.select_related("parent")
    return queryset.filter(scheme=scheme, kind=kind, code=code).first()


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
