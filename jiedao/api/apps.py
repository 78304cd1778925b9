from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "jiedao.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from jiedao.api import schema  # noqa: F401  (registers the API-key security scheme)
