"""The one place that reads configuration. Every value comes from the environment,
with defaults that make the embedded mode (DuckDB file, outbox folder) work out of the box."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

# plugins/duurzaam/settings.py -> the project root, unless the deployment says otherwise.
PROJECT_ROOT = Path(os.environ.get("DUURZAAM_HOME", Path(__file__).resolve().parents[2]))

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
CONFIG_DIR = PROJECT_ROOT / "include" / "config"
TEMPLATES_DIR = PROJECT_ROOT / "include" / "templates"
SAMPLE_LANDING_DIR = PROJECT_ROOT / "include" / "sample_data"
SOURCES_CONFIG = CONFIG_DIR / "sources.yml"
EMPLOYERS_CONFIG = CONFIG_DIR / "employers.yml"  # the participating employers
# The municipality -> labour-market region table is a dbt seed; Python reads the same file.
MUNICIPALITIES_CSV = DBT_PROJECT_DIR / "seeds" / "municipalities.csv"

SUPPRESS_BELOW_DEFAULT = 10
# Where a region's page is, for the link in its report mail (the dashboard service's port).
DASHBOARD_URL_DEFAULT = "http://localhost:8050/"


@dataclass(frozen=True)
class Settings:
    warehouse_url: str
    landing_dir: Path
    outbox_dir: Path
    work_dir: Path
    pseudonym_key: bytes | None
    suppress_below: int
    sources_config: Path = SOURCES_CONFIG
    employers_config: Path = EMPLOYERS_CONFIG
    smtp_url: str | None = None  # smtp://user:password@host:587?starttls=true
    smtp_conn_id: str = "smtp_default"  # the Airflow connection, inside Airflow
    warehouse_conn_id: str = "duurzaam_warehouse"  # the Airflow connection, inside Airflow
    dashboard_dir: Path = PROJECT_ROOT / "dashboard"  # the built pages (its `current` link)
    dashboard_url: str = DASHBOARD_URL_DEFAULT  # the dashboard's address for its readers
    # `duurzaam query`'s warehouse: on PostgreSQL a login that only reads (duurzaam_analyst);
    # without it, warehouse_url (the embedded DuckDB file is opened read-only either way)
    query_url: str | None = None

    @property
    def backend(self) -> str:
        return warehouse_backend(self.warehouse_url)

    @property
    def query_warehouse_url(self) -> str:
        return self.query_url or self.warehouse_url

    def __repr__(self) -> str:
        """Every setting but the secrets: passwords in URLs and the pseudonym key are hidden,
        so that a settings object in a log line or an error message gives nothing away."""
        shown = {
            **vars(self),
            "warehouse_url": without_password(self.warehouse_url),
            "smtp_url": without_password(self.smtp_url) if self.smtp_url else None,
            "query_url": without_password(self.query_url) if self.query_url else None,
            "pseudonym_key": "***" if self.pseudonym_key else None,
        }
        return f"Settings({', '.join(f'{name}={value!r}' for name, value in shown.items())})"


def without_password(url: str) -> str:
    """The URL with its password (if any) replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.netloc.rsplit('@', 1)[1]}"
    return urlunsplit(parts._replace(netloc=netloc))


def warehouse_backend(url: str) -> str:
    """'duckdb' or 'postgres' (also the names of the dbt targets) for a warehouse URL."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme == "duckdb":
        return "duckdb"
    if scheme in ("postgresql", "postgres"):
        return "postgres"
    raise ValueError(
        f"DUURZAAM_WAREHOUSE_URL has an unsupported scheme {scheme!r}: "
        "use duckdb:///path/to/file.duckdb or postgresql://user@host:port/database"
    )


def load_settings() -> Settings:
    """Read the environment now (not at import), so tests and tasks can set it first."""
    env = os.environ
    key = env.get("DUURZAAM_PSEUDONYM_KEY")
    return Settings(
        warehouse_url=env.get(
            "DUURZAAM_WAREHOUSE_URL",
            f"duckdb:///{PROJECT_ROOT / 'warehouse' / 'duurzaam.duckdb'}",
        ),
        landing_dir=Path(env.get("DUURZAAM_LANDING_DIR", SAMPLE_LANDING_DIR)),
        outbox_dir=Path(env.get("DUURZAAM_OUTBOX_DIR", PROJECT_ROOT / "outbox")),
        work_dir=Path(env.get("DUURZAAM_WORK_DIR", PROJECT_ROOT / "work")),
        pseudonym_key=key.encode() if key else None,
        suppress_below=int(env.get("DUURZAAM_SUPPRESS_BELOW", SUPPRESS_BELOW_DEFAULT)),
        sources_config=sources_config_path(),
        employers_config=employers_config_path(),
        smtp_url=env.get("DUURZAAM_SMTP_URL") or None,
        smtp_conn_id=env.get("DUURZAAM_SMTP_CONN_ID", "smtp_default"),
        warehouse_conn_id=env.get("DUURZAAM_WAREHOUSE_CONN_ID", "duurzaam_warehouse"),
        dashboard_dir=Path(env.get("DUURZAAM_DASHBOARD_DIR", PROJECT_ROOT / "dashboard")),
        dashboard_url=env.get("DUURZAAM_DASHBOARD_URL", DASHBOARD_URL_DEFAULT),
        query_url=env.get("DUURZAAM_QUERY_URL") or None,
    )


def sources_config_path() -> Path:
    """Where each source's extract is and how long to wait for it (read at DAG parse time
    too, hence a function of its own)."""
    return Path(os.environ.get("DUURZAAM_SOURCES_CONFIG", SOURCES_CONFIG))


def employers_config_path() -> Path:
    """The participating employers' file (duurzaam.employers): DUURZAAM_EMPLOYERS_FILE, else
    include/config/employers.yml."""
    return Path(os.environ.get("DUURZAAM_EMPLOYERS_FILE", EMPLOYERS_CONFIG))


def source_config(settings: Settings) -> dict[str, Any]:
    """The sources configuration: each source's location and how long to wait for it."""
    with settings.sources_config.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


# The models built on the estimates that Python models write (mart_retention_effects and what
# reads it), tagged `estimates` in their yml: dbt builds them after the fit, in the CLI's
# transform and in the transform DAG.
ESTIMATES_SELECTOR = "tag:estimates"
