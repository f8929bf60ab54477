"""The DAGs: every file imports cleanly and fast, and a real Airflow run of two quarters
(ingest -> transform -> report, `airflow dags test` on SQLite) ends with the reports of the
regions that have recipients (all 35 are rendered and sent in tests/integration/test_reports.py),
on the warehouse of the Airflow connection, with OpenLineage events for every load and model
and no secret in any log. Then what goes wrong, in real runs with every alert received by a
real SMTP server: late extracts; a rejected file, a failing dbt test, the sources gate holding
reports back, a report that cannot be sent and a dashboard that cannot be built."""

from __future__ import annotations

import email
import json
import re
import secrets
import shutil
import subprocess
import sys
from datetime import datetime
from email import policy
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from duurzaam.demo import DAGS, airflow_environment
from duurzaam.employers import load_employers
from duurzaam.ingest.sources import SOURCES
from duurzaam.orchestration.assets import (
    MART_ASSETS,
    MODEL_ASSETS,
    PUBLISHED_ASSETS,
    RAW_LOADED,
    REPORT_MODELS,
    SOURCE_NAMES,
    WAIT_HOURS,
)
from duurzaam.quarters import Quarter
from duurzaam.settings import PROJECT_ROOT
from duurzaam.transform.manifest import dbt_manifest_path, manifest_models
from duurzaam.warehouse.database import duckdb_path
from tests.conftest import SAMPLE_QUARTERS, free_port, recipients_for
from tests.leaks import find_leaks

DAGS_FOLDER = PROJECT_ROOT / "dags"


def test_dagbag_imports_every_dag_without_errors():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == {*DAGS, "duurzaam_reports_due"}
    ingest = bag.dags["duurzaam_ingest"]
    assert set(SOURCE_NAMES) == set(SOURCES)  # sources.yml and the source modules agree
    for source in SOURCE_NAMES:
        chain = [f"{step}_{source}" for step in ("wait_for", "pull", "ingest")]
        for upstream, downstream in pairwise(chain):
            assert upstream in ingest.get_task(downstream).upstream_task_ids
        assert ingest.get_task(chain[0]).timeout == WAIT_HOURS[source] * 3600  # seconds
        assert [a.name for a in ingest.get_task(chain[-1]).outlets] == [f"raw.{source}"]
    # One Asset event per ingest run, after all its loads: one transform run per quarter.
    published = ingest.get_task("publish_raw")
    assert published.upstream_task_ids == {f"ingest_{source}" for source in SOURCE_NAMES}
    assert published.trigger_rule == "all_done_min_one_success"
    assert [a.name for a in published.outlets] == [RAW_LOADED.name]

    # The transform DAG: two dbt builds (the second, of the retention-effects estimates and
    # what is built on them, after their fit), each one task; from the manifest, per dbt model
    # one task, after its build and after the tasks of the models it reads (dbt's lineage);
    # each mart's Asset is an outlet of its model's task, the published models' Assets of the
    # disclosure check after all their tasks.
    transform = bag.dags["duurzaam_transform"]
    assert transform.timetable.asset_condition == RAW_LOADED  # not each source's Asset
    manifest = json.loads(dbt_manifest_path().read_text())
    models = {
        key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }
    on_estimates = models_built_on(
        manifest, "source.duurzaam.estimates.retention_effects"
    ) | models_built_on(manifest, "source.duurzaam.estimates.move_effects")
    group = {
        node["name"]: "dbt_effects" if node["name"] in on_estimates else "dbt"
        for node in models.values()
    }
    assert on_estimates == {
        "stg_estimates__retention_effects",
        "mart_retention_effects",
        "pub_retention_effects",
        "stg_estimates__move_effects",
        "mart_move_effects",
        "pub_move_effects",
    }
    builds = ["dbt.build", "dbt_effects.build"]
    model_tasks = {
        task.task_id for task in transform.tasks if task.task_id.split(".")[0] in group.values()
    } - set(builds)
    assert model_tasks == {f"{group[name]}.{name}" for name in group}  # one task per model
    # + prepare, the two builds, the fit, the disclosure check
    assert len(transform.tasks) == len(models) + 5
    for key, node in models.items():
        task = transform.get_task(f"{group[node['name']]}.{node['name']}")
        parents = {
            f"{group[models[parent]['name']]}.{models[parent]['name']}"
            for parent in node["depends_on"]["nodes"]
            if parent in models
        }
        assert task.upstream_task_ids == {f"{group[node['name']]}.build", *parents}, key
        assert task.op_kwargs["model"]["unique_id"] == key
        asset = MART_ASSETS.get(node["name"])
        assert [a.name for a in task.outlets] == ([asset.name] if asset else [])
    check = transform.get_task("check_disclosure")
    assert check.upstream_task_ids == {
        f"{group[name]}.{name}" for name in group if name in PUBLISHED_ASSETS
    } | {"prepare_warehouse"}  # the loads the build read, recorded when the check passes
    assert [a.name for a in check.outlets] == [a.name for a in PUBLISHED_ASSETS.values()]
    assert transform.get_task("dbt.build").upstream_task_ids == {"prepare_warehouse"}
    assert transform.get_task("dbt_effects.build").upstream_task_ids == {"fit_retention_effects"}
    # after the first build as a whole and the spells' tests: nothing else writes to the
    # warehouse while it fits
    fit = transform.get_task("fit_retention_effects")
    assert fit.upstream_task_ids == {"dbt.build", "dbt.int_effect_spells", "dbt.int_job_ends"}
    assert not [t for t in transform.tasks if t.task_id.startswith("publish_")]

    # The report DAG: runs once every published model the report reads is updated (the
    # models of the regional_report exposure, tests/e2e/test_asset_wiring.py); one
    # send_report task per region, mapped over plan_reports' output, retried on its own and
    # named by its region.
    report = bag.dags["duurzaam_report"]
    condition = report.timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"
    assert [a.name for a in condition.objects] == [MODEL_ASSETS[m].name for m in REPORT_MODELS]
    send = report.get_task("send_report")
    assert isinstance(send, MappedOperator)
    mapped_over = send.op_kwargs_expand_input.value["report"]
    assert (mapped_over.operator.task_id, mapped_over.key) == ("plan_reports", "return_value")
    assert send.upstream_task_ids == {"plan_reports"}
    assert send.retries >= 1 and send.retry_delay.total_seconds() > 0
    assert send.map_index_template == "{{ region }}"
    # the freshness gate first; the summary after every region's attempt, sent or not
    assert report.get_task("plan_reports").upstream_task_ids == {"check_sources"}
    summary = report.get_task("send_summary")
    assert summary.upstream_task_ids == {"check_sources", "send_report"}
    assert summary.trigger_rule == "all_done_min_one_success"
    assert report.params["send_with_missing_sources"] is False

    # Unattended: every DAG documents itself; every task alerts when it fails for good and
    # has a timeout; the transient steps retry with backoff.
    for dag in bag.dags.values():
        assert dag.doc_md and "Runbook: docs/operations.md" in dag.doc_md
        for task in dag.tasks:
            assert 0 < task.execution_timeout.total_seconds() <= 3600, task.task_id
            alerts = [type(c).__name__ for c in task.on_failure_callback]
            assert alerts.count("FailureAlert") == 1, task.task_id
    # Each task's alert says what its kind of task needs, attached where it is defined (not
    # read back from its task id).
    kinds = {
        (dag.dag_id, task.task_id): (alert.kind, alert.source)
        for dag in bag.dags.values()
        for task in dag.tasks
        for alert in task.on_failure_callback
    }
    for source in SOURCE_NAMES:
        assert kinds["duurzaam_ingest", f"wait_for_{source}"] == ("late_source", source)
        assert kinds["duurzaam_ingest", f"ingest_{source}"] == ("rejected_file", source)
    assert kinds["duurzaam_ingest", "publish_raw"] == ("task", None)
    dbt_tasks = [key for key in kinds if key[1].startswith(("dbt.", "dbt_effects."))]
    assert dbt_tasks and {kinds[key] for key in dbt_tasks} == {("dbt_model", None)}
    assert kinds["duurzaam_transform", "check_disclosure"] == ("disclosure", None)
    assert kinds["duurzaam_report", "check_sources"] == ("sources_missing", None)
    assert kinds["duurzaam_report", "send_report"] == ("report_not_sent", None)
    transient = [
        *(ingest.get_task(f"{step}_{s}") for step in ("pull", "ingest") for s in SOURCE_NAMES),
        *(task for task in transform.tasks if task.task_id.startswith("dbt.")),
        send,
    ]
    for task in transient:
        assert task.retries >= 2 and task.retry_exponential_backoff >= 2, task.task_id


def models_built_on(manifest: dict, unique_id: str) -> set[str]:
    """The names of the models that depend on unique_id, directly or through other models."""
    found: set[str] = set()
    frontier = {unique_id}
    while frontier:
        frontier = {
            key
            for key, node in manifest["nodes"].items()
            if node["resource_type"] == "model"
            and key not in found
            and frontier & set(node["depends_on"]["nodes"])
        }
        found |= frontier
    return {manifest["nodes"][key]["name"] for key in found}


def test_dag_files_do_not_import_heavy_libraries_at_parse_time():
    """Each DAG file run in turn in one fresh interpreter (one Airflow start-up): after each,
    none of the heavy libraries is loaded, so none of the files imported one."""
    heavy = ("pandas", "great_expectations", "dbt", "duckdb", "matplotlib")
    paths = sorted(str(path) for path in DAGS_FOLDER.glob("*.py"))
    code = (
        "import sys, runpy\n"
        "for path in sys.argv[1:]:\n"
        "    runpy.run_path(path)\n"
        f"    print(path, [m for m in {heavy!r} if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True
    )
    loaded = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line[:1] == "/")
    assert sorted(loaded) == paths and len(paths) == 4
    assert {Path(path).name: modules for path, modules in loaded.items()} == {
        Path(path).name: "[]" for path in paths
    }


@pytest.fixture
def airflow_env(tmp_path: Path, generated_landing: Path) -> dict[str, str]:
    env = airflow_environment(tmp_path / "airflow")
    env.update(
        DUURZAAM_WAREHOUSE_URL=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        DUURZAAM_LANDING_DIR=str(generated_landing),
        DUURZAAM_OUTBOX_DIR=str(tmp_path / "outbox"),
        DUURZAAM_WORK_DIR=str(tmp_path / "work"),
        DUURZAAM_DASHBOARD_DIR=str(tmp_path / "dashboard"),
    )
    subprocess.run([_airflow(), "db", "migrate"], env=env, check=True, capture_output=True)
    return env


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


@pytest.mark.slow
def test_two_quarters_through_airflow_produce_the_reports(airflow_env, tmp_path):
    """The runs of `make demo` (duurzaam.demo: `airflow dags test` in one process) over two
    quarters, as a backfill goes: both quarters' extracts of every source, one dbt build (a
    task per model), the reports of the second quarter for the regions with recipients.
    The warehouse is the Airflow connection duurzaam_warehouse (a DuckDB file; it carries a
    password, which like the pseudonym key must show nowhere); DUURZAAM_WAREHOUSE_URL names
    another file, which stays unused."""
    regions = ["AM01", "AM05", "AM12", "AM25", "AM38"]
    warehouse, password, key = (
        tmp_path / "connected.duckdb",
        secrets.token_hex(16),
        secrets.token_hex(16),
    )
    connection = {"conn_type": "duckdb", "host": str(warehouse), "password": password}
    env = {
        **airflow_env,
        "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, regions)),
        "AIRFLOW_CONN_DUURZAAM_WAREHOUSE": json.dumps(connection),
        "DUURZAAM_PSEUDONYM_KEY": key,
        # the employers the generator chose for the landing zone, as the demo's sample has
        "DUURZAAM_EMPLOYERS_FILE": airflow_env["DUURZAAM_LANDING_DIR"] + "/employers.yml",
    }
    log = tmp_path / "run.log"
    result = subprocess.run(
        [sys.executable, "-m", "duurzaam.demo", str(log), "2023Q1", "2023Q2"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, log.read_text()[-3000:]
    assert result.stdout.count("success") == 4  # two ingests, the transform, the reports
    output = [log.read_text()]

    # One chain per quarter: each ingest run updates the transform's Asset once (so two
    # quarters start at most two transform runs), the transform each mart's Asset once.
    events = asset_events(airflow_env)
    assert events[RAW_LOADED.name] == 2
    assert {events[asset.name] for asset in MART_ASSETS.values()} == {1}

    written = sorted((tmp_path / "outbox" / "2023Q2").glob("*.eml"))
    reports = [path for path in written if not path.name.startswith("werkgever-")]
    assert [path.name.split("-")[0] for path in reports] == regions
    # after them, each employer taking part in the quarter got its own report
    employers = load_employers(Path(env["DUURZAAM_EMPLOYERS_FILE"]))
    taking_part = sorted(
        e.employer_id for e in employers.values() if e.takes_part_in(Quarter(2023, 2))
    )
    employer_reports = [path for path in written if path.name.startswith("werkgever-")]
    assert sorted(path.name.split("-")[1] for path in employer_reports) == taking_part
    letter = email.message_from_bytes(employer_reports[0].read_bytes(), policy=policy.default)
    employer = employers[letter["X-Duurzaam-Employer"]]
    assert letter["Subject"] == f"Duurzaam Werk — {employer.name} — 2023-K2"
    assert letter["To"] == ", ".join(employer.addresses) and not letter["X-Duurzaam-Region"]
    assert "no recipients configured, not sent: AM02" in output[-1]  # named, not guessed
    message = email.message_from_bytes(reports[0].read_bytes())
    assert message["Subject"].startswith("Kwartaalrapportage Duurzaam Werk")
    assert message["X-Duurzaam-Region"] == reports[0].name.split("-")[0]
    # every source of the quarter was loaded (the gate let the reports through), then one
    # summary for the data engineers; with no SMTP server it waits in the outbox folder
    (summary,) = (tmp_path / "outbox" / "alerts").glob("*.eml")
    summary_text = email.message_from_bytes(summary.read_bytes()).get_payload(decode=True)
    assert b"5 of 5 regions got their report" in summary_text
    report_text = email.message_from_bytes(reports[0].read_bytes(), policy=policy.default)
    assert "LET OP" not in report_text.get_body(("plain",)).get_content()  # nothing missing
    # the report DAG rebuilt the dashboard too: the national page and one per region
    site = tmp_path / "dashboard" / "current"
    assert len(list(site.glob("regio/AM*.html"))) == 35 and (site / "index.html").is_file()
    assert not Path(duckdb_path(airflow_env["DUURZAAM_WAREHOUSE_URL"])).exists()
    connected = {**airflow_env, "DUURZAAM_WAREHOUSE_URL": f"duckdb:///{warehouse}"}
    texts = assert_no_person_level_data_left_the_warehouse(connected, tmp_path, output[-1])
    # the secrets are used for real, and searched for, in tests/e2e/test_airflow_services.py
    assert find_leaks(texts, {"password": password, "pseudonym key": key}) == []
    assert_lineage(Path(env["AIRFLOW_HOME"]) / "lineage.jsonl", warehouse, env)


def assert_lineage(events_file: Path, warehouse: Path, env: dict[str, str]) -> None:
    """OpenLineage: each load names its landing file and raw table, each mart task the
    tables of its upstream models (as the dbt manifest has them) and its own."""
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    completed = {
        e["job"]["name"]: e for e in events if e.get("eventType") == "COMPLETE" and "job" in e
    }
    namespace = f"duckdb://{warehouse}"

    def names(datasets: list[dict]) -> set[str]:
        assert {d["namespace"] for d in datasets} <= {namespace, "file"}
        return {d["name"] for d in datasets}

    for source in SOURCE_NAMES:
        load = completed[f"duurzaam_ingest.ingest_{source}"]
        [landing] = names(load["inputs"])
        assert landing.startswith(f"{env['DUURZAAM_LANDING_DIR']}/{source}/2023Q")
        assert names(load["outputs"]) == {f"{warehouse.stem}.raw.{source}"}
    manifest = json.loads(dbt_manifest_path().read_text())
    tables = {
        unique_id: f"{warehouse.stem}.{node['schema']}.{node.get('alias') or node['identifier']}"
        for unique_id, node in {**manifest["nodes"], **manifest["sources"]}.items()
    }
    for model in MODEL_ASSETS:  # the marts and the published models
        node = manifest["nodes"][f"model.duurzaam.{model}"]
        group = "dbt_effects" if "estimates" in node["tags"] else "dbt"
        run = completed[f"duurzaam_transform.{group}.{model}"]
        assert names(run["inputs"]) == {tables[u] for u in node["depends_on"]["nodes"]}
        assert names(run["outputs"]) == {tables[f"model.duurzaam.{model}"]}
    # every model task's dbt tests as data-quality assertions on its table, all passed here
    asserted = 0
    for unique_id, model in manifest_models().items():
        group = "dbt_effects" if "estimates" in model.tags else "dbt"
        [output] = completed[f"duurzaam_transform.{group}.{model.name}"]["outputs"]
        assertions = output.get("facets", {}).get("dataQualityAssertions", {}).get("assertions")
        expected = [test.split(".")[2] for test in model.tests]
        assert [a["assertion"] for a in assertions or []] == expected, unique_id
        assert all(a["success"] for a in assertions or []), unique_id
        for assertion, test in zip(assertions or [], model.tests, strict=True):
            assert assertion.get("column") == manifest["nodes"].get(test, {}).get("column_name")
        asserted += len(expected)
    assert asserted > 100  # the project's data tests


def asset_events(env: dict[str, str]) -> dict[str, int]:
    """How many times each Asset was updated, from the metadata database."""
    import sqlite3

    with sqlite3.connect(
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    ) as metadata:
        return dict(
            metadata.execute(
                "select asset.name, count(*) from asset_event "
                "join asset on asset.id = asset_event.asset_id group by asset.name"
            ).fetchall()
        )


def assert_no_person_level_data_left_the_warehouse(
    env: dict[str, str], tmp_path: Path, log: str
) -> dict[str, str]:
    """No person or placement id of the warehouse in the task logs, an XCom, the lineage
    events, a report or a dashboard page. Returns the texts it read."""
    import sqlite3

    from duurzaam.warehouse.database import open_warehouse

    with open_warehouse(env["DUURZAAM_WAREHOUSE_URL"]) as warehouse:
        ids = {
            value
            for row in warehouse.query("select persoon_id, plaatsing_id from raw.placements")
            for value in row
        }
    texts = {"log": log} | {
        str(path): path.read_text(errors="replace")
        for folder in (
            Path(env["AIRFLOW_HOME"]) / "logs",
            tmp_path / "outbox",
            tmp_path / "dashboard",
        )
        for path in folder.rglob("*")
        if path.is_file() and path.suffix != ".pdf"
    }
    texts["lineage"] = (Path(env["AIRFLOW_HOME"]) / "lineage.jsonl").read_text()
    with sqlite3.connect(
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    ) as metadata:
        texts["xcom"] = " ".join(str(v) for (v,) in metadata.execute("select value from xcom"))
    assert len(texts) > 5 and ids  # logs, reports and XComs were read
    word = re.compile(r"\bP[L0-9]\d+\b")  # the shape of the generator's ids
    leaks = {
        name: found for name, text in texts.items() if (found := set(word.findall(text)) & ids)
    }
    assert leaks == {}
    return texts


@pytest.mark.slow
def test_a_late_extract_fails_the_wait_task_of_its_source_and_alerts(airflow_env, tmp_path):
    """Each late source fails its own wait task and sends one alert, through the Airflow
    connection smtp_default, naming the source, the quarter and where it was expected; the
    source that did arrive (the register) is loaded all the same."""

    import duckdb
    import yaml

    from tests.integration.test_reports import Inbox, receiving

    config = yaml.safe_load((PROJECT_ROOT / "include" / "config" / "sources.yml").read_text())
    for source in SOURCE_NAMES:
        config[source]["wait_hours"] = 0.0005  # 1.8 seconds
    config["poke_minutes"] = 0.005
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(config))
    arrived, quarter = "register", "2024Q1"
    landing = tmp_path / "partial"
    (landing / arrived).mkdir(parents=True)
    delivered = Path(airflow_env["DUURZAAM_LANDING_DIR"]) / arrived / f"{quarter}.json"
    shutil.copyfile(delivered, landing / arrived / f"{quarter}.json")
    late = [source for source in SOURCE_NAMES if source != arrived]
    (tmp_path / "alerts.yml").write_text("data_engineers: [oncall@data.example]\n")
    port = free_port()
    env = {
        **airflow_env,
        "DUURZAAM_SOURCES_CONFIG": str(tmp_path / "sources.yml"),
        "DUURZAAM_LANDING_DIR": str(landing),
        "DUURZAAM_ALERTS_FILE": str(tmp_path / "alerts.yml"),
        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{port}?disable_tls=true&disable_ssl=true",
    }

    with receiving(Inbox(), port) as inbox:
        returncode, output = dags_test("duurzaam_ingest", "2024-04-01", env)

    # the run ends as its last task, publish_raw, which ran on what did arrive
    assert returncode == 0, output[-3000:]
    for source in late:
        assert f"{source} {quarter} is late: nothing yet at {landing}" in output
        assert f"starting task_id=pull_{source}" not in output  # nothing ran past its wait
    assert output.count("AirflowSensorTimeout: Sensor has timed out") >= len(late)
    warehouse = airflow_env["DUURZAAM_WAREHOUSE_URL"].removeprefix("duckdb:///")
    with duckdb.connect(warehouse, read_only=True) as connection:
        loads = connection.execute("select source, quarter, status from meta.loads").fetchall()
    assert loads == [(arrived, quarter, "current")]  # the late ones held nothing back

    alerts = {message["Subject"]: message.get_content() for message in inbox.messages}
    assert len(inbox.messages) == len(alerts) == len(late)  # one per late source
    for source in late:
        body = alerts[f"[duurzaam] late source: {source} {quarter}"]
        assert str(landing / source) in body and "What to do:" in body
        assert "Traceback" not in body


def dags_test(dag_id: str, logical_date: str, env: dict[str, str]) -> tuple[int, str]:
    """`airflow dags test`: one run of the DAG in this machine's Airflow, its exit status
    and everything it printed."""
    result = subprocess.run(
        [_airflow(), "dags", "test", dag_id, logical_date], env=env, capture_output=True, text=True
    )
    return result.returncode, result.stdout + result.stderr


def run_dags(runs: list[dict], env: dict[str, str], log: Path) -> tuple[list[str], str]:
    """The DAG runs one after the other in one process (tests/e2e/dag_runs.py), each as
    `airflow dags test` runs it: '<dag_id> <state>' per run, and the task logs."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.e2e.dag_runs", str(log), json.dumps(runs)],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    output = log.read_text() if log.exists() else ""
    assert result.returncode == 0, (result.stderr + output)[-3000:]
    return result.stdout.splitlines(), output


@pytest.mark.slow
def test_a_rejected_file_and_a_failing_dbt_test_hold_the_reports_back_and_alert(
    airflow_env, built_warehouses, generated_landing, tmp_path
):
    """Real runs of the three DAGs on a copy of a built warehouse, every mail through the
    Airflow connection smtp_default to a real SMTP server:

    1. The ingest of the last quarter: its placements delivery is rejected (a municipality
       that does not exist), its register revised. The rejected file alerts and is not loaded;
       the register's revision loads all the same (a rejected source holds back no other).
    2. The transform: the jobs-agreement extract names a region that does not exist, so the
       relationships test of stg_jobs_agreement__regions fails. That model's task fails, after
       retries that run dbt for that model alone; the tasks of the models built on it do not
       run (their Assets are not updated); every other model's task succeeds; the alert names
       the model, the test and the failing rows.
    3. The reports of the last quarter: every source is loaded, but the register's revision
       is not in the published figures (the transform failed), so check_sources fails, its
       alert says why, and no report is sent.
    4. The reports of the first quarter, whose loads are all published: one region's
       recipient is refused and the dashboard cannot be written. The refused region's task
       fails after its retries and alerts; the dashboard's task fails and alerts; the other
       regions get their report (a failed dashboard build holds back no report) and the data
       engineers the summary."""
    import shutil
    import sqlite3

    from duurzaam.warehouse.database import open_warehouse
    from tests.integration.test_operations_gate import revised_register
    from tests.integration.test_reports import Inbox, receiving

    first, last = SAMPLE_QUARTERS.split(":")
    warehouse = tmp_path / "failing.duckdb"
    shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), warehouse)
    with open_warehouse(f"duckdb:///{warehouse}") as connection:
        connection.execute(
            "insert into raw.jobs_agreement (quarter, regio_code, _load_id) "
            "select quarter, 'AM99', _load_id from raw.jobs_agreement limit 1"
        )
    landing = tmp_path / "landing"
    shutil.copytree(generated_landing, landing)
    shutil.copyfile(revised_register(landing, last, tmp_path), landing / f"register/{last}.json")
    placements = landing / "placements" / f"{last}.csv"
    lines = placements.read_text().splitlines(keepends=True)
    lines[5] = re.sub(r";GM\d{4};", ";GM9999;", lines[5], count=1)  # row 6 of the file
    placements.write_text("".join(lines))

    regions, refused_region = ["AM01", "AM05", "AM12"], "AM05"
    recipients = recipients_for(tmp_path, regions)
    refused = set(yaml.safe_load(recipients.read_text())["regions"][refused_region])
    (tmp_path / "alerts.yml").write_text("data_engineers: [oncall@data.example]\n")
    (tmp_path / "not-a-folder").write_text("the dashboard cannot be written under a file\n")
    port = free_port()
    env = {
        **airflow_env,
        "DUURZAAM_WAREHOUSE_URL": f"duckdb:///{warehouse}",
        "DUURZAAM_LANDING_DIR": str(landing),
        "DUURZAAM_ALERTS_FILE": str(tmp_path / "alerts.yml"),
        "DUURZAAM_RECIPIENTS_FILE": str(recipients),
        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{port}?disable_tls=true&disable_ssl=true",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",  # retried within seconds
    }
    runs = [
        {"dag_id": "duurzaam_ingest", "logical_date": run_date(last)},
        {"dag_id": "duurzaam_transform", "logical_date": run_date(last)},
        {"dag_id": "duurzaam_report", "logical_date": run_date(last), "conf": {"quarter": last}},
        {
            "dag_id": "duurzaam_report",
            "logical_date": run_date(first),
            "conf": {"quarter": first},
            "env": {"DUURZAAM_DASHBOARD_DIR": str(tmp_path / "not-a-folder" / "dashboard")},
        },
    ]
    with receiving(Inbox(refuse=refused), port) as inbox:
        states, output = run_dags(runs, env, tmp_path / "runs.log")
    assert states == [
        "duurzaam_ingest success",  # its last task, publish_raw, ran on what did load
        "duurzaam_transform failed",
        "duurzaam_report failed",
        "duurzaam_report failed",
    ], output[-3000:]
    metadata = sqlite3.connect(
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].removeprefix("sqlite:///")
    )

    def task_states(dag_id: str, logical_date: str) -> dict[str, str]:
        rows = metadata.execute(
            "select ti.task_id, ti.map_index, ti.state from task_instance ti join dag_run r "
            "on r.run_id = ti.run_id and r.dag_id = ti.dag_id "
            "where ti.dag_id = ? and r.logical_date like ?",
            (dag_id, logical_date[:10] + "%"),
        )
        return {
            task_id + (f"[{index}]" if index >= 0 else ""): state for task_id, index, state in rows
        }

    alerts = {
        message["Subject"].removeprefix("[duurzaam] "): message
        for message in inbox.messages
        if message["X-Duurzaam-Alert"]
    }
    for alert in alerts.values():
        assert "Traceback" not in alert.get_content()

    # 1. The rejected file alerts with its rows and rule; the other sources go on.
    ingest = task_states("duurzaam_ingest", run_date(last))
    assert ingest["ingest_placements"] == "failed"
    assert {ingest[f"ingest_{s}"] for s in SOURCE_NAMES if s != "placements"} == {"success"}
    assert ingest["publish_raw"] == "success"
    rejected = alerts[f"rejected file: placements {last}"].get_content()
    assert str(placements) in rejected and "row 6" in rejected and "gemeente_code" in rejected
    with open_warehouse(f"duckdb:///{warehouse}") as connection:
        loads = connection.query(
            "select source, revision, status from meta.loads where quarter = %s "
            "and source in ('placements', 'register') order by source, status",
            (last,),
        )
    assert loads == [
        ("placements", 1, "current"),  # the delivery before stays; the rejected one loads nothing
        ("placements", None, "rejected"),
        ("register", 2, "current"),
        ("register", 1, "superseded"),
    ]

    # 2. The failing dbt test.
    failing = "stg_jobs_agreement__regions"
    manifest = json.loads(dbt_manifest_path().read_text())
    built_on = models_built_on(manifest, f"model.duurzaam.{failing}")
    assert built_on >= {"int_region_stock", "mart_region_quarter", "pub_region_quarter"}
    states = task_states("duurzaam_transform", run_date(last))
    (tries,) = metadata.execute(
        "select try_number from task_instance where task_id = ?", (f"dbt.{failing}",)
    ).fetchone()
    models = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    model_states = {
        task_id.split(".", 1)[1]: state
        for task_id, state in states.items()
        if task_id.split(".")[0] in ("dbt", "dbt_effects") and not task_id.endswith(".build")
    }
    assert set(model_states) == models
    assert model_states.pop(failing) == "failed" and tries == 3  # two retries
    assert {model_states.pop(model) for model in built_on} == {"upstream_failed"}
    assert set(model_states.values()) == {"success"}
    assert states["dbt.build"] == states["dbt_effects.build"] == "success"
    # a published model was not built: none is announced (the check did not run)
    assert states["check_disclosure"] == "upstream_failed"
    # each retry ran dbt for the failed model alone: its view and the tests it reports
    assert output.count(f"running dbt for {failing} alone") == 2
    alone = r"Finished running 1 project hook, \d+ data tests, 1 view model in"
    assert len(re.findall(alone, output)) == 2

    events = asset_events(env)
    assert MODEL_ASSETS["mart_region_quarter"].name not in events
    assert not {asset.name for asset in PUBLISHED_ASSETS.values()} & set(events)
    assert events[MODEL_ASSETS["mart_followup"].name] == 1

    dbt_alert = alerts[f"dbt test failed: {failing}"].get_content()
    test = f"relationships_{failing}_region_code__region_code__ref_stg_reference__municipalities_"
    assert f"  - test {test}: 1 row fails it" in dbt_alert
    assert f"task dbt.{failing}, try 3" in dbt_alert
    # its lineage: each failed try's FAIL event says which assertion failed, on which column
    events_file = Path(env["AIRFLOW_HOME"]) / "lineage.jsonl"
    failures = [
        output["facets"]["dataQualityAssertions"]["assertions"]
        for event in map(json.loads, events_file.read_text().splitlines())
        if event.get("eventType") == "FAIL"
        and event.get("job", {}).get("name") == f"duurzaam_transform.dbt.{failing}"
        for output in event["outputs"]
    ]
    assert len(failures) == 3
    for assertions in failures:
        failed = [(a["assertion"], a.get("column")) for a in assertions if not a["success"]]
        assert failed == [(test, "region_code")]

    # 3. The gate holds the last quarter's reports back and says why; nothing is sent.
    held = task_states("duurzaam_report", run_date(last))
    assert held["check_sources"] == "failed"
    assert held["plan_reports"] == held["send_report"] == "upstream_failed"  # never ran
    gate_alert = alerts["reports held back: a source is missing"].get_content()
    assert f"1 source the report reads is missing for {last}" in gate_alert
    assert (
        f"  - register: {landing / 'register' / f'{last}.json'} (r2) is loaded, but" in gate_alert
    )
    assert "trigger duurzaam_transform" in gate_alert and "task check_sources" in gate_alert

    # 4. The first quarter's reports: the refused region alerts, the dashboard too, the
    # others are sent, then the summary.
    sent = task_states("duurzaam_report", run_date(first))
    assert sent["check_sources"] == "success"
    # the summary went out, then failed the run on the region not sent (no alert of its own)
    assert sent["send_summary"] == "failed"
    assert sent["build_dashboard"] == "failed"
    assert sorted(sent[f"send_report[{n}]"] for n in range(len(regions))) == [
        "failed",
        "success",
        "success",
    ]
    reports = [message for message in inbox.messages if message["X-Duurzaam-Region"]]
    assert sorted(message["X-Duurzaam-Region"] for message in reports) == ["AM01", "AM12"]
    assert {message["X-Duurzaam-Quarter"] for message in reports} == {first}
    # its retries came after the configured delay (1 s, then twice that), as every task's
    (refused_index,) = [n for n in range(len(regions)) if sent[f"send_report[{n}]"] == "failed"]
    first_try, last_try = metadata.execute(
        "select min(start_date), max(end_date) from (select start_date, end_date from "
        "task_instance_history where task_id = 'send_report' and map_index = ? union all "
        "select start_date, end_date from task_instance where task_id = 'send_report' "
        "and map_index = ?)",
        (refused_index, refused_index),
    ).fetchone()
    tried_for = datetime.fromisoformat(last_try) - datetime.fromisoformat(first_try)
    assert tried_for.total_seconds() < 60, tried_for
    not_sent = alerts[f"report not sent: {refused_region} {first}"].get_content()
    assert "after 3 attempts" in not_sent and "refused every recipient" in not_sent
    assert f"duurzaam report --quarter {first} --region {refused_region}" in not_sent
    dashboard = alerts["duurzaam_report.build_dashboard failed"].get_content()
    assert "not-a-folder" in dashboard
    summary = alerts[f"summary {first}: 2 of 3 regional reports sent, 1 NOT sent"]
    assert f"  - NOT sent, {refused_region}" in summary.get_content()

    # One alert per task that failed for good, none for a retry; no report of the last quarter.
    assert len(alerts) == len(inbox.messages) - len(reports) == 6


def run_date(quarter: str) -> str:
    """The logical date of the scheduled run that processes the quarter (its next first day)."""
    from duurzaam.quarters import Quarter

    return f"{Quarter.parse(quarter).next().start.isoformat()}T06:00:00+00:00"
