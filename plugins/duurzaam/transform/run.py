"""Runs the dbt project against the configured warehouse (dbt-duckdb or dbt-postgres)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duurzaam.errors import DuurzaamError
from duurzaam.ingest.sources import raw_tables
from duurzaam.settings import DBT_PROJECT_DIR, ESTIMATES_SELECTOR, Settings
from duurzaam.transform.results import build_outcome
from duurzaam.warehouse.database import connection_parameters, duckdb_path, open_warehouse

if TYPE_CHECKING:
    from duurzaam.transform.disclosure.check import CheckResult

# `dbt build` as the pipeline runs it: models, seeds and data tests, without the unit tests.
# Those check the SQL on fixed inputs, the same in every run: `make test` runs them once per
# backend (tests/integration/test_dbt_unit_tests.py), as dbt advises for production builds.
BUILD = ["build", "--exclude-resource-type", "unit_test"]


def dbt_environment(settings: Settings) -> dict[str, str]:
    """The variables profiles.yml reads, derived from DUURZAAM_WAREHOUSE_URL, and the
    threshold the published models suppress below (macros/disclosure.sql)."""
    env = {
        "DUURZAAM_DBT_TARGET": settings.backend,
        "DUURZAAM_SUPPRESS_BELOW": str(settings.suppress_below),
    }
    if settings.backend == "duckdb":
        env["DUURZAAM_DUCKDB_PATH"] = str(duckdb_path(settings.warehouse_url))
    else:
        parameters = connection_parameters(settings.warehouse_url)
        env.update(
            DUURZAAM_PG_HOST=str(parameters["host"]),
            DUURZAAM_PG_PORT=str(parameters["port"]),
            DUURZAAM_PG_USER=str(parameters["user"]),
            DUURZAAM_PG_PASSWORD=str(parameters.get("password", "")),
            DUURZAAM_PG_DBNAME=str(parameters["dbname"]),
        )
    return env


def run_dbt(arguments: list[str], settings: Settings, check: bool = True) -> Any:
    """`dbt <arguments>` in this process, on the target matching the warehouse URL; returns
    dbt's results. A node that fails (a model, a test) raises, unless `check` is False (the
    transform DAG reports each model's outcome on its own); dbt not running at all (no
    project, no connection, a compilation error of the project) always raises."""
    from dbt.cli.main import dbtRunner  # heavy: only when dbt actually runs

    os.environ.update(dbt_environment(settings))
    project = str(DBT_PROJECT_DIR)
    result = dbtRunner().invoke(
        [
            *arguments,
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target",
            settings.backend,
        ]
    )
    if result.result is None or (result.exception is not None and not check):
        raise DuurzaamError(
            f"dbt {' '.join(arguments)} could not run on {settings.backend}: "
            f"{_plain_error(result.exception)}. The log is in "
            f"{DBT_PROJECT_DIR / 'logs' / 'dbt.log'}."
        ) from result.exception
    if check and not result.success:
        failed = [
            f"{f['name']} ({f['status']})" for f in build_outcome(result.result)["failed"].values()
        ]
        detail = f": {', '.join(failed)}" if failed else ""
        raise DuurzaamError(
            f"dbt {' '.join(arguments)} failed on {settings.backend}{detail}. "
            f"The log is in {DBT_PROJECT_DIR / 'logs' / 'dbt.log'}."
        ) from result.exception
    return result.result


def prepare_warehouse(settings: Settings) -> None:
    """dbt reads the raw tables and the participating employers as sources; on a fresh
    warehouse the raw tables exist, empty, and the employers are the configuration's."""
    from duurzaam.transform.participants import write_participation  # heavy: pandas

    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.ensure_schema(raw_tables())
        write_participation(warehouse, settings.employers_config)


def transform(settings: Settings) -> CheckResult:
    """Seed, build and test (data tests) every model: raw -> staging -> intermediate -> marts; the
    retention-effects model is fitted once the spells it reads are built and tested, and
    its mart built after it. Then the disclosure checker attacks the published layer:
    DisclosureLeak when a count below the threshold can be recovered from it, so that no
    report is sent from it (`duurzaam run`, the demo). Only then is the build recorded as
    the one the published figures come from (the reports' gate reads it). Returns what the
    checker found: the cells it attacked, and no finding."""
    from duurzaam.effects.store import fit_retention_effects  # heavy: statsmodels
    from duurzaam.transform.disclosure.check import gate  # heavy: pandas

    prepare_warehouse(settings)
    loads = current_loads(settings)
    run_dbt([*BUILD, "--exclude", ESTIMATES_SELECTOR], settings)
    fit_retention_effects(settings)
    run_dbt([*BUILD, "--select", ESTIMATES_SELECTOR], settings)
    checked = gate(settings)
    record_published_build(settings, loads)
    return checked


# The loads the published figures were last built from, one row each: written when a build
# has passed its tests and the disclosure check, read by the reports' gate
# (duurzaam.reports.freshness).
# In a schema of its own that the transform creates, as the estimates' (the transformer may
# create schemas, not write meta).
PUBLISHED_BUILD = "builds.published_loads"
PUBLISHED_BUILD_COLUMNS = [
    ("load_id", "text not null"),
    ("file_sha256", "text not null"),
    ("built_at", "timestamp not null"),
]


def current_loads(settings: Settings) -> list[list[str]]:
    """[load_id, file_sha256] of every current load: what a build starting now reads. Taken
    before dbt runs, so a load that commits during the build is not counted as built."""
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query(
            "select load_id, file_sha256 from meta.loads where status = 'current'"
        )
    return sorted([str(load_id), str(sha256)] for load_id, sha256 in rows)


def record_published_build(settings: Settings, loads: list[list[str]]) -> None:
    """Records `loads` (current_loads before the build) as the loads the published figures
    come from, replacing the record of the build before."""
    import pandas as pd

    rows = pd.DataFrame(loads, columns=["load_id", "file_sha256"]).assign(
        built_at=pd.Timestamp.now().floor("us")
    )
    with open_warehouse(settings.warehouse_url) as warehouse, warehouse.transaction():
        warehouse.execute(f"create schema if not exists {PUBLISHED_BUILD.split('.')[0]}")
        body = ", ".join(f"{name} {kind}" for name, kind in PUBLISHED_BUILD_COLUMNS)
        warehouse.execute(f"create table if not exists {PUBLISHED_BUILD} ({body})")
        warehouse.execute(f"delete from {PUBLISHED_BUILD}")
        if not rows.empty:
            warehouse.bulk_insert(PUBLISHED_BUILD, rows)


def generate_docs(settings: Settings) -> Path:
    """`dbt docs generate --static`: the documentation with the warehouse's catalog (column
    types, row counts) in one self-contained HTML file. Returns its path."""
    prepare_warehouse(settings)
    run_dbt(["docs", "generate", "--static"], settings)
    # dbt's own target folder, or the one DBT_TARGET_PATH names (relative to the project)
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target") / "static_index.html"


def _plain_error(error: BaseException | None) -> str:
    if error is None:
        return "no result"
    return " ".join(str(error).split()) or type(error).__name__
