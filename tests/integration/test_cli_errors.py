"""The command line meets a user's mistake with one clear line (what, why, what to do) and
exit code 1, never a traceback (--debug shows one); `duurzaam query` only reads (a write is
refused: exit code 2)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from duurzaam.cli import main
from duurzaam.warehouse.database import connection_parameters, open_warehouse
from tests.conftest import as_user, free_port, login_role


@contextmanager
def reading_login(url: str) -> Iterator[str]:
    """The URL of a login of its own that reads the tables the administrator creates in this
    PostgreSQL database and can write nothing: on PostgreSQL, `duurzaam query` runs only as
    such a login (DUURZAAM_QUERY_URL)."""
    with login_role() as name, psycopg.connect(**connection_parameters(url)) as admin:
        admin.autocommit = True
        admin.execute(f"alter default privileges in schema public grant select on tables to {name}")
        try:
            yield as_user(url, name)
        finally:
            admin.execute(f"drop owned by {name}")  # its privileges, before the role goes


@pytest.fixture
def run(settings, monkeypatch, capsys):
    """Runs the command line against the test's warehouse; returns (exit code, stderr)."""
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", settings.warehouse_url)
    monkeypatch.setenv("DUURZAAM_OUTBOX_DIR", str(settings.outbox_dir))

    def command(*argv: str) -> tuple[int, str]:
        code = main(list(argv))
        return code, capsys.readouterr().err

    if settings.backend != "postgres":
        yield command
        return
    with reading_login(settings.warehouse_url) as url:
        monkeypatch.setenv("DUURZAAM_QUERY_URL", url)
        yield command


def one_clear_line(err: str, kind: str = "ERROR") -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{kind} "), err
    return lines[0]


def create_tables(settings, *statements: str) -> None:
    with open_warehouse(settings.warehouse_url) as warehouse:
        for statement in statements:
            warehouse.execute(statement)


def test_report_on_an_unbuilt_warehouse(run, settings):
    create_tables(settings, "create table if not exists placeholder (x integer)")
    code, err = run("report", "--quarter", "2030Q1")
    assert code == 1
    assert "pub_region_quarter" in one_clear_line(err) and "duurzaam transform" in err


def test_report_for_a_quarter_without_data(run, settings):
    create_tables(
        settings,
        "create schema if not exists published",
        "create table published.pub_region_quarter (region_code text, quarter text)",
        "insert into published.pub_region_quarter values ('AM05', '2024Q2')",
    )
    code, err = run("report", "--quarter", "2030Q1")
    assert code == 1
    assert "no rows for 2030Q1" in one_clear_line(err)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from nonexist", "is the warehouse built?"),
        ("selec 1 frm x", "check the SQL"),
    ],
    ids=["missing-table", "bad-sql"],
)
def test_a_query_the_warehouse_refuses(run, settings, sql, expected):
    create_tables(settings, "create table if not exists placeholder (x integer)")
    code, err = run("query", sql)
    assert code == 1 and expected in one_clear_line(err)


def test_query_is_read_only(run, settings, capsys):
    create_tables(settings, "create table if not exists placeholder (x integer)")
    code, err = run("query", "create table written as select 1 as x")
    assert code == 2 and "only reads" in one_clear_line(err, "REFUSED")
    code, err = run("query", "insert into placeholder values (1)")
    assert code == 2 and "only reads" in one_clear_line(err, "REFUSED")
    with open_warehouse(settings.warehouse_url) as warehouse:
        assert warehouse.query("select count(*) from placeholder") == [(0,)]
        tables = warehouse.query(
            "select table_name from information_schema.tables where table_name = 'written'"
        )
        assert tables == []
    assert run("query", "select count(*) as n from placeholder")[0] == 0


def test_debug_shows_the_traceback(run, settings):
    create_tables(settings, "create table if not exists placeholder (x integer)")
    with pytest.raises(Exception, match="nonexist"):
        run("--debug", "query", "select * from nonexist")
    with pytest.raises(Exception, match="nonexist"):
        run("query", "select * from nonexist", "--debug")


@pytest.mark.parametrize("command", [("query", "select 1"), ("report", "--quarter", "2024Q2")])
def test_an_unreachable_postgresql(monkeypatch, capsys, command):
    url = f"postgresql://analist:geheim-wachtwoord@127.0.0.1:{free_port()}/warehouse"
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", url)
    assert main(list(command)) == 1
    line = one_clear_line(capsys.readouterr().err)
    assert "cannot connect to the PostgreSQL warehouse" in line and "is the server running" in line
    assert "geheim-wachtwoord" not in line


def test_a_locked_duckdb_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"  # the other process holds the lock
        monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", f"duckdb:///{path}")
        for command in (["query", "select 1"], ["report", "--quarter", "2024Q2"]):
            assert main(command) == 1
            line = one_clear_line(capsys.readouterr().err)
            assert "in use by another process" in line and "one process write" in line
    finally:
        holder.kill()
        holder.wait()
