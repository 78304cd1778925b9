from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "jiedao.integrations"
    label = "integrations"
    verbose_name = _("系统对接")

    def ready(self) -> None:
        from jiedao.cases.notify import CASE_EVENT_HOOKS
        from jiedao.integrations import webhooks  # registers the "webhook." outbox handler

        if webhooks.fan_out not in CASE_EVENT_HOOKS:
            CASE_EVENT_HOOKS.append(webhooks.fan_out)
