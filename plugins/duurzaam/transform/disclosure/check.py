"""The checker on a warehouse: reads every table of the schema `published` and attacks it
(duurzaam.transform.disclosure.attack). `gate` raises DisclosureLeak when a count is recoverable, so
that nothing is announced or sent from a leaking published layer."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pandas as pd

from duurzaam.errors import DisclosureLeak
from duurzaam.settings import Settings, load_settings
from duurzaam.transform.disclosure.attack import attack, published_cells
from duurzaam.transform.disclosure.model import Finding
from duurzaam.warehouse.database import Warehouse, open_warehouse

log = logging.getLogger(__name__)

SCHEMA = "published"
SHOWN_FINDINGS = 50  # in a message; the rest are counted
INTEGER_TYPES = ("bigint", "integer", "smallint", "hugeint", "tinyint", "ubigint", "uinteger")
NUMBER_TYPES = ("double", "double precision", "real", "float", "numeric", "decimal")


@dataclass(frozen=True)
class CheckResult:
    findings: list[Finding]
    cells: int  # the values the published tables publish, shown or withheld
    threshold: int
    seconds: float

    def describe(self) -> str:
        """One line when clean; else each finding on its own line (the first 50)."""
        if not self.findings:
            return (
                f"no recoverable count below {self.threshold} in {self.cells} published cells "
                f"({self.seconds:.1f}s)"
            )
        lines = [
            f"{len(self.findings)} counts below {self.threshold} can be recovered from the "
            f"published layer ({self.cells} published cells):",
            *(f"  {finding}" for finding in self.findings[:SHOWN_FINDINGS]),
        ]
        if len(self.findings) > SHOWN_FINDINGS:
            lines.append(f"  and {len(self.findings) - SHOWN_FINDINGS} more")
        return "\n".join(lines)


def check_warehouse(
    source: Settings | str, threshold: int | None = None, read_only: bool = True
) -> CheckResult:
    """Attack the published tables of the warehouse (its Settings, or a URL with the
    threshold from DUURZAAM_SUPPRESS_BELOW). `read_only=False` where the same process
    already holds the DuckDB file open for writing (the transform), which DuckDB requires."""
    settings = load_settings() if isinstance(source, str) else source
    url = source if isinstance(source, str) else source.warehouse_url
    limit = settings.suppress_below if threshold is None else threshold
    started = time.perf_counter()
    with open_warehouse(url, read_only=read_only) as warehouse:
        frames = published_tables(warehouse)
    findings = attack(frames, limit)
    seconds = time.perf_counter() - started
    log.info("disclosure check: %d findings in %.1fs", len(findings), seconds)
    return CheckResult(findings, published_cells(frames), limit, seconds)


def published_tables(warehouse: Warehouse) -> dict[str, pd.DataFrame]:
    """table -> its rows, integer columns as nullable integers and numbers as floats (as both
    backends type them)."""
    rows = warehouse.query(
        "select table_name, column_name, lower(data_type) from information_schema.columns "
        "where table_schema = %s order by table_name, ordinal_position",
        (SCHEMA,),
    )
    types: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        types.setdefault(str(table), {})[str(column)] = str(data_type)
    frames = {}
    for table, columns in sorted(types.items()):
        frame = warehouse.query_frame(f"select * from {SCHEMA}.{table}")
        for column, data_type in columns.items():
            if data_type.startswith(INTEGER_TYPES):
                frame[column] = pd.to_numeric(frame[column]).astype("Int64")
            elif data_type.startswith(NUMBER_TYPES):
                frame[column] = pd.to_numeric(frame[column]).astype("float64")
        frames[table] = frame
    if not frames:
        raise DisclosureLeak(
            f"the warehouse has no schema {SCHEMA} to check: build it (`duurzaam transform`)"
        )
    return frames


def gate(settings: Settings) -> CheckResult:
    """Raises DisclosureLeak naming every recoverable count (the first 50) when the
    published layer leaks."""
    result = check_warehouse(settings, read_only=False)
    if result.findings:
        raise DisclosureLeak(
            result.describe() + "\nNothing is published from it: fix the disclosure control "
            "(dbt_project/macros/disclosure.sql, models/published) and transform again."
        )
    log.info(result.describe())
    return result
