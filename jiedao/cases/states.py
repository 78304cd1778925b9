"""The case state machine as data: which action moves which state where, who may take it, and guards.

Tests walk this table exhaustively; ``actions.transition`` is the only code that applies it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jiedao.cases.models import Case, Stage, Status

S = Status
OPEN_WORK = (S.REGISTERED, S.DISPATCHED, S.ACCEPTED)
OPEN = (S.REPORTED, *OPEN_WORK, S.HANDLED)

ACTION_LABELS = {
    "report": _("上报"),
    "register": _("立案"),
    "void": _("作废"),
    "merge": _("并案"),
    "merged": _("被并案"),
    "import": _("导入"),  # a case created with its past steps (cases.bulk): an outbox message, not an event
    "dispatch": _("派遣"),
    "accept": _("签收"),
    "return": _("退单"),
    "escalate": _("上报上级"),
    "request_extension": _("申请延期"),
    "approve_extension": _("批准延期"),
    "deny_extension": _("驳回延期"),
    "suspend": _("缓办"),
    "resume": _("恢复办理"),
    "supervise": _("督办"),
    "urge": _("催办"),
    "handle": _("处置反馈"),
    "verify": _("核查通过"),
    "rework": _("核查不通过(返工)"),
    "evaluate": _("评价"),
    "reopen": _("重办"),
    "warning": _("临期预警"),
    "overdue": _("超期"),
    "attach": _("补充材料"),
}

# (state, action) -> new state. Actions that keep the state list it as their target.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.REPORTED, "register"): S.REGISTERED,
    **{(s, "void"): S.VOIDED for s in (S.REPORTED, S.REGISTERED)},
    **{(s, "merge"): S.VOIDED for s in (S.REPORTED, S.REGISTERED)},
    **{(s, "dispatch"): S.DISPATCHED for s in (S.REGISTERED, S.DISPATCHED)},
    (S.DISPATCHED, "accept"): S.ACCEPTED,
    **{(s, "return"): S.REGISTERED for s in (S.DISPATCHED, S.ACCEPTED)},
    **{(s, "escalate"): S.DISPATCHED for s in (S.DISPATCHED, S.ACCEPTED)},
    (S.ACCEPTED, "request_extension"): S.ACCEPTED,
    (S.ACCEPTED, "approve_extension"): S.ACCEPTED,
    (S.ACCEPTED, "deny_extension"): S.ACCEPTED,
    **{(s, "suspend"): s for s in OPEN_WORK},
    **{(s, "resume"): s for s in OPEN_WORK},
    **{(s, "supervise"): s for s in OPEN},
    **{(s, "urge"): s for s in (S.DISPATCHED, S.ACCEPTED)},
    (S.ACCEPTED, "handle"): S.HANDLED,
    (S.HANDLED, "verify"): S.CLOSED,
    (S.HANDLED, "rework"): S.ACCEPTED,
    (S.CLOSED, "evaluate"): S.EVALUATED,
    **{(s, "reopen"): S.DISPATCHED for s in (S.CLOSED, S.EVALUATED)},
    **{(s, "attach"): s for s in (*OPEN, S.CLOSED)},
    # Clock breaches are recorded by the sweep (the system) without changing the state.
    **{(s, "warning"): s for s in OPEN},
    **{(s, "overdue"): s for s in OPEN},
}
ACTIONS = sorted({action for _state, action in TRANSITIONS})

# Who may take an action, and how the case must relate to them:
#   "area"     the case lies in the region of the membership's unit (jurisdiction)
#   "assigned" the case is assigned to the membership's unit
#   "grid"     the case lies in one of the grid worker's grids
#   "owner"    a resident who proved the case is theirs (number + last four phone digits)
RELATIONS = ("area", "assigned", "grid", "owner")
PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "register": (("dispatcher", "area"), ("community_staff", "area")),
    "void": (("dispatcher", "area"), ("community_staff", "area")),
    "merge": (("dispatcher", "area"),),
    "dispatch": (("dispatcher", "area"), ("community_staff", "area")),
    "accept": (("handler", "assigned"), ("community_staff", "assigned")),
    "return": (("handler", "assigned"), ("community_staff", "assigned")),
    "escalate": (("handler", "assigned"), ("community_staff", "assigned")),
    "request_extension": (("handler", "assigned"), ("community_staff", "assigned")),
    "approve_extension": (("dispatcher", "area"), ("leader", "area")),
    "deny_extension": (("dispatcher", "area"), ("leader", "area")),
    "suspend": (("dispatcher", "area"),),
    "resume": (("dispatcher", "area"),),
    "supervise": (("dispatcher", "area"), ("leader", "area")),
    "urge": (("dispatcher", "area"), ("leader", "area")),
    "handle": (("handler", "assigned"), ("community_staff", "assigned")),
    "verify": (("dispatcher", "area"), ("grid_worker", "grid")),
    "rework": (("dispatcher", "area"), ("grid_worker", "grid")),
    "evaluate": (("resident", "owner"), ("dispatcher", "area")),
    "reopen": (("dispatcher", "area"),),
    "attach": (
        ("dispatcher", "area"),
        ("community_staff", "area"),
        ("handler", "assigned"),
        ("grid_worker", "grid"),
    ),
    "warning": (),
    "overdue": (),
}


@dataclass(frozen=True)
class Guard:
    """A condition beyond the state, with the message shown when it fails."""

    check: Callable[[Case], bool]
    message: str  # a lazy translation, rendered in the language of the request


# While suspended (缓办) only these actions make sense; everything else waits for resume.
ALLOWED_WHILE_SUSPENDED = {"resume", "supervise", "void", "attach"}

GUARDS: dict[str, Guard] = {
    "suspend": Guard(lambda c: not c.suspended, _("案件已处于缓办状态")),
    "resume": Guard(lambda c: c.suspended, _("案件未缓办,无需恢复")),
    "request_extension": Guard(lambda c: not c.extension_pending, _("已有待审批的延期申请")),
    "approve_extension": Guard(lambda c: c.extension_pending, _("没有待审批的延期申请")),
    "deny_extension": Guard(lambda c: c.extension_pending, _("没有待审批的延期申请")),
    "escalate": Guard(
        lambda c: c.unit is not None and c.unit.escalates_to_id is not None, _("承办单位没有上级")
    ),
    "reopen": Guard(
        lambda c: c.status == S.CLOSED or c.satisfaction == "unsatisfied", _("只有不满意的评价才能重办")
    ),
}

# The stage whose clock runs in each state (see cases.sla).
STAGE_OF_STATUS: dict[str, str] = {
    S.REPORTED: Stage.REGISTER,
    S.REGISTERED: Stage.DISPATCH,
    S.DISPATCHED: Stage.ACCEPT,
    S.ACCEPTED: Stage.HANDLE,
    S.HANDLED: Stage.VERIFY,
}


def target_state(status: str, action: str) -> str | None:
    """The state ``action`` leads to from ``status``, or None when the table does not allow it."""
    return TRANSITIONS.get((status, action))
