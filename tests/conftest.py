"""Shared fixtures: settings pointing at temporary folders, a real PostgreSQL database per
test session, and a small generated landing zone."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import PROJECT_ROOT, Settings, load_settings

# Under pytest-xdist each worker runs dbt with a target folder of its own: dbt's partial-parse
# state and artifacts are not meant to be written by two processes at once.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("DBT_TARGET_PATH", f"target/{os.environ['PYTEST_XDIST_WORKER']}")
# Airflow, when a test imports it, keeps its files in a throwaway home, not in ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="duurzaam-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
# What the test processes of one run share (pytest-xdist workers inherit it from the process
# that starts them): the warehouses built once per run, and what to drop when the run ends.
RUN_FOLDER = Path(os.environ.setdefault("DUURZAAM_TEST_RUN", tempfile.mkdtemp(prefix="duurzaam-")))
# No employer takes part unless a test says so (a file that does not exist: no employers), so
# that the Airflow runs of a landing zone do not send reports to the sample's employers, whose
# ids that landing zone does not have. The shared warehouses are built with the employers the
# generator chose for their landing zone (sample_settings).
os.environ.setdefault("DUURZAAM_EMPLOYERS_FILE", str(RUN_FOLDER / "no-employers.yml"))

# The server the tests use; CI starts it (see .ci/run). Trust auth, user postgres.
POSTGRES_ADMIN_URL = os.environ.get(
    "DUURZAAM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_KEY = b"test-only-pseudonym-key"
SAMPLE_QUARTERS = "2023Q1:2024Q2"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks each test with its layer, the folder it is in: unit, integration or e2e."""
    for item in items:
        layer = item.path.parent.name
        if layer in ("unit", "integration", "e2e"):
            item.add_marker(layer)


def pytest_unconfigure(config: pytest.Config) -> None:
    """When the run ends (in the process that started the workers): drops the databases and
    roles that the run's shared builds created, then the run folder."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    registry = RUN_FOLDER / "drop-after-run.json"
    if registry.exists():
        entries = [json.loads(line) for line in registry.read_text().splitlines()]
        for kind, name in sorted(entries, key=lambda entry: entry[0] != "database"):
            if kind == "database":
                drop_database(name)
            else:
                with _admin_connection() as admin:
                    admin.execute(f"drop role if exists {name}")
    shutil.rmtree(RUN_FOLDER, ignore_errors=True)


def built_once(name: str, build: Callable[[Path], dict]) -> dict:
    """What build(folder) returned, built by the first test process of the run to ask (the
    others wait for it, then read the same): dbt builds are the slowest fixtures, and each
    pytest-xdist worker would otherwise repeat them. build writes into folder and returns
    JSON; what it creates on the server it registers with drop_after_run."""
    done = RUN_FOLDER / f"{name}.json"
    with (RUN_FOLDER / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            folder = RUN_FOLDER / name
            shutil.rmtree(folder, ignore_errors=True)  # what a failed attempt left
            folder.mkdir()
            done.write_text(json.dumps(build(folder)))
        return json.loads(done.read_text())


def drop_after_run(kind: str, name: str) -> None:
    """A database or role of the server that the run drops when it ends (pytest_unconfigure)."""
    with (RUN_FOLDER / "drop-after-run.json").open("a") as registry:
        registry.write(json.dumps([kind, name]) + "\n")


def _admin_connection() -> psycopg.Connection:
    from duurzaam.warehouse.database import connection_parameters

    return psycopg.connect(**connection_parameters(POSTGRES_ADMIN_URL), autocommit=True)


@contextmanager
def throwaway_database(template: str | None = None) -> Iterator[str]:
    """A new database on the real server (empty, or a copy of the database `template`, which
    nobody may be connected to), dropped afterwards. Yields its URL."""
    name = f"duurzaam_test_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as admin:
        admin.execute(f"create database {name}" + (f" template {template}" if template else ""))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        drop_database(name)


def drop_database(name: str) -> None:
    with _admin_connection() as admin:
        admin.execute(f"drop database if exists {name} with (force)")


@contextmanager
def login_role(*groups: str) -> Iterator[str]:
    """A login of its own that is a member of the given group roles, as people and services
    log in (docs/operations.md, include/migrations/postgres/0001_roles.sql). Roles belong to
    the whole cluster: the name is unique and the role is dropped afterwards, once the
    databases holding its objects are gone."""
    name = f"duurzaam_test_{uuid.uuid4().hex[:8]}"
    member = f" in role {', '.join(groups)}" if groups else ""
    with _admin_connection() as admin:
        admin.execute(f"create role {name} login{member}")
    try:
        yield name
    finally:
        with _admin_connection() as admin:
            admin.execute(f"drop role if exists {name}")


def as_user(url: str, user: str) -> str:
    """The PostgreSQL URL logged in as another user (trust authentication: no password)."""
    return make_url(url).set(username=user, password=None).render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the real server, dropped afterwards."""
    with throwaway_database() as url:
        yield url


def recipients_for(folder: Path, regions: list[str]) -> Path:
    """A recipients file with the configured recipients of these regions only: the report
    DAG maps a task over the regions that have recipients (the others are named in its log)."""
    import yaml

    configured = yaml.safe_load((PROJECT_ROOT / "include/config/recipients.yml").read_text())
    path = folder / "recipients.yml"
    chosen = {code: configured["regions"][code] for code in regions}
    path.write_text(yaml.safe_dump({"regions": chosen}))
    return path


@pytest.fixture
def smtp_port() -> int:
    """A free port on localhost for a test's own SMTP server (aiosmtpd)."""
    return free_port()


def free_port() -> int:
    """A port on localhost that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once per backend."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def generated_landing() -> Path:
    """A small synthetic landing zone (persoon_id variant), generated once per run. Read it;
    copy what a test changes."""

    def generate_landing(folder: Path) -> dict:
        from duurzaam.synthetic import generate

        generate(folder, parse_quarter_range(SAMPLE_QUARTERS), seed=7, scale=0.05)
        return {}

    built_once("landing", generate_landing)
    return RUN_FOLDER / "landing"


@pytest.fixture
def settings(tmp_path: Path, warehouse_url: str) -> Settings:
    """Settings for one test: its own warehouse, landing zone, outbox and work folders."""
    return replace(
        load_settings(),
        warehouse_url=warehouse_url,
        landing_dir=tmp_path / "landing",
        outbox_dir=tmp_path / "outbox",
        work_dir=tmp_path / "work",
        pseudonym_key=TEST_KEY,
    )


@dataclass(frozen=True)
class RoleBuiltWarehouse:
    url: str  # as the administrator
    database: str
    loader: str  # the login roles that loaded and built it
    transformer: str
    loads: list[dict]  # what each of the loader's ingests returned
    template: str  # a copy of it that nobody connects to: the template of tests' copies


class BuiltWarehouses(dict[str, Settings]):
    """backend -> Settings of a warehouse with every source of every sample quarter loaded
    and dbt built; built once per run, the first time a test asks for it."""

    def __init__(self, folders: pytest.TempPathFactory, landing: Path):
        super().__init__()
        self.folders, self.landing = folders, landing

    def settings(self, backend: str, url: str) -> Settings:
        folder = self.folders.mktemp(f"built-{backend}")
        return sample_settings(url, folder, self.landing)

    def __missing__(self, backend: str) -> Settings:
        if backend == "duckdb":
            # Each process reads a copy: DuckDB lets one process at a time open a file.
            built = built_once("warehouse-duckdb", lambda f: build_duckdb(f, self.landing))
            settings = self.settings(backend, "")
            copy = settings.work_dir.parent / "warehouse.duckdb"
            shutil.copyfile(built["file"], copy)
            settings = replace(settings, warehouse_url=f"duckdb:///{copy}")
        else:
            settings = self.settings(backend, self.role_built_postgres().url)
        self[backend] = settings
        return settings

    def role_built_postgres(self) -> RoleBuiltWarehouse:
        built = built_once("warehouse-postgres", lambda f: build_postgres_as_roles(f, self.landing))
        return RoleBuiltWarehouse(**built)


def sample_settings(url: str, folder: Path, landing: Path) -> Settings:
    """The settings of a warehouse at url, built from landing, its work and outbox folders in
    folder; the employers taking part those of landing's employers.yml, where the generator
    wrote one."""
    settings = replace(
        load_settings(),
        warehouse_url=url,
        landing_dir=landing,
        work_dir=folder / "work",
        outbox_dir=folder / "outbox",
        pseudonym_key=TEST_KEY,
    )
    employers = landing / "employers.yml"
    return replace(settings, employers_config=employers) if employers.is_file() else settings


def ingest_every_source(settings: Settings) -> list[dict]:
    """Ingests every source of every sample quarter; what each ingest returned."""
    from duurzaam.ingest.sources import SOURCES
    from duurzaam.ingest.steps import ingest

    return [
        ingest(source, str(quarter), settings)
        for quarter in parse_quarter_range(SAMPLE_QUARTERS)
        for source in SOURCES
    ]


def build_duckdb(folder: Path, landing: Path) -> dict:
    """Every source of the sample quarters loaded and dbt built in a DuckDB file."""
    from duurzaam.transform.run import transform
    from duurzaam.warehouse.database import open_warehouse

    file = folder / "warehouse.duckdb"
    settings = sample_settings(f"duckdb:///{file}", folder, landing)
    ingest_every_source(settings)
    transform(settings)  # dbt build: raises when a model or a data/unit test fails
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.execute("checkpoint")  # everything in the file, so that it can be copied
    return {"file": str(file)}


def build_postgres_as_roles(folder: Path, landing: Path) -> dict:
    """A PostgreSQL warehouse prepared by the administrator (schemas, migrations, the group
    roles), every source ingested by a login of duurzaam_loader, dbt run by a login of
    duurzaam_transformer."""
    from duurzaam.transform.run import prepare_warehouse, transform

    database = f"duurzaam_test_{uuid.uuid4().hex[:10]}"
    loader, dbt = (f"duurzaam_test_{uuid.uuid4().hex[:8]}" for _ in range(2))
    for kind, name in (("database", database), ("role", loader), ("role", dbt)):
        drop_after_run(kind, name)  # databases are dropped first: they hold the roles' objects
    with _admin_connection() as admin:
        admin.execute(f"create database {database}")
        admin.execute(f"create role {loader} login")
        admin.execute(f"create role {dbt} login")
    url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    settings = sample_settings(url, folder, landing)
    prepare_warehouse(settings)  # as the administrator: creates the group roles too
    with _admin_connection() as admin:
        admin.execute(f"grant duurzaam_loader to {loader}")
        admin.execute(f"grant duurzaam_transformer to {dbt}")
    loads = ingest_every_source(replace(settings, warehouse_url=as_user(url, loader)))
    transform(replace(settings, warehouse_url=as_user(url, dbt)))
    # A database can be copied only while nobody is connected to it, and the tests of the
    # other processes read this one at any time.
    template = f"{database}_template"
    drop_after_run("database", template)
    with _admin_connection() as admin:
        admin.execute(f"create database {template} template {database}")
    return {
        "url": url,
        "database": database,
        "loader": loader,
        "transformer": dbt,
        "loads": loads,
        "template": template,
    }


@pytest.fixture(scope="session")
def built_warehouses(
    tmp_path_factory: pytest.TempPathFactory, generated_landing: Path
) -> BuiltWarehouses:
    """Per backend, once per run when first asked for: a warehouse with every source of every
    sample quarter loaded and dbt built (its Settings). DuckDB's is this process's copy of
    the run's file; PostgreSQL's is role_built_postgres. The tests using them only read (or
    copy them to change them), whatever order they run in."""
    return BuiltWarehouses(tmp_path_factory, generated_landing)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built_warehouse(request: pytest.FixtureRequest, built_warehouses) -> Settings:
    """Each test using this runs once per backend, on the session's built warehouse."""
    return built_warehouses[request.param]


@pytest.fixture(scope="session")
def role_built_postgres(built_warehouses: BuiltWarehouses) -> RoleBuiltWarehouse:
    """A PostgreSQL warehouse as production runs it: prepared by the administrator (schemas,
    migrations), every source of the sample quarters ingested by a login of
    duurzaam_loader, the marts built by `transform` (dbt) logged in as a member of
    duurzaam_transformer. Built once per run (it is built_warehouses["postgres"]); read it,
    or copy it (throwaway_database(template=role_built_postgres.template)) to change it."""
    return built_warehouses.role_built_postgres()
