"""Pages. Thin: parse, authorise, call one action or selector, render."""

from jiedao.web.views.maps import map_cases, map_grids, map_page
from jiedao.web.views.resident import report, report_area, report_done, report_fields, track, track_evaluate
from jiedao.web.views.staff import (
    bulk_dispatch,
    case_action,
    case_detail,
    case_reveal,
    home,
    notification_open,
    notifications,
    notifications_read,
    workbench,
)

__all__ = [
    "bulk_dispatch",
    "case_action",
    "case_detail",
    "case_reveal",
    "home",
    "map_cases",
    "map_grids",
    "map_page",
    "notification_open",
    "notifications",
    "notifications_read",
    "report",
    "report_area",
    "report_done",
    "report_fields",
    "track",
    "track_evaluate",
    "workbench",
]
