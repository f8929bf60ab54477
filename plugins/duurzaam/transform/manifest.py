"""The dbt manifest the Airflow DAGs are rendered from, and the walks over its graph that
the orchestration and the reports' gate share. No Airflow, no dbt: DAG files import this at
parse time."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from duurzaam.settings import DBT_PROJECT_DIR


def dbt_manifest_path() -> Path:
    """The dbt manifest the transform DAG is rendered from, built by `make install` (and the
    image build) with `dbt parse`, so that parsing the DAG never runs dbt."""
    path = DBT_PROJECT_DIR / "target" / "airflow" / "manifest.json"  # dbt's own runs: target/
    if not path.exists():
        raise FileNotFoundError(
            f"the dbt manifest {path} is missing: run `make manifest` (or `make install`) "
            "after changing the dbt project"
        )
    return path


def upstream_of(unique_id: str, graph: Mapping[str, tuple[str, ...]]) -> set[str]:
    found: set[str] = set()
    frontier = list(graph.get(unique_id, ()))
    while frontier:
        node = frontier.pop()
        if node not in found:
            found.add(node)
            frontier.extend(graph.get(node, ()))
    return found
