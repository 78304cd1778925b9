from django.urls import path

from jiedao.web import views

urlpatterns = [
    path("", views.home, name="home"),
    # Resident pages (public, phone-first)
    path("report/", views.report, name="report"),
    path("report/fields/", views.report_fields, name="report_fields"),
    path("report/area.geojson", views.report_area, name="report_area"),
    path("report/done/", views.report_done, name="report_done"),
    path("track/", views.track, name="track"),
    path("track/<str:number>/evaluate/", views.track_evaluate, name="track_evaluate"),
    # Staff pages
    path("workbench/", views.workbench, name="workbench"),
    path("workbench/dispatch/", views.bulk_dispatch, name="bulk_dispatch"),
    path("cases/<str:number>/", views.case_detail, name="case_detail"),
    path("cases/<str:number>/reveal/", views.case_reveal, name="case_reveal"),
    path("cases/<str:number>/<slug:action>/", views.case_action, name="case_action"),
    path("map/", views.map_page, name="map"),
    path("map/grids.geojson", views.map_grids, name="map_grids"),
    path("map/cases.geojson", views.map_cases, name="map_cases"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
