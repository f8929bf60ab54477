"""The dbt manifest, the one reader of the dbt project's structure: its models by folder, the
models an exposure reads, each model's lineage and the tests its task reports, and the walks
over its graph. The Airflow DAGs are rendered from it, the reports' gate follows its lineage.
No Airflow, no dbt: DAG files import this at parse time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from duurzaam.settings import DBT_PROJECT_DIR

# what a model task counts among its tests: its data tests (the builds leave the unit tests
# out: duurzaam.transform.run.BUILD)
TEST_TYPES = ("test",)


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


@cache
def dbt_manifest() -> Mapping[str, Any]:
    return json.loads(dbt_manifest_path().read_text(encoding="utf-8"))


def folder_models(folder: str, manifest: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The names of the models in a folder of the project's models/: `marts` or `published`."""
    nodes = (manifest or dbt_manifest())["nodes"].values()
    return tuple(
        sorted(
            node["name"]
            for node in nodes
            if node["resource_type"] == "model" and node["fqn"][1:-1] == [folder]
        )
    )


def exposure_models(exposure: str, manifest: Mapping[str, Any] | None = None) -> tuple[str, ...]:
    """The models a dbt exposure depends on, so that what triggers a consumer is declared
    once, in dbt, where `dbt docs` shows it."""
    manifest = manifest or dbt_manifest()
    found = [node for node in manifest["exposures"].values() if node["name"] == exposure]
    if not found:
        raise ValueError(f"the dbt project declares no exposure {exposure!r}")
    nodes = found[0]["depends_on"]["nodes"]
    return tuple(manifest["nodes"][key]["name"] for key in nodes if key.startswith("model."))


def upstream_of(unique_id: str, graph: Mapping[str, tuple[str, ...]]) -> set[str]:
    found: set[str] = set()
    frontier = list(graph.get(unique_id, ()))
    while frontier:
        node = frontier.pop()
        if node not in found:
            found.add(node)
            frontier.extend(graph.get(node, ()))
    return found


@dataclass(frozen=True)
class DbtModel:
    """A model as its task needs it, from the manifest."""

    unique_id: str
    name: str
    tags: tuple[str, ...]
    parents: tuple[str, ...]  # the models, seeds and sources it reads (its lineage)
    upstream: tuple[str, ...]  # every model it depends on, directly or not
    tests: tuple[str, ...]  # the tests this model's task reports
    # (schema, table) of the model and of what it reads: its OpenLineage datasets
    relations: tuple[tuple[str, str, str], ...] = ()
    # (test, column) of its tests declared on a column: the column of a data-quality assertion
    test_columns: tuple[tuple[str, str], ...] = ()

    def as_kwargs(self) -> dict[str, Any]:
        """What the task receives (op_kwargs: serialised with the DAG, read by the lineage
        extractor, duurzaam.orchestration.lineage)."""
        return {
            "unique_id": self.unique_id,
            "name": self.name,
            "parents": list(self.parents),
            "upstream": list(self.upstream),
            "tests": list(self.tests),
            "relations": {key: [schema, table] for key, schema, table in self.relations},
            "test_columns": dict(self.test_columns),
        }


@cache
def manifest_models() -> dict[str, DbtModel]:
    """unique id -> model, for every model of the manifest, in an order where a model comes
    after the models it reads."""
    return models_of(dbt_manifest())


def models_of(manifest: Mapping[str, Any]) -> dict[str, DbtModel]:
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    parents = {key: tuple(node["depends_on"].get("nodes", ())) for key, node in nodes.items()}
    models = [key for key, node in nodes.items() if node["resource_type"] == "model"]
    upstream: dict[str, set[str]] = {}

    def ancestors(key: str) -> set[str]:
        if key not in upstream:
            found: set[str] = set()
            for parent in parents.get(key, ()):
                if parent in parents and nodes[parent]["resource_type"] == "model":
                    found |= {parent, *ancestors(parent)}
            upstream[key] = found
        return upstream[key]

    reported: dict[str, list[str]] = {key: [] for key in models}
    for key, node in nodes.items():
        if node["resource_type"] in TEST_TYPES:
            for model in reporting_models(node, parents[key], ancestors):
                reported[model].append(key)
    relations = {
        key: (node["schema"], node.get("alias") or node["name"])
        for key, node in nodes.items()
        if node["resource_type"] in ("model", "seed")
    }
    relations.update(
        (key, (source["schema"], source["identifier"]))
        for key, source in manifest.get("sources", {}).items()
    )
    ordered = sorted(models, key=lambda key: (len(ancestors(key)), key))
    return {
        key: DbtModel(
            unique_id=key,
            name=nodes[key]["name"],
            tags=tuple(nodes[key]["tags"]),
            parents=parents[key],
            upstream=tuple(sorted(ancestors(key))),
            tests=tuple(sorted(reported[key])),
            relations=tuple(
                (node, *relations[node]) for node in (key, *parents[key]) if node in relations
            ),
            test_columns=tuple(
                (test, nodes[test]["column_name"])
                for test in sorted(reported[key])
                if nodes[test].get("column_name")
            ),
        )
        for key in ordered
    }


def reporting_models(test: Mapping[str, Any], parents: Iterable[str], ancestors: Any) -> list[str]:
    """The models whose task reports a test: the model it is declared on (a column's test, a
    relationships test, a unit test), else, of the models it reads, those no other of them is
    built on (a singular test of a mart and the models it is built from: the mart)."""
    attached = test.get("attached_node") or (
        f"model.{test['package_name']}.{test['model']}" if test.get("model") else None
    )
    models = [p for p in parents if p.startswith("model.")]
    if attached in models:
        return [attached]
    return [m for m in models if not any(m in ancestors(other) for other in models)]


def selected(model: DbtModel, select: str | None, exclude: str | None) -> bool:
    """Whether a group's selection holds the model. The transform selects by tag only
    (`tag:<name>`), which the manifest tells without dbt."""

    def tagged(selector: str) -> bool:
        kind, _, tag = selector.partition(":")
        if kind != "tag" or not tag:
            raise ValueError(f"only tag selectors are rendered here, not {selector!r}")
        return tag in model.tags

    return (select is None or tagged(select)) and not (exclude is not None and tagged(exclude))
