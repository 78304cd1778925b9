"""Pages and downloads: wiring, permissions (each person sees only their jurisdiction), bad input."""

from __future__ import annotations

import io

import pytest
import time_machine
from docx import Document
from openpyxl import load_workbook

from jiedao.insight.tests.conftest import NOW


@pytest.fixture
def login(client, world):
    def as_(name: str):
        client.force_login(getattr(world.people, name))
        return client

    return as_


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_dashboard_page_and_data(history, login, frozen):
    client = login("leader")
    page = client.get("/insight/dashboard/")
    assert page.status_code == 200
    assert "指挥中心大屏" in page.content.decode()
    data = client.get("/insight/dashboard/data/").json()
    month = {k["key"]: k for k in data["kpis"]["month"]}
    assert data["month"] == "2026年11月"
    assert month["registered"]["display"] == "0件"  # nothing registered yet in November
    assert {c["key"]: c["value"] for c in data["clock"]}["overdue"] >= 1  # c5 and c9 are long overdue
    assert data["overdue"][0]["url"].startswith("/cases/")
    assert len(data["trend"]["days"]) == 30
    geo = client.get("/insight/dashboard/map.geojson").json()
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds.count("grid") == 3 and kinds.count("case") == 2


def test_the_dashboard_speaks_the_visitors_language(history, login, frozen, settings):
    client = login("leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = client.get("/insight/dashboard/data/").json()
    month = {k["key"]: k for k in data["kpis"]["month"]}
    assert data["month"] == "November 2026"
    assert [k["label"] for k in data["kpis"]["today"]] == [
        "Reported today",
        "Registered today",
        "Closed today",
    ]
    assert month["registered"]["label"] == "Registered" and month["registered"]["display"] == "0"
    assert month["close_rate"]["label"] == "Close rate"
    assert [s["name"] for s in data["trend"]["series"]] == ["Reported", "Registered", "Closed"]
    assert data["units"]["metric"] == "On-time close rate"
    assert {c["label"] for c in data["clock"]} == {"Normal", "Warning", "Overdue", "Clock paused"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get("/insight/dashboard/data/").json()  # the reports' wording, unchanged
    assert chinese["kpis"]["today"][0]["label"] == "今日上报" and chinese["units"]["metric"] == "按期结案率"


def test_dashboard_scope_is_the_persons(history, login, frozen):
    client = login("staff_b")
    assert client.get("/insight/dashboard/?scope=320508020033").status_code == 403  # another community
    geo = client.get("/insight/dashboard/map.geojson").json()
    grids = [f["properties"]["code"] for f in geo["features"] if f["properties"]["kind"] == "grid"]
    assert grids == ["320508020034001"]
    data = client.get("/insight/dashboard/data/").json()
    assert all(row["label"] != "胥江社区居委会" for row in data["communities"]["rows"])
    assert login("auditor").get("/insight/dashboard/").status_code == 403  # 三员 do not read case figures


def test_case_list_behind_a_figure(history, login, frozen):
    client = login("leader")
    page = client.get("/insight/cases/?metric=close_rate&period=2026-10&dim=community:320508020033")
    assert page.status_code == 200
    text = page.content.decode()
    assert "共 5 件" in text and history["c1"].number in text and history["c5"].number not in text
    assert client.get("/insight/cases/?metric=nope&period=2026-10").status_code == 400
    assert client.get("/insight/cases/?metric=close_rate&period=2026-13").status_code == 400
    assert client.get("/insight/cases/?metric=close_rate&period=2026-10&dim=bogus").status_code == 400
    staff_b = login("staff_b")
    listing = staff_b.get("/insight/cases/?metric=reported&period=2026-10").content.decode()
    assert "共 2 件" in listing  # only community B's c5 and c9
    assert staff_b.get("/insight/cases/?metric=reported&period=2026-10&scope=320508020033").status_code == 403


def test_report_page_and_documents(history, login, frozen):
    client = login("leader")
    page = client.get("/insight/reports/?scope=320508020&period=2026-10")
    text = page.content.decode()
    assert page.status_code == 200
    assert "沧浪街道2026年10月城市运行管理量化报告" in text
    assert "受理处置12345工单" in text and "附录" in text
    docx = client.get("/insight/reports/download.docx?scope=320508020&period=2026-10")
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    document = Document(io.BytesIO(docx.content))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "共受理各类案件9件,立案8件,结案5件" in body
    assert "结案率71.4%,按期结案率50%" in body
    assert "受理处置12345工单3件,按时办结率66.7%" in body
    rfonts = document.styles["Normal"].element.rPr.rFonts
    assert (
        rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    )
    appendix = document.tables[-1]
    labels = [row.cells[1].text for row in appendix.rows]
    assert "结案率" in labels and "12345工单·满意率" in labels
    assert any("http://testserver/insight/cases/?metric=" in row.cells[5].text for row in appendix.rows)
    xlsx = client.get("/insight/reports/download.xlsx?scope=320508020&period=2026-10")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0] == "报告"
    communities = book["表1 分社区情况"]
    rows = {r[0]: r[1:] for r in communities.iter_rows(min_row=2, values_only=True)}
    assert rows["胥江社区居委会"][0] == 6 and rows["泰南社区居委会"][0] == 2  # 立案
    assert communities.cell(row=2, column=2).hyperlink.target.startswith("http://testserver/insight/cases/")
    assert client.get("/insight/reports/download.pdf?scope=320508020&period=2026-10").status_code == 400
    assert login("staff_b").get("/insight/reports/?scope=320508020&period=2026-10").status_code == 403


def test_rankings_hotspots_and_figures_json(history, login, frozen):
    client = login("leader")
    page = client.get("/insight/rankings/?metric=close_rate&by=community&period=2026-10&n=1")
    text = page.content.decode()
    assert page.status_code == 200 and "红榜" in text and "胥江社区居委会" in text
    english = client.get(
        "/insight/rankings/?metric=close_rate&by=unit&period=2026-10", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Red list" in english.content.decode() and "<th>Close rate</th>" in english.content.decode()
    assert client.get("/insight/rankings/?metric=hazards_found&by=unit").status_code == 400
    assert client.get("/insight/hotspots/?days=30").status_code == 200
    data = client.get("/insight/figures.json?period=2026-10&metric=close_rate&metric=registered").json()
    assert data["figures"]["close_rate"]["display"] == "71.4%"
    assert data["figures"]["registered"]["cases_url"] == "/insight/cases/?metric=registered&period=2026-10"
    rows = client.get("/insight/figures.json?period=2026-10&metric=registered&by=community").json()["rows"]
    assert {r["label"]: r["figures"]["registered"]["value"] for r in rows} == {
        "胥江社区居委会": 6,
        "泰南社区居委会": 2,
    }
    mine = login("staff_b").get("/insight/figures.json?period=2026-10&metric=registered").json()
    assert mine["figures"]["registered"]["value"] == 2


def test_report_scopes_offered_are_those_the_person_may_open(world):
    from jiedao.insight.views import scope_choices
    from jiedao.org.selectors import actor_for_user

    staff_b = [code for code, _name in scope_choices(actor_for_user(world.people.staff_b))]
    assert staff_b == ["320508020034", f"unit:{world.units.committee_b.pk}"]
    leader = [code for code, _name in scope_choices(actor_for_user(world.people.leader))]
    assert leader[:3] == ["320508020", "320508020033", "320508020034"]
    assert f"unit:{world.units.chengguan.pk}" in leader
