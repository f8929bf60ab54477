"""dbt in Airflow: one `dbt build` per build group, reported per model.

A group (a TaskGroup of the transform DAG) is one task, `<group>.build`, that runs `dbt build`
of the group's selection once, in the task's process (duurzaam.transform.run.run_dbt, as the
`duurzaam transform` command does), and returns one XCom: every dbt node's status and, for
each node that failed, its name, dbt's message and its number of failing rows. Then, per dbt
model, one task `<group>.<model>` that reads that XCom and succeeds only when its model was
built and every test it reports passed; it depends on the build and on the tasks of its
upstream models (dbt's lineage, so the graph shows it), and updates the model's Asset when
the model is a mart (a published model's Asset is updated by the disclosure check after all
of them, dags/duurzaam_transform.py). A model task of the normal path does not open the
warehouse.

A model task that runs again (a retry, or cleared in the UI) runs `dbt build --select <model>`
for its model alone and reports from that run.

The groups are rendered from the manifest `make install` builds
(duurzaam.orchestration.assets.dbt_manifest_path()), so parsing the DAG never runs dbt. Light
on purpose: the DAG file imports this at parse time; dbt is imported when a build runs."""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from airflow.sdk import TaskGroup, get_current_context, task

from duurzaam.errors import DuurzaamError
from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.assets import MART_ASSETS
from duurzaam.orchestration.task_defaults import TIMEOUTS
from duurzaam.transform.manifest import dbt_manifest_path, upstream_of

log = logging.getLogger(__name__)

# dbt's statuses of a node that went well: a model built, a test passed (or only warned)
PASSED = frozenset({"success", "pass", "warn", "no-op"})
# what a model task counts among its tests: data tests and unit tests
TEST_TYPES = ("test", "unit_test")


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
        }


@cache
def manifest_models() -> dict[str, DbtModel]:
    """unique id -> model, for every model of the manifest, in an order where a model comes
    after the models it reads."""
    manifest = json.loads(dbt_manifest_path().read_text(encoding="utf-8"))
    return models_of(manifest)


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


@dataclass
class DbtBuild:
    """A rendered build group: its build task and its model tasks by model name."""

    build: Any
    models: dict[str, Any]


def dbt_build(
    group_id: str,
    *,
    select: str | None = None,
    exclude: str | None = None,
    after: DbtBuild | None = None,
) -> DbtBuild:
    """The group `group_id`: one `dbt build` of the selection, a task per selected model.
    `after`: an earlier group whose model tasks this group's models may depend on."""
    selection = [
        *(["--select", select] if select else []),
        *(["--exclude", exclude] if exclude else []),
    ]
    models = [m for m in manifest_models().values() if selected(m, select, exclude)]
    known = dict(after.models) if after else {}
    tasks: dict[str, Any] = {}
    with TaskGroup(group_id=group_id):
        build = build_models.override(
            task_id="build",
            execution_timeout=TIMEOUTS["dbt"],
            on_failure_callback=[FailureAlert("dbt_model")],
            show_return_value_in_logs=False,  # every node's status: the log has dbt's own
        )(selection)
        for model in models:
            asset = MART_ASSETS.get(model.name)  # published: check_disclosure's
            report = report_model.override(
                task_id=model.name,
                outlets=[asset] if asset else [],
                execution_timeout=TIMEOUTS["dbt"],
                on_failure_callback=[FailureAlert("dbt_model")],
                doc_md=f"dbt model `{model.unique_id}`: built and tested by `{group_id}.build`.",
            )(
                # an XComArg here, the build's dict when the task runs (Airflow's Task type
                # does not say so)
                results=build,  # type: ignore[arg-type]
                model=model.as_kwargs(),
            )
            tasks[model.name] = report
            for parent in model.parents:
                name = parent.rsplit(".", 1)[-1]
                upstream = tasks.get(name) or known.get(name)
                if parent.startswith("model.") and upstream is not None:
                    upstream >> report
    return DbtBuild(build, tasks)


@task
def build_models(selection: list[str]) -> dict[str, Any]:
    """One `dbt build` of the selection; returns every node's outcome (build_outcome). A
    failing test or model does not fail this task (the models' tasks report it); dbt not
    being able to build at all does."""
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.transform.run import run_dbt

    results = run_dbt(["build", *selection], airflow_settings(), check=False)
    outcome = build_outcome(results)
    failed = outcome["failed"]
    log.info(
        "dbt build %s: %d nodes, %d failed%s",
        " ".join(selection),
        len(outcome["nodes"]),
        len(failed),
        "".join(f"\n  {f['name']}: {f['message']}" for f in failed.values()),
    )
    return outcome


@task
def report_model(results: dict[str, Any], model: dict[str, Any]) -> None:
    """Succeeds when the model was built and every test it reports passed. On a retry (or
    when cleared), builds and tests the model alone first."""
    ti = get_current_context()["ti"]
    if ti.try_number > 1 or repaired_upstream(model, results):
        results = build_alone(model)
    check_model(model, results)


def repaired_upstream(model: Mapping[str, Any], results: Mapping[str, Any]) -> bool:
    """The build skipped the model only for failures of its upstream models or their tests,
    which their own tasks have since built and tested again (this task runs only once they
    succeeded): then the model is built now. A skip for anything else (a source's test, the
    seed) is not repaired by them."""
    causes = results["skipped"].get(model["unique_id"])
    upstream = set(model["upstream"])
    return bool(causes) and all(
        cause in upstream or set(results["failed"][cause]["parents"]) <= upstream
        for cause in causes
    )


def build_alone(model: Mapping[str, Any]) -> dict[str, Any]:
    """`dbt build --select <model>`: the model and every test that reads it (dbt's eager
    selection), so all the tests its task reports; the other models are not rebuilt."""
    from duurzaam.orchestration.connections import airflow_settings
    from duurzaam.transform.run import run_dbt

    log.info("running dbt for %s alone", model["name"])
    # In target and log folders of its own: on Celery, tasks that run again may run dbt at
    # the same time as each other or as a build, and dbt's folders are not for two runs.
    with tempfile.TemporaryDirectory(prefix=f"dbt-{model['name']}-") as folder:
        arguments = ["build", "--select", model["name"], "--target-path", folder]
        results = run_dbt([*arguments, "--log-path", folder], airflow_settings(), check=False)
    return build_outcome(results)


def check_model(model: Mapping[str, Any], results: Mapping[str, Any]) -> None:
    """Raises DbtModelFailed naming the model, what failed and how many rows fail each test,
    one line per dbt node (`<node name>: <dbt's message>`, as duurzaam.orchestration.alerts
    reads it)."""
    nodes, failed, skipped = results["nodes"], results["failed"], results["skipped"]
    name, unique_id = model["name"], model["unique_id"]
    status = nodes.get(unique_id)
    if status is None:
        raise DbtModelFailed(f"{name}: not in the results of the dbt build ({len(nodes)} nodes)")
    problems = [failed[unique_id]] if unique_id in failed else []
    problems += [failed[test] for test in model["tests"] if test in failed]
    if status == "skipped":
        causes = [failed[cause] for cause in skipped.get(unique_id, []) if cause in failed]
        raise DbtModelFailed(
            f"{name} was not built: dbt skipped it because what it depends on failed\n"
            + "\n".join(_line(cause) for cause in causes or problems)
        )
    if problems:
        tests = sum(p["resource_type"] in TEST_TYPES for p in problems)
        what = f"{tests} of its tests failed" if tests == len(problems) else "failed in dbt"
        raise DbtModelFailed(f"{name} {what}\n" + "\n".join(_line(p) for p in problems))
    not_passed = [t for t in model["tests"] if nodes.get(t) not in PASSED]
    if not_passed:
        raise DbtModelFailed(
            f"{name}: not all its tests passed: "
            + ", ".join(f"{t.split('.')[2]} ({nodes.get(t, 'not run')})" for t in not_passed)
        )
    log.info("%s: %s, its %d tests passed", name, status, len(model["tests"]))


class DbtModelFailed(DuurzaamError):
    """A model of the dbt build failed, or one of its tests did
    (duurzaam.orchestration.alerts.dbt_failed reads the lines of the message)."""


def _line(failure: Mapping[str, Any]) -> str:
    message = " ".join(str(failure["message"]).split())  # dbt's message on one line
    return f"{failure['name']}: {message}"


def build_outcome(results: Any) -> dict[str, Any]:
    """The XCom of a build: `nodes` (unique id -> dbt's status), `failed` (unique id -> name,
    resource type, dbt's message, failing rows of a test, the nodes it reads), `skipped`
    (unique id of a skipped model -> the failed nodes upstream of it that made dbt skip it)."""
    nodes: dict[str, str] = {}
    failed: dict[str, dict[str, Any]] = {}
    done = getattr(results, "results", None) or []
    graph = {
        result.node.unique_id: tuple(getattr(result.node.depends_on, "nodes", None) or ())
        for result in done
    }
    for result in done:
        status = str(getattr(result.status, "value", result.status))
        unique_id = result.node.unique_id
        nodes[unique_id] = status
        if status not in PASSED and status != "skipped":
            failed[unique_id] = {
                "name": result.node.name,
                "resource_type": str(result.node.resource_type),
                "status": status,
                "message": result.message or status,
                "failures": result.failures,
                "parents": list(graph.get(unique_id, ())),
            }
    skipped = {
        unique_id: skip_causes(unique_id, failed, graph)
        for unique_id, status in nodes.items()
        if status == "skipped" and unique_id.startswith("model.")
    }
    return {"nodes": nodes, "failed": failed, "skipped": skipped}


def skip_causes(
    unique_id: str, failed: Mapping[str, Any], graph: Mapping[str, tuple[str, ...]]
) -> list[str]:
    """The failed nodes that made dbt skip a node: a failed node upstream of it, or a failed
    test of nodes upstream of it."""
    upstream = upstream_of(unique_id, graph)
    return sorted(
        cause
        for cause, failure in failed.items()
        if cause in upstream or (failure["parents"] and set(failure["parents"]) <= upstream)
    )
