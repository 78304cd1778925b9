"""Report wording from the editable template, comparisons, rankings, hotspots and the command."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document

from jiedao.cases.testing import perform, report
from jiedao.core import outbox
from jiedao.insight.hotspots import find_hotspots
from jiedao.insight.metrics import Scope
from jiedao.insight.models import ReportTemplate
from jiedao.insight.periods import parse_period
from jiedao.insight.rankings import rank
from jiedao.insight.reports import build_report, change_phrase, to_text
from jiedao.insight.tests.conftest import NOW, START

OCTOBER = parse_period("2026-10")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_shipped_templates_are_in_the_database(db):
    assert set(ReportTemplate.objects.values_list("level", flat=True)) == {"street", "community", "unit"}


def test_report_text_and_traceability(history, frozen):
    result = build_report(Scope(None, "320508020"), OCTOBER)
    text = to_text(result)
    assert result.title == "沧浪街道2026年10月城市运行管理量化报告"
    assert "应结案7件,结案率71.4%,按期结案率50%,按期处置率50%" in text
    assert "立案数上期无可比数据" in text or "立案数上期为0" in text  # September had no cases
    assert "有效回访2件,响应率50%、解决率50%、满意率95%,综合满意率68.0分" in text
    labels = [a.label for a in result.appendix]
    assert labels[:3] == ["上报数", "立案数", "结案数"]
    assert "上期·立案数" in labels  # a comparison traces the figure it compares with
    assert all(a.url.startswith("/insight/cases/?metric=") for a in result.appendix)
    assert [t.title for t in result.tables] == [
        "分社区情况",
        "分承办单位情况",
        "分问题类别情况",
        "分来源渠道情况",
    ]


def test_a_sub_district_rewords_its_report_without_code(history, frozen):
    ReportTemplate.objects.filter(level="street").update(
        title="{{ scope_name }}{{ period.label }}简报",
        body="## 概况\n本月立案{{ f.registered }},按时办结率{{ f.ontime_close_rate }}。",
    )
    result = build_report(Scope(None, "320508020"), OCTOBER)
    assert result.title == "沧浪街道2026年10月简报"
    assert result.blocks == [("h", "概况"), ("p", "本月立案8件,按时办结率50%。")]
    assert [a.label for a in result.appendix] == ["立案数", "按期结案率"]


def test_community_and_unit_reports(history, world, frozen):
    community = build_report(Scope(None, world.b.code), OCTOBER)
    assert "泰南社区居委会" in community.title and "共受理各类案件2件" in to_text(community)
    unit = build_report(Scope(None, f"unit:{world.units.chengguan.pk}"), OCTOBER)
    assert "准确派遣率" in to_text(unit)


def test_change_phrases(history, frozen):
    now = build_report(Scope(None, "320508020"), OCTOBER).figures
    nov = build_report(Scope(None, "320508020"), parse_period("2026-11")).figures
    assert change_phrase(nov["registered"], now["registered"], "上期") == "较上期下降100.0%"
    assert change_phrase(now["close_rate"], now["close_rate"], "上期") == "与上期持平"


def test_rankings_red_and_black(history, world, frozen):
    ranking = rank(Scope(None, "320508020"), OCTOBER, "close_rate", "community", n=1)
    assert [r.label for r in ranking.red] == ["胥江社区居委会"]  # 100% (5 of 5)
    assert [r.label for r in ranking.black] == ["泰南社区居委会"]  # 0% (0 of 2)


def test_hotspot_of_five_within_200_metres(world):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            traveller.shift(timedelta(hours=30))
            report(world, grid=(0, 0))  # the same spot, five times in a week
        report(world, grid=(2, 0))  # elsewhere
        spots = find_hotspots(Scope(None, "320508020"), START + timedelta(days=8))
        assert len(spots) == 1 and spots[0].count == 5 and spots[0].category == world.category
        assert find_hotspots(Scope(None, "320508020"), START + timedelta(days=60)) == []  # gone after 30 days
        assert find_hotspots(Scope(None, "320508020"), START + timedelta(days=8), min_cases=6) == []


def test_write_report_command(history, tmp_path, frozen):
    out = tmp_path / "report.docx"
    call_command("write_report", scope="320508020", period="2026-10", format="docx", output=str(out))
    body = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "立案8件" in body
    txt = tmp_path / "report.txt"
    call_command(
        "write_report", scope="320508020", period="2026Q4", format="txt", output=str(txt), user="leader"
    )
    assert "2026年第四季度" in txt.read_text()
    with pytest.raises(CommandError):
        call_command("write_report", scope="320508020", period="2026-10", output=str(out), user="staff_b")
    with pytest.raises(CommandError):
        call_command("write_report", scope="999999999", period="2026-10", output=str(out))
    with pytest.raises(CommandError):
        call_command("write_report", scope="320508020", period="2026-W60", output=str(out))


def test_rework_after_reopen_is_counted_once(world):
    with time_machine.travel(START, tick=False):
        case = report(world)
        for action in ["register", "dispatch", "accept", "handle", "rework", "handle", "rework", "handle"]:
            perform(action, case, world)
        outbox.deliver_pending()
    assert build_report(Scope(None, "320508020"), OCTOBER).figures["rework_rate"].value == 100.0
