from django.urls import path

from jiedao.tracking import views

app_name = "tracking"

urlpatterns = [
    path("", views.live, name="live"),
    path("live.geojson", views.live_geojson, name="live_geojson"),
    path("devices/<int:pk>/track/", views.track, name="track"),
    path("attendance/", views.attendance, name="attendance"),
    path("summary/", views.summary, name="summary"),
]
