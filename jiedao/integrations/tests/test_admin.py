"""Admin: an administrator issues a key (shown once) and revokes it."""

from __future__ import annotations

from django.contrib.messages import get_messages

from jiedao.integrations.keys import authenticate_key
from jiedao.integrations.models import ApiKey, Integrator
from jiedao.org.models import User


def test_issue_shows_the_key_once_and_revoke_disables_it(client, world):
    admin = User.objects.create_superuser("root", password="Jiedao-admin-2026")
    client.force_login(admin)
    integrator = Integrator.objects.create(name="物业平台", jurisdiction=world.street)
    response = client.post(
        "/admin/integrations/integrator/",
        {"action": "issue_api_key", "_selected_action": [integrator.pk]},
        follow=True,
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)] or [response.content.decode()]
    plain = next(word for text in shown for word in text.replace(":", " ").split() if word.startswith("jd_"))
    assert authenticate_key(plain).integrator == integrator
    assert (
        plain
        not in client.get(f"/admin/integrations/apikey/{ApiKey.objects.get().pk}/change/").content.decode()
    )
    client.post(
        "/admin/integrations/apikey/",
        {"action": "revoke", "_selected_action": [ApiKey.objects.get().pk]},
    )
    assert authenticate_key(plain) is None
