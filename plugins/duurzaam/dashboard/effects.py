"""The adjusted effects as a table a reader sees: each factor's level against its reference
with the other factors held equal, the ratio and its 95% interval as published, under Dutch
column names. One table builder for both models of the published layer: the retention model
(hazard ratios of job loss, pub_retention_effects) and the move model (odds ratios of a
successful move from work to work, pub_move_effects)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from duurzaam.dashboard import show
from duurzaam.dashboard.data import Row
from duurzaam.publication.labels import FACTOR_LABELS, MOVE_FACTOR_LABELS, NATIONAL, level_label

REFERENCE = "1 (referentie)"
ESTIMATED_ON = {NATIONAL: "landelijk model (alle regio's)"}
OWN_MODEL = "deze regio"


@dataclass(frozen=True)
class EffectsLayout:
    """Which published columns a table shows, under which names, and which hold the ratio."""

    columns: dict[str, str]  # published column -> its Dutch name, in the table's order
    ratio: str
    bounds: tuple[str, str]
    factor_labels: dict[str, str]

    @property
    def estimates(self) -> tuple[str, ...]:
        return (self.ratio, *self.bounds)


RETENTION = EffectsLayout(
    columns={
        "factor": "Kenmerk",
        "level": "Niveau",
        "reference_level": "Vergeleken met",
        "hazard_ratio": "Hazard ratio",
        "hr_ci_lower": "95%-interval van",
        "hr_ci_upper": "tot",
        "spells": "n (werkperiodes)",
        # a region with too few job losses for a model of its own shows the national estimates
        "model_region_code": "Geschat op",
    },
    ratio="hazard_ratio",
    bounds=("hr_ci_lower", "hr_ci_upper"),
    factor_labels=FACTOR_LABELS,
)
MOVES = EffectsLayout(
    columns={
        "factor": "Kenmerk",
        "level": "Niveau",
        "reference_level": "Vergeleken met",
        "odds_ratio": "Odds ratio",
        "or_ci_lower": "95%-interval van",
        "or_ci_upper": "tot",
        "model_region_code": "Geschat op",
    },
    ratio="odds_ratio",
    bounds=("or_ci_lower", "or_ci_upper"),
    factor_labels=MOVE_FACTOR_LABELS,
)


def effects_table(
    rows: Sequence[Row], national: Sequence[Row] = (), layout: EffectsLayout = RETENTION
) -> dict[str, list]:
    """The effects of the published layer as a table: the columns a reader sees, in this
    order, under Dutch names. A reference level's ratio is 1 by definition; a level the
    region carries the national model's estimate for shows the country's estimate (national
    rows: `national`), named as such, whatever the region's own counts at that level."""
    columns = [c for c in layout.columns if rows and c in rows[0]]
    country = {(r["factor"], r["level"]): r for r in national}
    return {
        "columns": [layout.columns[c] for c in columns],
        # in one order, whatever order the warehouse returns them in
        "rows": sorted(
            ([_cell(c, _estimated(row, country, layout), layout) for c in columns] for row in rows),
            key=lambda cells: [str(cell) for cell in cells],
        ),
    }


def _estimated(row: Row, country: dict[tuple[Any, Any], Row], layout: EffectsLayout) -> Row:
    """The row with the estimate it is published with: the national model's, where the
    region has no model of its own for it (the country's row of the level, as published)."""
    national = country.get((row["factor"], row["level"]))
    if row.get("model_region_code") != NATIONAL or national is None:
        return row
    return {**row, **{c: national[c] for c in layout.estimates if c in national}}


def _cell(column: str, row: Row, layout: EffectsLayout) -> Any:
    """A ratio or its bound to two decimals, a number of people as a count; a value the
    published layer withheld as it writes it; a reference level's ratio as 1."""
    value = row[column]
    if column == "factor":
        return layout.factor_labels.get(str(value), value)
    if column == "level" or (column == "reference_level" and not row.get("is_reference")):
        return level_label(value)
    if column == "spells":
        return show.count(value)
    if column == "model_region_code":
        return ESTIMATED_ON.get(str(value), OWN_MODEL)
    if row.get("is_reference"):
        if column == "reference_level":
            return "(referentie)"
        if column == layout.ratio:
            return REFERENCE
        if column in layout.bounds:
            return None
    if column in layout.estimates and not isinstance(value, str):
        return show.score(value)
    return show.plain(value)
