"""`duurzaam query` is read-only by construction. DuckDB: a read-only connection that reaches
no file and no other database and whose settings no statement can change, one statement at
a time; the warehouse file and any other file stay byte for byte as they were, whatever the
SQL. PostgreSQL: one statement (the server parses it as a prepared statement) in a read-only
session, run only as a login that cannot write (DUURZAAM_QUERY_URL: an analyst's login); a
superuser's or a loader's URL is refused before anything runs. A refusal is one line and
exit code 2. And DuckDB's one writer: a pipeline step meets an analyst's open query (and the
other way round) as one clear line, real processes both, never as a damaged file."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from duurzaam.cli import main
from duurzaam.settings import load_settings
from duurzaam.transform.run import prepare_warehouse
from duurzaam.warehouse.database import connection_parameters, open_warehouse
from tests.conftest import as_user, login_role, throwaway_database

MARTS_TABLE = "marts.mart_region_quarter"


@pytest.fixture
def query(monkeypatch, capsys):
    """`duurzaam query SQL` with this warehouse URL (and query URL); returns (exit code,
    stdout, stderr)."""

    def run(warehouse_url: str, sql: str, query_url: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", warehouse_url)
        if query_url:
            monkeypatch.setenv("DUURZAAM_QUERY_URL", query_url)
        else:
            monkeypatch.delenv("DUURZAAM_QUERY_URL", raising=False)
        code = main(["query", sql])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def refused(result: tuple[int, str, str]) -> str:
    """The one line of a refusal (exit code 2) from `query`'s result, never a traceback."""
    code, _, err = result
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and lines[0].startswith("REFUSED "), (code, err)
    assert "Traceback" not in err and "unexpected" not in err
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_duckdb(path: Path) -> str:
    """A DuckDB file with a marts table of two rows, written out and closed; its URL."""
    url = f"duckdb:///{path}"
    with open_warehouse(url) as warehouse:
        warehouse.execute("create schema marts")
        warehouse.execute(f"create table {MARTS_TABLE} (region_code text, placements integer)")
        warehouse.execute(f"insert into {MARTS_TABLE} values ('AM05', 120), ('AM18', 340)")
        warehouse.execute("checkpoint")
    return url


# --- DuckDB --------------------------------------------------------------------------------

DUCKDB_ATTACKS = {
    "copy-over-the-warehouse": "copy (select 42 as x) to '{warehouse}'",
    "copy-to-a-new-file": "copy {table} to '{folder}/export.csv'",
    "attach-another-file": "attach '{other}' as other (read_write)",
    "attach-and-write": "attach '{other}' as other (read_write); "
    "create table other.written as select 1 as x",
    "two-statements": "select 1; insert into {table} values ('AM01', 1)",
    "insert": "insert into {table} values ('AM01', 1)",
    "create": "create table marts.written as select 1 as x",
    "read-a-file": "select * from read_csv('/etc/passwd')",
    "list-files": "select * from glob('/etc/*')",
    "switch-files-on": "set enable_external_access = true",
}


@pytest.mark.parametrize("attack", DUCKDB_ATTACKS.values(), ids=DUCKDB_ATTACKS.keys())
def test_duckdb_files_stay_as_they_were_whatever_the_sql(query, tmp_path, attack):
    folder = tmp_path / "files"
    folder.mkdir()
    warehouse = folder / "warehouse.duckdb"
    url = make_duckdb(warehouse)
    other = folder / "other.duckdb"
    make_duckdb(other)
    before = {path.name: sha256(path) for path in folder.iterdir()}

    sql = attack.format(warehouse=warehouse, other=other, folder=folder, table=MARTS_TABLE)
    code, out, err = query(url, sql)
    assert {path.name: sha256(path) for path in folder.iterdir()} == before, err
    assert "root:" not in out + err and "/etc/hostname" not in out + err
    refused((code, out, err))
    # and the warehouse still answers, with its two rows
    code, out, _ = query(url, f"select count(*) as n from {MARTS_TABLE}")
    assert code == 0 and out.split() == ["n", "2"]


def test_no_statement_is_refused_too(query, tmp_path):
    url = make_duckdb(tmp_path / "warehouse.duckdb")
    assert "holds none" in refused(query(url, " ; -- nothing"))


# --- both backends -------------------------------------------------------------------------


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def analyst_warehouse(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(the warehouse's URL as its owner, the URL `duurzaam query` is given): a DuckDB file
    (the same URL), or a PostgreSQL warehouse and a login of duurzaam_analyst."""
    if request.param == "duckdb":
        url = make_duckdb(tmp_path / "warehouse.duckdb")
        yield url, url
        return
    url = request.getfixturevalue("postgres_warehouse")
    with login_role("duurzaam_analyst") as analyst:
        yield url, as_user(url, analyst)


def test_a_percent_sign_is_a_percent_sign(query, analyst_warehouse):
    owner, analyst = analyst_warehouse
    code, out, err = query(
        owner,
        f"select 'AM%' as pattern, 'x%s' as literal, count(*) as n from {MARTS_TABLE} "
        "where region_code like 'AM%'",
        query_url=analyst,
    )
    assert (code, err) == (0, "")
    assert out.split() == ["pattern", "literal", "n", "AM%", "x%s", "2"]


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_warehouse() -> Iterator[str]:
    """A PostgreSQL warehouse prepared by its owner (schemas, the migrations' roles) with a
    marts table that duurzaam_analyst reads, as dbt grants it (dbt_project/macros/access.sql).
    Shared by the module's tests: each checks that it is left as it was."""
    with throwaway_database() as url:
        prepare_warehouse(replace(load_settings(), warehouse_url=url))
        with open_warehouse(url) as warehouse:
            warehouse.execute("create schema marts")
            warehouse.execute(f"create table {MARTS_TABLE} (region_code text, placements integer)")
            warehouse.execute(f"insert into {MARTS_TABLE} values ('AM05', 120), ('AM18', 340)")
            warehouse.execute("grant usage on schema marts to duurzaam_analyst")
            warehouse.execute(f"grant select on {MARTS_TABLE} to duurzaam_analyst")
        yield url


@pytest.fixture
def program_marker() -> Iterator[Path]:
    """A path that the server's own processes (user postgres) could create: where a
    `copy ... to program` would leave its mark."""
    folder = Path(tempfile.mkdtemp(prefix="duurzaam-program-"))
    folder.chmod(0o777)
    yield folder / "program-ran"
    shutil.rmtree(folder)


def warehouse_state(url: str) -> tuple[list[tuple], list[tuple]]:
    """The marts table's rows and the marts schema's tables."""
    with psycopg.connect(**connection_parameters(url), autocommit=True) as connection:
        rows = connection.execute(f"select * from {MARTS_TABLE} order by 1").fetchall()
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    return rows, tables


POSTGRES_ATTACKS = {
    "read-write-insert": "set transaction read write; insert into {table} values ('AM01', 1)",
    "read-write-create": "set transaction read write; create table marts.written (x integer)",
    "insert": "insert into {table} values ('AM01', 1)",
    "insert-in-a-select": "with written as (insert into {table} values ('AM01', 1) "
    "returning *) select * from written",
    "create": "create table marts.written (x integer)",
    "copy-to-program": "copy (select 1) to program 'touch {marker}'",
    "set-role-and-insert": "set role postgres; insert into {table} values ('AM01', 1)",
}


@pytest.mark.postgres
@pytest.mark.parametrize("attack", POSTGRES_ATTACKS.values(), ids=POSTGRES_ATTACKS.keys())
def test_postgresql_as_the_owner_is_refused_before_anything_runs(
    query, postgres_warehouse, program_marker, attack
):
    """The warehouse's own URL is a superuser's: `duurzaam query` refuses the login, whatever
    the SQL, and says what to configure."""
    before = warehouse_state(postgres_warehouse)
    sql = attack.format(table=MARTS_TABLE, marker=program_marker)
    result = query(postgres_warehouse, sql)
    assert warehouse_state(postgres_warehouse) == before
    assert not program_marker.exists()
    line = refused(result)
    assert "is a superuser" in line and "DUURZAAM_QUERY_URL" in line


@pytest.mark.postgres
@pytest.mark.parametrize("attack", POSTGRES_ATTACKS.values(), ids=POSTGRES_ATTACKS.keys())
def test_postgresql_as_an_analyst_reads_and_changes_nothing(
    query, postgres_warehouse, program_marker, attack
):
    before = warehouse_state(postgres_warehouse)
    with login_role("duurzaam_analyst") as analyst:
        url = as_user(postgres_warehouse, analyst)
        code, out, _ = query(postgres_warehouse, f"select * from {MARTS_TABLE}", url)
        assert code == 0 and "AM18" in out and "340" in out
        sql = attack.format(table=MARTS_TABLE, marker=program_marker)
        result = query(postgres_warehouse, sql, url)
    assert warehouse_state(postgres_warehouse) == before
    assert not program_marker.exists()
    refused(result)


@contextmanager
def member_of(url: str, group: str, inherit: bool) -> Iterator[str]:
    """A login of its own, member of `group`: with the group's privileges (inherit) or only
    able to take them on with `set role` (noinherit)."""
    with login_role(group) as name:
        if not inherit:
            with psycopg.connect(**connection_parameters(url), autocommit=True) as admin:
                admin.execute(f"alter role {name} noinherit")
        yield name


@pytest.mark.postgres
@pytest.mark.parametrize("inherit", [True, False], ids=["inherits", "by-set-role"])
def test_postgresql_refuses_a_login_that_could_write(query, postgres_warehouse, inherit):
    with member_of(postgres_warehouse, "duurzaam_loader", inherit) as loader:
        line = refused(query(postgres_warehouse, "select 1", as_user(postgres_warehouse, loader)))
    assert f"the login {loader} can write" in line
    assert "duurzaam_loader may write raw." in line or "duurzaam_loader may create in" in line
    assert "DUURZAAM_QUERY_URL" in line and "duurzaam_analyst" in line


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.parametrize("group", ["duurzaam_analyst", "duurzaam_region_am05"])
def test_postgresql_analysts_query_the_warehouse_dbt_built(query, role_built_postgres, group):
    """The documented set-up on a warehouse as production builds it (loaded by a loader
    login, built by dbt as a transformer login): an analyst's login, or a regional one, is
    one that cannot write, and reads the marts."""
    with login_role(group) as analyst:
        url = as_user(role_built_postgres.url, analyst)
        code, out, err = query(
            role_built_postgres.url, f"select count(distinct region_code) from {MARTS_TABLE}", url
        )
    assert (code, err) == (0, "")
    assert int(out.split()[-1]) == (35 if group == "duurzaam_analyst" else 1)


# --- DuckDB's one writer: real processes -----------------------------------------------------


@contextmanager
def holding(url: str, read_only: bool) -> Iterator[subprocess.Popen]:
    """Another process with the DuckDB warehouse open, as `duurzaam query` opens it
    (read_only) or a pipeline step does, until the block ends."""
    script = (
        "import sys\n"
        "from duurzaam.warehouse.database import open_warehouse\n"
        "with open_warehouse(sys.argv[1], read_only=sys.argv[2] == 'read'):\n"
        "    print('open', flush=True)\n"
        "    sys.stdin.readline()\n"
    )
    mode = "read" if read_only else "write"
    holder = subprocess.Popen(
        [sys.executable, "-c", script, url, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def duurzaam(url: str, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    """The `duurzaam` command in a process of its own, on this warehouse and the sample data."""
    env = {
        **os.environ,
        "DUURZAAM_WAREHOUSE_URL": url,
        "DUURZAAM_WORK_DIR": str(tmp_path / "work"),
        "DUURZAAM_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.pop("DUURZAAM_QUERY_URL", None)
    command = [str(Path(sys.executable).with_name("duurzaam")), *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("ERROR "), (
        result.returncode,
        result.stderr,
    )
    return lines[0]


@pytest.mark.slow
def test_an_ingest_meets_an_analysts_open_query_with_one_line_and_an_intact_file(tmp_path):
    """While an analyst's query holds the file, the load stops before it writes a byte and
    says why; once the query is done, the same load goes through."""
    path = tmp_path / "warehouse.duckdb"
    url = f"duckdb:///{path}"
    prepare_warehouse(replace(load_settings(), warehouse_url=url))
    before = sha256(path)
    ingest = ("ingest", "jobs_agreement", "--quarter", "2024Q1")
    with holding(url, read_only=True):
        line = one_error_line(duurzaam(url, tmp_path, *ingest))
        assert "in use by another process" in line and "duurzaam query" in line
        assert sha256(path) == before

    loaded = duurzaam(url, tmp_path, *ingest)
    assert loaded.returncode == 0, loaded.stderr
    counted = duurzaam(url, tmp_path, "query", "select count(*) as n from raw.jobs_agreement")
    assert counted.returncode == 0 and int(counted.stdout.split()[-1]) > 0


def test_a_query_meets_a_writing_pipeline_step_with_one_line(tmp_path):
    url = make_duckdb(tmp_path / "warehouse.duckdb")
    with holding(url, read_only=False):
        line = one_error_line(duurzaam(url, tmp_path, "query", f"select * from {MARTS_TABLE}"))
    assert "in use by another process" in line and "wait for it" in line
