"""serve starts gunicorn as measured: single-threaded workers on PostgreSQL, few threaded ones on SQLite."""

from jiedao.core.management.commands.serve import web_processes


def test_postgresql_gets_three_single_threaded_workers_per_core_and_sqlite_two_threaded_ones():
    assert web_processes("postgresql", 2) == (6, 1)  # what bench/bench_api.py measures on this machine
    assert web_processes("postgresql", 1) == (3, 1)
    assert web_processes("sqlite", 8) == (2, 4)  # one writer at a time: more processes only queue
