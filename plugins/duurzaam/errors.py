"""Errors a user can meet. Each says what is wrong, where, and what to do."""

from __future__ import annotations


class DuurzaamError(Exception):
    """Anything the pipeline refuses to do; the CLI exits 1."""


class InputRejected(DuurzaamError):
    """An extract that must not be loaded; the CLI exits 2. Nothing was written to raw."""

    def __init__(self, file: str, problem: str, hint: str, details: list[str] | None = None):
        self.file = file
        self.problem = problem
        self.hint = hint
        self.details = details or []
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}: {self.problem}"]
        lines += [f"  - {detail}" for detail in self.details]
        lines.append(f"  What to do: {self.hint}")
        return "\n".join(lines)


class WarehouseUnavailable(DuurzaamError):
    """The warehouse cannot be opened: server down, file missing or locked."""


# What the database said -> what to do about it, for the errors a user meets.
_DATABASE_HINTS = (
    (
        ("does not exist", "UndefinedTable", "CatalogException"),
        "is the warehouse built? Load a quarter (`duurzaam ingest`) and build the marts "
        '(`duurzaam transform`); `duurzaam query "select table_schema, table_name from '
        'information_schema.tables"` lists what there is',
    ),
    (
        ("read-only", "read_only", "ReadOnlySqlTransaction"),
        "`duurzaam query` only reads; the pipeline's own steps write the warehouse",
    ),
    (("syntax error", "Parser Error", "SyntaxError"), "check the SQL"),
)


def describe_database_error(error: BaseException) -> str | None:
    """One line for an error the database raised (a missing table, bad SQL, a write in a
    read-only session): what it said and what to do. None for any other error."""
    module = type(error).__module__.split(".")[0]
    if module not in ("duckdb", "_duckdb", "psycopg"):
        return None
    said = f"{type(error).__name__}: {first_line(error)}"
    for clues, hint in _DATABASE_HINTS:
        if any(clue in said for clue in clues):
            return f"the warehouse refused the statement ({said}): {hint}"
    return f"the warehouse refused the statement ({said})"


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class DisclosureLeak(DuurzaamError):
    """A count below the threshold follows from the published layer
    (duurzaam.disclosure.check): nothing may be published or sent from it."""
