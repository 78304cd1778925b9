"""Helpers for tests and benchmarks: report a case, drive it to a state, call any action with defaults."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jiedao.cases import actions as a
from jiedao.cases.models import Case, Channel
from jiedao.core import clock
from jiedao.testing.world import World, centre_of

# The path from a fresh report to each state, taken by the system actor.
PATHS: dict[str, list[str]] = {
    "reported": [],
    "registered": ["register"],
    "dispatched": ["register", "dispatch"],
    "accepted": ["register", "dispatch", "accept"],
    "handled": ["register", "dispatch", "accept", "handle"],
    "closed": ["register", "dispatch", "accept", "handle", "verify"],
    "evaluated": ["register", "dispatch", "accept", "handle", "verify", "evaluate"],
    "voided": ["void"],
}


def report(world: World, *, actor=None, grid: tuple[int, int] = (0, 0), **overrides: Any) -> Case:
    lon, lat = centre_of(*grid)
    data = a.ReportInput(
        category=overrides.pop("category", world.category),
        description=overrides.pop("description", "路边有暴露垃圾"),
        channel=overrides.pop("channel", Channel.RESIDENT),
        lon=lon,
        lat=lat,
        address="胥江路100号",
        reporter_name="张三",
        reporter_phone="13812345678",
        **overrides,
    )
    return a.do_report(data, actor=actor)


def perform(action: str, case: Case, world: World, actor=None, **kwargs: Any) -> Case:
    """Call the action's do_ function with sensible defaults (overridable)."""
    defaults: dict[str, dict[str, Any]] = {
        "void": {"reason": "重复上报"},
        "merge": {"into": lambda: report(world, description="另一件")},
        "dispatch": {"unit": world.units.chengguan},
        "return": {"reason": "not_our_duty", "note": "不属于本单位职责"},
        "escalate": {"note": "需要上级协调"},
        "request_extension": {
            "until": lambda: (case.due_at or clock.now()) + timedelta(days=5),
            "reason": "材料采购周期长",
        },
        "deny_extension": {"note": "不符合延期条件"},
        "suspend": {"reason": "等待天气好转"},
        "supervise": {"note": "请加快处理"},
        "handle": {"note": "已清理完毕"},
        "verify": {"passed": True},
        "rework": {"passed": False, "note": "现场仍有垃圾"},
        "evaluate": {"satisfaction": "satisfied", "resolved": True, "contacted": True, "reached": True},
        "reopen": {"note": "居民反映问题复发"},
        "attach": {"uploads": [], "note": "补充说明"},
        "warning": {"level": "warning"},
        "overdue": {"level": "overdue"},
    }
    args = {k: (v() if callable(v) else v) for k, v in defaults.get(action, {}).items()}
    args.update(kwargs)
    name = {"rework": "verify", "warning": "mark_clock", "overdue": "mark_clock"}.get(action, action)
    getattr(a, f"do_{name}")(case, actor=actor, **args)
    return case


def case_in(world: World, status: str, **report_kwargs: Any) -> Case:
    case = report(world, **report_kwargs)
    for action in PATHS[status]:
        perform(action, case, world)
    return case
