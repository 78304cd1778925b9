"""The one definition of every figure (指标口径): dashboard, reports, API and exports all count through here.

A metric is a ratio (or a plain count) of *counters*. A counter counts the cases whose anchor time (上报,
立案, 结案 or 回访) falls in the period and that match its condition. Rates follow the 数字城管 practice of
counting over the period's 立案 cohort, so every numerator is a subset of its denominator and a past period's
rate settles as its cases close:

* 应结案数 = cases registered in the period and not voided; 结案率 = those now closed / 应结案数.
* 按期结案率 / 按期处置率 take 缓办 cases (``Case.was_suspended``) out of the denominator and the numerator.
* 12345 三率 count callbacks (回访) in the period that reached the requester (有效回访, ``callback_reached``);
  响应 is the requester saying the handling unit had contacted them (``contacted``).

Counts come from the daily rollup (``DailyStats``) when the scope can be expressed on it, and straight from
the cases otherwise (grids, unit-based scopes); both use the counters below, and tests prove them equal. The
days of the rollup marked stale (changed since the periodic job last recomputed them, ``insight.rollups``) are
counted straight from the cases too, so a figure never lags behind the delivered case messages.
Every figure carries the filter that produced it (``Figure.url``) down to the exact list of cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate
from django.urls import reverse
from django.utils.translation import gettext_noop

from jiedao.cases.models import Case, Category, CategoryKind, Channel, Status
from jiedao.cases.selectors import AREA_ROLES, UNIT_ROLES, cases_for
from jiedao.core.actor import Actor
from jiedao.insight.periods import Period, local_zone, midnight
from jiedao.org.models import Grid, Region, Unit
from jiedao.org.selectors import in_jurisdiction, prefix_q, region_prefixes

# Labels (marked gettext_noop) stay Chinese, the language of the reports; pages that speak the visitor's language
# translate them where they show them (insight.dashboard).
DONE = [Status.CLOSED, Status.EVALUATED]
NOT_VOID = ~Q(status=Status.VOIDED)
UNSUSPENDED = Q(was_suspended=False)
EFFECTIVE = Q(status=Status.EVALUATED, callback_reached=True)
ANCHOR_LABELS = {
    "reported_at": "上报时间",
    "registered_at": "立案时间",
    "closed_at": "结案时间",
    "evaluated_at": "回访(评价)时间",
}


@dataclass(frozen=True)
class Counter:
    """计数口径: cases whose ``anchor`` lies in the period and that match ``q`` (or the sum of a field)."""

    key: str
    label: str
    anchor: str
    q: Q
    definition: str
    sums_amount: bool = False

    @property
    def anchor_label(self) -> str:
        return ANCHOR_LABELS[self.anchor]

    def aggregate(self) -> Count | Sum:
        condition = self.q if self.q.children else None
        if self.sums_amount:
            amount = Cast(KeyTextTransform("amount", "attributes"), FloatField())
            return Sum(amount, filter=condition, default=0.0)
        return Count("pk", filter=condition)


def _c(key: str, label: str, anchor: str, q: Q, definition: str, **kw: Any) -> Counter:
    return Counter(key, label, anchor, q, definition, **kw)


COUNTERS: dict[str, Counter] = {
    c.key: c
    for c in [
        _c("reported", "上报数", "reported_at", Q(), "本期上报(受理)的案件数,含后来作废的"),
        _c("voided", "作废数", "reported_at", Q(status=Status.VOIDED), "本期上报、现已作废(含并案)的案件数"),
        _c("registered", "立案数", "registered_at", Q(), "本期立案的案件数"),
        _c("due", "应结案数", "registered_at", NOT_VOID, "本期立案且未作废的案件数"),
        _c("closed_due", "已结案数", "registered_at", Q(status__in=DONE), "应结案案件中现已结案(含已评价)的"),
        _c("due_timed", "应按期数", "registered_at", NOT_VOID & UNSUSPENDED, "应结案案件中未曾缓办的"),
        _c(
            "closed_on_time",
            "按期结案数",
            "registered_at",
            Q(status__in=DONE, closed_on_time=True) & UNSUSPENDED,
            "未曾缓办、在处置和核查时限内结案的",
        ),
        _c(
            "handled",
            "处置数",
            "registered_at",
            Q(handled_at__isnull=False),
            "本期立案、已处置反馈过的案件数",
        ),
        _c(
            "handled_on_time",
            "按期处置数",
            "registered_at",
            Q(handled_on_time=True) & UNSUSPENDED,
            "未曾缓办、在处置时限内处置反馈的",
        ),
        _c("reworked", "返工数", "registered_at", Q(rework_count__gt=0), "已处置案件中核查不通过返工过的"),
        _c("extended", "延期数", "registered_at", Q(extension_count__gt=0), "本期立案、获批延期过的案件数"),
        _c("suspended", "缓办数", "registered_at", NOT_VOID & Q(was_suspended=True), "应结案案件中曾缓办的"),
        _c(
            "dispatched",
            "派遣数",
            "registered_at",
            Q(dispatched_at__isnull=False),
            "本期立案、已派遣过的案件数",
        ),
        _c(
            "dispatch_ok",
            "准确派遣数",
            "registered_at",
            Q(dispatched_at__isnull=False, return_count=0),
            "已派遣且从未被退单的(派遣数 − 退单数)",
        ),
        _c("returned", "退单数", "registered_at", Q(return_count__gt=0), "已派遣案件中被退单过的"),
        _c(
            "amount",
            "涉及金额",
            "registered_at",
            NOT_VOID,
            "应结案案件附加字段“涉及金额”之和(元)",
            sums_amount=True,
        ),
        _c("closed", "结案数", "closed_at", Q(status__in=DONE), "本期结案(核查通过)、目前仍为已结案的案件数"),
        _c("callbacks", "回访数", "evaluated_at", Q(status=Status.EVALUATED), "本期回访(评价)的案件数"),
        _c("effective", "有效回访数", "evaluated_at", EFFECTIVE, "回访中联系上诉求人的"),
        _c(
            "responded",
            "响应数",
            "evaluated_at",
            EFFECTIVE & Q(contacted=True),
            "有效回访中诉求人表示承办单位联系过自己的",
        ),
        _c(
            "resolved", "解决数", "evaluated_at", EFFECTIVE & Q(resolved=True), "有效回访中诉求人认为已解决的"
        ),
        _c(
            "satisfied", "满意数", "evaluated_at", EFFECTIVE & Q(satisfaction="satisfied"), "有效回访中满意的"
        ),
        _c(
            "basic", "基本满意数", "evaluated_at", EFFECTIVE & Q(satisfaction="basic"), "有效回访中基本满意的"
        ),
    ]
}


@dataclass(frozen=True)
class Metric:
    """指标: Σ weight × numerator counters / denominator counter (a count when there is no denominator)."""

    key: str
    label: str
    terms: tuple[tuple[str, float], ...]
    denominator: str | None = None
    unit: str = "件"
    definition: str = ""
    higher_is_better: bool = True
    fixed: tuple[tuple[str, str], ...] = ()
    components: tuple[str, ...] = ()  # a weighted score of other metrics (综合)

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    def counters(self) -> set[str]:
        keys = {k for k, _w in self.terms}
        if self.denominator:
            keys.add(self.denominator)
        for component in self.components:
            keys |= METRICS[component].counters()
        return keys

    def numerator(self, counts: dict[str, float]) -> float:
        return sum(weight * counts.get(key, 0) for key, weight in self.terms)

    def value(self, counts: dict[str, float]) -> float | None:
        """The figure: a count, or a percentage (None when the denominator is 0)."""
        if self.components:
            rates = [METRICS[c].value(counts) for c in self.components]
            if any(rate is None for rate in rates):
                return None
            return sum(w * r for w, r in zip(hotline_weights(), rates, strict=True))
        if self.denominator is None:
            return self.numerator(counts)
        denominator = counts.get(self.denominator, 0)
        return 100.0 * self.numerator(counts) / denominator if denominator else None


def hotline_weights() -> tuple[float, float, float]:
    """Weights of 响应率, 解决率, 满意率 in the 12345 综合 score (settings JIEDAO["HOTLINE_WEIGHTS"])."""
    raw = settings.JIEDAO.get("HOTLINE_WEIGHTS", "0.1,0.5,0.4")
    weights = tuple(float(part) for part in str(raw).split(","))
    if len(weights) != 3:
        raise ValueError("HOTLINE_WEIGHTS needs three weights: 响应,解决,满意")
    return weights  # type: ignore[return-value]


def _m(key: str, label: str, terms: Sequence[tuple[str, float]] | str, den: str | None = None, **kw: Any):
    if isinstance(terms, str):
        terms = ((terms, 1.0),)
    return Metric(key, label, tuple(terms), den, **kw)


HAZARD = (("kind", CategoryKind.HAZARD),)
DISPUTE = (("kind", CategoryKind.DISPUTE),)
WISH = (("kind", CategoryKind.WISH),)
METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        _m("reported", gettext_noop("上报数"), "reported", definition="本期各渠道上报的案件数"),
        _m("registered", gettext_noop("立案数"), "registered", definition="本期立案的案件数"),
        _m("closed", gettext_noop("结案数"), "closed", definition="本期结案的案件数"),
        _m("due", gettext_noop("应结案数"), "due", definition="本期立案且未作废的案件数"),
        _m(
            "close_rate",
            gettext_noop("结案率"),
            "closed_due",
            "due",
            unit="%",
            definition="已结案数 ÷ 应结案数",
        ),
        _m(
            "ontime_close_rate",
            gettext_noop("按期结案率"),
            "closed_on_time",
            "due_timed",
            unit="%",
            definition="按期结案数 ÷ 应结案数(缓办案件不计入)",
        ),
        _m(
            "ontime_handle_rate",
            gettext_noop("按期处置率"),
            "handled_on_time",
            "due_timed",
            unit="%",
            definition="按期处置数 ÷ 应处置数(缓办案件不计入)",
        ),
        _m(
            "rework_rate",
            gettext_noop("返工率"),
            "reworked",
            "handled",
            unit="%",
            definition="返工数 ÷ 处置数",
            higher_is_better=False,
        ),
        _m(
            "extension_rate",
            gettext_noop("延期率"),
            "extended",
            "registered",
            unit="%",
            definition="延期数 ÷ 立案数",
            higher_is_better=False,
        ),
        _m(
            "dispatch_rate",
            gettext_noop("准确派遣率"),
            "dispatch_ok",
            "dispatched",
            unit="%",
            definition="(派遣数 − 退单数) ÷ 派遣数",
        ),
        _m(
            "void_rate",
            gettext_noop("作废率"),
            "voided",
            "reported",
            unit="%",
            definition="作废数 ÷ 上报数",
            higher_is_better=False,
        ),
        _m("callbacks", gettext_noop("有效回访数"), "effective", definition="本期回访中联系上诉求人的件数"),
        _m(
            "response_rate",
            gettext_noop("响应率"),
            "responded",
            "effective",
            unit="%",
            definition="响应数 ÷ 有效回访数",
        ),
        _m(
            "resolve_rate",
            gettext_noop("解决率"),
            "resolved",
            "effective",
            unit="%",
            definition="解决数 ÷ 有效回访数",
        ),
        _m(
            "satisfaction_rate",
            gettext_noop("满意率"),
            (("satisfied", 1.0), ("basic", 0.9)),
            "effective",
            unit="%",
            definition="(满意数 + 0.9 × 基本满意数) ÷ 有效回访数",
        ),
        Metric(
            "hotline_score",
            gettext_noop("综合满意率"),
            (("effective", 1.0),),
            None,
            unit="分",
            definition="响应率、解决率、满意率加权(权重见设置 HOTLINE_WEIGHTS,默认 0.1/0.5/0.4)",
            components=("response_rate", "resolve_rate", "satisfaction_rate"),
        ),
        _m(
            "hazards_found",
            gettext_noop("排查隐患数"),
            "due",
            definition="本期立案的安全隐患(未作废)",
            fixed=HAZARD,
        ),
        _m(
            "hazards_fixed",
            gettext_noop("已整改隐患数"),
            "closed_due",
            definition="其中已整改结案的",
            fixed=HAZARD,
        ),
        _m(
            "hazard_fix_rate",
            gettext_noop("隐患整改率"),
            "closed_due",
            "due",
            unit="%",
            definition="已整改数 ÷ 排查隐患数",
            fixed=HAZARD,
        ),
        _m(
            "disputes",
            gettext_noop("受理纠纷数"),
            "due",
            definition="本期受理立案的矛盾纠纷(未作废)",
            fixed=DISPUTE,
        ),
        _m(
            "disputes_solved",
            gettext_noop("化解纠纷数"),
            "closed_due",
            definition="其中调处化解结案的",
            fixed=DISPUTE,
        ),
        _m(
            "dispute_rate",
            gettext_noop("纠纷化解率"),
            "closed_due",
            "due",
            unit="%",
            definition="化解数 ÷ 受理数",
            fixed=DISPUTE,
        ),
        _m(
            "dispute_amount",
            gettext_noop("涉及金额"),
            "amount",
            unit="元",
            definition="受理纠纷的涉及金额之和",
            fixed=DISPUTE,
        ),
        _m("wishes", gettext_noop("微心愿数"), "due", definition="本期受理的微心愿(未作废)", fixed=WISH),
        _m("wishes_done", gettext_noop("实现心愿数"), "closed_due", definition="其中已办结的", fixed=WISH),
    ]
}

# --- Dimensions -----------------------------------------------------------------------------------------

DIMS: dict[str, str] = {
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "unit": "unit_id",
    "category": "category_id",
    "group": "category__parent_id",
    "kind": "category__kind",
    "channel": "channel",
}
DIM_LABELS = {
    "street": "街道",
    "community": "社区",
    "grid": "网格",
    "unit": "承办单位",
    "category": "类别",
    "group": "大类",
    "kind": "类型",
    "channel": "渠道",
    "day": "日期",
}
# Which rollup split answers a dimension (day and street are columns of every row).
ROLLUP_SPLIT = {
    "community": "community",
    "unit": "unit",
    "category": "category",
    "group": "category",
    "kind": "category",
    "channel": "channel",
    "day": None,
    "street": None,
}
NONE = "-"  # a filter value meaning "not set" (e.g. no unit yet)

Filters = tuple[tuple[str, str], ...]


def parse_dims(values: Iterable[str]) -> Filters:
    """``["community:320508020033", "channel:12345"]`` → validated (dim, value) pairs; ValueError otherwise."""
    result = []
    for item in values:
        dim, sep, value = item.partition(":")
        if not sep or dim not in DIMS or not value or len(value) > 40:
            raise ValueError(f"筛选条件「{item}」无效")
        result.append((dim, value))
    return tuple(sorted(set(result)))


def filter_q(filters: Filters) -> Q:
    query = Q()
    for dim, value in filters:
        if value == NONE:
            query &= Q(**{f"{DIMS[dim]}__isnull": True})
        else:
            query &= Q(**{DIMS[dim]: value})
    return query


# --- Scope ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose cases a figure counts: everything the actor may see, optionally narrowed to one street,
    community (``code``) or handling unit (``unit:<id>``). ``actor`` None is the system (management commands)."""

    actor: Actor | None
    code: str = ""

    @property
    def unit_id(self) -> int | None:
        return int(self.code[5:]) if self.code.startswith("unit:") else None

    def narrowing(self) -> Q:
        if not self.code:
            return Q()
        if self.unit_id is not None:
            return Q(unit_id=self.unit_id)
        if len(self.code) == 9:
            return Q(street_id=self.code)
        return Q(community_id=self.code)

    def cases(self) -> QuerySet[Case]:
        """The cases in scope, one row each (co-handler joins removed)."""
        if self.actor is None:
            return Case.objects.filter(self.narrowing())
        visible = cases_for(self.actor)
        if visible.query.distinct:
            visible = Case.objects.filter(pk__in=visible.values("pk"))
        elif self.streets():
            # Redundant with the jurisdiction, but lets the database use its per-street indexes.
            visible = visible.filter(street_id__in=self.streets())
        return visible.filter(self.narrowing())

    def streets(self) -> list[str]:
        """The streets that hold every case in scope, when the actor sees whole streets or communities by area
        only (empty otherwise)."""
        if self.actor is None or any(m.role in UNIT_ROLES for m in self.actor.memberships):
            return []
        area = region_prefixes(self.actor, AREA_ROLES)
        return sorted({p[:9] for p in area}) if area and all(len(p) >= 9 for p in area) else []

    def rollup_q(self) -> Q | None:
        """The same scope on the rollup (whole streets only), or None when it cannot be said there exactly:
        a community, a unit, or people who see cases through their unit (assignments, co-handling)."""
        if self.code and (self.unit_id is not None or len(self.code) != 9):
            return None
        if self.actor is None:
            return self.narrowing()
        if any(m.role in UNIT_ROLES for m in self.actor.memberships):
            return None
        area = region_prefixes(self.actor, AREA_ROLES)
        if any(len(prefix) != 9 for prefix in area):
            return None
        return Q(street_id__in=area) & self.narrowing()

    def allows(self) -> bool:
        """Whether the actor may ask for this scope at all."""
        if not self.code or self.actor is None:
            return True
        if self.unit_id is not None:
            return Unit.objects.filter(pk=self.unit_id).exists() and (
                any(m.unit_id == self.unit_id for m in self.actor.memberships)
                or in_jurisdiction(self.actor, Unit.objects.get(pk=self.unit_id).region_id)
            )
        return in_jurisdiction(self.actor, self.code)

    @property
    def name(self) -> str:
        if not self.code:
            return ""
        if self.unit_id is not None:
            return Unit.objects.filter(pk=self.unit_id).values_list("name", flat=True).first() or ""
        return Region.objects.filter(code=self.code).values_list("name", flat=True).first() or self.code


# --- Counting -------------------------------------------------------------------------------------------

Key = tuple[Any, ...]
Counts = dict[str, float]


def empty_counts() -> Counts:
    return dict.fromkeys(COUNTERS, 0)


def counters_by_anchor(keys: Iterable[str] | None = None) -> dict[str, list[Counter]]:
    wanted = set(keys) if keys is not None else set(COUNTERS)
    grouped: dict[str, list[Counter]] = defaultdict(list)
    for counter in COUNTERS.values():
        if counter.key in wanted:
            grouped[counter.anchor].append(counter)
    return grouped


def grouped_queries(
    cases: QuerySet[Case],
    start: datetime,
    end: datetime,
    by: Sequence[str],
    keys: Iterable[str] | None = None,
) -> list[tuple[QuerySet, list[Counter]]]:
    """One grouped query per anchor time: its rows carry ``g_<dim>`` for each dimension and the counters."""
    queries = []
    for anchor, counters in counters_by_anchor(keys).items():
        rows = cases.filter(**{f"{anchor}__gte": start, f"{anchor}__lt": end}).order_by()
        groups = {
            f"g_{dim}": TruncDate(anchor, tzinfo=local_zone()) if dim == "day" else F(DIMS[dim]) for dim in by
        }
        aggregates = {c.key: c.aggregate() for c in counters}
        queries.append((rows.annotate(**groups).values(*groups).annotate(**aggregates), counters))
    return queries


def direct_counts(
    cases: QuerySet[Case],
    start: datetime,
    end: datetime,
    by: Sequence[str] = (),
    keys: Iterable[str] | None = None,
) -> dict[Key, Counts]:
    """Count straight from the cases."""
    result: dict[Key, Counts] = defaultdict(empty_counts)
    if not by:
        for anchor, counters in counters_by_anchor(keys).items():
            rows = cases.filter(**{f"{anchor}__gte": start, f"{anchor}__lt": end}).order_by()
            totals = rows.aggregate(**{c.key: c.aggregate() for c in counters})
            for counter in counters:
                result[()][counter.key] += totals[counter.key] or 0
        return dict(result)
    for query, counters in grouped_queries(cases, start, end, by, keys):
        for row in query:
            key = tuple(row[f"g_{dim}"] for dim in by)
            for counter in counters:
                result[key][counter.key] += row[counter.key] or 0
    return dict(result)


def _rollup_split(by: Sequence[str], filters: Filters) -> str | None:
    """The one rollup split that answers these dimensions ("" for the totals), or None if none can."""
    dims = [*by, *(d for d, _v in filters)]
    if any(d not in ROLLUP_SPLIT for d in dims):
        return None
    splits = {ROLLUP_SPLIT[d] for d in dims} - {None}
    return splits.pop() if len(splits) == 1 else ("" if not splits else None)


def _categories() -> dict[int, tuple[int | None, str]]:
    return {
        pk: (parent, kind) for pk, parent, kind in Category.objects.values_list("pk", "parent_id", "kind")
    }


def _decode(dim: str, value: str, categories: dict[int, tuple[int | None, str]]) -> Any:
    """A rollup ``value`` as the direct count's group key of ``dim``."""
    if value == NONE:
        return None
    if dim in {"unit", "category"}:
        return int(value)
    if dim == "group":
        return categories[int(value)][0]
    if dim == "kind":
        return categories[int(value)][1]
    return value


def rollup_counts(
    query: Q,
    period: Period,
    split: str,
    by: Sequence[str] = (),
    filters: Filters = (),
    keys: Iterable[str] | None = None,
) -> dict[Key, Counts]:
    """Sum the daily rollup's ``split`` rows over the period."""
    from jiedao.insight.models import DailyStats

    wanted = list(keys) if keys is not None else list(COUNTERS)
    categories = _categories() if {"group", "kind"} & {*by, *(d for d, _v in filters)} else {}
    rows = DailyStats.objects.filter(query, dim=split, day__gte=period.start, day__lt=period.end).order_by()
    for dim, value in filters:
        if dim in {"group", "kind"}:
            index = 0 if dim == "group" else 1
            ids = [str(pk) for pk, info in categories.items() if str(info[index]) == value]
            rows = rows.filter(value__in=ids)
        else:
            rows = rows.filter(value=value)
    columns = {"day": "day", "street": "street_id"}
    fields = sorted({columns.get(dim, "value") for dim in by})
    grouped = (
        rows.values(*fields).annotate(**{k: Sum(k) for k in wanted})
        if by
        else [rows.aggregate(**{k: Sum(k) for k in wanted})]
    )
    result: dict[Key, Counts] = defaultdict(empty_counts)
    for row in grouped:
        key = tuple(row[columns[d]] if d in columns else _decode(d, row["value"], categories) for d in by)
        for k in wanted:
            result[key][k] += row[k] or 0
    return dict(result)


def stale_runs(query: Q, period: Period) -> dict[str, list[tuple[date, date]]]:
    """The days of the period whose rollup partition is marked stale (a case with an event on that day has
    changed and ``rollups.refresh_stale`` has not recomputed the day yet), per street, as [start, end) runs."""
    from jiedao.insight.models import RollupPartition

    stale = RollupPartition.objects.filter(
        query, stale_since__isnull=False, day__gte=period.start, day__lt=period.end
    ).order_by("street_id", "day")
    runs: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for street_id, day in stale.values_list("street_id", "day"):
        street_runs = runs[street_id]
        if street_runs and street_runs[-1][1] == day:
            street_runs[-1] = (street_runs[-1][0], day + timedelta(days=1))
        else:
            street_runs.append((day, day + timedelta(days=1)))
    return dict(runs)


def fresh_rollup_counts(
    query: Q,
    period: Period,
    split: str,
    by: Sequence[str] = (),
    filters: Filters = (),
    keys: Iterable[str] | None = None,
) -> dict[Key, Counts]:
    """``rollup_counts``, except that the stale partitions of the period are counted straight from the cases:
    a figure never misses a change whose outbox message has been delivered, however far the periodic
    recompute is behind (after a bulk import: many days, each a cheap count of one street's day)."""
    runs = stale_runs(query, period)
    if not runs:
        return rollup_counts(query, period, split, by, filters, keys)
    stale = Q(pk__in=[])
    for street_id, street_runs in runs.items():
        for first, end in street_runs:
            stale |= Q(street_id=street_id, day__gte=first, day__lt=end)
    result: dict[Key, Counts] = defaultdict(empty_counts)
    for key, counts in rollup_counts(query & ~stale, period, split, by, filters, keys).items():
        result[key] = counts
    for street_id, street_runs in runs.items():
        cases = Case.objects.filter(query, street_id=street_id).filter(filter_q(filters))
        for first, end in street_runs:
            for key, counts in direct_counts(cases, midnight(first), midnight(end), by, keys).items():
                for counter, n in counts.items():
                    result[key][counter] += n
    return dict(result)


def measure(
    scope: Scope,
    period: Period,
    by: Sequence[str] = (),
    *,
    filters: Filters = (),
    keys: Iterable[str] | None = None,
) -> dict[Key, Counts]:
    """Counts per group for the scope and period — from the rollup when it can answer exactly. Groups with
    nothing to count are left out."""
    query = scope.rollup_q()
    split = _rollup_split(by, filters) if query is not None else None
    if query is not None and split is not None:
        result = fresh_rollup_counts(query, period, split, by, filters, keys)
    else:
        start, end = period.bounds()
        result = direct_counts(scope.cases().filter(filter_q(filters)), start, end, by, keys)
    result = {key: counts for key, counts in result.items() if any(counts.values())}
    if not by and not result:
        result = {(): empty_counts()}
    return result


# --- Figures --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure with everything needed to explain it and to list the cases behind it."""

    metric: Metric
    value: float | None
    numerator: float
    denominator: float | None
    period: Period
    scope_code: str
    filters: Filters = ()

    @property
    def display(self) -> str:
        return format_value(self.metric, self.value)

    def url(self, part: str = "num") -> str:
        params: list[tuple[str, str]] = [("metric", self.metric.key), ("period", self.period.code)]
        if part != "num":
            params.append(("part", part))
        if self.scope_code:
            params.append(("scope", self.scope_code))
        params += [("dim", f"{d}:{v}") for d, v in self.filters]
        return f"{reverse('insight:cases')}?{urlencode(params)}"

    @property
    def filter_text(self) -> str:
        parts = [f"统计周期 {self.period.code}"]
        if self.scope_code:
            parts.append(f"范围 {self.scope_code}")
        parts += [f"{DIM_LABELS.get(d, d)}={v}" for d, v in self.filters]
        return ";".join(parts)


def format_value(metric: Metric, value: float | None) -> str:
    if value is None:
        return "—"
    if metric.unit == "%":
        return f"{value:.1f}%".replace(".0%", "%")
    if metric.unit == "分":
        return f"{value:.1f}"
    if metric.unit == "元":
        return f"{value / 10000:.2f}万元" if value >= 10000 else f"{value:.2f}元"
    return f"{int(value)}件"


def figure(metric: Metric, counts: Counts, period: Period, scope_code: str, filters: Filters) -> Figure:
    numerator = metric.numerator(counts)
    denominator = counts.get(metric.denominator, 0) if metric.denominator else None
    all_filters = tuple(sorted(set(filters) | set(metric.fixed)))
    return Figure(metric, metric.value(counts), numerator, denominator, period, scope_code, all_filters)


def figures(
    scope: Scope, period: Period, keys: Sequence[str] | None = None, filters: Filters = ()
) -> dict[str, Figure]:
    """The named metrics for one scope and period, as Figures (metrics with a fixed filter counted apart)."""
    wanted = [METRICS[k] for k in (keys or METRICS)]
    result: dict[str, Figure] = {}
    by_fixed: dict[tuple, list[Metric]] = defaultdict(list)
    for metric in wanted:
        by_fixed[metric.fixed].append(metric)
    for fixed, metrics in by_fixed.items():
        counters = set().union(*(m.counters() for m in metrics))
        counts = measure(scope, period, filters=tuple(sorted(set(filters) | set(fixed))), keys=counters)[()]
        for metric in metrics:
            result[metric.key] = figure(metric, counts, period, scope.code, filters)
    return result


@dataclass
class Row:
    key: Any
    label: str
    figures: dict[str, Figure] = field(default_factory=dict)


def table(
    scope: Scope,
    period: Period,
    by: str,
    keys: Sequence[str],
    filters: Filters = (),
    include_empty: bool = False,
) -> list[Row]:
    """One row per value of ``by`` (e.g. each community) with the named metrics (same fixed filter only)."""
    metrics = [METRICS[k] for k in keys]
    fixed = {m.fixed for m in metrics}
    if len(fixed) != 1:
        raise ValueError("a table mixes metrics with different fixed filters")
    all_filters = tuple(sorted(set(filters) | set(fixed.pop())))
    counters = set().union(*(m.counters() for m in metrics))
    grouped = measure(scope, period, (by,), filters=all_filters, keys=counters)
    groups = {key[0]: counts for key, counts in grouped.items()}
    if include_empty:
        for value in dim_members(scope, by):
            groups.setdefault(value, empty_counts())
    labels = dim_labels(by, groups)
    rows = []
    for value, counts in groups.items():
        if not include_empty and not any(counts.get(c) for c in counters):
            continue
        row_filters = tuple(sorted({*filters, (by, NONE if value is None else str(value))}))
        row = Row(value, labels.get(value, str(value)))
        row.figures = {m.key: figure(m, counts, period, scope.code, row_filters) for m in metrics}
        rows.append(row)
    rows.sort(key=lambda r: (r.key is None, str(r.key)))
    return rows


def dim_members(scope: Scope, dim: str) -> list[Any]:
    """The communities or units a ranking should list even when they have no cases."""
    if dim == "community":
        area = _scope_prefixes(scope)
        return list(
            Region.objects.filter(prefix_q("code", area), level="community").values_list("code", flat=True)
        )
    if dim == "unit":
        streets = sorted({p[:9] for p in _scope_prefixes(scope)})
        units = Unit.objects.filter(prefix_q("region_id", streets), active=True).exclude(
            kind="command_centre"
        )
        return list(units.values_list("pk", flat=True))
    return []


def _scope_prefixes(scope: Scope) -> list[str]:
    if scope.code and scope.unit_id is None:
        return [scope.code]
    if scope.actor is None:
        return [settings.JIEDAO["STREET"]]
    return region_prefixes(scope.actor)


def dim_labels(dim: str, keys: Iterable[Any]) -> dict[Any, str]:
    keys = [k for k in keys if k is not None]
    labels: dict[Any, str] = {
        None: {"unit": gettext_noop("未派遣"), "community": gettext_noop("街道直管")}.get(
            dim, gettext_noop("未填")
        )
    }
    if dim in {"community", "street"}:
        labels.update(Region.objects.filter(code__in=keys).values_list("code", "name"))
    elif dim == "unit":
        labels.update(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif dim in {"category", "group"}:
        labels.update(Category.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif dim == "grid":
        labels.update(Grid.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif dim == "channel":
        labels.update((k, str(Channel(k).label)) for k in keys if k in Channel.values)
    elif dim == "kind":
        labels.update((k, str(CategoryKind(k).label)) for k in keys if k in CategoryKind.values)
    elif dim == "day":
        labels.update((k, f"{k.month}月{k.day}日") for k in keys)
    for key in keys:
        labels.setdefault(key, str(key))
    return labels


# --- Drill-down -----------------------------------------------------------------------------------------


def drill_q(metric: Metric, part: str, period: Period) -> Q:
    """The cases behind a figure: its numerator counters (``part="num"``) or its denominator."""
    if metric.components or part == "den":
        keys = [metric.denominator or "effective"]
    else:
        keys = [k for k, _w in metric.terms]
    start, end = period.bounds()
    query = Q(pk__in=[])
    for key in keys:
        counter = COUNTERS[key]
        query |= Q(**{f"{counter.anchor}__gte": start, f"{counter.anchor}__lt": end}) & counter.q
    return query


def drill_cases(scope: Scope, metric: Metric, part: str, period: Period, filters: Filters) -> QuerySet[Case]:
    all_filters = tuple(sorted(set(filters) | set(metric.fixed)))
    return scope.cases().filter(drill_q(metric, part, period)).filter(filter_q(all_filters))
