"""Warehouse roles on the real PostgreSQL server: the migration creates them (once), the
analyst reads the marts and nothing else, a regional analyst sees only its region's rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest

from duurzaam.ingest import ingest
from duurzaam.migrations import apply_migrations, migration_files
from duurzaam.settings import load_settings
from duurzaam.transform import transform
from duurzaam.warehouse import connection_parameters, open_warehouse
from tests.conftest import TEST_KEY, _admin_connection

PRIVATE_TABLES = {
    "raw": "raw.placements",
    "history": "history.placements",
    "meta": "meta.loads",
    "staging": "staging.stg_placements__extracts",
    "intermediate": "intermediate.int_spells",
    "reference": "reference.municipalities",
}


@pytest.fixture
def built_postgres(postgres_url, tmp_path, generated_landing) -> str:
    settings = replace(
        load_settings(),
        warehouse_url=postgres_url,
        landing_dir=generated_landing,
        work_dir=tmp_path / "work",
        pseudonym_key=TEST_KEY,
    )
    ingest("placements", "2023Q1", settings)
    transform(settings)
    return postgres_url


@pytest.fixture
def login_as(built_postgres) -> Iterator:
    """Makes login roles that are members of the given group roles; dropped afterwards."""
    made = []

    def connect(*groups: str) -> psycopg.Connection:
        name = f"duurzaam_test_{uuid.uuid4().hex[:8]}"
        with _admin_connection() as admin:
            admin.execute(f"create role {name} login in role {', '.join(groups)}")
        made.append(name)
        parameters = {**connection_parameters(built_postgres), "user": name}
        parameters.pop("password", None)
        return psycopg.connect(**parameters, autocommit=True)

    yield connect
    with _admin_connection() as admin:
        for name in made:
            admin.execute(f"drop role if exists {name}")


def can_read(connection: psycopg.Connection, table: str) -> bool:
    try:
        connection.execute(f"select * from {table} limit 1").fetchall()
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def test_the_analyst_reads_the_marts_and_nothing_else(login_as):
    with login_as("duurzaam_analyst") as analyst:
        for mart in (
            "mart_region_quarter",
            "mart_cohort_survival",
            "mart_retention_factors",
            "mart_employer_survey",
            "mart_followup",
        ):
            assert can_read(analyst, f"marts.{mart}"), mart
        regions = analyst.execute(
            "select count(distinct region_code) from marts.mart_region_quarter"
        ).fetchone()[0]
        assert regions == 35  # every row
        for schema, table in PRIVATE_TABLES.items():
            assert not can_read(analyst, table), schema


def test_a_regional_analyst_sees_only_its_region(login_as):
    with login_as("duurzaam_region_am05") as regional:
        for mart in ("mart_region_quarter", "mart_cohort_survival", "mart_retention_factors"):
            codes = regional.execute(f"select distinct region_code from marts.{mart}").fetchall()
            assert {code for (code,) in codes} - {"NL"} == {"AM05"}, mart
        # the national rows, which the report puts beside the region, are for everyone
        for mart in ("mart_cohort_survival", "mart_retention_factors"):
            national = f"select count(*) from marts.{mart} where region_code = 'NL'"
            assert regional.execute(national).fetchone()[0] > 0, mart
        assert not can_read(regional, "raw.placements")
    with login_as("duurzaam_region_am05", "duurzaam_region_am06") as two_regions:
        codes = two_regions.execute(
            "select distinct region_code from marts.mart_region_quarter order by 1"
        ).fetchall()
        assert codes == [("AM05",), ("AM06",)]


def test_the_loader_writes_raw_but_cannot_read_the_marts(login_as):
    with login_as("duurzaam_loader") as loader:
        loader.execute("delete from raw.placements where quarter = 'none'")  # allowed
        assert can_read(loader, "meta.loads")
        assert not can_read(loader, "marts.mart_region_quarter")


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
