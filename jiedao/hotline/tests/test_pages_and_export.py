"""The import pages (upload → map → preview → commit) and the audited, masked export."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from jiedao.cases.models import Case
from jiedao.cases.testing import case_in
from jiedao.core.models import AuditEvent
from jiedao.hotline.importer import import_sheet
from jiedao.hotline.testing import LABELS, make_hotline_category, order, write_orders

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_fixed_timezone(8 * 60))


@pytest.fixture
def noise(world):
    return make_hotline_category()


def upload(client, path):
    with open(path, "rb") as file:
        return client.post("/hotline/import/", {"file": file})


def test_upload_map_preview_commit(client, world, noise, tmp_path):
    client.force_login(world.people.dispatcher)
    headers = ["单号", *LABELS[1:]]
    path = write_orders(tmp_path / "local.xlsx", [order(1, START), order(2, START)], headers)
    assert upload(client, path).url == "/hotline/import/map/"
    page = client.get("/hotline/import/map/").content.decode()
    assert '<option value="单号">' in page  # not guessed: the person maps it
    mapping = {
        "order_no": "单号",
        **{
            k: v
            for k, v in zip(
                [
                    "source",
                    "reporter_name",
                    "reporter_phone",
                    "request_type",
                    "class1",
                    "class2",
                    "class3",
                    "content",
                    "street",
                    "address",
                    "unit",
                    "dispatched_at",
                    "deadline",
                    "closed_at",
                    "contacted",
                    "resolved",
                    "satisfaction",
                ],
                LABELS[1:],
                strict=True,
            )
        },
    }
    assert client.post("/hotline/import/map/", mapping).url == "/hotline/import/preview/"
    preview = client.get("/hotline/import/preview/").content.decode()
    assert "全部通过检查" in preview and "GD202600000001" in preview
    assert not Case.objects.exists()
    result = client.post("/hotline/import/commit/").content.decode()
    assert "新建 2 件" in result and Case.objects.count() == 2
    event = AuditEvent.objects.get(action="hotline.import")
    assert event.actor == world.people.dispatcher


def test_preview_lists_errors_and_commit_refuses_them(client, world, noise, tmp_path):
    client.force_login(world.people.dispatcher)
    upload(client, write_orders(tmp_path / "bad.xlsx", [order(1, START, 诉求类型="表扬")]))
    client.post(
        "/hotline/import/map/",
        {
            "order_no": "工单号",
            "request_type": "诉求类型",
            "class2": "二级分类",
            "content": "诉求内容",
            "dispatched_at": "派单时间",
        },
    )
    preview = client.get("/hotline/import/preview/").content.decode()
    assert "1 处错误" in preview and "choice" in preview
    assert "未导入任何数据" in client.post("/hotline/import/commit/").content.decode()
    assert not Case.objects.exists()


def test_only_dispatchers_import(client, world, tmp_path):
    client.force_login(world.people.staff_a)
    assert client.get("/hotline/import/").status_code == 403
    client.force_login(world.people.outsider)
    assert client.get("/hotline/import/").status_code == 403
    client.logout()
    assert client.get("/hotline/import/").status_code == 302


def test_upload_refuses_other_files(client, world):
    client.force_login(world.people.dispatcher)
    response = client.post("/hotline/import/", {"file": io.BytesIO(b"a,b")})
    assert response.status_code == 400
    fake = io.BytesIO(b"a,b")
    fake.name = "renamed.xlsx"
    assert client.post("/hotline/import/", {"file": fake}).url == "/hotline/import/map/"
    response = client.get("/hotline/import/map/")
    assert response.status_code == 400 and "无法读取该文件" in response.content.decode()


def test_export_masks_unless_revealable_and_is_audited(client, world):
    case = case_in(world, "closed")
    for name, phone in (("dispatcher", "13812345678"), ("staff_a", "138****5678")):
        client.force_login(getattr(world.people, name))
        response = client.get("/hotline/export.xlsx?status=closed")
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == LABELS
        assert rows[1][0] == case.number and rows[1][3] == phone and rows[1][11] == "沧浪城管中队"
    exports = AuditEvent.objects.filter(action="case.export").order_by("id")
    assert [e.new for e in exports] == [{"rows": 1, "revealed": 1}, {"rows": 1, "revealed": 0}]
    assert AuditEvent.objects.filter(action="pii.reveal", actor=world.people.dispatcher).count() == 1


def test_export_is_scoped_and_filtered(client, world):
    case_in(world, "closed")
    client.force_login(world.people.outsider)
    rows = list(load_workbook(io.BytesIO(client.get("/hotline/export.xlsx").content)).active.iter_rows())
    assert len(rows) == 1  # the header only
    client.force_login(world.people.dispatcher)
    assert client.get("/hotline/export.xlsx?status=nope").status_code == 400


def test_exported_file_imports_back(client, world, noise, tmp_path):
    client.force_login(world.people.dispatcher)
    write = write_orders(tmp_path / "a.xlsx", [order(1, START)])
    import_sheet(write, actor=None)
    exported = tmp_path / "exported.xlsx"
    exported.write_bytes(client.get("/hotline/export.xlsx").content)
    again = import_sheet(exported, actor=None)
    assert again.ok and (again.created, again.unchanged) == (0, 1)
