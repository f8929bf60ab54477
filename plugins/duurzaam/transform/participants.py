"""Who takes part, in the warehouse: the participating employers' file (duurzaam.employers) as
the table participation.employers, which dbt reads as a source (the employer models keep
the participating employers' rows only). Written before every dbt build, replaced whole in
one transaction: a build reads the file of its own run, never half of one."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from duurzaam.employers import Employer, load_employers
from duurzaam.warehouse.database import Warehouse

log = logging.getLogger(__name__)

SCHEMA = "participation"
TABLE = f"{SCHEMA}.employers"
COLUMNS = [
    ("employer_id", "text not null"),
    ("region_code", "text not null"),
    ("since_quarter", "text not null"),
    ("until_quarter", "text"),  # null while it takes part
]


def participation_rows(employers: dict[str, Employer]) -> pd.DataFrame:
    """One row per participating employer, as the table holds them."""
    rows = [
        (e.employer_id, e.region_code, str(e.since), str(e.until) if e.until else None)
        for e in employers.values()
    ]
    return pd.DataFrame(rows, columns=[name for name, _ in COLUMNS], dtype="object")


def write_participation(warehouse: Warehouse, path: Path) -> int:
    """Replaces participation.employers by the employers of the file at `path` (none when
    there is no file); returns how many take part."""
    rows = participation_rows(load_employers(path))
    body = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
    with warehouse.transaction():
        warehouse.execute(f"create schema if not exists {SCHEMA}")
        warehouse.execute(f"create table if not exists {TABLE} ({body})")
        # delete, not drop: on PostgreSQL dbt's staging view depends on the table
        warehouse.execute(f"delete from {TABLE}")
        if not rows.empty:
            warehouse.bulk_insert(TABLE, rows)
    log.info("%d participating employers from %s", len(rows), path)
    return len(rows)
