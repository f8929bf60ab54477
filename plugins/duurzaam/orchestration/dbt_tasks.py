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

The groups are rendered from the manifest `make install` builds (duurzaam.transform.manifest),
so parsing the DAG never runs dbt; a build's results are read by duurzaam.transform.results.
Light on purpose: the DAG file imports this at parse time; dbt is imported when a build runs."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow.sdk import TaskGroup, get_current_context, task

from duurzaam.errors import DuurzaamError
from duurzaam.orchestration.alerts import FailureAlert
from duurzaam.orchestration.assets import MART_ASSETS
from duurzaam.orchestration.task_defaults import TIMEOUTS
from duurzaam.transform.manifest import TEST_TYPES, manifest_models, selected
from duurzaam.transform.results import PASSED, build_outcome

log = logging.getLogger(__name__)


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
    from duurzaam.transform.run import BUILD, run_dbt

    results = run_dbt([*BUILD, *selection], airflow_settings(), check=False)
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
    context = get_current_context()
    if context["ti"].try_number > 1 or repaired_upstream(model, results):
        results = build_alone(model)
        # the outcome this task reports is the one its lineage event carries
        getattr(context["task"], "op_kwargs", {})["results"] = results
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
    from duurzaam.transform.run import BUILD, run_dbt

    log.info("running dbt for %s alone", model["name"])
    # In target and log folders of its own: on Celery, tasks that run again may run dbt at
    # the same time as each other or as a build, and dbt's folders are not for two runs.
    with tempfile.TemporaryDirectory(prefix=f"dbt-{model['name']}-") as folder:
        arguments = [*BUILD, "--select", model["name"], "--target-path", folder]
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
