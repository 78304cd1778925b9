from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jiedao.api import views
from jiedao.api.serializers import ACTION_INPUTS

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", views.RedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("cases/", views.CaseListView.as_view(), name="api-cases"),
    path("cases/<str:number>/", views.CaseDetailView.as_view(), name="api-case"),
    path("cases/<str:number>/timeline/", views.TimelineView.as_view(), name="api-case-timeline"),
    path("cases/<str:number>/attachments/", views.AttachmentView.as_view(), name="api-case-attachments"),
    *[
        path(f"cases/<str:number>/{name}/", views.action_view(name).as_view(), name=f"api-case-{name}")
        for name in ACTION_INPUTS
    ],
    path("categories/", views.CategoryListView.as_view(), name="api-categories"),
    path("units/", views.UnitListView.as_view(), name="api-units"),
    path("regions/", views.RegionListView.as_view(), name="api-regions"),
    path("grids/", views.GridGeoJSONView.as_view(), name="api-grids"),
    path("webhooks/", views.SubscriptionListView.as_view(), name="api-webhooks"),
    path("webhooks/<int:pk>/deliveries/", views.DeliveryListView.as_view(), name="api-webhook-deliveries"),
]
