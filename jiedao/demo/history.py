"""The demo's case history (演示案件): days of cases generated through the write path at past instants.

Each case is a story played with ``cases.actions`` under ``clock.at``: reported from a channel at a
working-hours-weighted time, then registered, dispatched, accepted, handled, verified and rated, each step at
a time drawn inside (now and then beyond) the stage's deadline. A share of stories take the other roads of
the loop: void, merge, return and re-dispatch, escalation, extension, suspension, rework, reopening. A step
that would fall after ``end`` is not taken, so the latest cases stay open in every state.
"""

from __future__ import annotations

import random
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import cycle
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import shape

from jiedao.cases import actions as a
from jiedao.cases.models import Case, Category, Channel, Satisfaction, Urgency
from jiedao.cases.routing import suggest_unit
from jiedao.cases.sla import stage_limit
from jiedao.cases.states import STAGE_OF_STATUS
from jiedao.core import clock
from jiedao.core.actor import Actor, resident_actor
from jiedao.core.calendar import get_calendar
from jiedao.org.models import Grid, Unit, UnitKind

from . import texts
from .organisation import DemoOrg, random_name, short_name
from .photos import demo_photo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Reports per hour of day: people write in office hours and evenings; grid workers patrol by day.
PUBLIC_HOURS = (1, 0.5, 0.3, 0.3, 0.3, 0.6, 1.5, 3, 5, 6, 6, 5, 3, 4, 5, 5, 5, 4, 3, 3, 3, 2.5, 2, 1.5)
PATROL_HOURS = (0, 0, 0, 0, 0, 0, 0, 1, 6, 8, 8, 6, 2, 3, 7, 7, 6, 3, 0, 1, 1, 0.5, 0, 0)
REPORTERS_WITH_PHONE = {
    Channel.RESIDENT,
    Channel.HOTLINE_12345,
    Channel.POLICE_110,
    Channel.PHONE,
    Channel.WALK_IN,
    Channel.WISH_BOX,
}
CALLED_BY_CENTRE = {Channel.HOTLINE_12345, Channel.POLICE_110, Channel.PHONE, Channel.WALK_IN}
# Recent cases stopped on purpose, in turn, so every open state (and the paused ones) is on show.
RECENT_DAYS = 2
RECENT_STOPS = (
    ("reported", ""),
    ("registered", ""),
    ("dispatched", ""),
    ("accepted", ""),
    ("handled", ""),
    ("closed", ""),
    ("", "suspended"),
    ("", "extension"),
    ("voided", ""),
)


class _Stop(Exception):
    """The story ends here: its next step would be in the future, or it is meant to stay in this state."""


@dataclass
class Plan:
    """Which roads one case's story takes."""

    key: str
    category: Category
    channel: str
    urgency: str = Urgency.NORMAL
    void: bool = False
    duplicate: bool = False
    wrong_dispatch: str = ""  # a return reason: the first dispatch goes to the wrong unit
    escalate: bool = False
    urge: bool = False
    supervise: bool = False
    suspend: bool = False
    extension: str = ""  # "approve" | "deny"
    late: bool = False
    rework: bool = False
    satisfaction: str = ""
    reopen: bool = False
    photo_handle: bool = False
    photo_verify: bool = False
    stop_at: str = ""
    hold: str = ""  # "suspended" | "extension": the story ends waiting there


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class History:
    """Generates the cases of ``days`` days ending at ``end``; ``cases`` counts them."""

    def __init__(self, demo: DemoOrg, *, seed: int, end: datetime) -> None:
        self.demo, self.end = demo, end
        self.rng = random.Random(f"{seed}/history")
        self.categories = {
            f"{c.scheme}/{c.kind}/{c.code}": c
            for c in Category.objects.filter(parent__isnull=False).prefetch_related("limits")
        }
        self.grids = [grid for grids in demo.grids.values() for grid in grids]
        self.shapes = {grid.pk: shape(grid.polygon) for grid in self.grids}
        self.area = shapely.union_all(list(self.shapes.values()))
        self.district = demo.street.parent.name if demo.street.parent else ""
        self.stops = cycle(RECENT_STOPS)
        self.calendar = get_calendar()  # overrides do not change while the history is written
        self.units: dict[tuple[int, str | None], Unit] = {}
        self.refs: Counter[str] = Counter()
        self.cases = 0

    # --- the days ---------------------------------------------------------------------------------------

    def run(self, days: int) -> None:
        today = self.end.astimezone(SHANGHAI).date()
        for offset in range(days, -1, -1):
            for arrival in self._report_times(today - timedelta(days=offset)):
                self._play(arrival)

    def _report_times(self, day: date) -> list[tuple[datetime, str]]:
        busy = self.calendar.is_working_day(day)
        count = self.rng.randint(16, 28) if busy else self.rng.randint(10, 16)
        found = []
        for _ in range(count):
            channel = _weighted(self.rng, texts.CHANNEL_MIX)
            weights = PATROL_HOURS if channel == Channel.GRID_WORKER else PUBLIC_HOURS
            hour = self.rng.choices(range(24), weights=weights)[0]
            moment = datetime.combine(day, time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)))
            instant = moment.replace(tzinfo=SHANGHAI)
            if instant < self.end - timedelta(minutes=5):
                found.append((instant, channel))
        return sorted(found)

    def _play(self, arrival: tuple[datetime, str]) -> None:
        instant, channel = arrival
        plan = self._plan(channel, recent=instant >= self.end - timedelta(days=RECENT_DAYS))
        with suppress(_Stop):
            _Story(self, plan, instant).play()

    # --- plans --------------------------------------------------------------------------------------------

    def _plan(self, channel: str, *, recent: bool) -> Plan:
        rng = self.rng
        key = _weighted(rng, texts.CATEGORY_MIX[channel])
        plan = Plan(key=key, category=self.categories[key], channel=channel)
        if rng.random() < texts.URGENT_SHARE.get(key, 0.03):
            plan.urgency = Urgency.URGENT
        if rng.random() < 0.03:
            plan.void = True
        plan.duplicate = channel in {Channel.RESIDENT, Channel.HOTLINE_12345} and rng.random() < 0.04
        if channel != Channel.WISH_BOX and rng.random() < 0.06:
            plan.wrong_dispatch = "not_our_area" if rng.random() < 0.3 else "not_our_duty"
        plan.escalate = rng.random() < 0.04
        plan.urge = rng.random() < 0.05
        plan.supervise = rng.random() < 0.02
        plan.suspend = rng.random() < 0.03
        if rng.random() < 0.05:
            plan.extension = "approve" if rng.random() < 0.8 else "deny"
        plan.late = rng.random() < 0.07
        plan.rework = rng.random() < 0.05
        if channel in REPORTERS_WITH_PHONE and rng.random() < 0.9:
            plan.satisfaction = rng.choices(list(Satisfaction.values), weights=(84, 12, 4))[0]
            plan.reopen = plan.satisfaction == Satisfaction.UNSATISFIED and rng.random() < 0.7
        plan.photo_handle = rng.random() < 0.1
        plan.photo_verify = rng.random() < 0.06
        if recent and rng.random() < 0.3:
            plan.stop_at, plan.hold = next(self.stops)
            plan.void = plan.stop_at == "voided"
            plan.suspend = plan.suspend or plan.hold == "suspended"
            plan.extension = plan.extension or ("approve" if plan.hold == "extension" else "")
        return plan

    # --- people and places ------------------------------------------------------------------------------

    def person(self) -> tuple[str, str]:
        """A reporter: a made-up name and a mobile number of a valid format."""
        phone = f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"
        return random_name(self.rng), phone

    def point_in(self, grid: Grid) -> tuple[float, float]:
        """A point drawn uniformly inside the grid's polygon."""
        polygon = self.shapes[grid.pk]
        min_x, min_y, max_x, max_y = polygon.bounds
        while True:
            x, y = self.rng.uniform(min_x, max_x), self.rng.uniform(min_y, max_y)
            if shapely.contains_xy(polygon, x, y):
                return round(x, 6), round(y, 6)

    def near(self, lon: float, lat: float) -> tuple[float, float]:
        """A point some tens of metres away that is still inside the street (same point if none is)."""
        for _ in range(10):
            x, y = lon + self.rng.uniform(-4e-4, 4e-4), lat + self.rng.uniform(-3e-4, 3e-4)
            if shapely.contains_xy(self.area, x, y):
                return round(x, 6), round(y, 6)
        return lon, lat

    def context(self, grid: Grid) -> dict[str, object]:
        """The words a description of a case in this grid can use."""
        rng = self.rng
        stem = short_name(grid.community.name, "社区居委会", "居委会", "村民委员会", "村委会", "社区")
        stem = stem.rstrip("一二三四五六七八九十第") or stem
        road = stem if stem[-1] in "街路巷道" else rng.choice([f"{stem}路", *texts.GENERIC_ROADS[:4]])
        return {
            "road": road,
            "no": rng.randint(1, 320),
            "estate": stem + texts.ESTATE_SUFFIXES[int(grid.code[-3:]) % len(texts.ESTATE_SUFFIXES)],
            "bldg": rng.randint(1, 36),
            "shop": rng.choice(texts.SHOPS),
            "hour": rng.choice(texts.NIGHT_HOURS),
            "money": rng.randrange(3000, 60000, 100),
        }

    def describe(self, key: str, ctx: dict[str, object]) -> tuple[str, str]:
        """(description, address) of a case."""
        template = self.rng.choice(texts.DESCRIPTIONS[key])
        if "{estate}" in template or "{road}" not in template:
            address = f"{self.district}{ctx['estate']}{ctx['bldg']}幢"
        else:
            address = f"{self.district}{ctx['road']}{ctx['no']}号"
        return template.format(**ctx), address

    def source_ref(self, channel: str, when: datetime) -> str:
        day = when.astimezone(SHANGHAI).strftime("%Y%m%d")
        if channel not in {Channel.HOTLINE_12345, Channel.POLICE_110}:
            return ""
        self.refs[f"{channel}{day}"] += 1
        number = self.refs[f"{channel}{day}"]
        return f"SZ12345{day}{number:05d}" if channel == Channel.HOTLINE_12345 else f"110JJ{day}{number:04d}"

    def attributes(self, category: Category, ref: str, ctx: dict[str, object]) -> dict[str, object]:
        """Values for the category's extra fields (附加字段), required ones always."""
        rng, values = self.rng, {}
        for attribute in category.attributes:
            value = _ATTRIBUTE_VALUES.get(attribute["code"], lambda *_: None)(rng, category, ref, ctx)
            if value not in (None, ""):
                values[attribute["code"]] = value
        return values

    def unit_for(self, case: Case, grid: Grid) -> Unit:
        """The routing suggestion (派遣建议) the dispatcher follows; fixed while the history is written."""
        key = (case.category_id, grid.community_id)
        if key not in self.units:
            self.units[key] = suggest_unit(case.category, self.demo.street, grid.community)
        return self.units[key]

    def photo(self, label: str) -> list:
        return [demo_photo(label, self.rng.randrange(4))]


PLACE_TYPES = {
    "L0101": {"shop": 3, "nine_plus_one": 2, "residential": 2},
    "L0102": {"shop": 3, "nine_plus_one": 1},
    "L0105": {"shop": 1},
    "L0106": {"rental": 2, "self_built": 1},
    "L0107": {"three_in_one": 1},
}
DISPUTE_TYPES = {
    "L0201": {"neighbour": 6, "property": 2, "marriage_family": 1},
    "L0202": {"contract": 2, "labour": 1, "damages": 1},
    "L0203": {"property": 1, "labour": 1},
    "L0204": {"other": 1},
}
WISH_TYPES = {
    "L0301": {"goods": 1, "service": 1},
    "L0302": {"goods": 1, "tutoring": 1},
    "L0303": {"companionship": 1},
}
_ATTRIBUTE_VALUES = {
    "request_type": lambda rng, c, ref, ctx: (
        "consult"
        if c.code in {"H0701", "H0402"}
        else _weighted(rng, {"complaint": 5, "help": 2, "report": 1, "suggestion": 0.5, "consult": 1})
    ),
    "order_no": lambda rng, c, ref, ctx: ref,
    "channel": lambda rng, c, ref, ctx: _weighted(rng, {"phone": 7, "wechat": 1.5, "app": 1, "web": 0.5}),
    "hazard_level": lambda rng, c, ref, ctx: _weighted(rng, {"general": 80, "serious": 17, "major": 3}),
    "place_type": lambda rng, c, ref, ctx: _weighted(rng, PLACE_TYPES.get(c.code, {"residential": 1})),
    "place_name": lambda rng, c, ref, ctx: f"{ctx['estate']}{ctx['bldg']}幢",
    "dispute_type": lambda rng, c, ref, ctx: _weighted(rng, DISPUTE_TYPES[c.code]),
    "party_count": lambda rng, c, ref, ctx: rng.randint(8, 40) if c.code == "L0203" else rng.randint(2, 4),
    "amount": lambda rng, c, ref, ctx: ctx["money"] if c.code in {"L0202", "L0203"} else None,
    "difficulty": lambda rng, c, ref, ctx: (
        "complex" if c.code != "L0201" else _weighted(rng, {"simple": 3, "ordinary": 1})
    ),
    "wish_type": lambda rng, c, ref, ctx: _weighted(rng, WISH_TYPES.get(c.code, {"other": 1})),
    "estimated_value": lambda rng, c, ref, ctx: rng.randrange(50, 800, 10),
    "beneficiary_category": lambda rng, c, ref, ctx: _weighted(
        rng, {"elderly_alone": 4, "child_in_difficulty": 2, "low_income": 2, "disabled": 1}
    ),
    "component_id": lambda rng, c, ref, ctx: f"{ctx['district_code']}{c.code}{rng.randint(1, 9999):06d}",
    "problem": lambda rng, c, ref, ctx: _weighted(rng, {"damaged": 5, "missing": 2, "displaced": 2}),
}


class _Story:
    """One case's life, played step by step at past instants."""

    def __init__(self, history: History, plan: Plan, reported_at: datetime) -> None:
        self.h, self.plan, self.rng = history, plan, history.rng
        self.now = reported_at
        self.grid = self.rng.choice(history.grids)
        self.case: Case | None = None

    # --- steps ----------------------------------------------------------------------------------------------

    def act(self, at: datetime, function, **kwargs) -> None:
        """Take one step at ``at``, unless it lies in the future or the case is to stay where it is."""
        if at >= self.h.end or (self.plan.stop_at and self.case.status == self.plan.stop_at):
            raise _Stop
        with clock.at(at):
            function(self.case, **kwargs)
        self.now = at

    def wait(self, low: float = 0.1, high: float = 0.8, *, late: bool = False) -> datetime:
        """A moment inside the current stage's time limit (a share of it), or beyond it when ``late``."""
        case, rng = self.case, self.rng
        share = rng.uniform(1.1, 1.8) if late else rng.uniform(low, high)
        stage = STAGE_OF_STATUS.get(case.status)
        limit = stage_limit(case, stage) if stage else None
        deadline = case.stage_deadline
        if limit is None or deadline is None or deadline <= self.now:
            at = self.now + timedelta(minutes=rng.uniform(20, 240))
        elif limit.basis == "working":
            calendar = self.h.calendar
            minutes = calendar.working_minutes_between(self.now, deadline)
            at = calendar.add_working_minutes(self.now, max(1, round(minutes * share)))
        else:
            at = self.now + (deadline - self.now) * share
        return max(at, self.now + timedelta(minutes=rng.randint(2, 6)))

    def on_duty(self) -> datetime:
        """When the command centre's duty staff (值班) take a new step: minutes later from 07:30 to 22:00
        every day, the next morning at night."""
        at = (self.now + timedelta(minutes=self.rng.uniform(3, 40))).astimezone(SHANGHAI)
        if not time(7, 30) <= at.time() < time(22):
            morning = at.date() + timedelta(days=1 if at.hour >= 22 else 0)
            at = datetime.combine(morning, time(7, 30), SHANGHAI) + timedelta(minutes=self.rng.randint(0, 90))
        return at

    def later(self, low_hours: float, high_hours: float) -> datetime:
        """Some hours later, moved into the daytime (people call back and approve by day)."""
        at = (self.now + timedelta(hours=self.rng.uniform(low_hours, high_hours))).astimezone(SHANGHAI)
        if not 8 <= at.hour < 20:
            morning = at.date() + timedelta(days=1 if at.hour >= 20 else 0)
            at = datetime.combine(morning, time(8, 30), SHANGHAI) + timedelta(minutes=self.rng.randint(0, 90))
        return at

    # --- who ----------------------------------------------------------------------------------------------

    def centre(self) -> Actor:
        return self.rng.choice(self.h.demo.dispatchers)

    def intake(self) -> datetime:
        """When a report is registered or dispatched: by the centre on duty, by a community in its hours."""
        return self.wait() if self.plan.channel == Channel.WISH_BOX else self.on_duty()

    def dispatcher(self) -> Actor:
        """Who registers and dispatches: the community for wishes (社区派单), else the command centre."""
        if self.plan.channel == Channel.WISH_BOX:
            return self.h.demo.staff[self.case.community_id]
        return self.centre()

    def handler(self) -> Actor:
        return self.h.demo.handlers[self.case.unit_id]

    def reporter(self) -> Actor | None:
        channel = self.plan.channel
        if channel == Channel.GRID_WORKER:
            return self.h.demo.grid_workers[self.grid.pk]
        if channel == Channel.WISH_BOX:
            return self.h.demo.staff[self.grid.community_id]
        if channel == Channel.RESIDENT:
            return resident_actor()
        return self.centre()

    def evaluator(self) -> Actor:
        if self.plan.channel in CALLED_BY_CENTRE:
            return self.centre()  # 回访: the centre calls the reporter back
        return resident_actor(self.case.number)

    def note(self, key: str) -> str:
        return self.rng.choice(getattr(texts, key))

    # --- the story ------------------------------------------------------------------------------------------

    def report(self, channel: str, lon: float, lat: float, ctx: dict[str, object]) -> Case:
        plan = self.plan
        description, address = self.h.describe(plan.key, ctx)
        ref = self.h.source_ref(channel, self.now)
        name, phone = self.h.person() if channel in REPORTERS_WITH_PHONE else ("", "")
        data = a.ReportInput(
            category=plan.category,
            description=description,
            channel=channel,
            lon=lon,
            lat=lat,
            address=address,
            reporter_name=name,
            reporter_phone=phone,
            urgency=plan.urgency,
            attributes=self.h.attributes(plan.category, ref, ctx),
            source_ref=ref,
        )
        with clock.at(self.now):
            case = a.do_report(data, actor=self.reporter())
        self.h.cases += 1
        return case

    def play(self) -> None:
        plan = self.plan
        ctx = {**self.h.context(self.grid), "district_code": self.h.demo.street.code[:6]}
        lon, lat = self.h.point_in(self.grid)
        self.case = self.report(plan.channel, lon, lat, ctx)
        if plan.void:
            self.act(self.intake(), a.do_void, actor=self.dispatcher(), reason=self.note("VOID_REASONS"))
            return
        self.act(self.intake(), a.do_register, actor=self.dispatcher())
        if plan.duplicate:
            self.duplicate(lon, lat, ctx)
        right = self.h.unit_for(self.case, self.grid)
        if plan.wrong_dispatch:
            self.misdispatch(right)
        co_units = []
        if right.kind != UnitKind.COMMUNITY_COMMITTEE and self.rng.random() < 0.08:
            co_units = [self.h.demo.committees[self.case.community_id]]
        self.act(self.intake(), a.do_dispatch, actor=self.dispatcher(), unit=right, co_units=co_units)
        self.work(first=True)
        self.evaluate()

    def duplicate(self, lon: float, lat: float, ctx: dict[str, object]) -> None:
        """Someone else reports the same problem; the dispatcher merges it into this case (并案)."""
        original, self.now = self.case, self.now + timedelta(minutes=self.rng.randint(10, 90))
        if self.now >= self.h.end:
            raise _Stop
        self.case = self.report(
            self.rng.choice((Channel.RESIDENT, Channel.HOTLINE_12345)), *self.h.near(lon, lat), ctx
        )
        note = texts.MERGE_NOTE.format(number=original.number)
        try:
            self.act(self.wait(0.2, 0.6), a.do_merge, actor=self.centre(), into=original, note=note)
        finally:
            self.case = original

    def misdispatch(self, right: Unit) -> None:
        """The first dispatch goes to the wrong unit, which returns it with the reason (退单)."""
        demo, reason = self.h.demo, self.plan.wrong_dispatch
        if reason == "not_our_area" and right.kind == UnitKind.COMMUNITY_COMMITTEE:
            wrong = self.rng.choice(
                [u for code, u in demo.committees.items() if code != self.case.community_id]
            )
        else:
            reason = "not_our_duty"
            wrong = self.rng.choice([u for u in demo.departments if u.specialty != right.specialty])
        self.act(self.intake(), a.do_dispatch, actor=self.dispatcher(), unit=wrong)
        notes = texts.RETURN_NOTES[reason]
        self.act(
            self.wait(0.2, 0.8), a.do_return, actor=self.handler(), reason=reason, note=self.rng.choice(notes)
        )

    def work(self, *, first: bool) -> None:
        """Accept, handle and verify; the first time round with the plan's detours."""
        plan, rng = self.plan, self.rng
        self.act(self.wait(), a.do_accept, actor=self.handler())
        if first and plan.escalate and self.case.unit.escalates_to_id:
            self.act(
                self.wait(0.1, 0.4), a.do_escalate, actor=self.handler(), note=self.note("ESCALATE_NOTES")
            )
            self.act(self.wait(), a.do_accept, actor=self.handler())
        if first and plan.urge:
            self.act(self.wait(0.3, 0.6), a.do_urge, actor=self.centre(), note=self.note("URGE_NOTES"))
        if first and plan.supervise:
            self.act(
                self.wait(0.3, 0.7),
                a.do_supervise,
                actor=self.h.demo.leader,
                note=self.note("SUPERVISE_NOTES"),
            )
        if first and plan.suspend:
            self.suspend()
        if first and plan.extension:
            self.extend()
        handle_photo = self.h.photo("处置后") if first and plan.photo_handle else []
        note = self.handle_note()
        self.act(
            self.wait(late=first and plan.late),
            a.do_handle,
            actor=self.handler(),
            note=note,
            uploads=handle_photo,
        )
        if first and plan.rework:
            verifier, _on_site = self.verifier(on_site=True)
            self.act(self.wait(), a.do_verify, actor=verifier, passed=False, note=self.note("REWORK_NOTES"))
            self.act(self.wait(), a.do_handle, actor=self.handler(), note=self.handle_note())
        verify_photo = self.h.photo("核查") if first and plan.photo_verify else []
        verifier, on_site = self.verifier(on_site=bool(verify_photo) or rng.random() < 0.6)
        note = texts.VERIFY_NOTES[0 if on_site else 1]
        self.act(
            self.wait(),
            a.do_verify,
            actor=verifier,
            passed=True,
            note=note,
            uploads=verify_photo if on_site else [],
        )

    def suspend(self) -> None:
        dispatcher = self.centre()
        self.act(self.wait(0.1, 0.4), a.do_suspend, actor=dispatcher, reason=self.note("SUSPEND_REASONS"))
        if self.plan.hold == "suspended":
            raise _Stop
        self.act(self.later(24, 96), a.do_resume, actor=dispatcher, note=self.note("RESUME_NOTES"))

    def extend(self) -> None:
        until = self.h.calendar.add(self.case.due_at or self.now, self.rng.randint(3, 7), "day", "working")
        reason = self.note("EXTENSION_REASONS")
        self.act(
            self.wait(0.4, 0.8), a.do_request_extension, actor=self.handler(), until=until, reason=reason
        )
        if self.plan.hold == "extension":
            raise _Stop
        if self.plan.extension == "approve":
            self.act(self.later(1, 6), a.do_approve_extension, actor=self.h.demo.leader)
        else:
            self.act(self.later(1, 6), a.do_deny_extension, actor=self.centre(), note=self.note("DENY_NOTES"))

    def handle_note(self) -> str:
        category, unit = self.case.category, self.case.unit
        if category.kind in {"dispute", "wish"}:
            key = category.kind
        elif self.case.attributes.get("request_type") == "consult":
            key = "consult"
        else:
            key = unit.specialty if unit.specialty in texts.HANDLE_NOTES else ""
        return self.rng.choice(texts.HANDLE_NOTES[key])

    def verifier(self, *, on_site: bool) -> tuple[Actor, bool]:
        """(who checks, on site?): the grid's worker on site (核查), or the centre by phone."""
        worker = self.h.demo.grid_workers.get(self.case.grid_id)
        return (worker, True) if on_site and worker else (self.centre(), False)

    def evaluate(self) -> None:
        """评价/回访, and for an unsatisfied reporter now and then a reopening (重办)."""
        plan = self.plan
        if not plan.satisfaction:
            return
        satisfaction = plan.satisfaction
        for attempt in (1, 2):
            self.act(
                self.later(2, 48),
                a.do_evaluate,
                actor=self.evaluator(),
                satisfaction=satisfaction,
                resolved=satisfaction != Satisfaction.UNSATISFIED,
                contacted=self.rng.random() < 0.93,  # the requester says the unit had contacted them
                note=self.rng.choice(texts.EVALUATION_NOTES[satisfaction]),
            )
            if attempt == 2 or not plan.reopen:
                return
            self.act(self.later(1, 24), a.do_reopen, actor=self.centre(), note=self.note("REOPEN_NOTES"))
            self.work(first=False)
            satisfaction = self.rng.choice((Satisfaction.SATISFIED, Satisfaction.BASIC))
