"""PostgreSQL going away under a running Airflow task, on a throwaway cluster of the test's own
(initdb and pg_ctl in a temporary folder, on a free port; the machine's shared server is never
touched): restarted while an ingest's COPY is writing raw.placements, and stopped while the
transform's dbt build replaces a mart (started again once the task has failed). The task in
flight fails, Airflow retries it (after the retry delay of task_defaults, here one second),
and the warehouse ends equal to a clean run of the same steps; nothing half-built is left or
published."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from duurzaam.ingest.sources import SOURCES
from duurzaam.ingest.steps import ingest
from duurzaam.orchestration.assets import PUBLISHED_ASSETS
from duurzaam.transform.run import prepare_warehouse, transform
from tests.airflow_runs import DagTest, airflow_home, migrated_metadata
from tests.conftest import TEST_KEY, free_port, sample_settings

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def postgres_programs() -> Path:
    """The folder of the server's programs (initdb, pg_ctl): Debian's newest version, else
    the ones on the PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
    )
    found = versions[-1] if versions else shutil.which("pg_ctl")
    assert found, "no PostgreSQL server programs (initdb, pg_ctl) on this machine"
    return Path(found).parent


class Cluster:
    """A PostgreSQL cluster of one test: a data folder of its own, a free port, trust
    authentication for user postgres. The server refuses to run as root: as root, its
    programs run as the OS user postgres, who owns the folder."""

    def __init__(self) -> None:
        self.programs = postgres_programs()
        self.folder = Path(tempfile.mkdtemp(prefix="duurzaam-cluster-"))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")

    @property
    def data(self) -> str:
        return str(self.folder / "data")

    def run(self, program: str, *arguments: str, check: bool = True) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(
            [*as_postgres, str(self.programs / program), *arguments],
            check=check,
            stdout=subprocess.DEVNULL,  # the server's output goes to its log file, never a pipe
            stderr=subprocess.PIPE,
        )

    def pg_ctl(self, action: str, *options: str, check: bool = True) -> None:
        server = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self.run(
            "pg_ctl", action, "-D", self.data, "-o", server, "-l", log, "-w", *options, check=check
        )

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        """What an operator's restart does: every session is ended, running statements are
        rolled back, and the server accepts connections again."""
        self.pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Ends every session (rolling back what runs) and stops; connecting is refused."""
        self.pg_ctl("stop", "-m", "fast")

    def remove(self) -> None:
        self.pg_ctl("stop", "-m", "immediate", check=False)  # it may be stopped already
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres", autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=autocommit)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.connect() as admin:
            admin.execute(f"create database {name}" + (f" template {template}" if template else ""))
        return self.url(name)

    def waiting_on_a_lock(self, database: str, statement_pattern: str) -> bool:
        """Whether a session of the database waits for a lock in a statement matching the
        pattern (SQL `ilike`)."""
        with self.connect(database) as observer:
            return bool(
                observer.execute(
                    "select 1 from pg_stat_activity where datname = %s "
                    "and wait_event_type = 'Lock' and query ilike %s",
                    (database, statement_pattern),
                ).fetchall()
            )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    cluster = Cluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="module")
def metadata(tmp_path_factory) -> Path:
    return migrated_metadata(tmp_path_factory.mktemp("airflow-metadata"))


def airflow_on(url: str, landing: Path, folder: Path, metadata: Path) -> dict[str, str]:
    """Airflow's environment for runs on the warehouse `url` (DUURZAAM_WAREHOUSE_URL: there
    is no Airflow connection), with the data engineers' alerts in the outbox folder."""
    (folder / "alerts.yml").write_text("data_engineers: [oncall@data.example]\n")
    return {
        **airflow_home(folder / "airflow", metadata),
        "DUURZAAM_WAREHOUSE_URL": url,
        "DUURZAAM_LANDING_DIR": str(landing),
        "DUURZAAM_WORK_DIR": str(folder / "work"),
        "DUURZAAM_OUTBOX_DIR": str(folder / "outbox"),
        "DUURZAAM_DASHBOARD_DIR": str(folder / "dashboard"),
        "DUURZAAM_ALERTS_FILE": str(folder / "alerts.yml"),
        "DUURZAAM_PSEUDONYM_KEY": TEST_KEY.decode(),
        # the employers taking part as in a clean build of the landing (sample_settings)
        "DUURZAAM_EMPLOYERS_FILE": str(sample_settings(url, folder, landing).employers_config),
    }


def checksums(url: str, tables: dict[str, list[str]]) -> dict[str, tuple[int, str]]:
    """Per table: its row count and an md5 of its rows (the given columns, sorted)."""
    with psycopg.connect(url) as connection:
        return {
            table: connection.execute(
                f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
                f"from (select {', '.join(columns)} from {table}) t"
            ).fetchone()
            for table, columns in tables.items()
        }


def columns_of(url: str, schemas: tuple[str, ...], leave_out: tuple[str, ...] = ()) -> dict:
    """schema.table -> its columns, for every table and view of the schemas."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "select table_schema || '.' || table_name, column_name from information_schema.columns "
            "where table_schema = any(%s) order by table_schema, table_name, ordinal_position",
            (list(schemas),),
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if column not in leave_out:
            tables.setdefault(table, []).append(column)
    return tables


QUARTER, RUN_DATE = "2023Q1", "2023-04-01"  # the ingest run of 1 April loads the first quarter
LOAD_COLUMNS = ["load_id", "source", "quarter", "file_name", "file_sha256", "row_count"]
# Held at the server: a row trigger on raw.placements that, at the given row of a COPY, waits
# for an advisory lock the test holds. The COPY is then surely running, with rows written.
HOLD_COPY = """
create schema fault;
create sequence fault.rows_copied;
create function fault.hold_copy() returns trigger language plpgsql as $$
begin
  if nextval('fault.rows_copied') = {row} then
    perform pg_advisory_xact_lock_shared({key});
  end if;
  return new;
end $$;
create trigger hold_copy before insert on raw.placements
  for each row execute function fault.hold_copy();
"""
HOLD_KEY, HOLD_AT_ROW = 4242, 500


def loaded_placements(url: str) -> dict[str, tuple[int, str]]:
    """raw.placements and history.placements (but the load's clock) and the load manifest."""
    raw = columns_of(url, ("raw", "history"), leave_out=("_loaded_at",))
    return checksums(
        url,
        {
            "raw.placements": raw["raw.placements"],
            "history.placements": raw["history.placements"],
            "meta.loads": [*LOAD_COLUMNS, "revision", "status"],
        },
    )


def test_a_restart_during_an_ingest_copy_fails_the_task_and_its_retry_loads_as_a_clean_run(
    cluster, metadata, generated_landing, tmp_path
):
    clean_url = cluster.create_database("clean")
    ingest("placements", QUARTER, sample_settings(clean_url, tmp_path / "clean", generated_landing))
    clean = loaded_placements(clean_url)
    assert clean["raw.placements"][0] > HOLD_AT_ROW  # the hold is inside the COPY's rows

    url = cluster.create_database("warehouse")
    prepare_warehouse(sample_settings(url, tmp_path, generated_landing))
    with cluster.connect("warehouse") as admin:
        admin.execute(HOLD_COPY.format(row=HOLD_AT_ROW, key=HOLD_KEY))
    holder = cluster.connect("warehouse")
    holder.execute("select pg_advisory_lock(%s)", (HOLD_KEY,))

    # The ingest DAG's run for the quarter, its placements chain only (the other sources'
    # tasks are marked done): wait, pull, then ingest_placements validates and loads.
    env = airflow_on(url, generated_landing, tmp_path, metadata)
    others = "(wait_for|pull|ingest)_(?!placements$).*"
    run = DagTest(env, "duurzaam_ingest", RUN_DATE, "--mark-success-pattern", others)
    run.wait_until(
        lambda: cluster.waiting_on_a_lock("warehouse", "copy raw.placements%"),
        "the COPY into raw.placements",
    )
    with cluster.connect("warehouse") as observer:
        (copied,) = observer.execute("select last_value from fault.rows_copied").fetchone()
    assert copied == HOLD_AT_ROW  # rows written by the COPY, not yet committed
    cluster.restart()
    returncode, output = run.wait()
    holder.close()  # its session ended with the restart

    assert returncode == 0, output[-3000:]
    assert_failed_then_retried(run, "ingest_placements")
    assert "terminating connection due to administrator command" in output
    assert loaded_placements(url) == clean  # the retry loaded the file once, as a clean run
    assert not list((tmp_path / "outbox").glob("alerts/*.eml"))  # a retry alerts nobody


def assert_failed_then_retried(run: DagTest, task_id: str) -> None:
    """The task's first try failed and a retry succeeded (the first one, unless the server
    was slow to come back)."""
    tries = run.tries(task_id)
    assert tries[0] == (1, "failed") and tries[-1][1] == "success", tries


def built_state(url: str) -> dict[str, object]:
    """What analysts and the reports read, as the transform left it: every table of marts,
    published and estimates (rows and checksum), who may read them and the row-level policies,
    and any relation dbt builds beside a model (`__dbt_tmp`, `__dbt_backup`)."""
    schemas = ("marts", "published", "estimates")
    state: dict[str, object] = dict(checksums(url, columns_of(url, schemas)))
    with psycopg.connect(url) as connection:
        state["grants"] = connection.execute(
            "select table_schema, table_name, grantee, privilege_type "
            "from information_schema.role_table_grants where table_schema = any(%s) "
            "order by 1, 2, 3, 4",
            (list(schemas),),
        ).fetchall()
        state["policies"] = connection.execute(
            "select schemaname, tablename, policyname, roles::text, qual from pg_policies "
            "order by 1, 2, 3"
        ).fetchall()
        state["leftovers"] = connection.execute(
            "select schemaname || '.' || tablename from pg_tables "
            "where tablename like '%%__dbt_tmp' or tablename like '%%__dbt_backup'"
        ).fetchall()
    return state


def test_postgres_down_during_the_transform_fails_the_build_and_its_retry_builds_a_clean_run(
    cluster, metadata, generated_landing, tmp_path
):
    """The transform while an analyst reads last quarter's mart: dbt waits at the swap of
    mart_region_quarter (its new table built beside it) when PostgreSQL stops. dbt cannot go
    on: the build's task fails; the server starts again, and the retry builds everything. The
    disclosure check announces the published models once, at the end."""
    settings = sample_settings(cluster.create_database("clean"), tmp_path, generated_landing)
    for source in SOURCES:
        ingest(source, QUARTER, settings)
    with cluster.connect("clean") as admin:  # last quarter's mart, as the analyst sees it
        admin.execute("create schema marts")
        admin.execute("create table marts.mart_region_quarter (region_code text, quarter text)")
    url = cluster.create_database("warehouse", template="clean")
    transform(settings)  # the clean run
    clean = built_state(settings.warehouse_url)

    analyst = cluster.connect("warehouse", autocommit=False)  # a transaction left open
    analyst.execute("select count(*) from marts.mart_region_quarter").fetchall()
    env = airflow_on(url, generated_landing, tmp_path, metadata)
    run = DagTest(env, "duurzaam_transform", RUN_DATE)
    swap = '%"node_id": "model.duurzaam.mart_region_quarter"%alter table%rename%'
    run.wait_until(lambda: cluster.waiting_on_a_lock("warehouse", swap), "dbt's swap of the mart")
    cluster.stop()  # down until the build's task has failed, then up again
    run.wait_until(lambda: run.state("dbt.build") == "up_for_retry", "the build's task failing")
    cluster.start()
    returncode, output = run.wait()
    analyst.close()  # its session ended with the stop

    assert returncode == 0, output[-3000:]
    assert_failed_then_retried(run, "dbt.build")
    build = "dbt build --exclude-resource-type unit_test --exclude tag:estimates"
    assert f"{build} could not run on postgres" in output
    assert "Failure in model mart_region_quarter" in output  # the model in flight
    state = built_state(url)
    assert state["leftovers"] == []
    assert clean["marts.mart_region_quarter"][0] > 0  # the mart read was replaced: rows now
    assert state == clean
    # the published models were announced once, after all of them had been built again
    announced = run.metadata(
        "select asset.name, count(*) from asset_event "
        "join asset on asset.id = asset_event.asset_id group by asset.name"
    )
    published = {asset.name for asset in PUBLISHED_ASSETS.values()}
    assert {name: count for name, count in announced if name in published} == dict.fromkeys(
        published, 1
    )
    assert not list((tmp_path / "outbox").glob("alerts/*.eml"))  # a retry alerts nobody
