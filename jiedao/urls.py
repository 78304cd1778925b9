"""URL map: public resident pages, the staff workbench, configuration admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from jiedao.web.views.media import case_photo

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # The strings the pages' scripts show (domain djangojs), in the request's language; served by the instance.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript_catalog"),
    path("admin/", admin.site.urls),
    path("open311/v2/", include("jiedao.open311.urls")),
    path("api/tracking/", include("jiedao.tracking.api_urls")),
    path("api/", include("jiedao.api.urls")),
    path("hotline/", include("jiedao.hotline.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tracking/", include("jiedao.tracking.urls")),
    path("insight/", include("jiedao.insight.urls")),
    path("", include("jiedao.web.urls")),
    # Case photos: served by the instance itself, to those who may see the case (no CDN, no open media folder).
    path("media/<path:path>", case_photo, name="case_photo"),
]
