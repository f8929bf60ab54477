"""Inside Airflow the settings that are secrets come from Airflow (here its environment
backend, AIRFLOW_CONN_* and AIRFLOW_VAR_*, as a secrets backend would give them): the
warehouse connection, the mail server's connection and the pseudonymisation key's Variable
win over the DUURZAAM_* variables of the command line. The postgres provider is installed, so
the warehouse's connection type has its form in the UI."""

from __future__ import annotations

import json
import secrets

from sqlalchemy.engine import make_url

from duurzaam.orchestration.connections import (
    PSEUDONYM_KEY_VARIABLE,
    airflow_settings,
    smtp_server,
)


def test_the_key_comes_from_the_airflow_variable_before_the_environment(monkeypatch):
    monkeypatch.setenv("DUURZAAM_PSEUDONYM_KEY", "the-command-lines-key")
    monkeypatch.delenv(f"AIRFLOW_VAR_{PSEUDONYM_KEY_VARIABLE.upper()}", raising=False)
    assert airflow_settings().pseudonym_key == b"the-command-lines-key"  # embedded mode
    monkeypatch.setenv(f"AIRFLOW_VAR_{PSEUDONYM_KEY_VARIABLE.upper()}", "the-variables-key")
    assert airflow_settings().pseudonym_key == b"the-variables-key"
    monkeypatch.delenv("DUURZAAM_PSEUDONYM_KEY")
    assert airflow_settings().pseudonym_key == b"the-variables-key"


def test_the_warehouse_and_mail_server_come_from_their_connections(monkeypatch):
    monkeypatch.setenv("DUURZAAM_WAREHOUSE_URL", "duckdb:///not/this.duckdb")
    monkeypatch.setenv("DUURZAAM_SMTP_URL", "smtp://not.this.example:25")
    password = secrets.token_hex(8)  # made for the test: the repository holds no secret
    connection = {
        "conn_type": "postgres",
        "host": "db.example",
        "port": 5433,
        "login": "loader",
        "password": password,
        "schema": "warehouse",
    }
    monkeypatch.setenv("AIRFLOW_CONN_DUURZAAM_WAREHOUSE", json.dumps(connection))
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", "smtp://mail.example:2525?disable_ssl=true")
    settings = airflow_settings()
    url = make_url(settings.warehouse_url)
    assert (url.drivername, url.username, url.password) == ("postgresql", "loader", password)
    assert (url.host, url.port, url.database) == ("db.example", 5433, "warehouse")
    server = smtp_server(settings.smtp_url, settings.smtp_conn_id)
    assert (server.host, server.port) == ("mail.example", 2525)


def test_the_postgres_connection_type_has_its_form_in_the_ui():
    from airflow.providers_manager import ProvidersManager

    providers = ProvidersManager()
    assert "apache-airflow-providers-postgres" in providers.providers
    hook = providers.hooks["postgres"]
    assert hook is not None and hook.hook_class_name.endswith("PostgresHook")
    assert hook.connection_type == "postgres"
    # and the second alert channel's connection type
    assert providers.hooks["apprise"] is not None
