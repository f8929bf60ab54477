"""What the effects models share when they store their estimates: the table replaced whole
in one transaction, the run id that names the data and the model, the digits a statistic is
stored to, and the fallback rule's number of outcomes per parameter."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from duurzaam.settings import Settings
from duurzaam.warehouse.database import open_warehouse

# A region gets a model of its own with at least this many outcomes (of each kind the model
# needs) per estimated parameter; otherwise its rows carry the national estimates.
EVENTS_PER_PARAMETER = 10


def replace_estimates(
    settings: Settings, table: str, columns: list[tuple[str, str]], rows: pd.DataFrame
) -> None:
    """Replaces an estimates table's rows in one transaction (created when missing)."""
    with open_warehouse(settings.warehouse_url) as warehouse, warehouse.transaction():
        warehouse.execute("create schema if not exists estimates")
        body = ", ".join(f"{name} {kind}" for name, kind in columns)
        warehouse.execute(f"create table if not exists {table} ({body})")
        warehouse.execute(f"delete from {table}")
        if not rows.empty:
            warehouse.bulk_insert(table, rows)


def run_id(spells: pd.DataFrame, version: str, id_column: str) -> str:
    """The same spells give the same id: it names the data and the model, not the moment (nor
    the pseudonyms the spells' ids come from)."""
    digest = hashlib.sha256(version.encode())
    content = spells.drop(columns=id_column, errors="ignore")
    digest.update(pd.util.hash_pandas_object(content, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def stored(value: Any) -> float:
    """A statistic to 10 significant digits. Its last binary digits differ between processes
    on the same spells (seen between a Celery task and the command line, in the
    proportional-hazards test), and a rerun has to write the same rows."""
    return float(f"{float(value):.10g}")
