"""Warehouse roles on the real PostgreSQL server, on a warehouse that the loader role loaded
and the transformer role built (fixture role_built_postgres): the migration creates the roles
(once), the analyst reads the marts and nothing else, a regional analyst sees only its
region's rows of every mart and published model."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import psycopg
import pytest

from duurzaam.orchestration.assets import MART_ASSETS, PUBLISHED_ASSETS
from duurzaam.warehouse.database import connection_parameters, open_warehouse
from duurzaam.warehouse.migrations import apply_migrations, migration_files
from tests.conftest import as_user, login_role

# The warehouse is built by the loader and transformer logins (ingest and dbt).
pytestmark = pytest.mark.slow

MARTS = tuple(MART_ASSETS)  # the five marts
# what analysts may read: the marts and the published models
READABLE = tuple(f"marts.{mart}" for mart in MARTS) + tuple(
    f"published.{model}" for model in PUBLISHED_ASSETS
)


@pytest.fixture(scope="module")
def built_postgres(role_built_postgres) -> str:
    return role_built_postgres.url


@pytest.fixture(scope="module")
def private_tables(built_postgres) -> list[str]:
    """Every table and view outside the schemas marts and published: raw, history, meta,
    reference, staging, ..."""
    with open_warehouse(built_postgres) as warehouse:
        tables = warehouse.query(
            "select n.nspname || '.' || c.relname from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'v', 'm', "
            "'p') and n.nspname not in ('marts', 'published', 'information_schema') "
            "and n.nspname !~ '^pg_'"
        )
    names = [name for (name,) in tables]
    assert {name.split(".")[0] for name in names} >= {
        "raw",
        "history",
        "meta",
        "reference",
        "staging",
        "intermediate",
    }
    return names


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(**connection_parameters(url), autocommit=True)


@pytest.fixture(scope="module")
def login_as(built_postgres) -> Iterator:
    """Connects with a login of its own that is a member of the given group roles."""
    with ExitStack() as stack:

        def connect_as(*groups: str) -> psycopg.Connection:
            user = stack.enter_context(login_role(*groups))
            return stack.enter_context(connect(as_user(built_postgres, user)))

        yield connect_as


def can_read(connection: psycopg.Connection, table: str) -> bool:
    try:
        connection.execute(f"select * from {table} limit 1").fetchall()
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def test_the_loader_role_loaded_every_source(role_built_postgres):
    loads = role_built_postgres.loads
    assert loads and {load["status"] for load in loads} == {"loaded"}
    with connect(as_user(role_built_postgres.url, role_built_postgres.loader)) as loader:
        assert loader.execute("select current_user").fetchone() == (role_built_postgres.loader,)
        assert not loader.execute(
            "select rolsuper or rolcreaterole or rolbypassrls from pg_roles "
            "where rolname = current_user"
        ).fetchone()[0]
        current = loader.execute("select load_id from meta.loads where status = 'current'")
        assert sorted(r[0] for r in current) == sorted(load["load_id"] for load in loads)
        assert loader.execute("select count(*) from raw.placements").fetchone()[0] > 0
        loader.execute("delete from raw.placements where quarter = 'none'")  # may write
        assert not can_read(loader, "marts.mart_region_quarter")


def test_dbt_built_the_marts_as_the_transformer_role(role_built_postgres):
    """Every mart and published model (and their schemas) belongs to the transformer's
    login, and its grants and row-level security were set by that login's build, not by a
    superuser's."""
    with connect(role_built_postgres.url) as admin:
        rows = admin.execute(
            "select n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner), "
            "c.relrowsecurity, (select count(*) from pg_policies p "
            "where p.schemaname = n.nspname and p.tablename = c.relname), "
            "has_table_privilege('duurzaam_analyst', c.oid, 'select'), "
            "(select rolsuper from pg_roles where oid = c.relowner) "
            "from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname in ('marts', 'published') and c.relkind = 'r' "
            "and n.nspname || '.' || c.relname = any(%s)",
            (list(READABLE),),
        ).fetchall()
        schema_owners = admin.execute(
            "select distinct pg_get_userbyid(nspowner) from pg_namespace "
            "where nspname in ('marts', 'published')"
        ).fetchall()
    transformer = role_built_postgres.transformer
    assert schema_owners == [(transformer,)]
    assert sorted(rows) == sorted((table, transformer, True, 2, True, False) for table in READABLE)


def test_the_analyst_reads_the_marts_and_nothing_else(login_as, private_tables):
    analyst = login_as("duurzaam_analyst")
    for table in READABLE:
        assert can_read(analyst, table), table
    regions = analyst.execute(
        "select count(distinct region_code) from marts.mart_region_quarter"
    ).fetchone()[0]
    assert regions == 35  # every row
    assert [table for table in private_tables if can_read(analyst, table)] == []


def test_a_regional_analyst_sees_its_region_and_the_country_in_every_mart(login_as, private_tables):
    """Its own region's rows and the national ones (region_code 'NL'), which every report
    puts beside the region; no other region's. The same in the published models."""
    analyst = login_as("duurzaam_analyst")
    regional = login_as("duurzaam_region_am05")
    for table in READABLE:
        every = {code for (code,) in analyst.execute(f"select region_code from {table}")}
        assert "AM05" in every and len(every - {"NL"}) > 1, table
        national = {"NL"} & every  # mart_region_quarter has the country in columns instead
        codes = {code for (code,) in regional.execute(f"select region_code from {table}")}
        assert codes == {"AM05"} | national, table
        ((visible,),) = analyst.execute(
            f"select count(*) from {table} where region_code in ('AM05', 'NL')"
        ).fetchall()
        assert regional.execute(f"select count(*) from {table}").fetchone() == (visible,)
    assert national_marts(analyst) >= 4
    assert [table for table in private_tables if can_read(regional, table)] == []

    two_regions = login_as("duurzaam_region_am05", "duurzaam_region_am06")
    codes = two_regions.execute(
        "select distinct region_code from marts.mart_region_quarter order by 1"
    ).fetchall()
    assert codes == [("AM05",), ("AM06",)]


def national_marts(connection: psycopg.Connection) -> int:
    """How many marts have national rows."""
    return sum(
        connection.execute(
            f"select count(*) from marts.{mart} where region_code = 'NL'"
        ).fetchone()[0]
        > 0
        for mart in MARTS
    )


def test_migrations_are_applied_once_and_guarded_against_edits(built_postgres, tmp_path):
    with open_warehouse(built_postgres) as warehouse:
        recorded = warehouse.query("select version from meta.schema_migrations order by 1")
        assert [v for (v,) in recorded] == [v for v, _ in migration_files()]
        assert apply_migrations(warehouse) == []  # nothing pending

        edited = tmp_path / "migrations"
        edited.mkdir()
        for _, path in migration_files():
            (edited / path.name).write_text(path.read_text() + "\n-- edited\n")
        with pytest.raises(Exception, match="changed after it was applied"):
            apply_migrations(warehouse, edited)


def test_every_region_of_the_reference_has_its_role(built_postgres):
    with open_warehouse(built_postgres) as warehouse:
        missing = warehouse.query(
            "select distinct region_code from reference.municipalities "
            "where region_code is not null and not exists (select from pg_roles "
            "where rolname = 'duurzaam_region_' || lower(region_code))"
        )
    assert missing == []
