from django.urls import path

from jiedao.hotline import views

urlpatterns = [
    path("import/", views.upload, name="hotline-upload"),
    path("import/map/", views.map_columns, name="hotline-map"),
    path("import/preview/", views.preview, name="hotline-preview"),
    path("import/commit/", views.commit, name="hotline-commit"),
    path("export.xlsx", views.export, name="hotline-export"),
]
