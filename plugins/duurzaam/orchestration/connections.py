"""Inside Airflow the warehouse is an Airflow connection (`duurzaam_warehouse`, or the id in
DUURZAAM_WAREHOUSE_CONN_ID), so it can live in a secrets backend and be edited in the UI.
When no such connection exists, DUURZAAM_WAREHOUSE_URL (default: the embedded DuckDB file)
is used, as on the command line. dbt's profile comes from the same place
(duurzaam.transform.run.dbt_environment of these settings).

Connection types: `postgres` (host, port, login, password; the database in `schema`, as
Airflow's PostgreSQL connections have it) and `duckdb` (the file's path in `host`)."""

from __future__ import annotations

from dataclasses import replace

from duurzaam.errors import DuurzaamError
from duurzaam.reports.delivery import SmtpServer
from duurzaam.settings import Settings, load_settings


def airflow_settings() -> Settings:
    """The settings of a task: load_settings(), the warehouse taken from its Airflow
    connection when that exists."""
    settings = load_settings()
    url = connection_url(settings.warehouse_conn_id)
    return replace(settings, warehouse_url=url) if url else settings


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
