"""The Assets that chain the DAGs are derived from the dbt project, and the DAGs are wired to
all of them: every mart of the manifest is an outlet of its model's task in the transform DAG,
every published model an outlet of the disclosure check that runs after all their tasks, and
the report DAG waits for exactly the models the report reads (the `regional_report`
exposure)."""

from __future__ import annotations

import json
import re

import pytest

from duurzaam.orchestration.assets import MART_ASSETS, PUBLISHED_ASSETS, REPORT_MODELS
from duurzaam.settings import PROJECT_ROOT
from duurzaam.transform.manifest import dbt_manifest_path, exposure_models, folder_models

# built after the fit
ESTIMATES_MODELS = {"mart_retention_effects", "pub_retention_effects"}
ESTIMATES_MODELS |= {"mart_move_effects", "pub_move_effects"}
REPORT_DATA_CODE = PROJECT_ROOT / "plugins" / "duurzaam" / "reports" / "data.py"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(dbt_manifest_path().read_text())


@pytest.fixture(scope="module")
def dags() -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags


@pytest.mark.parametrize(
    ("folder", "assets"), [("marts", MART_ASSETS), ("published", PUBLISHED_ASSETS)]
)
def test_every_mart_and_published_model_has_an_asset_published_by_the_transform(
    manifest, dags, folder, assets
):
    models = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] == folder
    }
    assert models and models == set(assets)
    transform = dags["duurzaam_transform"]
    check = transform.get_task("check_disclosure")
    for model in models:
        group = "dbt_effects" if model in ESTIMATES_MODELS else "dbt"
        task = transform.get_task(f"{group}.{model}")  # succeeds once built and tested
        if folder == "marts":
            assert [asset.name for asset in task.outlets] == [f"{folder}.{model}"]
            assert task.task_id not in check.upstream_task_ids
        else:  # announced only once the checker found nothing recoverable in any of them
            assert task.outlets == []
            assert task.task_id in check.upstream_task_ids
    if folder == "published":
        assert {asset.name for asset in check.outlets} == {f"published.{m}" for m in models}
        assert len(check.outlets) == len(models)
        # and the loads the build read, which it records as published once it passed
        assert check.upstream_task_ids == {
            f"{'dbt_effects' if m in ESTIMATES_MODELS else 'dbt'}.{m}" for m in models
        } | {"prepare_warehouse"}


def test_report_dag_waits_for_the_published_models_of_the_report_exposure(manifest, dags):
    exposure = manifest["exposures"]["exposure.duurzaam.regional_report"]
    consumed = {
        manifest["nodes"][node]["schema"] + "." + node.rsplit(".", 1)[1]
        for node in exposure["depends_on"]["nodes"]
    }
    assert {name.split(".")[1] for name in consumed} == set(REPORT_MODELS)
    # the report shows only what the published layer let through, never a mart itself
    assert {name.split(".")[0] for name in consumed} == {"published"}, consumed
    schedule = dags["duurzaam_report"].timetable.asset_condition.objects
    assert {asset.name for asset in schedule} == consumed


def test_the_report_reads_only_models_its_exposure_declares():
    """A model the report queries but the exposure leaves out would never trigger a report."""
    queried = set(
        re.findall(r"(?:marts|published)\.((?:mart|pub)_\w+)", REPORT_DATA_CODE.read_text())
    )
    assert queried == set(REPORT_MODELS)


def test_the_model_lists_and_the_exposure_come_from_the_manifest():
    """A model added to a folder, or to an exposure, is seen without a second list to edit."""
    node = {"resource_type": "model", "package_name": "p"}
    manifest = {
        "nodes": {
            "model.p.mart_a": {**node, "name": "mart_a", "fqn": ["p", "marts", "mart_a"]},
            "model.p.mart_b": {**node, "name": "mart_b", "fqn": ["p", "marts", "mart_b"]},
            "model.p.stg_c": {**node, "name": "stg_c", "fqn": ["p", "staging", "x", "stg_c"]},
        },
        "exposures": {
            "exposure.p.regional_report": {
                "name": "regional_report",
                "depends_on": {"nodes": ["model.p.mart_a"]},
            }
        },
    }
    assert folder_models("marts", manifest) == ("mart_a", "mart_b")
    assert exposure_models("regional_report", manifest) == ("mart_a",)
    with pytest.raises(ValueError, match="no exposure 'dashboard'"):
        exposure_models("dashboard", manifest)


def test_the_effects_model_is_fitted_between_the_spells_and_its_mart(dags):
    transform = dags["duurzaam_transform"]
    fit = transform.get_task("fit_retention_effects")
    assert "dbt.int_effect_spells" in fit.upstream_task_ids  # the spells built and tested
    assert fit.downstream_task_ids == {"dbt_effects.build"}  # the mart's build
    mart = transform.get_task("dbt_effects.mart_retention_effects")
    assert "dbt_effects.build" in mart.upstream_task_ids
