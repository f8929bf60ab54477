"""The Airflow of docker-compose.yml, run natively: the environment the compose file gives
every Airflow service (read from the file, its variables filled in) with the hosts and paths
of this machine; the CeleryExecutor with this machine's Redis as broker and PostgreSQL as
metadata database, Celery result backend and warehouse; the api-server, scheduler,
dag-processor, triggerer and two `airflow celery worker` processes as real processes.

One quarter goes through all three DAGs (a backfill of the ingest; the Assets start one
transform run and one report run) while a worker is killed with SIGKILL in the middle of a
load, and again in the middle of a report: the run completes, the killed tasks are retried,
the warehouse equals that of a clean run of the same quarter, and each region with
recipients (eight of the 35: a mapped task each, as for all 35) gets its report exactly
once, from a real SMTP server through the connection smtp_default.

The run uses every secret for real: the warehouse is reached as a login role with a password
(the connection duurzaam_warehouse carries it; the local server trusts 127.0.0.1, so it is
not checked), the SMTP server requires a login, and the landing zone identifies people by
BSN, so the pseudonymisation key hashes them. None of the three, in any common encoding, nor
any BSN of the landing zone, is in a log (the services' and every task's), an XCom, a
lineage event, the GX data docs, dbt's files, the dashboard, an alert or a report."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
import yaml
from cryptography.fernet import Fernet

from duurzaam.demo import openlineage_environment
from duurzaam.employers import load_employers
from duurzaam.ingest.sources import SOURCES
from duurzaam.orchestration.assets import MART_ASSETS
from duurzaam.quarters import Quarter, parse_quarter_range
from duurzaam.reports.recipients import load_recipients
from duurzaam.settings import PROJECT_ROOT, load_settings
from duurzaam.synthetic import generate
from duurzaam.warehouse.database import connection_parameters
from tests.conftest import (
    SAMPLE_QUARTERS,
    _admin_connection,
    drop_after_run,
    free_port,
    recipients_for,
    sample_settings,
    throwaway_database,
)
from tests.integration.test_reports import Inbox, accept_login, start_smtp
from tests.leaks import files_under, find_leaks, landing_bsns

# Starts Airflow's services and runs the pipeline through them, twice killing a worker.
pytestmark = pytest.mark.slow

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
INGEST, TRANSFORM, REPORT = "duurzaam_ingest", "duurzaam_transform", "duurzaam_report"
QUARTER = "2023Q1"  # the ingest run of 1 April processes the quarter before
REDIS_DB = 13  # a database of this test's own on the machine's Redis, emptied before and after
WORKERS = ("worker1", "worker2")
# The regions with recipients: one report task each, more than the two workers run at once.
REGIONS = ["AM01", "AM02", "AM05", "AM08", "AM13", "AM20", "AM27", "AM35"]


def compose_airflow_environment(values: dict[str, str]) -> dict[str, str]:
    """The environment of the compose file's Airflow worker (the one every Airflow service
    has, and the pseudonymisation key), ${VAR} filled from values (${VAR:-default} falls back
    to its default). The services run here share it."""
    services = yaml.safe_load(COMPOSE.read_text())["services"]  # << merges resolved
    environment = services["airflow-worker"]["environment"]

    def fill(match: re.Match) -> str:
        name, default = match.group(1), match.group(3)
        return values.get(name, default or "")

    pattern = re.compile(r"\$\{(\w+)(:?[-?]([^}]*))?\}")
    return {key: pattern.sub(fill, str(value)) for key, value in environment.items()}


@dataclass(frozen=True)
class RunSecrets:
    """The secrets of one run, made for it."""

    warehouse_user: str  # a login role with a password, created for the run
    warehouse_password: str
    smtp_password: str
    pseudonym_key: str

    def named(self) -> dict[str, str]:
        return {
            "warehouse password": self.warehouse_password,
            "SMTP password": self.smtp_password,
            "pseudonym key": self.pseudonym_key,
        }


@pytest.fixture
def run_secrets() -> RunSecrets:
    """A login role of the server with a password of its own (superuser, as the compose
    file's POSTGRES_USER may create databases and roles), dropped when the test run ends."""
    user, password = f"duurzaam_test_{uuid.uuid4().hex[:8]}", secrets.token_hex(12)
    with _admin_connection() as admin:
        admin.execute(f"create role {user} login superuser password '{password}'")
    drop_after_run("role", user)  # after the databases holding its objects
    return RunSecrets(user, password, secrets.token_hex(12), secrets.token_hex(32))


@pytest.fixture
def bsn_landing(tmp_path) -> Path:
    """The run's sample landing zone (the same simulation as generated_landing) with people
    identified by BSN: the pseudonymisation key is used."""
    folder = tmp_path / "landing"
    quarters = parse_quarter_range(SAMPLE_QUARTERS)
    generate(folder, quarters, seed=7, scale=0.05, identifier="bsn")
    assert landing_bsns(folder)
    return folder


class Services:
    """The running Airflow processes; the workers can be killed and started again (the
    compose file restarts a dead container)."""

    def __init__(self, env: dict[str, str], logs: Path, metadata: str, warehouse: str) -> None:
        self.env, self.logs, self.metadata, self.warehouse = env, logs, metadata, warehouse
        self.processes: dict[str, subprocess.Popen] = {}
        self.worker_logs: dict[str, list[Path]] = {name: [] for name in WORKERS}
        self.inbox = Inbox()

    def start(self, name: str, *command: str, env: dict[str, str] | None = None) -> None:
        log = self.logs / f"{name}-{len(list(self.logs.glob(f'{name}-*')))}.log"
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *command],
            env=env or self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group: the worker, its pool, its tasks
        )
        if name in self.worker_logs:
            self.worker_logs[name].append(log)

    def start_worker(self, name: str) -> None:
        # two workers on one machine: their own Celery name and log server port
        env = {**self.env, "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())}
        self.start(name, "celery", "worker", "--celery-hostname", f"{name}@%h", env=env)

    def kill(self, name: str) -> None:
        """SIGKILL to the worker and every process under it, as when its machine dies. (Each
        task runs in a process group of its own: killing the worker's group leaves the
        tasks running.) The tree is stopped first, so that nothing forks meanwhile."""
        import psutil

        process = self.processes.pop(name)
        tree: dict[int, psutil.Process] = {}
        while new := [
            child
            for child in [psutil.Process(process.pid), *psutil.Process(process.pid).children(True)]
            if child.pid not in tree
        ]:
            for child in new:
                tree[child.pid] = child
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.send_signal(signal.SIGSTOP)
        for child in tree.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            process.wait(timeout=60)

    def tasks_run_by(self, worker: str, since_start: int = 0) -> list[tuple[str, str, int, int]]:
        """(dag_id, task_id, map_index, try) of each task the worker started, from its log."""
        started = re.compile(
            r"Executing workload in Celery: .*?task_id='([\w.]+)', dag_id='(\w+)'"
            r".*?try_number=(\d+),.*?map_index=(-?\d+)"
        )
        return [
            (dag_id, task_id, int(map_index), int(attempt))
            for log in self.worker_logs[worker][since_start:]
            for task_id, dag_id, attempt, map_index in started.findall(log.read_text())
        ]


@pytest.fixture
def airflow_services(tmp_path, postgres_url, bsn_landing, run_secrets) -> Iterator[Services]:
    metadata_db = f"{postgres_url.rsplit('/', 1)[1]}_airflow"
    with _admin_connection() as admin:
        admin.execute(f"create database {metadata_db}")
    warehouse_db = postgres_url.rsplit("/", 1)[1]
    api_port, smtp_port = free_port(), free_port()
    # secrets made for this run (the server trusts local connections, so the password is
    # carried, not checked)
    redis_password = secrets.token_hex(12)
    environment = compose_airflow_environment(
        {
            "POSTGRES_USER": run_secrets.warehouse_user,
            "POSTGRES_PASSWORD": run_secrets.warehouse_password,
            "AIRFLOW_FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW_API_SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW_JWT_SECRET": secrets.token_hex(32),
            "AIRFLOW_ADMIN_USER": "admin",
            "SMTP_USER": "reports",
            "SMTP_PASSWORD": run_secrets.smtp_password,
            "DUURZAAM_PSEUDONYM_KEY": run_secrets.pseudonym_key,
            "REDIS_PASSWORD": redis_password,
        }
    )
    # What differs on this machine: hosts, database names, paths; Redis has no password.
    natively = {
        f":{redis_password}@redis:6379/0": f"127.0.0.1:6379/{REDIS_DB}",
        "@postgres:5432/airflow": f"@127.0.0.1:5432/{metadata_db}",
        "@postgres:5432/warehouse": f"@127.0.0.1:5432/{warehouse_db}",
        "http://airflow-apiserver:8080": f"http://127.0.0.1:{api_port}",
        "@mailpit:1025": f"@127.0.0.1:{smtp_port}",
        "/opt/duurzaam/landing": str(bsn_landing),
        "/opt/duurzaam/outbox": str(tmp_path / "outbox"),
        "/opt/duurzaam/work": str(tmp_path / "work"),
        "/opt/duurzaam/dashboard": str(tmp_path / "dashboard"),
        "/opt/duurzaam": str(PROJECT_ROOT),
        "/opt/airflow/auth/passwords.json": str(tmp_path / "passwords.json"),
    }
    for key, value in environment.items():
        for compose_value, native_value in natively.items():
            value = value.replace(compose_value, native_value)
        environment[key] = value
    assert environment["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert environment["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://127.0.0.1")
    # The current quarter's scheduled run (unpausing starts it) waits for extracts that never
    # come: a short wait lets it fail at once instead of polling all along.
    sources = yaml.safe_load((PROJECT_ROOT / "include/config/sources.yml").read_text())
    for source in SOURCES:
        sources[source]["wait_hours"] = 0.001
    sources["poke_minutes"] = 0.05
    (tmp_path / "sources.yml").write_text(yaml.safe_dump(sources))
    (tmp_path / "passwords.json").write_text(json.dumps({"admin": secrets.token_hex(12)}))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **environment,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "DUURZAAM_SOURCES_CONFIG": str(tmp_path / "sources.yml"),
        "DUURZAAM_RECIPIENTS_FILE": str(recipients_for(tmp_path, REGIONS)),
        # the employers taking part as in the clean build it is compared with
        "DUURZAAM_EMPLOYERS_FILE": str(sample_settings("", tmp_path, bsn_landing).employers_config),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        # the test's clock: quick scheduling, a dead task noticed after 30 s (not 5 min),
        # retried 5 s later (not 5 min); a small pool per worker on this small machine
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "600",  # the DAGs do not change
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "120",
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "5",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
        # what the tasks write besides their logs, in the test's folder: the lineage events,
        # dbt's target and log folders
        **openlineage_environment(tmp_path / "lineage.jsonl"),
        "DBT_TARGET_PATH": str(tmp_path / "dbt" / "target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt" / "logs"),
    }
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)
    logs = tmp_path / "logs"
    logs.mkdir()
    services = Services(env, logs, f"{postgres_url.rsplit('/', 1)[0]}/{metadata_db}", postgres_url)
    smtp = start_smtp(
        services.inbox,
        smtp_port,
        authenticator=accept_login("reports", run_secrets.smtp_password),
        auth_required=True,
        auth_require_tls=False,
    )
    try:
        services.start("api-server", "api-server", "--port", str(api_port))
        for command in ("scheduler", "dag-processor", "triggerer"):
            services.start(command, command)
        for worker in WORKERS:
            services.start_worker(worker)
        yield services
    finally:
        services.stop()
        smtp.stop()
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], capture_output=True)
        with _admin_connection() as admin:
            admin.execute(f"drop database if exists {metadata_db} with (force)")


def airflow(services: Services, *arguments: str) -> str:
    result = subprocess.run([AIRFLOW, *arguments], env=services.env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def query(url: str, sql: str, params: tuple | dict = ()) -> list[tuple]:
    with psycopg.connect(**connection_parameters(url)) as connection:
        return connection.execute(sql, params).fetchall()


def wait_for(condition: Callable[[], object], services: Services, what: str, timeout=1800) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(2)
    tails = {log.name: log.read_text()[-1500:] for log in services.logs.iterdir()}
    pytest.fail(f"timed out waiting for {what}; logs: {tails}")


def blocked_on(services: Services, statement: str) -> bool:
    """Whether a task's statement in the warehouse waits for a lock this test holds."""
    return bool(
        query(
            services.warehouse,
            "select 1 from pg_stat_activity where datname = current_database() "
            "and wait_event_type = 'Lock' and query ilike %s",
            (f"{statement}%",),
        )
    )


def kill_a_worker_running(services: Services, task_prefix: str, dag_id: str) -> list[tuple]:
    """Kills a worker that has a task of that name running (SIGKILL) and starts it again;
    returns the (dag_id, task_id, map_index, try) it was running."""
    for worker in WORKERS:
        started = services.tasks_run_by(worker, since_start=-1)
        running = [t for t in started if t[0] == dag_id and t[1].startswith(task_prefix)]
        if running:
            services.kill(worker)
            services.start_worker(worker)
            return running
    pytest.fail(f"no worker runs a {task_prefix} task")


def marts_and_loads(url: str) -> dict[str, tuple]:
    """Row count and checksum of every mart, and the loads of raw (what a clean run made)."""
    state = {
        mart: query(
            url,
            f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
            f"from marts.{mart} t",
        )[0]
        for mart in MART_ASSETS
    }
    state["raw"] = tuple(
        query(
            url,
            "select source, quarter, revision, status, row_count from meta.loads order by 1",
        )
    )
    return state


def differing_rows(url: str, clean_url: str, state: dict, clean: dict) -> str:
    """For each mart whose checksum differs from the clean run's: the columns that differ in
    the first rows only one of the two has, to say what differs when the comparison fails."""
    lines = []
    for mart in (m for m in MART_ASSETS if state[m] != clean[m]):
        sql = f"select * from marts.{mart} order by 1, 2, 3"
        with psycopg.connect(**connection_parameters(url)) as ours:
            cursor = ours.execute(sql)
            names = [column.name for column in cursor.description or []]
            ours_rows = cursor.fetchall()
        theirs_rows = query(clean_url, sql)
        pairs = [(a, b) for a, b in zip(ours_rows, theirs_rows, strict=False) if a != b]
        lines.append(f"{mart}: {len(pairs)} of {len(ours_rows)} rows differ")
        for a, b in pairs[:3]:
            lines += [
                f"  {n}: {x!r} (clean run: {y!r})"
                for n, x, y in zip(names, a, b, strict=True)
                if x != y
            ]
    return "\n".join(lines)


@pytest.fixture
def clean_run(tmp_path, bsn_landing, run_secrets) -> Iterator[tuple[str, dict[str, tuple]]]:
    """The same quarter loaded and built from the command line's code on a database of its
    own: the marts a run without faults makes (and the database, kept for the comparison)."""
    from duurzaam.ingest.steps import ingest
    from duurzaam.transform.run import transform

    with throwaway_database() as url:
        settings = replace(
            sample_settings(url, tmp_path / "clean", bsn_landing),
            pseudonym_key=run_secrets.pseudonym_key.encode(),
        )
        for source in SOURCES:
            assert ingest(source, QUARTER, settings)["status"] == "loaded"
        transform(settings)
        yield url, marts_and_loads(url)


def test_a_quarter_on_celery_survives_killed_workers(
    clean_run, airflow_services, run_secrets, bsn_landing
):
    services, started = airflow_services, time.monotonic()
    from duurzaam.transform.run import prepare_warehouse

    # The administrator prepares the warehouse (docs/operations.md); the test then holds
    # the tables every load and every report writes last, so that a worker can be killed
    # with a load, and later a report, surely in the middle of its transaction.
    prepare_warehouse(replace(load_settings(), warehouse_url=services.warehouse))
    loads_lock = psycopg.connect(**connection_parameters(services.warehouse))
    outbox_lock = psycopg.connect(**connection_parameters(services.warehouse))
    loads_lock.execute("lock table meta.loads in exclusive mode")  # reads go on
    outbox_lock.execute("lock table meta.outbox in exclusive mode")

    parsed = "select count(*) from dag where dag_id = any(%s)"
    wait_for(
        lambda: query(services.metadata, parsed, ([INGEST, TRANSFORM, REPORT],)) == [(3,)],
        services,
        "the dag-processor to parse the DAGs",
        timeout=180,
    )
    for dag_id in (INGEST, TRANSFORM, REPORT):
        airflow(services, "dags", "unpause", dag_id)
    airflow(
        services,
        *("backfill", "create", "--dag-id", INGEST),
        *("--from-date", "2023-04-01", "--to-date", "2023-04-02", "--max-active-runs", "1"),
    )

    wait_for(lambda: blocked_on(services, "update meta.loads"), services, "a load to write")
    killed_loads = kill_a_worker_running(services, "ingest_", INGEST)
    loads_lock.close()  # the killed loads' transactions are rolled back, the others commit

    wait_for(lambda: blocked_on(services, "insert into meta.outbox"), services, "a report")
    killed_reports = kill_a_worker_running(services, "send_report", REPORT)
    outbox_lock.close()

    wait_for(
        lambda: settled(services, REPORT) and settled(services, TRANSFORM),
        services,
        "the transform and the report run the ingest run started",
    )
    # One quarter, one chain: one ingest run, one transform run, one report run.
    ingest_runs = query(
        services.metadata,
        "select run_type, state from dag_run where dag_id = %s and run_type <> 'scheduled'",
        (INGEST,),
    )
    assert ingest_runs == [("backfill", "success")]
    assert settled(services, TRANSFORM) == ["success"]
    assert settled(services, REPORT) == ["success"]

    # The killed tasks failed with their worker and succeeded on a retry. A task the worker
    # had taken but not yet started when it died is handed to the other worker by Celery and
    # runs its first try there; at least one load and one report were running, and retried.
    retried = set()
    for dag_id, task_id, map_index, attempt in killed_loads + killed_reports:
        assert attempt == 1
        tries = query(
            services.metadata,
            "select try_number, state from task_instance_history where dag_id = %(dag)s "
            "and task_id = %(task)s and map_index = %(index)s and run_id not like 'scheduled%%' "
            "union all select try_number, state from task_instance where dag_id = %(dag)s "
            "and task_id = %(task)s and map_index = %(index)s and run_id not like 'scheduled%%' "
            "order by 1",
            {"dag": dag_id, "task": task_id, "index": map_index},
        )
        assert tries in ([(1, "failed"), (2, "success")], [(1, "success")]), (task_id, tries)
        if tries[0] == (1, "failed"):
            retried.add(dag_id)
    assert retried == {INGEST, REPORT}, (killed_loads, killed_reports)
    # Both workers ran tasks, before and after their restart.
    for worker in WORKERS:
        assert {dag for dag, *_ in services.tasks_run_by(worker)} >= {INGEST, REPORT}

    clean_url, clean = clean_run
    state = marts_and_loads(services.warehouse)
    assert state == clean, differing_rows(services.warehouse, clean_url, state, clean)
    # every region's report once, to its own recipients; the outbox sent each once
    recipients = load_recipients(Path(services.env["DUURZAAM_RECIPIENTS_FILE"]))
    mails = list(zip(services.inbox.messages, services.inbox.envelopes, strict=True))
    reports = [(message, to) for message, to in mails if message["X-Duurzaam-Region"]]
    received = {message["X-Duurzaam-Region"]: message for message, _ in reports}
    assert len(reports) == len(received) == len(recipients) == len(REGIONS)
    for message, envelope in reports:
        assert sorted(envelope) == sorted(recipients[message["X-Duurzaam-Region"]])
        assert message["X-Duurzaam-Quarter"] == QUARTER
    # then one summary for the data engineers, through the same connection, and no alert
    # about the quarter (those of the current quarter's run, whose extracts never come, are)
    alerts = [message["Subject"] for message, _ in mails if message["X-Duurzaam-Alert"]]
    summary = f"[duurzaam] summary {QUARTER}: 8 of 8 regional reports sent"
    assert [subject for subject in alerts if QUARTER in subject] == [summary]
    # and the dashboard rebuilt beside them, from the PostgreSQL warehouse's published layer
    site = Path(services.env["DUURZAAM_DASHBOARD_DIR"]) / "current"
    assert len(list(site.glob("regio/AM*.html"))) == 35 and (site / "index.html").is_file()
    outbox = query(
        services.warehouse, "select region_code, quarter, status, attempts from meta.outbox"
    )
    # each region once, then each employer taking part in the quarter once
    employers = load_employers(Path(services.env["DUURZAAM_EMPLOYERS_FILE"]))
    taking_part = [e for e in employers.values() if e.takes_part_in(Quarter.parse(QUARTER))]
    addressees = [*recipients, *(f"werkgever:{e.employer_id}" for e in taking_part)]
    assert taking_part and sorted(outbox) == [(a, QUARTER, "sent", 1) for a in sorted(addressees)]
    print(f"wall time from the first unpause: {time.monotonic() - started:.0f} s")

    assert_the_secrets_were_used_and_left_no_trace(services, run_secrets, bsn_landing)


def assert_the_secrets_were_used_and_left_no_trace(
    services: Services, run_secrets: RunSecrets, landing: Path
) -> None:
    """Each secret was used: the tasks reached the warehouse as the login role whose password
    the connection carries, the SMTP server took only that login, the BSNs were hashed with
    the key. Then no secret and no BSN is in anything the run wrote."""
    connection = json.loads(
        airflow(services, "connections", "get", "duurzaam_warehouse", "--output", "json")
    )[0]
    assert (connection["login"], connection["password"]) == (
        run_secrets.warehouse_user,
        run_secrets.warehouse_password,
    )
    owners = query(
        services.warehouse,
        "select distinct pg_get_userbyid(relowner) from pg_class c join pg_namespace n "
        "on n.oid = c.relnamespace where nspname in ('marts', 'published', 'builds')",
    )
    assert owners == [(run_secrets.warehouse_user,)]  # the tasks' own tables
    (has_password,) = query(
        services.warehouse,
        "select rolpassword is not null from pg_authid where rolname = %s",
        (run_secrets.warehouse_user,),
    )[0]
    assert has_password
    bsns = landing_bsns(landing)
    (pseudonyms,) = query(services.warehouse, "select count(*) from raw.placements")[0]
    assert bsns and pseudonyms  # placements identified by BSN were loaded, pseudonymised

    home, root = Path(services.env["AIRFLOW_HOME"]), services.logs.parent
    texts = files_under(
        services.logs,  # the api-server, scheduler, dag-processor, triggerer, workers
        home / "logs",  # every task's log
        root / "work" / "data_docs",  # the GX data docs (work/pulled holds the deliveries)
        root / "dbt",  # dbt's target and log folders
        root / "outbox",
        root / "dashboard",
        skip_suffixes=(".pdf",),  # compressed; the mails carry the same as text
    )
    texts["lineage"] = (root / "lineage.jsonl").read_text()
    for where, value in query(
        services.metadata,
        "select concat_ws('.', 'xcom', dag_id, task_id, map_index, key), value::text "
        "from xcom union all select concat_ws('.', 'rendered', dag_id, task_id, map_index), "
        "rendered_fields::text from rendered_task_instance_fields",
    ):
        texts[where] = value
    for number, message in enumerate(services.inbox.messages):
        texts[f"mail {number} {message['Subject']}"] = message.as_string()
    assert sum(name.startswith("xcom.") for name in texts) > 40 and len(texts) > 300
    events = [json.loads(line) for line in texts["lineage"].splitlines()]
    assert {event.get("eventType") for event in events} >= {"START", "COMPLETE"}
    assert find_leaks(texts, run_secrets.named(), bsns) == []


def settled(services: Services, dag_id: str) -> list[str]:
    """The states of the DAG's runs once none is queued or running, else []."""
    states = [
        state
        for (state,) in query(
            services.metadata, "select state from dag_run where dag_id = %s order by id", (dag_id,)
        )
    ]
    return states if states and set(states) <= {"success", "failed"} else []
