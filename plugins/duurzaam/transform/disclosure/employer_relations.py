"""How the employer reports' tables add up to other published tables: a participating
employer's row is part of its benchmarks (pub_employer_benchmarks) and of its region's
figures (pub_region_quarter), the other employers making up the rest; the benchmarks' total
of all employers is the country's. The spec (spec.py) says which."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from duurzaam.transform.disclosure.model import Cell, Equation, Table, sum_equation
from duurzaam.transform.disclosure.relations import TotalElsewhere

TotalKey = Callable[[Mapping[str, Any]], dict[str, str]]


@dataclass(frozen=True)
class PartOfElsewhere(TotalElsewhere):
    """The rows that `total_key` maps to one row of `total_table` add up, in `column`, to
    its `total`, with the rest of it (`others(<column>)`, never published) when `with_rest`:
    the participating employers of a benchmark, and the others. A value repeated on rows
    (a total per quarter) counts once."""

    total_key: TotalKey | None = None
    with_rest: bool = True

    def equations_with(self, table: Table, other: Table) -> Iterator[Equation]:
        assert self.total_key is not None
        groups: dict[tuple[tuple[str, str], ...], dict[Cell, None]] = defaultdict(dict)
        for row in table.rows:
            target = tuple(sorted(self.total_key(row).items()))
            groups[target][table.cell(table.key_of(row), self.column)] = None
        rest = f" + others({self.column})" if self.with_rest else ""
        label = f"{self.total_table} {self.total} = sum over {self.table} of {self.column}{rest}"
        for target, cells in groups.items():
            key = dict(target)
            parts = list(cells)
            if self.with_rest:
                parts.append(other.cell(key, f"others({self.column})"))
            yield sum_equation(other.cell(key, self.total), parts, label)


def region_benchmark(row: Mapping[str, Any]) -> dict[str, str]:
    """The region benchmark an employer's row is part of."""
    return {"benchmark": "region", "scope": str(row["region_code"]), "quarter": str(row["quarter"])}


def sector_size_benchmark(row: Mapping[str, Any]) -> dict[str, str]:
    """The sector type x size class benchmark an employer's row is part of."""
    scope = f"{row['sector_kind']} {row['size_class']}"
    return {"benchmark": "sector_size", "scope": scope, "quarter": str(row["quarter"])}


def region_quarter(row: Mapping[str, Any]) -> dict[str, str]:
    """The row of the region it takes part in (pub_region_quarter)."""
    return {"region_code": str(row["region_code"]), "quarter": str(row["quarter"])}


def quarter_of(row: Mapping[str, Any]) -> dict[str, str]:
    """The country's figures of the quarter (repeated on each row of pub_region_quarter)."""
    return {"quarter": str(row["quarter"])}
