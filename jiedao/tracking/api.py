"""REST endpoints of tracking (under /api/tracking/): devices with their latest position, and one device's
positions over a period. Scoped like the pages; every positions request is audited as a track view."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from jiedao.api.auth import IsStaff, caller
from jiedao.api.pagination import Pagination
from jiedao.core import clock
from jiedao.tracking.ingest import COLUMNS
from jiedao.tracking.models import Device, Position
from jiedao.tracking.selectors import devices_for
from jiedao.tracking.views import audit_track_view, device_state, track_period


class DeviceSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name", default=None)
    state = serializers.SerializerMethodField(help_text="moving | stopped | offline")

    class Meta:
        model = Device
        fields = (
            "id",
            "identifier",
            "protocol",
            "kind",
            "name",
            "plate",
            "unit",
            "active",
            "state",
            "last_fix_at",
            "last_lon",
            "last_lat",
            "last_speed",
            "last_course",
            "last_seen_at",
        )

    def get_state(self, device: Device) -> str:
        return device_state(device, self.context["now"])


class PositionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Position
        # The stored columns (ingest.COLUMNS) less the device, which the URL names, and raw terminal extras.
        fields = tuple(name for name in COLUMNS if name not in {"device_id", "extras"})


class PositionPages(Pagination):
    page_size = 1000
    max_page_size = 5000


class DeviceListView(generics.ListAPIView):
    """定位终端 with their latest position and state."""

    permission_classes = [IsStaff]
    serializer_class = DeviceSerializer

    def get_queryset(self) -> QuerySet[Device]:
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        return devices_for(caller(self.request)).order_by("name", "id")

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "now": clock.now()}


class PositionListView(generics.ListAPIView):
    """一个终端的轨迹: positions from ``from`` to ``to`` (local time, default today), at most 7 days."""

    permission_classes = [IsStaff]
    serializer_class = PositionSerializer
    pagination_class = PositionPages

    def get_queryset(self) -> QuerySet[Position]:
        if getattr(self, "swagger_fake_view", False):
            return Position.objects.none()
        actor = caller(self.request)
        device = generics.get_object_or_404(devices_for(actor), pk=self.kwargs["pk"])
        begin, end = track_period(self.request.query_params)
        audit_track_view(actor, device, begin, end, "api")
        return Position.objects.filter(device=device, fixed_at__gte=begin, fixed_at__lte=end).order_by(
            "fixed_at"
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DDTHH:MM, local time"),
            OpenApiParameter("to", str, description="YYYY-MM-DDTHH:MM, local time"),
        ]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
