"""How the transform DAG's model tasks read dbt: which tests each model's task reports (from
the manifest `make install` builds), and what a model task concludes from a build's outcome.
The DAG's wiring: tests/e2e/test_dags.py; a real failing build: the same file."""

from __future__ import annotations

import json

import pytest

from duurzaam.orchestration.dbt_tasks import DbtModelFailed, check_model, repaired_upstream
from duurzaam.transform.manifest import dbt_manifest_path, manifest_models

SOURCE_TEST = "test.duurzaam.source_not_null_raw_placements_persoon_id.24b9f1a623"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_manifest_path().read_text())


def test_each_test_is_reported_by_the_model_it_is_declared_on(manifest):
    models = manifest_models()
    reported: dict[str, list[str]] = {}
    for model in models.values():
        for test in model.tests:
            reported.setdefault(test, []).append(model.name)
    # the unit tests are no model task's: the builds leave them out (make test runs them)
    assert manifest["unit_tests"] and not set(manifest["unit_tests"]) & set(reported)
    for key, test in manifest["nodes"].items():
        if test["resource_type"] != "test":
            continue
        parents = [p for p in test["depends_on"]["nodes"] if p.startswith("model.")]
        if not parents:  # a source's test: no model's task (the build skips what reads it)
            assert key not in reported, key
        elif test.get("attached_node") or test.get("model"):
            attached = test.get("attached_node") or f"model.duurzaam.{test['model']}"
            assert reported[key] == [attached.rsplit(".", 1)[1]], key
        else:
            assert reported[key], key
    # a singular test of a mart and the models it is built from: the mart's
    assert reported["test.duurzaam.assert_mart_region_quarter_is_complete"] == [
        "mart_region_quarter"
    ]


def test_each_model_knows_every_model_upstream_of_it(manifest):
    nodes = manifest["nodes"]

    def upstream(key: str) -> set[str]:
        parents = {p for p in nodes[key]["depends_on"]["nodes"] if p.startswith("model.")}
        return parents.union(*(upstream(p) for p in parents))

    models = manifest_models()
    assert set(models) == {k for k, n in nodes.items() if n["resource_type"] == "model"}
    for key, model in models.items():
        assert set(model.upstream) == upstream(key)
        assert model.relations[0][0] == key  # its own table first, then what it reads


def outcome(status: str, skipped_by: list[str] | None = None) -> dict:
    """A build's XCom for mart_region_quarter, as duurzaam.orchestration.dbt_tasks.build_outcome
    makes it."""
    failed = {
        SOURCE_TEST: {
            "name": "source_not_null_raw_placements_persoon_id",
            "resource_type": "test",
            "status": "fail",
            "message": "Got 2 results, configured to fail if != 0",
            "failures": 2,
            "parents": ["source.duurzaam.raw.placements"],
        },
        "test.duurzaam.unique_int_spells_spell_id.c9a7924470": {
            "name": "unique_int_spells_spell_id",
            "resource_type": "test",
            "status": "fail",
            "message": "Got 1 result, configured to fail if != 0",
            "failures": 1,
            "parents": ["model.duurzaam.int_spells"],
        },
    }
    unique_id = "model.duurzaam.mart_region_quarter"
    return {
        "nodes": {unique_id: status, **{test: "fail" for test in failed}},
        "failed": failed,
        "skipped": {unique_id: skipped_by} if skipped_by else {},
    }


def test_a_model_dbt_skipped_fails_naming_what_failed_upstream():
    model = manifest_models()["model.duurzaam.mart_region_quarter"].as_kwargs()
    results = outcome("skipped", [SOURCE_TEST])
    with pytest.raises(DbtModelFailed, match="dbt skipped it") as failure:
        check_model(model, results)
    assert (
        "source_not_null_raw_placements_persoon_id: Got 2 results, configured to fail if != 0"
        in str(failure.value).splitlines()
    )
    # a source's failed test is not repaired by the upstream models' tasks: not rebuilt
    assert not repaired_upstream(model, results)
    # an upstream model's failed test is: its task passed since (this task runs), so the
    # model is built on its own
    assert repaired_upstream(
        model, outcome("skipped", ["test.duurzaam.unique_int_spells_spell_id.c9a7924470"])
    )


def test_a_model_whose_test_did_not_run_does_not_pass():
    model = manifest_models()["model.duurzaam.mart_region_quarter"].as_kwargs()
    results = outcome("success")
    with pytest.raises(DbtModelFailed, match="not all its tests passed"):
        check_model(model, results)  # none of its own tests is in these results
