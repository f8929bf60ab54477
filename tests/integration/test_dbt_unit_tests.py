"""The dbt project's unit tests (the `unit_tests:` of the models' yml: the SQL of staging,
intermediate, marts and the published layer's disclosure rules on fixed inputs), on both
warehouses. The pipeline's builds leave them out (duurzaam.transform.run.BUILD); this is
where they run. dbt reads the column types of a unit test's inputs from the built tables, so
they run against the session's built warehouse, and only read it."""

from __future__ import annotations

from duurzaam.transform.manifest import dbt_manifest
from duurzaam.transform.results import build_outcome
from duurzaam.transform.run import run_dbt


def test_every_dbt_unit_test_passes(built_warehouse, tmp_path):
    results = run_dbt(
        ["test", "--select", "test_type:unit", "--target-path", str(tmp_path)],
        built_warehouse,
        check=False,
    )
    outcome = build_outcome(results)
    assert not outcome["failed"], outcome["failed"]
    ran = {
        node: status for node, status in outcome["nodes"].items() if node.startswith("unit_test.")
    }
    assert set(ran) == set(dbt_manifest()["unit_tests"])  # every one of them ran
    assert set(ran.values()) == {"pass"}
