"""core.copyin: what it writes (with COPY on PostgreSQL) reads back exactly, whatever the text holds."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jiedao.core.copyin import copy_line, insert_new
from jiedao.core.models import AuditEvent

# Text that COPY reads specially (tab, newline, carriage return, backslash, its NULL marker), and text it doesn't.
AWKWARD = ["普通文字", "制表\t符", "换行\n与回车\r", "反斜杠\\N 和 \\t", "\\", ""]


@pytest.mark.django_db
def test_inserted_rows_read_back_unchanged_with_their_keys():
    at = timezone.now()
    entries = [
        AuditEvent(
            at=at,
            actor_label="系统",
            action="copyin.test",
            object_type="text",
            object_id=str(index),
            old={"text": text},
            new={"texts": [text, None]},
            reason=text,
        )
        for index, text in enumerate(AWKWARD)
    ]
    insert_new(entries)
    keys = [entry.pk for entry in entries]
    assert all(keys) and keys == sorted(set(keys))
    stored = AuditEvent.objects.filter(action="copyin.test").order_by("id")
    assert [(row.pk, row.reason, row.old, row.new) for row in stored] == [
        (key, text, {"text": text}, {"texts": [text, None]}) for key, text in zip(keys, AWKWARD, strict=True)
    ]


def test_copy_line_escapes_what_copy_reads_specially_and_nothing_else():
    line = copy_line(["a\tb\\c", "第1号", None, True, 1.5, {"k": "v\n"}, 3])
    assert line == 'a\\tb\\\\c\t第1号\t\\N\tt\t1.5\t{"k": "v\\\\n"}\t3\n'
