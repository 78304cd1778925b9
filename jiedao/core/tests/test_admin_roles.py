"""The configuration admin is split among the three administrators (三员) and every change is audited."""

from __future__ import annotations

import pytest

from jiedao.core.models import AuditEvent
from jiedao.org.models import Membership, Role, User


@pytest.fixture
def admins(world):
    def make(username: str, role: str | None, *, superuser: bool = False) -> User:
        user = User.objects.create_user(username, password=world.password, is_superuser=superuser)
        if role:
            Membership.objects.create(user=user, unit=world.units.centre, role=role)
        return user

    return {
        "system": make("sys", None, superuser=True),
        "security": make("sec", Role.SECURITY_ADMIN),
        "audit": make("aud", Role.AUDIT_ADMIN),
    }


PAGES = {
    "/admin/cases/category/": {"system"},
    "/admin/core/calendarday/": {"system"},
    "/admin/org/unit/": {"system"},
    "/admin/org/user/": {"security"},
    "/admin/api/stafftoken/": {"security"},
    "/admin/core/auditevent/": {"audit"},
}


@pytest.mark.parametrize("who", ["system", "security", "audit"])
def test_each_administrator_sees_only_their_part(client, admins, who):
    client.force_login(admins[who])
    for url, allowed in PAGES.items():
        status = client.get(url).status_code
        assert (status == 200) == (who in allowed), f"{who} {url} → {status}"


def test_staff_without_an_admin_role_cannot_enter_the_admin(client, world):
    client.force_login(world.people.dispatcher)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_audit_log_is_read_only_even_for_its_administrator(client, admins):
    client.force_login(admins["audit"])
    event = AuditEvent.objects.create(
        at="2026-01-05T09:00:00+08:00", actor_label="x", action="a", object_type="t", object_id="1"
    )
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200  # the read-only view
    client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "changed"})
    client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"})
    event.refresh_from_db()
    assert event.action == "a"


def test_a_configuration_change_is_audited(client, admins):
    client.force_login(admins["system"])
    response = client.post(
        "/admin/core/calendarday/add/", {"date": "2027-02-06", "is_working_day": "on", "note": "春节调休上班"}
    )
    assert response.status_code == 302
    record = AuditEvent.objects.get(action="admin.add", object_type="core.calendarday")
    assert record.actor == admins["system"]
    assert record.new["note"] == "春节调休上班"
