"""What the attacker reasons about: cells of the published tables, what is known of them, the
equations between them, and the findings (a count below the threshold, recovered)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

Key = tuple[tuple[str, str], ...]
SUPPRESSED = "_suppressed"


@dataclass(frozen=True, order=True)
class Cell:
    """One value of a published table (or a quantity the attacker knows exists but that is
    never published, e.g. `rest(spells)`): its table, the key of its row and its column."""

    table: str
    key: Key
    column: str

    def __str__(self) -> str:
        where = " ".join(value for _, value in self.key)
        return f"{self.table} {where} {self.column}".replace("  ", " ")

    def short(self) -> str:
        """Without the table: how a cell reads inside an explanation."""
        return " ".join([*(value for _, value in self.key), self.column])


@dataclass(frozen=True)
class Finding:
    """A count below the threshold that follows from the published tables, and how."""

    cell: Cell
    value: float
    attack: str  # shown | rate | curve | relation | group | answers
    how: str

    @property
    def table(self) -> str:
        return self.cell.table

    def __str__(self) -> str:
        return f"{self.cell}: {self.value:.4g} ({self.attack}: {self.how})"


@dataclass(frozen=True)
class Equation:
    """sum(coefficient * cell) = 0. `total`: the equation says total = sum(parts) (the parts
    with coefficient -1), so the withheld parts together are bounded by it when they are
    counts (`bounded`)."""

    terms: tuple[tuple[Cell, float], ...]
    label: str
    kind: str = "relation"
    total: Cell | None = None
    bounded: bool = False


def sum_equation(total: Cell, parts: list[Cell], label: str, bounded: bool = True) -> Equation:
    """total = sum(parts)."""
    terms = ((total, 1.0), *((part, -1.0) for part in parts))
    return Equation(terms, label, total=total, bounded=bounded)


@dataclass
class Table:
    """A published table as the attacker reads it: rows keyed by the table's key columns;
    a column `repeated` over a part of the key (the national figure on each region's row) is
    one cell per value of that part."""

    name: str
    frame: pd.DataFrame
    keys: tuple[str, ...]
    repeated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys = tuple(k for k in self.keys if k in self.frame.columns)
        self.rows: list[dict[str, Any]] = [
            {str(k): v for k, v in row.items()} for row in self.frame.to_dict("records")
        ]

    def key_of(self, row: Mapping[str, Any]) -> dict[str, str]:
        return {k: str(row[k]) for k in self.keys}

    def cell(self, key: Mapping[str, str], column: str) -> Cell:
        scope = self.repeated.get(column, self.keys)
        return Cell(self.name, tuple((k, key[k]) for k in scope if k in key), column)

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def published_columns(self) -> list[str]:
        """The columns with a `<column>_suppressed` marker: shown or withheld per row."""
        return [c for c in self.frame.columns if f"{c}{SUPPRESSED}" in self.frame.columns]


def number(value: Any) -> float | None:
    """A cell's value as a float, None when it is null."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def shown_values(table: Table) -> Iterator[tuple[Cell, float | None]]:
    """Every published cell of the table: its value when shown, None when withheld (or
    null without a marker: not known either)."""
    for row in table.rows:
        key = table.key_of(row)
        for column in table.published_columns():
            yield table.cell(key, column), number(row[column])
