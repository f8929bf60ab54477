"""Shared fixtures: settings pointing at temporary folders, a real PostgreSQL database per
test session, and a small generated landing zone."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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


def _admin_connection() -> psycopg.Connection:
    from duurzaam.warehouse import connection_parameters

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
    with _admin_connection() as admin:
        admin.execute(f"create role {name} login in role {', '.join(groups)}")
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


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once per backend."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session")
def built_warehouses(
    tmp_path_factory: pytest.TempPathFactory, generated_landing: Path
) -> Iterator[dict[str, Settings]]:
    """Per backend, once per session when first asked for: a warehouse with the generated
    placements of every sample quarter loaded and dbt built (its Settings). Both stay until
    the session ends, whatever order the tests run in; the tests using them only read."""
    from duurzaam.ingest import ingest
    from duurzaam.transform import transform

    with ExitStack() as stack:

        def build(backend: str) -> Settings:
            folder = tmp_path_factory.mktemp(f"built-{backend}")
            if backend == "duckdb":
                url = f"duckdb:///{folder / 'warehouse.duckdb'}"
            else:
                url = stack.enter_context(throwaway_database())
            settings = replace(
                load_settings(),
                warehouse_url=url,
                landing_dir=generated_landing,
                outbox_dir=folder / "outbox",
                work_dir=folder / "work",
                pseudonym_key=TEST_KEY,
            )
            for quarter in parse_quarter_range(SAMPLE_QUARTERS):
                assert ingest("placements", str(quarter), settings)["status"] == "loaded"
            transform(settings)  # dbt build: raises when a model or a data/unit test fails
            return settings

        yield _BuiltOnDemand(build)


class _BuiltOnDemand(dict[str, Settings]):
    """backend -> Settings, built the first time a backend is asked for."""

    def __init__(self, build: Callable[[str], Settings]):
        super().__init__()
        self.build = build

    def __missing__(self, backend: str) -> Settings:
        self[backend] = settings = self.build(backend)
        return settings


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built_warehouse(request: pytest.FixtureRequest, built_warehouses) -> Settings:
    """Each test using this runs once per backend, on the session's built warehouse."""
    return built_warehouses[request.param]


@pytest.fixture(scope="session")
def generated_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic landing zone (persoon_id variant), generated once per session."""
    from duurzaam.synthetic import generate

    out = tmp_path_factory.mktemp("landing")
    generate(out, parse_quarter_range(SAMPLE_QUARTERS), seed=7, scale=0.05)
    return out


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


@pytest.fixture(scope="session")
def role_built_postgres(
    tmp_path_factory: pytest.TempPathFactory, generated_landing: Path
) -> Iterator[RoleBuiltWarehouse]:
    """A PostgreSQL warehouse as production runs it: prepared by the administrator (schemas,
    migrations), every source of the sample quarters ingested by a login of
    duurzaam_loader, the marts built by `transform` (dbt) logged in as a member of
    duurzaam_transformer. Built once per session; read it, or copy it (throwaway_database
    with it as template) to change it."""
    from duurzaam.ingest import ingest
    from duurzaam.sources import SOURCES
    from duurzaam.transform import prepare_warehouse, transform

    folder = tmp_path_factory.mktemp("role-built")
    with throwaway_database() as url:
        settings = replace(
            load_settings(),
            warehouse_url=url,
            landing_dir=generated_landing,
            work_dir=folder / "work",
            pseudonym_key=TEST_KEY,
        )
        prepare_warehouse(settings)  # as the administrator: creates the group roles too
        with login_role("duurzaam_loader") as loader, login_role("duurzaam_transformer") as dbt:
            try:
                as_loader = replace(settings, warehouse_url=as_user(url, loader))
                loads = [
                    ingest(source, str(quarter), as_loader)
                    for quarter in parse_quarter_range(SAMPLE_QUARTERS)
                    for source in SOURCES
                ]
                transform(replace(settings, warehouse_url=as_user(url, dbt)))
                yield RoleBuiltWarehouse(url, make_url(url).database, loader, dbt, loads)
            finally:
                drop_database(make_url(url).database)  # before its objects' owners
