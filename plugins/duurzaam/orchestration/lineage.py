"""OpenLineage for the pipeline's tasks, through Airflow's OpenLineage provider: an extractor
(configured as `[openlineage] extractors = duurzaam.orchestration.lineage.PipelineExtractor`) that
says
what a load read and wrote (its landing file -> raw.<source>) and what a dbt model task built
from what (its upstream models, seeds and sources -> the model). Datasets are named as
OpenLineage names them: a table `<database>.<schema>.<table>` in the namespace of its server
(`postgres://host:port`, or `duckdb://<file>`), a file by its path in namespace `file`.

Where the events go is the provider's configuration: a file or the console in the demo and
the tests (AIRFLOW__OPENLINEAGE__TRANSPORT), an HTTP endpoint in the stack (OPENLINEAGE_URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from airflow.providers.openlineage.extractors.base import BaseExtractor, OperatorLineage
from openlineage.client.event_v2 import Dataset

from duurzaam.settings import warehouse_backend
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
            return OperatorLineage(
                inputs=[table_dataset(url, *tables[p]) for p in model["parents"] if p in tables],
                outputs=[table_dataset(url, *tables[model["unique_id"]])],
            )
        if self.operator.task_id.startswith("ingest_") and self.operator.op_args:
            extract = self.operator.op_args[0]  # rendered when the task ran: the pulled extract
            url = airflow_settings().warehouse_url
            return OperatorLineage(
                inputs=[file_dataset(extract["origin"])],
                outputs=[table_dataset(url, "raw", extract["source"])],
            )
        return OperatorLineage()  # the provider falls back to the declared inlets and outlets


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
