"""Case list filters: the same facets the workbench offers."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from jiedao.cases.categories import by_service_code
from jiedao.cases.models import Case, Channel, Clock, Status, Urgency
from jiedao.core import clock


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    category = django_filters.CharFilter(method="by_service_code", label="service_code(含其小类)")
    community = django_filters.CharFilter(field_name="community_id")
    grid = django_filters.CharFilter(field_name="grid__code")
    unit = django_filters.NumberFilter(field_name="unit_id")
    clock = django_filters.MultipleChoiceFilter(choices=Clock.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    reported = django_filters.IsoDateTimeFromToRangeFilter(
        field_name="reported_at", method="reported_between"
    )
    source_ref = django_filters.CharFilter()

    class Meta:
        model = Case
        fields: list[str] = []

    def reported_between(self, queryset: QuerySet[Case], name: str, value: slice) -> QuerySet[Case]:
        """reported_after / reported_before, with any offset the ISO form allows (compared in UTC)."""
        try:
            start, stop = (clock.in_zone(v) if v else None for v in (value.start, value.stop))
        except ValueError:
            raise ValidationError({"reported": _("时间超出范围")}) from None
        if start:
            queryset = queryset.filter(reported_at__gte=start)
        return queryset.filter(reported_at__lte=stop) if stop else queryset

    def by_service_code(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        category = by_service_code(value)
        if category is None:
            return queryset.none()
        return queryset.filter(category__in=[category, *category.children.all()])
