from datetime import date

import pytest

from jiedao.insight.periods import current, parse_period


@pytest.mark.parametrize(
    ("code", "start", "end", "label"),
    [
        ("2026-10-21", date(2026, 10, 21), date(2026, 10, 22), "2026年10月21日"),
        ("2026-W43", date(2026, 10, 19), date(2026, 10, 26), "2026年第43周(10月19日—10月25日)"),
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1), "2026年10月"),
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1), "2026年第三季度"),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1), "2026年第四季度"),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), "2026年"),
        ("2026-10-01..2026-10-15", date(2026, 10, 1), date(2026, 10, 16), "2026年10月1日至2026年10月15日"),
    ],
)
def test_codes(code, start, end, label):
    period = parse_period(code)
    assert (period.start, period.end, period.label, period.code) == (start, end, label, code)


def test_previous_and_same_period_last_year():
    assert parse_period("2026-01").previous().code == "2025-12"
    assert parse_period("2026Q1").previous().code == "2025Q4"
    assert parse_period("2026-W01").previous().code == "2025-W52"
    assert parse_period("2026-W43").last_year().code == "2025-W43"
    assert parse_period("2020-W53").last_year().code == "2019-W52"  # 2019 has 52 weeks
    assert parse_period("2028-02-29").last_year().code == "2027-02-28"
    assert parse_period("2026-10-01..2026-10-15").previous().code == "2026-09-16..2026-09-30"
    assert parse_period("2026").last_year().code == "2025"


@pytest.mark.parametrize(
    "bad", ["", "2026-13", "2026-W54", "2026Q5", "1999", "2026-10-15..2026-10-01", "abc"]
)
def test_bad_codes_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError, match="统计周期"):
        parse_period(bad)


def test_current():
    assert current("week", date(2026, 10, 21)).code == "2026-W43"
    assert current("quarter", date(2026, 10, 21)).code == "2026Q4"
