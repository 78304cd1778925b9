from django.urls import path

from jiedao.tracking import api

urlpatterns = [
    path("devices/", api.DeviceListView.as_view(), name="api-tracking-devices"),
    path("devices/<int:pk>/positions/", api.PositionListView.as_view(), name="api-tracking-positions"),
]
