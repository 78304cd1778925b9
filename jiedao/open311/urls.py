from django.urls import re_path

from jiedao.open311 import views

FORMAT = r"\.(?P<format>json|xml)$"
urlpatterns = [
    re_path(rf"^discovery{FORMAT}", views.DiscoveryView.as_view(), name="open311-discovery"),
    re_path(rf"^services{FORMAT}", views.ServiceListView.as_view(), name="open311-services"),
    re_path(rf"^services/(?P<service_code>[^/]+?){FORMAT}", views.ServiceDefinitionView.as_view()),
    re_path(rf"^requests{FORMAT}", views.RequestListView.as_view(), name="open311-requests"),
    re_path(rf"^requests/(?P<service_request_id>[^/]+?){FORMAT}", views.RequestDetailView.as_view()),
    re_path(rf"^tokens/(?P<token>[^/]+?){FORMAT}", views.TokenView.as_view()),
]
