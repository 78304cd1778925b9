"""The single write path: one timeline event, one audit record and one outbox message per action, all or
nothing; refusals audited and changing nothing; an audit log nobody can edit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib import admin
from django.test import RequestFactory

from jiedao.cases import actions as a
from jiedao.cases.models import Attachment, Case, CaseEvent
from jiedao.cases.testing import case_in, perform, report
from jiedao.cases.tests.support import image_upload, sh
from jiedao.core import outbox
from jiedao.core.errors import ApplicationError, PermissionRefused
from jiedao.core.models import AuditEvent, OutboxMessage
from jiedao.org.models import User

# The closed loop as the people who take each step (the last two: a callback rating and a reopen).
JOURNEY = [
    ("register", "dispatcher", {}),
    ("dispatch", "dispatcher", {}),
    ("accept", "handler", {}),
    ("request_extension", "handler", {"until": sh(2025, 3, 20, 17, 30)}),
    ("deny_extension", "leader", {}),
    ("suspend", "dispatcher", {}),
    ("resume", "dispatcher", {}),
    ("urge", "leader", {}),
    ("supervise", "leader", {}),
    ("attach", "handler", {}),
    ("handle", "handler", {}),
    ("rework", "grid_a", {}),
    ("handle", "handler", {}),
    ("verify", "grid_a", {}),
    ("evaluate", "dispatcher", {"satisfaction": "unsatisfied", "resolved": False}),
    ("reopen", "dispatcher", {}),
]


def media_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _instant(value):
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value


def counts(case: Case) -> tuple[int, int, int]:
    return (
        CaseEvent.objects.filter(case=case).count(),
        AuditEvent.objects.filter(object_id=case.number).count(),
        OutboxMessage.objects.filter(payload__case_id=case.pk).count(),
    )


def test_every_action_writes_one_event_one_audit_record_and_one_message(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world)
    assert counts(case) == (1, 1, 1)
    report_audit = AuditEvent.objects.get(object_id=case.number)
    assert report_audit.action == "case.report" and report_audit.actor is None and report_audit.success
    for minute, (action, who, kwargs) in enumerate(JOURNEY, start=1):
        now = frozen(sh(2025, 3, 3, 9, minute))
        person = actor(who)
        before_status = Case.objects.get(pk=case.pk).status
        before = counts(case)
        perform(action, case, world, actor=person, **kwargs)
        assert counts(case) == tuple(n + 1 for n in before), action
        event = CaseEvent.objects.filter(case=case).latest("id")
        record = AuditEvent.objects.filter(object_id=case.number).latest("id")
        message = OutboxMessage.objects.filter(payload__case_id=case.pk).latest("id")
        assert (event.action, record.action, message.topic) == (action, f"case.{action}", f"case.{action}")
        assert event.at == record.at == message.created_at == now
        assert event.actor == record.actor == getattr(world.people, who)
        assert record.actor_label == event.actor_label == getattr(world.people, who).get_full_name()
        assert event.actor_unit == person.memberships[0].unit
        assert record.success is True
        assert message.payload["actor_id"] == person.user_id
        case.refresh_from_db()
        assert (event.from_status, event.to_status) == (before_status, case.status)
        for key, value in record.new.items():  # what the record calls a change is one
            assert _instant(record.old.get(key)) != _instant(value), (action, key)
        if case.status != before_status:
            assert record.old["status"] == before_status and record.new["status"] == case.status
        else:
            assert "status" not in record.new
    assert case.status == "dispatched" and case.reopen_count == 1


def test_an_audit_record_names_what_changed(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = case_in(world, "registered")
    a.do_dispatch(case, actor=actor("dispatcher"), unit=world.units.committee_a, note="属地社区处理")
    record = AuditEvent.objects.filter(object_id=case.number, action="case.dispatch").get()
    assert record.old == {
        "status": "registered",
        "unit_id": None,
        "stage_deadline": sh(2025, 3, 3, 9, 30).isoformat(),
    }
    assert record.new == {
        "status": "dispatched",
        "unit_id": world.units.committee_a.pk,
        "stage_deadline": sh(2025, 3, 3, 11, 0).isoformat(),
    }
    assert record.reason == "属地社区处理"


def test_a_refusal_is_audited_and_changes_nothing(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = report(world, grid=(0, 0))  # community A
    stored = Case.objects.filter(pk=case.pk).values().get()
    before = counts(case)
    frozen(sh(2025, 3, 3, 9, 5))
    with pytest.raises(PermissionRefused) as refused:
        a.do_register(case, actor=actor("staff_b"))  # community B's staff
    assert refused.value.code == "forbidden" and "立案" in refused.value.message
    assert Case.objects.filter(pk=case.pk).values().get() == stored
    events, audits, messages = counts(case)
    assert (events, messages) == before[0::2]
    assert audits == before[1] + 1
    record = AuditEvent.objects.filter(object_id=case.number).latest("id")
    assert record.success is False and record.action == "case.register"
    assert record.actor == world.people.staff_b and record.reason == refused.value.message
    assert record.at == sh(2025, 3, 3, 9, 5) and record.old == record.new == {}

    with pytest.raises(ApplicationError) as wrong_state:
        a.do_accept(case, actor=actor("handler"))
    assert wrong_state.value.code == "invalid_state"
    assert "待受理" in wrong_state.value.message
    assert AuditEvent.objects.filter(object_id=case.number, success=False).count() == 2
    assert Case.objects.filter(pk=case.pk).values().get() == stored


def test_an_error_in_the_middle_of_an_action_leaves_nothing_behind(world, actor, frozen, monkeypatch):
    frozen(sh(2025, 3, 3, 9, 0))
    case = case_in(world, "accepted")
    stored = Case.objects.filter(pk=case.pk).values().get()
    before = counts(case)
    assert media_files() == []

    def broken(topic, payload, **kwargs):
        raise RuntimeError("outbox table is locked")

    monkeypatch.setattr(outbox, "enqueue", broken)
    frozen(sh(2025, 3, 3, 10, 0))
    with pytest.raises(RuntimeError):
        a.do_handle(
            case,
            actor=actor("handler"),
            note="已清理",
            uploads=[image_upload("before.png"), image_upload("after.png")],
        )
    assert counts(case) == before
    assert not AuditEvent.objects.filter(action="case.handle").exists()
    assert not Attachment.objects.exists()
    assert media_files() == []  # the photos written before the failure were removed
    assert Case.objects.filter(pk=case.pk).values().get() == stored


def test_an_error_while_reporting_leaves_no_case_and_no_photo(world, frozen, monkeypatch):
    frozen(sh(2025, 3, 3, 9, 0))
    monkeypatch.setattr(outbox, "enqueue", lambda *args, **kwargs: 1 / 0)
    data = a.ReportInput(
        category=world.category,
        description="井盖缺失",
        channel="resident",
        lon=120.602,
        lat=31.282,
        reporter_phone="13812345678",
    )
    with pytest.raises(ZeroDivisionError):
        a.do_report(data, actor=None, uploads=[image_upload()])
    assert not Case.objects.exists() and not CaseEvent.objects.exists() and not AuditEvent.objects.exists()
    assert not Attachment.objects.exists() and media_files() == []


def test_a_photo_is_stored_with_the_event_that_brought_it(world, actor, frozen):
    frozen(sh(2025, 3, 3, 9, 0))
    case = case_in(world, "accepted")
    a.do_handle(case, actor=actor("handler"), note="已清理", uploads=[image_upload("after.png")])
    attachment = Attachment.objects.get()
    assert attachment.event == CaseEvent.objects.get(case=case, action="handle")
    assert attachment.uploaded_by == world.people.handler and attachment.original_name == "after.png"
    assert len(media_files()) == 2  # the photo and its thumbnail


# --- The audit log in the admin -----------------------------------------------------------------------------


@pytest.fixture
def audit_admin():
    from jiedao.core.models import AuditEvent as Model

    return admin.site._registry[Model]


def _request(user):
    request = RequestFactory().get("/admin/core/auditevent/")
    request.user = user
    return request


def test_nobody_can_add_change_or_delete_audit_records(world, audit_admin):
    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    record = AuditEvent.objects.create(
        at=sh(2025, 3, 3, 9), actor_label="系统", action="x", object_type="case"
    )
    for user in (root, world.people.auditor):
        request = _request(user)
        assert audit_admin.has_add_permission(request) is False
        assert audit_admin.has_change_permission(request, record) is False
        assert audit_admin.has_delete_permission(request, record) is False
    assert "delete_selected" not in audit_admin.get_actions(_request(root))


def test_only_audit_admins_can_read_the_audit_log(world, audit_admin):
    """三员: the audit administrator reads the log; the system administrator (a superuser) and staff do not."""
    from django.contrib.auth.models import AnonymousUser

    assert audit_admin.has_view_permission(_request(world.people.auditor)) is True
    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    assert audit_admin.has_view_permission(_request(root)) is False
    for name in ("dispatcher", "leader", "staff_a", "handler", "outsider"):
        assert audit_admin.has_view_permission(_request(getattr(world.people, name))) is False, name
    assert audit_admin.has_view_permission(_request(AnonymousUser())) is False


def test_the_audit_log_pages_read_only(world, client):
    record = AuditEvent.objects.create(
        at=sh(2025, 3, 3, 9), actor_label="系统", action="x", object_type="case"
    )
    auditor, dispatcher = world.people.auditor, world.people.dispatcher
    User.objects.filter(pk__in=[auditor.pk, dispatcher.pk]).update(is_staff=True)
    client.force_login(auditor)
    assert client.get("/admin/core/auditevent/").status_code == 200
    page = client.get(f"/admin/core/auditevent/{record.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(f"/admin/core/auditevent/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert AuditEvent.objects.filter(pk=record.pk).exists()
    client.force_login(dispatcher)
    response = client.get("/admin/core/auditevent/")
    assert response.status_code in {302, 403} and "系统" not in response.content.decode()
