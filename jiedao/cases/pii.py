"""The reporter's personal data: encrypted at rest, masked by default, revealed only by permission and logged."""

from __future__ import annotations

import re

from django.conf import settings

from jiedao.cases.models import Case
from jiedao.core import audit
from jiedao.core.actor import Actor
from jiedao.core.errors import PermissionRefused
from jiedao.lib import crypto
from jiedao.lib.masking import mask_name, mask_phone
from jiedao.org.selectors import ADMIN_ROLES

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def normalise_phone(phone: str) -> str:
    """Digits as stored and indexed: spaces, brackets, hyphens and the +86 country code removed."""
    return re.sub(r"[\s()（）+\-－]", "", phone or "").removeprefix("86") if phone else ""


def encrypt_reporter(case: Case, name: str, phone: str) -> None:
    """Set the encrypted reporter fields (and the blind index used to find cases by phone)."""
    secret = settings.PII_SECRET
    case.reporter_name_enc = crypto.encrypt(name, secret) if name else ""
    case.reporter_phone_enc = crypto.encrypt(phone, secret) if phone else ""
    case.reporter_phone_index = crypto.blind_index(phone, secret) if phone else ""
    case.reporter_phone_last4 = phone[-4:] if phone else ""


def phone_index(phone: str) -> str:
    return crypto.blind_index(normalise_phone(phone), settings.PII_SECRET)


def _plain(token: str) -> str:
    return crypto.decrypt(token, settings.PII_SECRET) if token else ""


def masked_reporter(case: Case) -> dict[str, str]:
    """What everyone sees: 张** and 138****1234."""
    return {
        "name": mask_name(_plain(case.reporter_name_enc)),
        "phone": mask_phone(_plain(case.reporter_phone_enc)),
    }


def may_reveal(actor: Actor | None, case: Case) -> bool:
    """Only members allowed to see personal data, in whose area the case lies or whose unit handles it."""
    if actor is None:
        return False
    # The 三员 (system, security, audit admins) administer the system; they do not read cases.
    return any(
        m.can_view_pii
        and m.role not in ADMIN_ROLES
        and (case.unit_id == m.unit_id or (case.community_id or case.street_id).startswith(m.unit.region_id))
        for m in actor.memberships
    )


def reveal_reporter(actor: Actor, case: Case, *, purpose: str) -> dict[str, str]:
    """The full name and phone, logged with the purpose; refused (and logged) without permission."""
    if not may_reveal(actor, case):
        audit.record_refusal(actor, "pii.reveal", "case", case.number, purpose or "无权限")
        raise PermissionRefused("pii_forbidden", "您没有查看该诉求人完整信息的权限")
    audit.record(actor, "pii.reveal", "case", case.number, new={"fields": ["name", "phone"]}, reason=purpose)
    return {"name": _plain(case.reporter_name_enc), "phone": _plain(case.reporter_phone_enc)}
