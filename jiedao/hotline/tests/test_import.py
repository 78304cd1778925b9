"""Importing 12345 spreadsheets: good files, every refusal rule, duplicates, re-imports, a 10,000-row file."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiedao.cases.models import Case, Channel, Status
from jiedao.core.models import AuditEvent
from jiedao.hotline.importer import import_sheet
from jiedao.hotline.testing import LABELS, make_hotline_category, order, write_orders

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture
def noise(world):
    return make_hotline_category()


def test_good_file_creates_cases_with_their_own_times_and_deadlines(world, noise, tmp_path):
    rows = [
        order(1, START),
        order(2, START, 办结时间=START + timedelta(days=2), 是否联系="是", 是否解决="是", 满意度="满意"),
        order(3, START, 承办单位=""),
        order(4, START, 承办单位="沧浪街道"),  # sent to the street: the centre dispatches it
    ]
    result = import_sheet(write_orders(tmp_path / "a.xlsx", rows), actor=None)
    assert result.ok and result.committed and result.created == 4
    first, second, third, fourth = (Case.objects.get(source_ref=f"GD2026{i:08d}") for i in (1, 2, 3, 4))
    assert first.channel == Channel.HOTLINE_12345 and first.status == Status.DISPATCHED
    assert first.reported_at == START + timedelta(minutes=1)
    assert first.unit == world.units.chengguan
    assert first.attributes == {"request_type": "complaint", "order_no": "GD202600000001", "channel": "phone"}
    assert second.status == Status.EVALUATED and second.satisfaction == "satisfied" and second.resolved
    assert second.closed_at == START + timedelta(days=2)
    assert second.due_at == START + timedelta(minutes=2, days=7)  # 办理时限, not the category's limit
    assert second.handled_on_time is True
    assert [e.action for e in second.events.all()] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "handle",
        "verify",
        "evaluate",
    ]
    assert second.events.first().at == START + timedelta(minutes=2)
    assert third.status == fourth.status == Status.REGISTERED and fourth.unit is None
    assert AuditEvent.objects.filter(action="hotline.import").count() == 1


def test_reimport_updates_and_never_duplicates(world, noise, tmp_path):
    rows = [order(1, START), order(2, START)]
    assert import_sheet(write_orders(tmp_path / "a.xlsx", rows), actor=None).created == 2
    again = import_sheet(write_orders(tmp_path / "b.xlsx", rows), actor=None)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[1] = order(
        2, START, 办结时间=START + timedelta(days=1), 满意度="不满意", 是否解决="否", 是否联系="是"
    )
    later = import_sheet(write_orders(tmp_path / "c.xlsx", rows), actor=None)
    assert (later.created, later.updated, later.unchanged) == (0, 1, 1)
    assert Case.objects.count() == 2
    assert Case.objects.get(source_ref="GD202600000002").satisfaction == "unsatisfied"


def test_duplicate_order_numbers_in_one_file_are_refused(world, noise, tmp_path):
    result = import_sheet(write_orders(tmp_path / "a.xlsx", [order(1, START), order(1, START)]), actor=None)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(3, "工单号", "duplicate")]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "column", "rule"),
    [
        ({"工单号": ""}, "工单号", "required"),
        ({"工单号": "GD 1"}, "工单号", "format"),
        ({"诉求内容": ""}, "诉求内容", "required"),
        ({"诉求内容": "很" * 4001}, "诉求内容", "max_length"),
        ({"诉求类型": "表扬"}, "诉求类型", "choice"),
        ({"派单时间": "昨天"}, "派单时间", "datetime"),
        ({"派单时间": "9999-12-31T23:59:59-23:00"}, "派单时间", "datetime"),  # no Beijing form
        ({"派单时间": None}, "派单时间", "required"),
        ({"办理时限": START - timedelta(days=1)}, "办理时限", "order"),
        ({"办结时间": START - timedelta(days=1)}, "办结时间", "order"),
        ({"联系电话": "12345"}, "联系电话", "phone"),
        ({"是否联系": "也许"}, "是否联系", "choice"),
        ({"满意度": "很好", "办结时间": START + timedelta(days=1)}, "满意度", "choice"),
        ({"满意度": "满意"}, "满意度", "requires"),
        ({"被反映街乡镇": "其他街道"}, "被反映街乡镇", "jurisdiction"),
        ({"一级分类": "外星来客", "二级分类": ""}, "一级分类", "category"),
        ({"一级分类": "", "二级分类": ""}, "一级分类", "required"),
        ({"承办单位": "不存在的单位"}, "承办单位", "unit"),
        ({"承办单位": "", "办结时间": START + timedelta(days=1)}, "承办单位", "requires"),
    ],
)
def test_each_rule_is_reported_with_row_column_and_rule(world, noise, tmp_path, overrides, column, rule):
    rows = [order(1, START), order(2, START, **overrides)]
    result = import_sheet(write_orders(tmp_path / "bad.xlsx", rows), actor=None)
    assert (3, column, rule) in [(e.row, e.column, e.rule) for e in result.errors]
    assert not result.committed and not Case.objects.exists()  # all or nothing


def test_partial_imports_the_good_rows(world, noise, tmp_path):
    rows = [order(1, START), order(2, START, 诉求类型="表扬")]
    result = import_sheet(write_orders(tmp_path / "a.xlsx", rows), actor=None, partial=True)
    assert result.committed and result.created == 1 and len(result.errors) == 1


def test_missing_required_column(world, noise, tmp_path):
    headers = ["编号", *LABELS[1:]]
    result = import_sheet(write_orders(tmp_path / "a.xlsx", [order(1, START)], headers), actor=None)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(1, "工单号", "missing_column")]


def test_local_headers_are_recognised_or_mapped(world, noise, tmp_path):
    headers = ["工单编号", *LABELS[1:8], "问题描述", *LABELS[9:]]
    assert (
        import_sheet(write_orders(tmp_path / "a.xlsx", [order(1, START)], headers), actor=None).created == 1
    )
    headers = ["单号", *LABELS[1:]]
    path = write_orders(tmp_path / "b.xlsx", [order(2, START)], headers)
    assert import_sheet(path, actor=None, mapping_labels={"工单号": "单号"}).created == 1
    with pytest.raises(ValueError, match="没有列"):
        import_sheet(path, actor=None, mapping_labels={"工单号": "nope"})


def test_command_dry_run_and_errors(world, noise, tmp_path, capsys):
    path = write_orders(tmp_path / "a.xlsx", [order(1, START)])
    call_command("import_12345", str(path), "--dry-run")
    assert "未提交" in capsys.readouterr().out and not Case.objects.exists()
    call_command("import_12345", str(path), "--mapping", '{"工单号": "工单号"}')
    assert Case.objects.count() == 1
    bad = write_orders(tmp_path / "b.xlsx", [order(2, START, 诉求类型="表扬")])
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_12345", str(bad))
    assert "第2行「诉求类型」[choice]" in capsys.readouterr().err
    with pytest.raises(CommandError):
        call_command("import_12345", str(tmp_path / "missing.xlsx"))
    (tmp_path / "fake.xlsx").write_bytes(b"no,zip,here")
    with pytest.raises(CommandError, match="无法读取该文件"):
        call_command("import_12345", str(tmp_path / "fake.xlsx"))


def test_ten_thousand_rows(world, noise, tmp_path):
    # A street's own 12345 export: orders the city sent to the street, for its centre to dispatch.
    rows = (order(i, START, 承办单位="沧浪街道") for i in range(10_000))
    path = write_orders(tmp_path / "big.xlsx", rows)
    started = time.perf_counter()
    result = import_sheet(path, actor=None)
    elapsed = time.perf_counter() - started
    assert result.committed and result.created == 10_000, result.errors[:3]
    assert Case.objects.filter(channel=Channel.HOTLINE_12345).count() == 10_000
    print(f"10,000-row 12345 import: {elapsed:.1f} s")  # a figure, not an assertion (see bench/)


def test_cells_as_people_type_them_numbers_blank_rows_and_text_dates(world, noise, tmp_path):
    """Excel stores a typed phone or order number as a number and keeps blank rows; row numbers in errors
    are the spreadsheet's own."""
    rows = [
        order(1, START, 联系电话=13812345678, 工单号=2026000001),
        {},  # a blank line left in the export
        order(3, START, 派单时间="2026-03-02 09:03:00"),
        order(4, START, 联系电话="12345"),
    ]
    rows[2]["办理时限"] = (
        "2026-03-08T03:00:00-22:00"  # 9 March 09:00 in Beijing; PostgreSQL refuses the offset
    )
    result = import_sheet(write_orders(tmp_path / "typed.xlsx", rows), actor=None, dry_run=True)
    assert [(e.row, e.column) for e in result.errors] == [(5, "联系电话")]
    result = import_sheet(write_orders(tmp_path / "typed.xlsx", rows[:3]), actor=None)
    assert result.committed and result.created == 2
    typed = Case.objects.get(source_ref="2026000001")
    assert typed.reported_at == START + timedelta(minutes=1)
    assert Case.objects.get(source_ref=rows[2]["工单号"]).due_at == datetime(2026, 3, 9, 1, tzinfo=UTC)
