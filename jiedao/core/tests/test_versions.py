"""Versioned in-memory configuration: a change is seen at the next use, whoever made it, even undone."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jiedao.cases.categories import by_service_code
from jiedao.core import versions
from jiedao.testing.world import make_category

pytestmark = pytest.mark.django_db


class Undo(Exception):
    pass


def test_a_copy_read_inside_a_change_that_rolled_back_is_not_served_after_the_next_change():
    with pytest.raises(Undo), transaction.atomic():
        code = make_category("0301", "乱贴广告").service_code
        assert by_service_code(code).name == "乱贴广告"  # this process now remembers the undone change
        raise Undo
    make_category("0301", "违规户外广告")  # a count would be back at the undone change's number here
    assert by_service_code(code).name == "违规户外广告"


def test_a_pinned_scope_reads_every_version_once_and_sees_its_own_bump():
    make_category()
    with versions.pinned(), CaptureQueriesContext(connection) as queries:
        assert by_service_code("gbt30428-event-0101") is not None
        make_category("0302", "非法小广告")  # a trigger's move is seen from the next scope on ...
        assert by_service_code("gbt30428-event-0302") is None
        versions.bump("categories.version")  # ... a bump made here, at once
        assert by_service_code("gbt30428-event-0302") is not None
    reads = [q["sql"] for q in queries if '"core_counter"."value"' in q["sql"]]
    assert len(reads) == 1


def test_a_memo_keeps_what_it_found_but_not_misses():
    memo: versions.VersionedMemo[str, str] = versions.VersionedMemo("test.version", size=2)
    loads: list[str] = []

    def load(key: str, value: str | None):
        return lambda: loads.append(key) or value

    assert memo.get("a", load("a", "A")) == "A" and memo.get("a", load("a", "X")) == "A"
    assert memo.get("gone", load("gone", None)) is None and memo.get("gone", load("gone", None)) is None
    versions.bump("test.version")
    assert memo.get("a", load("a", "A2")) == "A2"
    assert loads == ["a", "gone", "gone", "a"]
