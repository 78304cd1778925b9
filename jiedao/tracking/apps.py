from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "jiedao.tracking"
    label = "tracking"
    verbose_name = _("定位监管")

    def ready(self) -> None:
        from jiedao.core.periodic import periodic
        from jiedao.tracking.services import purge_old_positions

        # Tracks of people are sensitive (PIPL): positions past the retention period go with every sweep.
        periodic("tracking.purge_positions")(purge_old_positions)
