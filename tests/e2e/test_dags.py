"""The DAGs: every file imports cleanly and fast, and a real Airflow run of two quarters
(ingest -> transform -> report, `airflow dags test` on SQLite) ends with the reports of the
regions that have recipients (all 35 are rendered and sent in tests/integration/test_reports.py)."""

from __future__ import annotations

import email
import json
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from duurzaam.demo import DAGS, airflow_environment
from duurzaam.orchestration import (
    MART_ASSETS,
    RAW_LOADED,
    REPORT_MARTS,
    SOURCE_NAMES,
    WAIT_HOURS,
    dbt_manifest_path,
)
from duurzaam.settings import PROJECT_ROOT
from duurzaam.sources import SOURCES
from tests.conftest import recipients_for

DAGS_FOLDER = PROJECT_ROOT / "dags"


def test_dagbag_imports_every_dag_without_errors():
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == set(DAGS)
    ingest = bag.dags["duurzaam_ingest"]
    assert set(SOURCE_NAMES) == set(SOURCES)  # sources.yml and the source modules agree
    for source in SOURCE_NAMES:
        chain = [f"{step}_{source}" for step in ("wait_for", "pull", "validate", "load")]
        for upstream, downstream in pairwise(chain):
            assert upstream in ingest.get_task(downstream).upstream_task_ids
        assert ingest.get_task(chain[0]).timeout == WAIT_HOURS[source] * 3600  # seconds
        assert [a.name for a in ingest.get_task(chain[-1]).outlets] == [f"raw.{source}"]
    # One Asset event per ingest run, after all its loads: one transform run per quarter.
    published = ingest.get_task("publish_raw")
    assert published.upstream_task_ids == {f"load_{source}" for source in SOURCE_NAMES}
    assert published.trigger_rule == "all_done_min_one_success"
    assert [a.name for a in published.outlets] == [RAW_LOADED.name]

    # The transform DAG: one task per dbt model (run + its tests) from the manifest, each
    # mart's Asset updated only downstream of that mart's task.
    transform = bag.dags["duurzaam_transform"]
    assert transform.timetable.asset_condition == RAW_LOADED  # not each source's Asset
    manifest = json.loads(dbt_manifest_path().read_text())
    models = {
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model"
    }
    assert {f"dbt.{model}_model_build" for model in models} <= set(transform.task_ids)
    for mart, asset in MART_ASSETS.items():
        publish = transform.get_task(f"publish_{mart}")
        assert publish.upstream_task_ids == {f"dbt.{mart}_model_build"}
        assert [a.name for a in publish.outlets] == [asset.name]

    # The report DAG: runs once every mart the report reads is updated (the marts of the
    # regional_report exposure, tests/e2e/test_asset_wiring.py); one send_report task per
    # region, mapped over plan_reports' output, retried on its own and named by its region.
    report = bag.dags["duurzaam_report"]
    condition = report.timetable.asset_condition
    assert type(condition).__name__ == "AssetAll"
    assert [a.name for a in condition.objects] == [MART_ASSETS[m].name for m in REPORT_MARTS]
    send = report.get_task("send_report")
    assert isinstance(send, MappedOperator)
    mapped_over = send.op_kwargs_expand_input.value["report"]
    assert (mapped_over.operator.task_id, mapped_over.key) == ("plan_reports", "return_value")
    assert send.upstream_task_ids == {"plan_reports"}
    assert send.retries >= 1 and send.retry_delay.total_seconds() > 0
    assert send.map_index_template == "{{ region }}"


def test_dag_files_do_not_import_heavy_libraries_at_parse_time():
    heavy = ("pandas", "great_expectations", "dbt", "duckdb", "matplotlib")
    for path in DAGS_FOLDER.glob("*.py"):
        code = (
            "import sys, runpy; runpy.run_path(sys.argv[1]);"
            f"print([m for m in {heavy!r} if m in sys.modules])"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip().splitlines()[-1] == "[]", path.name


@pytest.fixture
def airflow_env(tmp_path: Path, generated_landing: Path) -> dict[str, str]:
    env = airflow_environment()
    home = tmp_path / "airflow"
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        DUURZAAM_WAREHOUSE_URL=f"duckdb:///{tmp_path / 'warehouse.duckdb'}",
        DUURZAAM_LANDING_DIR=str(generated_landing),
        DUURZAAM_OUTBOX_DIR=str(tmp_path / "outbox"),
        DUURZAAM_WORK_DIR=str(tmp_path / "work"),
    )
    subprocess.run([_airflow(), "db", "migrate"], env=env, check=True, capture_output=True)
    return env


def _airflow() -> str:
    return str(Path(sys.executable).with_name("airflow"))


@pytest.mark.slow
def test_two_quarters_through_airflow_produce_the_reports(airflow_env, tmp_path):
    """The runs of `make demo` (duurzaam.demo: `airflow dags test` in one process) over two
    quarters, as a backfill goes: both quarters' extracts of every source, one dbt build (a
    task per model), the reports of the second quarter for the regions with recipients."""
    regions = ["AM01", "AM05", "AM12", "AM25", "AM38"]
    env = {**airflow_env, "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, regions))}
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

    reports = sorted((tmp_path / "outbox" / "2023Q2").glob("*.eml"))
    assert [path.name.split("-")[0] for path in reports] == regions
    assert "no recipients configured, not sent: AM02" in output[-1]  # named, not guessed
    message = email.message_from_bytes(reports[0].read_bytes())
    assert message["Subject"].startswith("Kwartaalrapportage Duurzaam Werk")
    assert message["X-Duurzaam-Region"] == reports[0].name.split("-")[0]
    assert_no_person_level_data_left_the_warehouse(airflow_env, tmp_path, "\n".join(output))


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
) -> None:
    """No person or placement id of the warehouse in the task logs, an XCom or a report."""
    import re
    import sqlite3

    from duurzaam.warehouse import open_warehouse

    with open_warehouse(env["DUURZAAM_WAREHOUSE_URL"]) as warehouse:
        ids = {
            value
            for row in warehouse.query("select persoon_id, plaatsing_id from raw.placements")
            for value in row
        }
    texts = {"log": log} | {
        str(path): path.read_text(errors="replace")
        for folder in (Path(env["AIRFLOW_HOME"]) / "logs", tmp_path / "outbox")
        for path in folder.rglob("*")
        if path.is_file() and path.suffix != ".pdf"
    }
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


@pytest.mark.slow
def test_a_late_extract_fails_the_wait_task_of_its_source_and_names_it(airflow_env, tmp_path):
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "include" / "config" / "sources.yml").read_text())
    for source in SOURCE_NAMES:
        config[source]["wait_hours"] = 0.0005  # 1.8 seconds
    config["poke_minutes"] = 0.005
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "empty").mkdir()
    env = {
        **airflow_env,
        "DUURZAAM_SOURCES_CONFIG": str(tmp_path / "sources.yml"),
        "DUURZAAM_LANDING_DIR": str(tmp_path / "empty"),
    }

    result = subprocess.run(
        [_airflow(), "dags", "test", "duurzaam_ingest", "2024-04-01"],
        env=env,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr

    assert result.returncode != 0 and "state=failed" in output
    for source in SOURCE_NAMES:
        assert f"{source} 2024Q1 is late: nothing yet at {tmp_path / 'empty'}" in output
    assert output.count("AirflowSensorTimeout: Sensor has timed out") >= len(SOURCE_NAMES)
    assert "starting task_id=pull_placements" not in output  # nothing ran past the wait
