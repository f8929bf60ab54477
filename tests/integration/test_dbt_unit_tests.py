"""The dbt project's unit tests (the `unit_tests:` of the models' yml: the SQL of staging,
intermediate, marts and the published layer's disclosure rules on fixed inputs), on both
warehouses. The pipeline's builds leave them out (duurzaam.transform.run.BUILD); this is
where they run. dbt reads the column types of a unit test's inputs from the built tables, so
they run against the session's built warehouse: PostgreSQL's, which they only read, or a
copy of the DuckDB file (dbt keeps its connection to a DuckDB file open in the process,
which would keep the process's other tests from opening it read-only)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from duurzaam.transform.manifest import dbt_manifest
from duurzaam.transform.results import build_outcome
from duurzaam.transform.run import run_dbt
from duurzaam.warehouse.database import duckdb_path


@pytest.mark.parametrize(
    "backend", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_every_dbt_unit_test_passes(backend, built_warehouses, tmp_path):
    settings = built_warehouses[backend]
    if backend == "duckdb":
        copy = tmp_path / "warehouse.duckdb"
        shutil.copyfile(duckdb_path(settings.warehouse_url), copy)
        settings = replace(settings, warehouse_url=f"duckdb:///{copy}")
    results = run_dbt(
        ["test", "--select", "test_type:unit", "--target-path", str(tmp_path)],
        settings,
        check=False,
    )
    outcome = build_outcome(results)
    assert not outcome["failed"], outcome["failed"]
    ran = {
        node: status for node, status in outcome["nodes"].items() if node.startswith("unit_test.")
    }
    assert set(ran) == set(dbt_manifest()["unit_tests"])  # every one of them ran
    assert set(ran.values()) == {"pass"}
