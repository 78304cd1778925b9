from django.urls import path

from jiedao.insight import views

app_name = "insight"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/data/", views.dashboard_data, name="dashboard_data"),
    path("dashboard/map.geojson", views.dashboard_map, name="dashboard_map"),
    path("cases/", views.case_list, name="cases"),
    path("figures.json", views.figures_json, name="figures"),
    path("rankings/", views.rankings_page, name="rankings"),
    path("hotspots/", views.hotspots_page, name="hotspots"),
    path("reports/", views.report_page, name="report"),
    path("reports/download.<str:fmt>", views.report_download, name="report_download"),
]
