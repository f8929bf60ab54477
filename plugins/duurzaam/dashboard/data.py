"""What the dashboard reads: the published layer only (dbt schema `published`), where
disclosure control has been applied once for the reports and the dashboard alike. Every
model is read whole, once per build (all 37 pages come from the same snapshot), into plain
rows (dicts), split by region once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from duurzaam.errors import DuurzaamError
from duurzaam.publication.labels import NATIONAL, NATIONAL_NAME
from duurzaam.settings import Settings
from duurzaam.warehouse.database import Warehouse, open_warehouse

Row = dict[str, Any]

SCHEMA = "published"
SUPPRESSED = "_suppressed"
MODELS = {
    "region_quarter": "pub_region_quarter",
    "survival": "pub_cohort_survival",
    "factors": "pub_retention_factors",
    "survey": "pub_employer_survey",
    "followup": "pub_followup",
    "effects": "pub_retention_effects",  # adjusted: each factor with the others held equal
    "move_factors": "pub_move_factors",  # from work to work, one factor at a time
    "move_effects": "pub_move_effects",  # and with the others held equal
}
JOBS = ("jobs_market", "jobs_government", "jobs_target")  # summed for the country


@dataclass(frozen=True)
class DashboardData:
    """Per model, its rows by region code ('NL' for the country where the model has it)."""

    models: dict[str, dict[str, list[Row]]]
    national: list[Row] = field(init=False)  # the country per quarter, as a region's rows

    def __post_init__(self) -> None:
        object.__setattr__(self, "national", national_quarters(self.all("region_quarter")))

    def part(self, model: str, code: str) -> list[Row]:
        return self.models.get(model, {}).get(code, [])

    def all(self, model: str) -> list[Row]:
        return [row for rows in self.models.get(model, {}).values() for row in rows]

    @property
    def regions(self) -> list[tuple[str, str]]:
        """(code, name) of every region in the figures, by code."""
        return sorted(
            (code, str(rows[0]["region_name"]))
            for code, rows in self.models["region_quarter"].items()
        )

    @property
    def quarters(self) -> list[str]:
        return sorted({str(row["quarter"]) for row in self.all("region_quarter")})


def national_quarters(rows: list[Row]) -> list[Row]:
    """The country's row per quarter in the shape of a region's: the nl_ columns (the same on
    every region's row), and the sums over the regions of the jobs-agreement columns."""
    national: dict[str, Row] = {}
    for row in sorted(rows, key=lambda r: (r["quarter"], r["region_code"])):
        quarter = str(row["quarter"])
        if quarter not in national:
            national[quarter] = {
                "quarter": quarter,
                "region_code": NATIONAL,
                "region_name": NATIONAL_NAME,
                **{c.removeprefix("nl_"): v for c, v in row.items() if c.startswith("nl_")},
                **dict.fromkeys(JOBS),
            }
        for column in JOBS:
            value = row[column]
            if value is not None and not isinstance(value, str):  # withheld adds nothing
                national[quarter][column] = (national[quarter][column] or 0) + float(value)
    return list(national.values())


def load_dashboard_data(settings: Settings) -> DashboardData:
    with open_warehouse(settings.warehouse_url) as warehouse:
        present = _published_tables(warehouse)
        missing = sorted(set(MODELS.values()) - present)
        if missing:
            raise DuurzaamError(
                f"the published layer lacks {', '.join(f'{SCHEMA}.{m}' for m in missing)}: "
                "run `duurzaam transform` (dbt build) before building the dashboard"
            )
        read = {name: _by_region(_read(warehouse, model)) for name, model in MODELS.items()}
    if not read["region_quarter"]:
        raise DuurzaamError(
            f"{SCHEMA}.{MODELS['region_quarter']} is empty: load a quarter and run "
            "`duurzaam transform` before building the dashboard"
        )
    return DashboardData(read)


def _published_tables(warehouse: Warehouse) -> set[str]:
    """The tables and views of the published schema (information_schema: both backends)."""
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = %s", (SCHEMA,)
    )
    return {str(name) for (name,) in rows}


def _read(warehouse: Warehouse, model: str) -> list[Row]:
    frame = warehouse.query_frame(f"select * from {SCHEMA}.{model}")
    rows = frame.astype(object).to_dict("records")
    return withheld_as_text([{str(c): v for c, v in row.items()} for row in rows])


def withheld_as_text(rows: list[Row]) -> list[Row]:
    """The published layer withholds a value as null with `<column>_suppressed` beside it
    ('<10', 'x', 'n<10'; dbt_project/README.md): here the value becomes that text, so a value
    is a number, None (not known) or the text a reader sees in its place."""
    result = []
    for row in rows:
        clean: Row = {}
        for column, value in row.items():
            if column.endswith(SUPPRESSED) and column.removesuffix(SUPPRESSED) in row:
                continue
            marker = row.get(column + SUPPRESSED)
            if _known(marker):
                clean[column] = str(marker)
            else:
                clean[column] = value if _known(value) else None
        result.append(clean)
    return result


def _known(value: Any) -> bool:
    """Not null: None, NaN and pandas' NA/NaT all count as null."""
    return not pd.isna(value)


def _by_region(rows: list[Row]) -> dict[str, list[Row]]:
    parts: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        parts[str(row["region_code"])].append(row)
    return dict(parts)
