"""`duurzaam query`: one analyst's SQL statement on the warehouse, read-only by construction.

DuckDB: a read-only connection that reaches no file and no other database and whose
settings no statement can change (duurzaam.warehouse.database.READ_ONLY_DUCKDB). PostgreSQL: a
read-only session of a login that cannot write, asked of the server before anything runs.
Both: exactly one statement, as written (no placeholders: a % is a %)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from duurzaam.errors import QueryRefused
from duurzaam.warehouse.database import (
    DuckDBWarehouse,
    PostgresWarehouse,
    Warehouse,
    connection_parameters,
    open_warehouse,
)

# PostgreSQL type oid -> Arrow type, so that a column keeps its type however many of its
# values are null (another type: as pyarrow infers it from the values)
ARROW_TYPES = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1042: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
}

# What the PostgreSQL login, or any role it may act as (inherited or by SET ROLE), could
# change: one line per reason, none for a login that only reads.
CAN_WRITE = """
with acting as (
    select oid, rolname, rolsuper, rolcreaterole from pg_roles
    where pg_has_role(current_user, oid, 'MEMBER')
), schemas as (
    select oid, nspname from pg_namespace
    where nspname !~ '^pg_' and nspname <> 'information_schema'
), tables as (
    select c.oid, s.nspname || '.' || c.relname as name
    from pg_class c join schemas s on s.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'f')
)
select rolname || ' is a superuser' from acting where rolsuper
union all
select rolname || ' may create roles' from acting where rolcreaterole
union all
select rolname || ' may write files or run programs on the server' from acting
where rolname in ('pg_write_server_files', 'pg_execute_server_program')
union all
select rolname || ' may create schemas' from acting
where has_database_privilege(oid, current_database(), 'CREATE')
union all
select a.rolname || ' may create in schema ' || s.nspname
from acting a cross join schemas s where has_schema_privilege(a.oid, s.oid, 'CREATE')
union all
select a.rolname || ' may write ' || t.name
from acting a cross join tables t
where has_table_privilege(a.oid, t.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
   or has_any_column_privilege(a.oid, t.oid, 'INSERT, UPDATE')
"""
SHOWN_REASONS = 3


def run_query(url: str, sql: str) -> pd.DataFrame:
    """The rows of the one statement in `sql` on the warehouse behind `url`. QueryRefused for
    none or several statements, or a PostgreSQL login that could write."""
    with open_warehouse(url, read_only=True) as warehouse:
        if isinstance(warehouse, PostgresWarehouse):
            return _frame(_postgres_statement(warehouse, connection_parameters(url)["user"], sql))
        assert isinstance(warehouse, DuckDBWarehouse)  # the other backend
        return warehouse.connection.execute(_duckdb_statement(warehouse, sql)).df()


def run_query_arrow(url: str, sql: str) -> pa.Table:
    """As run_query, with the columns' types as the database has them (an integer column
    with nulls stays integer, a date a date): what the files of `--format` are written from."""
    with open_warehouse(url, read_only=True) as warehouse:
        if isinstance(warehouse, PostgresWarehouse):
            user = connection_parameters(url)["user"]
            return arrow_of(_postgres_statement(warehouse, user, sql))
        assert isinstance(warehouse, DuckDBWarehouse)
        relation = warehouse.connection.sql(_duckdb_statement(warehouse, sql))
        return pa.table({}) if relation is None else relation.to_arrow_table()


def published_rows(warehouse: Warehouse, sql: str, params: tuple = ()) -> pa.Table:
    """The rows of one of our own statements (with %s placeholders) as an Arrow table."""
    if isinstance(warehouse, PostgresWarehouse):
        return arrow_of(warehouse.connection.execute(sql, params))
    assert isinstance(warehouse, DuckDBWarehouse)
    return warehouse.connection.sql(sql.replace("%s", "?"), params=list(params)).to_arrow_table()


def _duckdb_statement(warehouse: DuckDBWarehouse, sql: str) -> Any:
    # DuckDB's own parser splits the text; only the one statement it found runs
    statements = warehouse.connection.extract_statements(sql)
    _require_one_statement(len(statements))
    return statements[0]


def _postgres_statement(warehouse: PostgresWarehouse, user: str, sql: str) -> Any:
    writes = [what for (what,) in warehouse.query(CAN_WRITE)]
    if writes:
        more = len(writes) - SHOWN_REASONS
        raise QueryRefused(
            f"`duurzaam query` only reads, but the login {user} can write the warehouse "
            f"({'; '.join(writes[:SHOWN_REASONS])}{f' and {more} more' if more > 0 else ''}): "
            "set DUURZAAM_QUERY_URL to a login that is a member of duurzaam_analyst only "
            '(docs/operations.md, "Querying the warehouse")'
        )
    _require_one_statement(len(_postgres_statements(sql)))
    # A prepared statement: the server itself refuses a text of several statements, and the
    # text goes as written (no client-side placeholders).
    return warehouse.connection.execute(sql, None, prepare=True)


def _require_one_statement(found: int) -> None:
    if found == 0:
        raise QueryRefused("`duurzaam query` runs one SQL statement, and this text holds none")
    if found > 1:
        raise QueryRefused(
            f"`duurzaam query` runs one SQL statement, and this text holds {found}: run them "
            "one at a time"
        )


def _postgres_statements(sql: str) -> list[str]:
    """The statements of a PostgreSQL text (sqlparse knows its quoting: strings, quoted
    names, dollar quotes, comments), without the empty ones."""
    import sqlparse

    return [
        statement
        for statement in sqlparse.split(sql)
        if sqlparse.format(statement, strip_comments=True).strip().strip(";").strip()
    ]


def _frame(cursor: Any) -> pd.DataFrame:
    """A psycopg cursor's rows as a frame (none for a statement that returns no rows)."""
    if cursor.description is None:
        return pd.DataFrame()
    return pd.DataFrame(cursor.fetchall(), columns=[d.name for d in cursor.description])


def arrow_of(cursor: Any) -> pa.Table:
    """A psycopg cursor's rows as an Arrow table, typed by the columns' types."""
    if cursor.description is None:
        return pa.table({})
    rows = cursor.fetchall()
    arrays = [
        pa.array([row[index] for row in rows], type=ARROW_TYPES.get(column.type_code))
        for index, column in enumerate(cursor.description)
    ]
    return pa.Table.from_arrays(arrays, names=[column.name for column in cursor.description])
