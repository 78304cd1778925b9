"""排名与红黑榜: units or communities ranked by one metric for a period; the top N and the bottom N."""

from __future__ import annotations

from dataclasses import dataclass, field

from jiedao.insight.metrics import METRICS, Metric, Row, Scope, table
from jiedao.insight.periods import Period

RANKABLE = ("community", "unit")


@dataclass
class Ranking:
    metric: Metric
    by: str
    rows: list[Row]  # best first; rows without a value (nothing to count) are left out
    red: list[Row] = field(default_factory=list)  # 红榜: the best N
    black: list[Row] = field(default_factory=list)  # 黑榜: the worst N, worst first


def rank(scope: Scope, period: Period, metric_key: str, by: str = "unit", n: int = 3) -> Ranking:
    """Rank the members of ``by`` in the scope; ties go to the larger denominator (more work done)."""
    if by not in RANKABLE:
        raise ValueError(f"只能按 {', '.join(RANKABLE)} 排名")
    metric = METRICS[metric_key]
    rows = [
        row
        for row in table(scope, period, by, [metric_key], include_empty=True)
        if row.figures[metric_key].value is not None and row.key is not None
    ]
    sign = -1 if metric.higher_is_better else 1

    def order(row: Row) -> tuple[float, float, str]:
        fig = row.figures[metric_key]
        return (sign * (fig.value or 0), -(fig.denominator or fig.value or 0), row.label)

    rows.sort(key=order)
    size = min(n, len(rows) // 2)  # the two lists never share a member
    red = rows[:size]
    black = list(reversed(rows[len(rows) - size :]))
    return Ranking(metric, by, rows, red, black)
