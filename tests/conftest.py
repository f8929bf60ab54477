"""Shared fixtures: settings pointing at temporary folders, a real PostgreSQL database per
test session, and a small generated landing zone."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import Settings, load_settings

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


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the real server, dropped afterwards."""
    name = f"duurzaam_test_{uuid.uuid4().hex[:10]}"
    with _admin_connection() as admin:
        admin.execute(f"create database {name}")
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with _admin_connection() as admin:
            admin.execute(f"drop database if exists {name} with (force)")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs once per backend."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    return request.getfixturevalue("postgres_url")


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
