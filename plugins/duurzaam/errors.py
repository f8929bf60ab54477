"""Errors a user can meet. Each says what is wrong, where, and what to do."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


class DuurzaamError(Exception):
    """Anything the pipeline refuses to do; the CLI exits 1."""


class InputRejected(DuurzaamError):
    """An extract that must not be loaded; the CLI exits 2. Nothing was written to raw.
    A rejection by the reader names the rule it broke and, where there is one, the row (as a
    spreadsheet numbers it) and the column."""

    def __init__(
        self,
        file: str,
        problem: str,
        hint: str,
        details: list[str] | None = None,
        *,
        rule: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ):
        self.file = file
        self.problem = problem
        self.hint = hint
        self.details = details or []
        self.rule, self.row, self.column = rule, row, column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        where += [f"column {self.column}"] if self.column is not None else []
        first = f"{self.file}: " + (f"{', '.join(where)}: " if where else "") + self.problem
        lines = [first + (f" [{self.rule}]" if self.rule else "")]
        lines += [f"  - {detail}" for detail in self.details]
        lines.append(f"  What to do: {self.hint}")
        return "\n".join(lines)

    def of_file(self, file: str) -> InputRejected:
        """The same rejection naming another file: the delivery, where a reader read the
        pulled copy of it."""
        return InputRejected(
            file,
            self.problem,
            self.hint,
            self.details,
            rule=self.rule,
            row=self.row,
            column=self.column,
        )


class WarehouseUnavailable(DuurzaamError):
    """The warehouse cannot be opened: server down, file missing or locked."""


class QueryRefused(DuurzaamError):
    """SQL that `duurzaam query` does not run: not exactly one statement, a write, a file or
    another database, or a login that could write. Nothing was changed; the CLI exits 2."""


# What the database said -> what to do about it, for the errors a user meets; whether it
# refused something `duurzaam query` never does (a write, a file, another database).
_DATABASE_HINTS = (
    (
        ("does not exist", "UndefinedTable", "CatalogException"),
        "is the warehouse built? Load a quarter (`duurzaam ingest`) and build the marts "
        '(`duurzaam transform`); `duurzaam query "select table_schema, table_name from '
        'information_schema.tables"` lists what there is',
        False,
    ),
    (
        ("read-only", "read_only", "ReadOnlySqlTransaction", "configuration has been locked"),
        "`duurzaam query` only reads; the pipeline's own steps write the warehouse",
        True,
    ),
    (
        ("PermissionException",),
        "`duurzaam query` reads the warehouse's own tables: no files, no other databases",
        True,
    ),
    (
        ("InsufficientPrivilege",),
        "the query login reads the schemas marts and published only (docs/operations.md, "
        '"Querying the warehouse")',
        True,
    ),
    (("syntax error", "Parser Error", "SyntaxError"), "check the SQL", False),
)


def describe_database_error(error: BaseException) -> str | None:
    """One line for an error the database raised (a missing table, bad SQL, a write in a
    read-only session): what it said and what to do. None for any other error."""
    found = _database_said(error)
    if found is None:
        return None
    said, hint, _ = found
    return f"the warehouse refused the statement ({said})" + (f": {hint}" if hint else "")


def refused_query(error: BaseException) -> QueryRefused | None:
    """The database's refusal of what `duurzaam query` never does (a write, a file, another
    database, a table the login may not read) as QueryRefused; None for any other error."""
    found = _database_said(error)
    if found is None or not found[2]:
        return None
    return QueryRefused(describe_database_error(error))


def _database_said(error: BaseException) -> tuple[str, str | None, bool] | None:
    """What the database said, its hint and whether it is a refusal; None when the error is
    not the database's."""
    module = type(error).__module__.split(".")[0]
    if module not in ("duckdb", "_duckdb", "psycopg"):
        return None
    said = f"{type(error).__name__}: {first_line(error)}"
    for clues, hint, refuses in _DATABASE_HINTS:
        if any(clue in said for clue in clues):
            return said, hint, refuses
    return said, None, False


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class DisclosureLeak(DuurzaamError):
    """A count below the threshold follows from the published layer
    (duurzaam.transform.disclosure.check): nothing may be published or sent from it."""


def describe_full_disk(
    error: OSError, setting: str | None = None, written: Path | None = None
) -> str | None:
    """One line for a write that found its disk full: the file or folder written to (the
    error's, unless `written` names it), where its disk is mounted and how much room is left,
    and what to do (`setting`: the one naming the folder, e.g. DUURZAAM_WORK_DIR). None for
    any other error."""
    if error.errno != errno.ENOSPC:
        return None
    named = error.filename2 or error.filename  # a copy names its source, then its target
    if written is None and not named:
        return "no space left on a disk this step writes to: make room, then run it again"
    path = written or Path(os.fsdecode(named))
    mount = next(
        folder for folder in (path, *path.parents) if folder.exists() and os.path.ismount(folder)
    )
    disk = shutil.disk_usage(mount)
    elsewhere = f", or set {setting} to a folder on a disk with room" if setting else ""
    return (
        f"no space left on the disk of {path} (mounted at {mount}: {_size(disk.free)} free of "
        f"{_size(disk.total)}): make room there{elsewhere}, then run it again"
    )


def _size(count: float) -> str:
    """1536 -> '1.5 KB'."""
    for unit in ("bytes", "KB", "MB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"
