"""The reports' gate against stale published figures: a load that succeeded after the last
transform that passed (the transform since failed) holds the quarter's reports back, naming
the source and what to do, until a transform passes again. On a copy of the run's built
DuckDB warehouse, with a real failing dbt build."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from duurzaam.errors import DuurzaamError
from duurzaam.ingest.steps import ingest
from duurzaam.reports.freshness import SourcesMissing, gate
from duurzaam.transform.run import transform
from duurzaam.warehouse.database import duckdb_path, open_warehouse
from tests.conftest import SAMPLE_QUARTERS

FIRST, LAST = SAMPLE_QUARTERS.split(":")

# A full dbt build, twice: tens of seconds.
pytestmark = pytest.mark.slow


def revised_register(landing: Path, quarter: str, folder: Path) -> Path:
    """The quarter's register extract with one more person working in the first cell: a
    revision that passes validation."""
    extract = json.loads((landing / "register" / f"{quarter}.json").read_text())
    cell = extract["value"][0]
    assert cell["PersonenMetBaan_2"] < cell["PersonenInRegister_1"]
    cell["PersonenMetBaan_2"] += 1
    path = folder / f"register-{quarter}-revised.json"
    path.write_text(json.dumps(extract))
    return path


def test_a_load_after_the_last_passing_transform_holds_the_reports_back(built_warehouses, tmp_path):
    built = built_warehouses["duckdb"]
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(duckdb_path(built.warehouse_url), copy)
    settings = replace(built, warehouse_url=f"duckdb:///{copy}", work_dir=tmp_path / "work")
    assert gate(LAST, settings) == []  # every load of the quarter is published

    # The supplier revises the register: the ingest succeeds (revision 2) ...
    revised = revised_register(settings.landing_dir, LAST, tmp_path)
    loaded = ingest("register", LAST, settings, revised)
    assert (loaded["status"], loaded["revision"]) == ("loaded", 2)
    # ... and the transform fails: a jobs-agreement row names a region that does not exist.
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.execute(
            "insert into raw.jobs_agreement (quarter, regio_code, _load_id) "
            "select quarter, 'AM99', _load_id from raw.jobs_agreement limit 1"
        )
    with pytest.raises(DuurzaamError, match="relationships_stg_jobs_agreement__regions"):
        transform(settings)

    # Every source is loaded, yet the published figures predate the register's revision.
    with pytest.raises(SourcesMissing) as held:
        gate(LAST, settings)
    message = str(held.value)
    assert f"1 source the report reads is missing for {LAST}" in message
    assert (
        f"  - register: {revised} (r2) is loaded, but the published figures were not "
        "rebuilt from it" in message
    )
    assert "trigger duurzaam_transform" in message
    # a quarter none of whose loads changed is not held back
    assert gate(FIRST, settings) == []
    # sending anyway is the operator's choice, and the report then says what it lacks
    assert gate(LAST, settings, send_anyway=True) == ["register"]

    # Once the cause is fixed and a transform passes, the quarter's reports may go out.
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.execute("delete from raw.jobs_agreement where regio_code = 'AM99'")
    transform(settings)
    assert gate(LAST, settings) == []
