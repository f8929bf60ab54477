"""The warehouse: one interface, two backends (DuckDB for the embedded mode, PostgreSQL).

Loads are bulk (DuckDB ingests the DataFrame directly, PostgreSQL gets a COPY) and every load
of a (source, quarter) is one transaction: the partition is replaced and the manifest row in
meta.loads written together, or nothing happens at all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import make_url

from duurzaam.errors import WarehouseUnavailable, first_line
from duurzaam.settings import warehouse_backend
from duurzaam.warehouse.meta_tables import LOAD_COLUMNS, META_TABLES
from duurzaam.warehouse.meta_tables import LoadManifest as LoadManifest  # as its loaders import it
from duurzaam.warehouse.migrations import apply_migrations

logger = logging.getLogger(__name__)


# A read-only DuckDB connection reads the warehouse's own tables only: no files, no other
# databases (ATTACH), no extensions to install, and no statement may change that.
READ_ONLY_DUCKDB: dict[str, Any] = {"enable_external_access": False, "lock_configuration": True}


class Warehouse:
    """What the pipeline needs from a warehouse. Backends implement the four primitives at
    the bottom; everything above them is shared."""

    placeholder = "%s"

    def ensure_schema(self, raw_tables: dict[str, list[tuple[str, str]]]) -> None:
        """raw.<source> per source, history.<source> with the same columns (the partitions
        that later revisions replaced), and the meta tables. Only what is missing is
        created, so the roles that may not create them (the loader, the transformer) work
        on a prepared warehouse."""
        schemas = (("raw", raw_tables), ("history", raw_tables), ("meta", META_TABLES))
        existing = self.existing_tables()
        missing = [
            (schema, table, columns)
            for schema, tables in schemas
            for table, columns in tables.items()
            if (schema, table) not in existing
        ]
        added = self._missing_columns(existing, schemas)
        if not missing and not added:
            return
        with self.transaction():
            for schema in dict.fromkeys(schema for schema, _, _ in missing):
                self.execute(f"create schema if not exists {schema}")
            for schema, table, columns in missing:
                body = ", ".join(f"{name} {kind}" for name, kind in columns)
                self.execute(f"create table if not exists {schema}.{table} ({body})")
            for schema, table, name, kind in added:
                self.execute(f"alter table {schema}.{table} add column if not exists {name} {kind}")

    def _missing_columns(
        self,
        existing: set[tuple[str, str]],
        schemas: tuple[tuple[str, dict[str, list[tuple[str, str]]]], ...],
    ) -> list[tuple[str, str, str, str]]:
        """Columns added since the warehouse was created (appended: a source's new columns
        come last in its RAW_COLUMNS). A table whose columns this user cannot see (the
        transformer and history) is left to the user who prepares the warehouse."""
        present: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in self.query(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('raw', 'history', 'meta')"
        ):
            present.setdefault((str(schema), str(table)), set()).add(str(column))
        return [
            (schema, table, name, kind)
            for schema, tables in schemas
            for table, columns in tables.items()
            if (schema, table) in existing and (schema, table) in present
            for name, kind in columns
            if name != "primary key" and name not in present[(schema, table)]
        ]

    def existing_tables(self) -> set[tuple[str, str]]:
        """(schema, table) of every table, whatever this user may do with it."""
        rows = self.query("select schemaname, tablename from pg_catalog.pg_tables")
        return {(str(schema), str(table)) for schema, table in rows}

    def current_load(self, source: str, quarter: str) -> dict[str, Any] | None:
        rows = self.query(
            f"select {', '.join(LOAD_COLUMNS)} from meta.loads "
            "where source = %s and quarter = %s and status = 'current'",
            (source, quarter),
        )
        return dict(zip(LOAD_COLUMNS, rows[0], strict=True)) if rows else None

    def quarter_loads(self, quarter: str) -> list[dict[str, Any]]:
        """Every load of the quarter (current, superseded, rejected), oldest first."""
        rows = self.query(
            f"select {', '.join(LOAD_COLUMNS)} from meta.loads where quarter = %s "
            "order by finished_at",
            (quarter,),
        )
        return [dict(zip(LOAD_COLUMNS, row, strict=True)) for row in rows]

    def accepted_revisions(self, source: str, quarter: str) -> int:
        rows = self.query(
            "select count(*) from meta.loads where source = %s and quarter = %s "
            "and status in ('current', 'superseded')",
            (source, quarter),
        )
        return int(rows[0][0])

    def replace_partition(
        self, table: str, blocks: Iterable[pd.DataFrame], manifest: LoadManifest
    ) -> None:
        """Swap the (source, quarter) partition for the rows of `blocks` (each inserted as
        it comes) and make `manifest` current. The replaced rows move to history.<table>, so
        figures published from an earlier revision stay explainable (their _load_id names
        the revision in meta.loads)."""
        with self.transaction():
            logger.debug("raw.%s: partition swap started (%s)", table, manifest.load_id)
            self.execute(
                f"insert into history.{table} select * from raw.{table} where quarter = %s",
                (manifest.quarter,),
            )
            self.execute(f"delete from raw.{table} where quarter = %s", (manifest.quarter,))
            logger.debug("raw.%s: replaced rows moved to history.%s", table, table)
            inserted = 0
            for block in blocks:
                self.bulk_insert(f"raw.{table}", block)
                inserted += len(block)
            logger.debug("raw.%s: %d rows inserted", table, inserted)
            self.execute(
                "update meta.loads set status = 'superseded' "
                "where source = %s and quarter = %s and status = 'current'",
                (manifest.source, manifest.quarter),
            )
            self._insert_manifest(manifest)
        logger.debug("raw.%s: partition swap written (%s)", table, manifest.load_id)

    def record_validation(self, load_id: str, summary: str) -> None:
        """The suite's summary on the manifest row of a load (written while the suite ran)."""
        self.execute(
            "update meta.loads set validation_summary = %s where load_id = %s", (summary, load_id)
        )

    def record_rejection(self, manifest: LoadManifest, quarantine: pd.DataFrame) -> None:
        """Keep why a file was refused. Rejecting the same file again replaces the record."""
        with self.transaction():
            self.execute("delete from meta.quarantine where load_id = %s", (manifest.load_id,))
            self.execute("delete from meta.loads where load_id = %s", (manifest.load_id,))
            self._insert_manifest(manifest)
            if not quarantine.empty:
                rows = quarantine.assign(
                    load_id=manifest.load_id,
                    source=manifest.source,
                    quarter=manifest.quarter,
                    file_name=manifest.file_name,
                )
                self.bulk_insert("meta.quarantine", rows[[c for c, _ in META_TABLES["quarantine"]]])

    def _insert_manifest(self, manifest: LoadManifest) -> None:
        values = [getattr(manifest, column) for column in LOAD_COLUMNS]
        self.execute(
            f"insert into meta.loads ({', '.join(LOAD_COLUMNS)}) "
            f"values ({', '.join(['%s'] * len(values))})",
            values,
        )

    # The primitives each backend provides.
    def execute(self, sql: str, params: Any = ()) -> None:
        raise NotImplementedError

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        raise NotImplementedError

    def query_frame(self, sql: str, params: Any = ()) -> pd.DataFrame:
        raise NotImplementedError

    def bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[None]:
        raise NotImplementedError
        yield

    def close(self) -> None:
        raise NotImplementedError


class DuckDBWarehouse(Warehouse):
    def __init__(self, path: Path, read_only: bool = False):
        import duckdb

        if read_only and not path.exists():
            raise WarehouseUnavailable(
                f"the DuckDB warehouse {path} does not exist yet: load a quarter "
                "(`duurzaam ingest`) and build the marts (`duurzaam transform`), or point "
                "DUURZAAM_WAREHOUSE_URL at the right file"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.connection = duckdb.connect(
                str(path), read_only=read_only, config=READ_ONLY_DUCKDB if read_only else {}
            )
        except duckdb.IOException as error:
            raise WarehouseUnavailable(
                f"the DuckDB warehouse {path} is in use by another process ({first_line(error)}"
                "): DuckDB lets one process write at a time, and nobody read meanwhile; wait for"
                " it (a pipeline step, or an analyst's `duurzaam query`) to finish, or use the "
                "PostgreSQL warehouse for concurrent work"
            ) from error
        self._depth = 0

    def execute(self, sql: str, params: Any = ()) -> None:
        self.connection.execute(_qmark(sql), list(params))

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        return self.connection.execute(_qmark(sql), list(params)).fetchall()

    def query_frame(self, sql: str, params: Any = ()) -> pd.DataFrame:
        return self.connection.execute(_qmark(sql), list(params)).df()

    def bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        # DuckDB scans the Arrow table in place (columnar, no per-row work, without the GIL:
        # the suite may run in another thread meanwhile).
        import duckdb
        import pyarrow as pa

        columns = ", ".join(frame.columns)
        self.connection.register("incoming_rows", pa.Table.from_pandas(frame, preserve_index=False))
        try:
            self.connection.execute(
                f"insert into {table} ({columns}) select {columns} from incoming_rows"
            )
        finally:
            # a failed insert aborts the transaction, and unregistering then fails too: the
            # insert's own error is the one to see (a later register replaces the view)
            with suppress(duckdb.Error):
                self.connection.unregister("incoming_rows")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._depth:  # already inside one: join it
            yield
            return
        self.connection.execute("begin transaction")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.connection.execute("rollback")
            raise
        else:
            self.connection.execute("commit")
        finally:
            self._depth -= 1

    def close(self) -> None:
        self.connection.close()


class PostgresWarehouse(Warehouse):
    def __init__(self, conninfo: dict[str, Any], read_only: bool = False):
        import psycopg

        # A read-only session refuses every write, whatever the user's privileges.
        options = "-c default_transaction_read_only=on" if read_only else None
        self._types: dict[str, dict[str, str]] = {}  # per table (a swap inserts in blocks)
        try:
            self.connection = psycopg.connect(**conninfo, autocommit=True, options=options)
        except psycopg.OperationalError as error:
            where = f"{conninfo['host']}:{conninfo['port']}/{conninfo['dbname']}"
            raise WarehouseUnavailable(
                f"cannot connect to the PostgreSQL warehouse at {where} as "
                f"{conninfo['user']} ({first_line(error)}): is the server running, and is "
                "DUURZAAM_WAREHOUSE_URL right?"
            ) from error

    def ensure_schema(self, raw_tables: dict[str, list[tuple[str, str]]]) -> None:
        """The tables, then the pending migrations (the warehouse roles)."""
        super().ensure_schema(raw_tables)
        apply_migrations(self)

    def execute(self, sql: str, params: Any = ()) -> None:
        # without parameters a text may hold several statements (migrations)
        self.connection.execute(sql, params or None)

    def query(self, sql: str, params: Any = ()) -> list[tuple]:
        return self.connection.execute(sql, params).fetchall()

    def query_frame(self, sql: str, params: Any = ()) -> pd.DataFrame:
        cursor = self.connection.execute(sql, params)
        assert cursor.description is not None, "query_frame needs a statement that returns rows"
        columns = [d.name for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def bulk_insert(self, table: str, frame: pd.DataFrame) -> None:
        from duurzaam.warehouse.binary_copy import copy_frame

        copy_frame(self.connection, table, frame, self._column_types(table))

    def _column_types(self, table: str) -> dict[str, str]:
        """Each column's type, as information_schema names it (asked once per table)."""
        if table not in self._types:
            columns = "select column_name, data_type from information_schema.columns where"
            query = f"{columns} table_schema = %s and table_name = %s"
            self._types[table] = dict(self.query(query, tuple(table.split("."))))
        return self._types[table]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    def close(self) -> None:
        self.connection.close()


def connection_parameters(url: str) -> dict[str, Any]:
    """psycopg connection arguments from a postgresql:// URL."""
    parsed = make_url(url)
    parameters = {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "dbname": parsed.database or "postgres",
    }
    if parsed.password:
        parameters["password"] = parsed.password
    return parameters


def duckdb_path(url: str) -> Path:
    database = make_url(url).database
    if not database:
        raise ValueError(f"{url!r} names no DuckDB file: use duckdb:///path/to/file.duckdb")
    return Path(database)


@contextmanager
def open_warehouse(url: str, read_only: bool = False) -> Iterator[Warehouse]:
    """The warehouse behind `url`; `read_only` refuses every write (analysts' queries)."""
    warehouse: Warehouse
    if warehouse_backend(url) == "duckdb":
        warehouse = DuckDBWarehouse(duckdb_path(url), read_only)
    else:
        warehouse = PostgresWarehouse(connection_parameters(url), read_only)
    try:
        yield warehouse
    finally:
        warehouse.close()


def _qmark(sql: str) -> str:
    """Our SQL is written with %s placeholders; DuckDB wants ?."""
    return sql.replace("%s", "?")
