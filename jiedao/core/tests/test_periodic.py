"""The sweep command runs the housekeeping jobs other domains register, and survives a broken one."""

from __future__ import annotations

from django.core.management import call_command

from jiedao.core import periodic


def test_registered_jobs_run_with_the_sweep_and_a_failure_is_contained(db, monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(periodic, "_JOBS", {})
    periodic.periodic("ok")(lambda: ran.append("ok") or 3)
    periodic.periodic("broken")(lambda: 1 / 0)
    call_command("sweep")
    assert ran == ["ok"]
    out = capsys.readouterr().out
    assert "ok 3" in out and "broken None" in out


def test_tracking_registers_its_retention_purge():
    assert "tracking.purge_positions" in periodic._JOBS
