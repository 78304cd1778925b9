from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "jiedao.cases"
    label = "cases"
    verbose_name = _("案件")

    def ready(self) -> None:
        from jiedao.cases import notify, sweep  # noqa: F401  (register their outbox handlers)
