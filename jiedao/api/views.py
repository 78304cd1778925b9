"""REST endpoints: parse, authorise, call one action (or one scoped selector), render."""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from shapely.geometry import shape

from jiedao.api import serializers as s
from jiedao.api.auth import IsIntegrator, IsStaff, caller, caller_key
from jiedao.api.filters import CaseFilter
from jiedao.api.models import IdempotencyKey
from jiedao.cases import actions
from jiedao.cases.models import Attachment, Case, CaseEvent, Channel
from jiedao.cases.permissions import allowed_actions
from jiedao.cases.selectors import case_for, cases_for
from jiedao.core import clock
from jiedao.core.errors import ApplicationError
from jiedao.integrations.models import ApiKey, WebhookDelivery, WebhookSubscription
from jiedao.lib.gridgeojson import ParsedGrid, grids_to_geojson
from jiedao.open311.selectors import services
from jiedao.org.models import Region, Unit
from jiedao.org.selectors import grids_for, regions_for, units_for

PARSERS = [JSONParser, FormParser, MultiPartParser]
IDEMPOTENCY_HEADER = "Idempotency-Key"


def detail(request: Request, case: Case, code: int = status.HTTP_200_OK) -> Response:
    case.allowed_actions = allowed_actions(caller(request), case)
    return Response(s.CaseDetailSerializer(case, context={"request": request}).data, status=code)


def created(request: Request, case: Case, code: int) -> Response:
    """A short answer to 上报 (the full case is one GET away, at Location)."""
    location = reverse("api-case", args=[case.number])
    body = {"number": case.number, "status": case.status, "reported_at": case.reported_at, "url": location}
    return Response(s.CaseCreatedSerializer(body).data, status=code, headers={"Location": location})


class ScopedListView(generics.ListAPIView):
    """A list read through the caller's scope: subclasses define ``scoped()`` (the selector to call);
    schema generation sees an empty queryset."""

    model: type[Model]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped()


class CaseListView(ScopedListView):
    """案件列表 (GET, staff: only cases in your jurisdiction or assigned to your units) and 上报 (POST)."""

    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    parser_classes = PARSERS

    def get_permissions(self):
        return [IsStaff()] if self.request.method == "GET" else super().get_permissions()

    model = Case

    def scoped(self) -> QuerySet[Case]:
        return cases_for(caller(self.request)).order_by("-reported_at", "-id")

    @extend_schema(
        request=s.CaseCreateSerializer,
        responses={201: s.CaseCreatedSerializer, 200: s.CaseCreatedSerializer},
        parameters=[OpenApiParameter(IDEMPOTENCY_HEADER, str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request: Request) -> Response:
        """上报: staff with a channel; integrators always as channel "api". Idempotency-Key makes one case."""
        actor = caller(request)
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if len(key) > 100:
            raise ApplicationError("invalid", "Idempotency-Key 不能超过100个字符", field=IDEMPOTENCY_HEADER)
        digest = hashlib.sha256(json.dumps(request.data, sort_keys=True, default=str).encode()).hexdigest()
        if key:
            replay = self._replay(request, key, digest)
            if replay is not None:
                return replay
        serializer = s.CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if isinstance(request.auth, ApiKey):
            data["channel"] = Channel.API
        try:
            with (
                transaction.atomic() if key else nullcontext()
            ):  # the key is stored with its case or not at all
                case = actions.do_report(actions.ReportInput(**data), actor=actor)
                if key:
                    IdempotencyKey.objects.create(
                        caller=caller_key(request),
                        key=key,
                        request_hash=digest,
                        case=case,
                        created_at=clock.now(),
                    )
        except IntegrityError:  # the same key raced in from another request: answer with its case
            return self._replay(request, key, digest)
        return created(request, case, status.HTTP_201_CREATED)

    @staticmethod
    def _replay(request: Request, key: str, digest: str) -> Response | None:
        stored = (
            IdempotencyKey.objects.select_related("case").filter(caller=caller_key(request), key=key).first()
        )
        if stored is None:
            return None
        if stored.request_hash != digest:
            raise ApplicationError("idempotency_mismatch", "同一 Idempotency-Key 已用于另一内容的请求")
        response = created(request, stored.case, status.HTTP_200_OK)
        response["Idempotent-Replayed"] = "true"
        return response


class CaseDetailView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request: Request, number: str) -> Response:
        return detail(request, case_for(caller(request), number))


class CaseActionView(APIView):
    """POST /api/cases/{number}/{action}/ → cases.actions.do_<action>, with that action's refusals."""

    permission_classes = [IsStaff]
    parser_classes = PARSERS
    action_name = ""

    def post(self, request: Request, number: str) -> Response:
        actor = caller(request)
        case = case_for(actor, number)
        serializer = s.ACTION_INPUTS[self.action_name](data=request.data, context={"actor": actor})
        serializer.is_valid(raise_exception=True)
        getattr(actions, f"do_{self.action_name}")(case, actor=actor, **serializer.validated_data)
        return detail(request, case)


def action_view(name: str) -> type[CaseActionView]:
    """One view class per action, so the schema documents each action's own input."""

    @extend_schema(
        operation_id=f"cases_{name}",
        request=s.ACTION_INPUTS[name],
        responses=s.CaseDetailSerializer,
        summary=(getattr(actions, f"do_{name}").__doc__ or name).split(":")[0],
    )
    def post(self: CaseActionView, request: Request, number: str) -> Response:
        return CaseActionView.post(self, request, number)

    return type(
        f"Case{name.title().replace('_', '')}View", (CaseActionView,), {"action_name": name, "post": post}
    )


class TimelineView(ScopedListView):
    """流转记录: the whole timeline (staff see internal steps too)."""

    permission_classes = [IsStaff]
    serializer_class = s.EventSerializer
    pagination_class = None
    model = CaseEvent

    def scoped(self) -> QuerySet[CaseEvent]:
        case = case_for(caller(self.request), self.kwargs["number"])
        return case.events.select_related("actor_unit", "target_unit")


class AttachmentView(ScopedListView):
    """附件: list (GET) or add photos with a note (POST multipart, through do_attach)."""

    permission_classes = [IsStaff]
    serializer_class = s.AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]
    pagination_class = None
    model = Attachment

    def scoped(self) -> QuerySet[Attachment]:
        return case_for(caller(self.request), self.kwargs["number"]).attachments.all()

    @extend_schema(request=s.EvidenceSerializer, responses={201: s.AttachmentSerializer(many=True)})
    def post(self, request: Request, number: str) -> Response:
        actor = caller(request)
        case = case_for(actor, number)
        serializer = s.EvidenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actions.do_attach(case, actor=actor, **serializer.validated_data)
        attachments = self.get_serializer(case.attachments.all(), many=True)
        return Response(attachments.data, status=status.HTTP_201_CREATED)


class CategoryListView(generics.ListAPIView):
    """类别 (Open311 services with their attribute schemas): public."""

    permission_classes = [AllowAny]
    serializer_class = s.CategorySerializer

    def get_queryset(self):
        return services().order_by("scheme", "kind", "code")


class UnitListView(ScopedListView):
    permission_classes = [IsStaff]
    serializer_class = s.UnitSerializer
    model = Unit

    def scoped(self) -> QuerySet[Unit]:
        return units_for(caller(self.request)).order_by("region_id", "name")


class RegionListView(ScopedListView):
    permission_classes = [IsStaff]
    serializer_class = s.RegionSerializer
    model = Region

    def scoped(self) -> QuerySet[Region]:
        return regions_for(caller(self.request)).order_by("code")


class GridGeoJSONView(APIView):
    """网格 as an RFC 7946 FeatureCollection (the format the grid import reads back)."""

    permission_classes = [IsStaff]

    @extend_schema(responses={200: dict[str, Any]})
    def get(self, request: Request) -> Response:
        grids = grids_for(caller(request)).order_by("code")
        return Response(
            grids_to_geojson(
                ParsedGrid(g.code, g.name, g.community_id, shape(g.polygon), g.area_m2) for g in grids
            )
        )


class SubscriptionListView(ScopedListView, generics.CreateAPIView):
    """The calling integrator's webhook subscriptions; the signing secret is shown in each."""

    permission_classes = [IsIntegrator]
    serializer_class = s.SubscriptionSerializer
    model = WebhookSubscription

    def scoped(self) -> QuerySet[WebhookSubscription]:
        return WebhookSubscription.objects.filter(integrator=self.request.auth.integrator)

    def perform_create(self, serializer: s.SubscriptionSerializer) -> None:
        serializer.save(integrator=self.request.auth.integrator)


class DeliveryListView(ScopedListView):
    """投递记录 of one of the calling integrator's subscriptions."""

    permission_classes = [IsIntegrator]
    serializer_class = s.DeliverySerializer
    model = WebhookDelivery

    def scoped(self) -> QuerySet[WebhookDelivery]:
        subscription = get_object_or_404(
            WebhookSubscription, pk=self.kwargs["pk"], integrator=self.request.auth.integrator
        )
        return subscription.deliveries.all()


class RedocView(SpectacularRedocView):
    """ReDoc from the instance's own files. Its bundle also asks cdn.redoc.ly for a logo; on an intranet that
    request hangs until it times out, so the page's policy keeps the browser on the instance (the logo hides
    itself when it cannot load)."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; worker-src 'self' blob:; "
        "script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'"
    )

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = self.POLICY
        return response
