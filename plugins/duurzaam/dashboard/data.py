"""What the dashboard reads: the published layer only (dbt schema `published`), where
disclosure control has been applied once for the reports and the dashboard alike. Every
model is read whole, once per build: all 36 pages come from the same snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from duurzaam.dashboard.links import NATIONAL, NATIONAL_NAME
from duurzaam.errors import DuurzaamError
from duurzaam.settings import Settings
from duurzaam.warehouse import Warehouse, open_warehouse

SCHEMA = "published"
SUPPRESSED = "_suppressed"
MODELS = {
    "region_quarter": "pub_region_quarter",
    "survival": "pub_cohort_survival",
    "factors": "pub_retention_factors",
    "survey": "pub_employer_survey",
    "followup": "pub_followup",
}
# Adjusted effects (each factor with the others held equal) are shown once the published
# layer has them; until then the page says they are not there yet.
EFFECTS_MODEL = "pub_retention_effects"


@dataclass(frozen=True)
class DashboardData:
    region_quarter: pd.DataFrame  # region x quarter, with the national value beside each
    survival: pd.DataFrame  # region (and NL) x cohort x month
    factors: pd.DataFrame  # region (and NL) x factor x level
    survey: pd.DataFrame  # region (and NL) x wave x perspective
    followup: pd.DataFrame  # region (and NL) x wave x labour-expert role
    effects: pd.DataFrame | None  # region (and NL) x factor x level, when published

    @property
    def regions(self) -> list[tuple[str, str]]:
        """(code, name) of every region in the figures, by code."""
        names = self.region_quarter.drop_duplicates("region_code").sort_values("region_code")
        return list(zip(names["region_code"], names["region_name"], strict=True))

    @cached_property
    def national(self) -> pd.DataFrame:
        """The country per quarter in the shape of a region's rows: the nl_ columns beside
        every region row, and the sums over the regions where the model has no nl_ column."""
        return national_quarters(self.region_quarter)

    @property
    def quarters(self) -> list[str]:
        return sorted(self.region_quarter["quarter"].unique())

    def part(self, model: str, code: str) -> pd.DataFrame:
        """The rows of one region (or 'NL') of a model: split once, read for every page."""
        return self._parts[model].get(code, self._empty[model])

    @cached_property
    def _parts(self) -> dict[str, dict[str, pd.DataFrame]]:
        return {
            model: {str(code): rows for code, rows in frame.groupby("region_code", sort=False)}
            for model, frame in self._frames.items()
        }

    @cached_property
    def _empty(self) -> dict[str, pd.DataFrame]:
        return {model: frame.iloc[0:0] for model, frame in self._frames.items()}

    @property
    def _frames(self) -> dict[str, pd.DataFrame]:
        frames = {name: getattr(self, name) for name in MODELS}
        if self.effects is not None:
            frames["effects"] = self.effects
        return frames


def national_quarters(region_quarter: pd.DataFrame) -> pd.DataFrame:
    first = region_quarter.sort_values("region_code").drop_duplicates("quarter")
    national = pd.DataFrame({"quarter": first["quarter"].to_numpy()})
    for column in region_quarter.columns:
        if column.startswith("nl_"):
            national[column.removeprefix("nl_")] = first[column].to_numpy()
    columns = ["jobs_market", "jobs_government", "jobs_target"]
    numbers = region_quarter[columns].apply(pd.to_numeric, errors="coerce")  # withheld: NaN
    jobs = numbers.groupby(region_quarter["quarter"], sort=True).sum(min_count=1)
    national = national.merge(jobs, left_on="quarter", right_index=True, how="left")
    national["region_code"], national["region_name"] = NATIONAL, NATIONAL_NAME
    return national.sort_values("quarter").reset_index(drop=True)


def load_dashboard_data(settings: Settings) -> DashboardData:
    with open_warehouse(settings.warehouse_url) as warehouse:
        present = _published_tables(warehouse)
        missing = sorted(set(MODELS.values()) - present)
        if missing:
            raise DuurzaamError(
                f"the published layer lacks {', '.join(f'{SCHEMA}.{m}' for m in missing)}: "
                "run `duurzaam transform` (dbt build) before building the dashboard"
            )
        frames = {name: _read(warehouse, model) for name, model in MODELS.items()}
        effects = _read(warehouse, EFFECTS_MODEL) if EFFECTS_MODEL in present else None
    if frames["region_quarter"].empty:
        raise DuurzaamError(
            f"{SCHEMA}.{MODELS['region_quarter']} is empty: load a quarter and run "
            "`duurzaam transform` before building the dashboard"
        )
    return DashboardData(**frames, effects=effects)


def _published_tables(warehouse: Warehouse) -> set[str]:
    """The tables and views of the published schema (information_schema: both backends)."""
    rows = warehouse.query(
        "select table_name from information_schema.tables where table_schema = %s", (SCHEMA,)
    )
    return {str(name) for (name,) in rows}


def _read(warehouse: Warehouse, model: str) -> pd.DataFrame:
    """The model, each withheld value replaced by what the layer says to show instead."""
    return withheld_as_text(warehouse.query_frame(f"select * from {SCHEMA}.{model}"))


def withheld_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The published layer withholds a value as null with `<column>_suppressed` beside it
    ('<10', 'x', 'n<10'; dbt_project/README.md): here the value becomes that text, so a value
    is a number, None (not known) or the text a reader sees in its place."""
    frame = frame.astype(object).where(frame.notna(), None)
    for marker in [c for c in frame.columns if c.endswith(SUPPRESSED)]:
        column = marker.removesuffix(SUPPRESSED)
        if column in frame.columns:
            withheld = frame[marker].notna()
            frame.loc[withheld, column] = frame.loc[withheld, marker]
        frame = frame.drop(columns=marker)
    return frame
