"""Inside Airflow, Airflow holds the settings that are secrets, so a secrets backend can hold
them and the UI can edit the connections; the environment serves the command line.

The warehouse is an Airflow connection (`duurzaam_warehouse`, or the id in
DUURZAAM_WAREHOUSE_CONN_ID), so it can live in a secrets backend and be edited in the UI.
When no such connection exists, DUURZAAM_WAREHOUSE_URL (default: the embedded DuckDB file)
is used, as on the command line. dbt's profile comes from the same place
(duurzaam.transform.run.dbt_environment of these settings).

Connection types: `postgres` (host, port, login, password; the database in `schema`, as
Airflow's PostgreSQL connections have it: the postgres provider is installed, so the UI's
form shows and edits it) and `duckdb` (the file's path in `host`). The mail server is the
connection smtp_default (smtp_server below), the pseudonymisation key the Variable
duurzaam_pseudonym_key (docker-compose.yml sets neither as a DUURZAAM_* variable for Airflow:
one source of truth)."""

from __future__ import annotations

from dataclasses import replace

from duurzaam.errors import DuurzaamError
from duurzaam.reports.delivery import SmtpServer
from duurzaam.settings import Settings, load_settings

# The Airflow Variable holding the pseudonymisation key: in the stack, AIRFLOW_VAR_<NAME> on
# the worker alone; any secrets backend Airflow is configured with can hold it instead.
PSEUDONYM_KEY_VARIABLE = "duurzaam_pseudonym_key"


def airflow_settings() -> Settings:
    """The settings of a task: load_settings(), with the warehouse taken from its Airflow
    connection and the pseudonymisation key from its Airflow Variable when they exist (the
    environment's values serve the embedded mode and the command line)."""
    settings = load_settings()
    url = connection_url(settings.warehouse_conn_id)
    key = pseudonym_key()
    return replace(
        settings,
        warehouse_url=url or settings.warehouse_url,
        pseudonym_key=key or settings.pseudonym_key,
    )


def pseudonym_key() -> bytes | None:
    """The key in the Airflow Variable PSEUDONYM_KEY_VARIABLE; None when there is none."""
    from airflow.sdk import Variable

    value = Variable.get(PSEUDONYM_KEY_VARIABLE, default=None)
    return str(value).encode() if value else None


def connection_url(conn_id: str) -> str | None:
    """The warehouse URL of an Airflow connection; None when it does not exist."""
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException
    from sqlalchemy.engine import URL

    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    if connection.conn_type in ("postgres", "postgresql"):
        return URL.create(
            "postgresql",
            username=connection.login or None,
            password=connection.password or None,
            host=connection.host or None,
            port=connection.port or None,
            database=connection.schema or None,
        ).render_as_string(hide_password=False)
    if connection.conn_type == "duckdb" and connection.host:
        return f"duckdb:///{connection.host}"
    raise DuurzaamError(
        f"the Airflow connection {conn_id!r} is of type {connection.conn_type!r}: the warehouse "
        "needs a 'postgres' connection (host, port, login, password, database in schema) or a "
        "'duckdb' one (the file's path in host)"
    )


def smtp_server(smtp_url: str | None, airflow_conn_id: str | None = None) -> SmtpServer | None:
    """The server to send to. Inside Airflow (airflow_conn_id given): the Airflow connection
    (smtp_default unless DUURZAAM_SMTP_CONN_ID says otherwise) when it exists. Else
    DUURZAAM_SMTP_URL when set. Else None: the reports go to the outbox folder."""
    if airflow_conn_id:
        server = airflow_smtp_server(airflow_conn_id)
        if server:
            return server
    return SmtpServer.from_url(smtp_url) if smtp_url else None


def airflow_smtp_server(conn_id: str) -> SmtpServer | None:
    """The server of an Airflow connection as the SMTP provider reads it (extras
    disable_tls, disable_ssl, timeout); None when no such connection exists."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    hook = SmtpHook(smtp_conn_id=conn_id)
    try:
        hook.smtp_connection = hook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None
    return SmtpServer(
        host=hook.host,
        port=hook.port or 25,
        user=hook.smtp_user,
        password=hook.smtp_password,
        starttls=hook.smtp_starttls and not hook.use_ssl,
        ssl=hook.use_ssl,
        timeout=hook.timeout,
    )
