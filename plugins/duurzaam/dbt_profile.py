"""dbt's profile inside Airflow: the warehouse of the task's settings (its Airflow connection,
else DUURZAAM_WAREHOUSE_URL), as an astronomer-cosmos profile mapping. Cosmos writes the
profile when a dbt task runs, not when the DAG is parsed, so the connection is read then."""

from __future__ import annotations

from typing import Any

from cosmos.profiles.base import BaseProfileMapping

from duurzaam.connections import connection_url
from duurzaam.settings import load_settings, warehouse_backend

# The variable dbt's profile reads the password from; cosmos sets it for the dbt run only.
CREDENTIAL_VARIABLE = "DUURZAAM_WAREHOUSE_PASSWORD"


class WarehouseProfile(BaseProfileMapping):
    """dbt's profile for the warehouse of the Airflow connection `conn_id` (else
    DUURZAAM_WAREHOUSE_URL), built when the dbt task runs: a PostgreSQL or DuckDB target. The
    password reaches dbt as a variable of the dbt run (cosmos's env_vars), never in the file."""

    secret_fields = ["password"]  # noqa: RUF012 (cosmos's own attribute)

    def __init__(self, conn_id: str = "duurzaam_warehouse") -> None:
        super().__init__(conn_id)

    def _target(self) -> dict[str, Any]:
        from duurzaam.warehouse import connection_parameters, duckdb_path

        url = connection_url(self.conn_id) or load_settings().warehouse_url
        if warehouse_backend(url) == "duckdb":
            return {"type": "duckdb", "path": str(duckdb_path(url)), "threads": 1}
        parameters = connection_parameters(url)
        return {
            "type": "postgres",
            "host": parameters["host"],
            "port": parameters["port"],
            "user": parameters["user"],
            "password": parameters.get("password", ""),
            "dbname": parameters["dbname"],
            "schema": "public",
            "threads": 2,
        }

    @property
    def dbt_profile_type(self) -> str:
        return str(self._target()["type"])

    @property
    def profile(self) -> dict[str, Any]:
        target = self._target()
        if "password" in target:
            target["password"] = f"{{{{ env_var('{CREDENTIAL_VARIABLE}') }}}}"
        return target

    @property
    def env_vars(self) -> dict[str, str]:
        target = self._target()
        return {CREDENTIAL_VARIABLE: target["password"]} if "password" in target else {}

    @property
    def mock_profile(self) -> dict[str, Any]:
        return {"type": "duckdb", "path": ":memory:"}

    def can_claim_connection(self) -> bool:
        return True
