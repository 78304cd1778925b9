from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "jiedao.insight"
    label = "insight"
    verbose_name = _("统计分析")

    def ready(self) -> None:
        from jiedao.cases import notify
        from jiedao.core.periodic import periodic
        from jiedao.insight.rollups import mark_for_message, refresh_stale

        # Rollups follow every case change: the outbox delivers each case.* message after commit, which marks
        # the days the case touches stale; every sweep then recomputes each stale day once.
        if mark_for_message not in notify.CASE_EVENT_HOOKS:
            notify.CASE_EVENT_HOOKS.append(mark_for_message)
        periodic("insight.refresh_rollups")(refresh_stale)
