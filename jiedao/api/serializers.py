"""What the API reads and writes. Input serializers only parse; the actions decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jiedao.cases.actions import RETURN_REASONS
from jiedao.cases.categories import by_service_code
from jiedao.cases.models import Attachment, Case, CaseEvent, Category, Channel, Satisfaction, Status, Urgency
from jiedao.cases.pii import masked_reporter
from jiedao.cases.selectors import cases_for
from jiedao.cases.states import ACTION_LABELS
from jiedao.integrations.models import WEBHOOK_URL, WebhookDelivery, WebhookEvent, WebhookSubscription
from jiedao.org.models import Region, Unit
from jiedao.org.selectors import units_for

# --- output ------------------------------------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    service_code = serializers.CharField(read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Category
        fields = [
            "id",
            "service_code",
            "scheme",
            "kind",
            "code",
            "name",
            "name_en",
            "parent",
            "public",
            "attributes",
        ]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "specialty", "region", "escalates_to", "phone"]


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "center_lon", "center_lat"]


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


class CaseSerializer(serializers.ModelSerializer):
    category = CategorySerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    unit = serializers.CharField(source="unit.name", default=None, read_only=True)
    unit_id = serializers.IntegerField(read_only=True)
    street = serializers.CharField(source="street_id", read_only=True)
    community = serializers.CharField(source="community_id", read_only=True)
    grid = serializers.CharField(source="grid.code", default=None, read_only=True)
    reporter = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "number",
            "status",
            "status_label",
            "category",
            "urgency",
            "channel",
            "source_ref",
            "description",
            "address",
            "lon",
            "lat",
            "street",
            "community",
            "grid",
            "unit",
            "unit_id",
            "attributes",
            "reporter",
            "reported_at",
            "registered_at",
            "dispatched_at",
            "accepted_at",
            "handled_at",
            "closed_at",
            "evaluated_at",
            "updated_at",
            "stage_deadline",
            "due_at",
            "clock",
            "suspended",
            "extension_pending",
            "satisfaction",
            "resolved",
            "callback_reached",
            "contacted",
            "void_reason",
        ]

    @extend_schema_field(ReporterSerializer)
    def get_reporter(self, case: Case) -> dict[str, str]:
        return masked_reporter(case)


class CaseCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    reported_at = serializers.DateTimeField()
    url = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    allowed_actions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "allowed_actions"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.FileField(source="file", read_only=True)
    thumbnail_url = serializers.FileField(source="thumbnail", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "event",
            "url",
            "thumbnail_url",
            "content_type",
            "size",
            "width",
            "height",
            "original_name",
            "uploaded_at",
        ]


class EventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    actor_unit = serializers.CharField(source="actor_unit.name", default=None, read_only=True)
    target_unit = serializers.CharField(source="target_unit.name", default=None, read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor_label",
            "actor_unit",
            "target_unit",
            "note",
            "data",
            "public",
        ]

    def get_action_label(self, event: CaseEvent) -> str:
        return str(ACTION_LABELS.get(event.action, event.action))


class SubscriptionSerializer(serializers.ModelSerializer):
    url = serializers.URLField(max_length=500, validators=[WEBHOOK_URL])
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "secret",
            "events",
            "active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
        ]
        read_only_fields = ["secret", "active", "consecutive_failures", "disabled_at", "created_at"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "body",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]


# --- input -------------------------------------------------------------------------------------------------


class ServiceCodeField(serializers.CharField):
    """A category given by its service_code (``gbt30428-event-0101``)."""

    def to_internal_value(self, data: Any) -> Category:
        category = by_service_code(super().to_internal_value(data))
        if category is None:
            raise serializers.ValidationError("未知的类别编码")
        return category


class CaseCreateSerializer(serializers.Serializer):
    service_code = ServiceCodeField(source="category")
    description = serializers.CharField(max_length=4000, allow_blank=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.WALK_IN)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    lon = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-180, max_value=180)
    lat = serializers.FloatField(required=False, allow_null=True, default=None, min_value=-90, max_value=90)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    reporter_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    reporter_phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    attributes = serializers.DictField(required=False, default=dict)
    source_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if (data["lon"] is None) != (data["lat"] is None):
            raise serializers.ValidationError({"lon": "经度和纬度须同时提供"})
        return data


def _note() -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _photos() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(), required=False, default=list, source="uploads", max_length=20
    )


class NoteSerializer(serializers.Serializer):
    note = _note()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class RegisterSerializer(NoteSerializer):
    service_code = ServiceCodeField(source="category", required=False)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)


class ScopedCaseField(serializers.CharField):
    """Another case by number, within the caller's scope."""

    def to_internal_value(self, data: Any) -> Case:
        case = cases_for(self.context["actor"]).filter(number=super().to_internal_value(data)).first()
        if case is None:
            raise serializers.ValidationError("找不到该案件")
        return case


class MergeSerializer(NoteSerializer):
    into = ScopedCaseField()


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return units_for(self.context["actor"])


class DispatchSerializer(NoteSerializer):
    unit = ScopedUnitField()
    co_units = ScopedUnitField(many=True, required=False, default=list)


class ReturnSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=list(RETURN_REASONS.items()))


class ExtensionSerializer(ReasonSerializer):
    until = serializers.DateTimeField()


class EvidenceSerializer(NoteSerializer):
    photos = _photos()


class VerifySerializer(EvidenceSerializer):
    passed = serializers.BooleanField()


class EvaluateSerializer(NoteSerializer):
    """回访: ``reached`` false records a callback that did not reach the requester (no answers)."""

    reached = serializers.BooleanField(required=False, default=True)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, default="")
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)
    contacted = serializers.BooleanField(required=False, allow_null=True, default=None)


# Each action endpoint: the input it takes; the view calls cases.actions.do_<action> with it.
ACTION_INPUTS: dict[str, type[serializers.Serializer]] = {
    "register": RegisterSerializer,
    "void": ReasonSerializer,
    "merge": MergeSerializer,
    "dispatch": DispatchSerializer,
    "accept": NoteSerializer,
    "return": ReturnSerializer,
    "escalate": NoteSerializer,
    "request_extension": ExtensionSerializer,
    "approve_extension": NoteSerializer,
    "deny_extension": NoteSerializer,
    "suspend": ReasonSerializer,
    "resume": NoteSerializer,
    "supervise": NoteSerializer,
    "urge": NoteSerializer,
    "handle": EvidenceSerializer,
    "verify": VerifySerializer,
    "evaluate": EvaluateSerializer,
    "reopen": NoteSerializer,
}
