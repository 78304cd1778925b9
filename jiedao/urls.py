"""URL map: public resident pages, the staff workbench, configuration admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("jiedao.web.urls")),
    # Case photos are served by the instance itself (no CDN, no separate media server on the embedded default).
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
]
