"""Test and benchmark helpers: an integrator with a fresh key."""

from __future__ import annotations

from jiedao.integrations.keys import issue_key
from jiedao.integrations.models import Integrator
from jiedao.org.models import Region


def integrator_with_key(jurisdiction: Region, name: str = "12345 市平台") -> tuple[Integrator, str]:
    integrator = Integrator.objects.create(name=name, jurisdiction=jurisdiction)
    _key, plain = issue_key(integrator, actor=None)
    return integrator, plain
