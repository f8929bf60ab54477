"""OpenLineage for the pipeline's tasks, through Airflow's OpenLineage provider: an extractor
(configured as `[openlineage] extractors = duurzaam.orchestration.lineage.PipelineExtractor`) that
says
what a load read and wrote (its landing file -> raw.<source>) and what a dbt model task built
from what (its upstream models, seeds and sources -> the model), with the outcome of each dbt
test the task reports as a data-quality assertion on the model's table (the
dataQualityAssertions facet, as OpenLineage's own dbt integration reports tests), in the
COMPLETE event or, when a test failed, the FAIL event. Datasets are named as
OpenLineage names them: a table `<database>.<schema>.<table>` in the namespace of its server
(`postgres://host:port`, or `duckdb://<file>`), a file by its path in namespace `file`.

Where the events go is the provider's configuration: a file or the console in the demo and
the tests (AIRFLOW__OPENLINEAGE__TRANSPORT), an HTTP endpoint in the stack (OPENLINEAGE_URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from airflow.providers.openlineage.extractors.base import BaseExtractor, OperatorLineage
from openlineage.client.event_v2 import Dataset
from openlineage.client.facet_v2 import DatasetFacet
from openlineage.client.facet_v2 import data_quality_assertions_dataset as quality

from duurzaam.settings import warehouse_backend
from duurzaam.transform.results import PASSED
from duurzaam.warehouse.database import connection_parameters, duckdb_path

PYTHON_TASKS = ["_PythonDecoratedOperator"]


class PipelineExtractor(BaseExtractor):
    """Inputs and outputs of the load tasks and of the dbt model tasks; other tasks get the
    provider's default (their declared inlets and outlets)."""

    @classmethod
    def get_operator_classnames(cls) -> list[str]:
        return PYTHON_TASKS

    def _execute_extraction(self) -> OperatorLineage:
        return self.extract_on_complete(None)

    def extract_on_complete(self, task_instance: Any) -> OperatorLineage:
        from duurzaam.orchestration.connections import airflow_settings

        model = (getattr(self.operator, "op_kwargs", None) or {}).get("model")
        if (
            isinstance(model, dict) and "unique_id" in model
        ):  # a model task (duurzaam.orchestration.dbt_tasks)
            url = airflow_settings().warehouse_url
            tables = model["relations"]  # unique id -> (schema, table), from the manifest
            results = self.operator.op_kwargs.get("results")  # what the task reported from
            built = table_dataset(url, *tables[model["unique_id"]])
            if isinstance(results, dict) and model["tests"]:
                # on the table the tests read, as a dataset facet (OpenLineage's dbt
                # integration puts it on the test's input; here the task is the model's)
                assertions = cast(DatasetFacet, test_assertions(model, results))
                built.facets = {"dataQualityAssertions": assertions}
            return OperatorLineage(
                inputs=[table_dataset(url, *tables[p]) for p in model["parents"] if p in tables],
                outputs=[built],
            )
        if self.operator.task_id.startswith("ingest_") and self.operator.op_args:
            extract = self.operator.op_args[0]  # rendered when the task ran: the pulled extract
            url = airflow_settings().warehouse_url
            return OperatorLineage(
                inputs=[file_dataset(extract["origin"])],
                outputs=[table_dataset(url, "raw", extract["source"])],
            )
        return OperatorLineage()  # the provider falls back to the declared inlets and outlets


def test_assertions(
    model: dict[str, Any], results: dict[str, Any]
) -> quality.DataQualityAssertionsDatasetFacet:
    """The dbt tests the model's task reports (its own, and the relationships and several-
    model tests it is built last of), each an assertion that passed or failed, named by the
    test and, where dbt has one, its column."""
    columns = model.get("test_columns") or {}
    return quality.DataQualityAssertionsDatasetFacet(
        assertions=[
            quality.Assertion(
                assertion=test.split(".")[2],
                success=results["nodes"].get(test) in PASSED,
                column=columns.get(test),
            )
            for test in model["tests"]
        ]
    )


def table_dataset(url: str, schema: str, table: str) -> Dataset:
    """A warehouse table, named as OpenLineage names it (no login in the namespace)."""
    if warehouse_backend(url) == "duckdb":
        path = duckdb_path(url)
        return Dataset(namespace=f"duckdb://{path}", name=f"{path.stem}.{schema}.{table}")
    parameters = connection_parameters(url)
    return Dataset(
        namespace=f"postgres://{parameters['host']}:{parameters['port']}",
        name=f"{parameters['dbname']}.{schema}.{table}",
    )


def file_dataset(origin: str) -> Dataset:
    """Where an extract came from: a path (namespace `file`) or an http(s) URL."""
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https"):
        return Dataset(namespace=f"{parts.scheme}://{parts.netloc}", name=parts.path)
    return Dataset(namespace="file", name=str(Path(origin).resolve()))
