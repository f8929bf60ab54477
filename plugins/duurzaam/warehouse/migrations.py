"""Versioned migrations of the PostgreSQL warehouse (include/migrations/postgres/NNNN_*.sql):
each file is applied once, in order, in a transaction of its own, and recorded in
meta.schema_migrations with its checksum. The pipeline applies what is pending whenever it
prepares the warehouse (every ingest and transform)."""

from __future__ import annotations

import hashlib
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

from duurzaam.errors import DuurzaamError
from duurzaam.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "include" / "migrations" / "postgres"


class MigrationTarget(Protocol):
    """What applying migrations needs of a warehouse. Declared here, not imported from
    duurzaam.warehouse.database, because the warehouse applies the migrations when it prepares its
    schema."""

    def execute(self, sql: str, params: Any = ()) -> None: ...

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]: ...

    def transaction(self) -> AbstractContextManager[None]: ...

    def existing_tables(self) -> set[tuple[str, str]]: ...


def migration_files(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    return sorted((int(path.name.split("_", 1)[0]), path) for path in folder.glob("*.sql"))


def apply_migrations(warehouse: MigrationTarget, folder: Path = MIGRATIONS_DIR) -> list[int]:
    """Applies the pending migrations; returns their versions. With nothing pending it only
    reads, so the loader and transformer roles can run it."""
    if ("meta", "schema_migrations") not in warehouse.existing_tables():
        warehouse.execute(
            "create table if not exists meta.schema_migrations (version integer primary key, "
            "name text not null, sha256 text not null, applied_at timestamp not null default "
            "current_timestamp)"
        )
    applied = []
    for version, path in migration_files(folder):
        for attempt in range(1, MIGRATION_ATTEMPTS + 1):
            try:
                if _apply_one(warehouse, version, path):
                    applied.append(version)
                break
            except DuurzaamError as error:
                if attempt == MIGRATION_ATTEMPTS or not _lost_a_role_race(error.__cause__):
                    raise
                time.sleep(0.2 * attempt)
    return applied


# Roles belong to the whole server, the advisory lock above to one database: two warehouses
# on one server that migrate at the same moment can both create (or grant) the same role.
# The one that loses retries and finds the role there.
MIGRATION_ATTEMPTS = 3
_ROLE_RACE_STATES = {
    "23505",  # unique_violation: the role was created by the other database's migration
    "42710",  # duplicate_object
    "XX000",  # "tuple concurrently updated": a concurrent grant on the same role
}


def _lost_a_role_race(error: BaseException | None) -> bool:
    return getattr(error, "sqlstate", None) in _ROLE_RACE_STATES


def _apply_one(warehouse: MigrationTarget, version: int, path: Path) -> bool:
    """Applies one migration unless it is applied already; True when it was applied now."""
    sql = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(sql.encode()).hexdigest()
    with warehouse.transaction():
        # one migrating process at a time; the others wait, then find it applied
        warehouse.execute("select pg_advisory_xact_lock(hashtext('duurzaam-migrations'))")
        done = warehouse.query(
            "select sha256 from meta.schema_migrations where version = %s", (version,)
        )
        if done:
            if done[0][0] != digest:
                raise DuurzaamError(
                    f"migration {path.name} was changed after it was applied to this "
                    "warehouse: revert the change and add a new migration instead"
                )
            return False
        try:
            warehouse.execute(sql)
        except Exception as error:
            raise DuurzaamError(
                f"migration {path.name} failed: {error}. The warehouse user needs the "
                "CREATEROLE privilege (or an administrator applies the file)"
            ) from error
        warehouse.execute(
            "insert into meta.schema_migrations (version, name, sha256) values (%s, %s, %s)",
            (version, path.name, digest),
        )
    return True
