from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "jiedao.insight"
    label = "insight"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        from jiedao.cases import notify
        from jiedao.insight.rollups import refresh_for_message

        # Rollups follow every case change: the outbox delivers each case.* message after commit.
        if refresh_for_message not in notify.CASE_EVENT_HOOKS:
            notify.CASE_EVENT_HOOKS.append(refresh_for_message)
