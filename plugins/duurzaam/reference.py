"""The reference data: every municipality of the Netherlands and its labour-market region,
year by year (dbt_project/seeds/municipalities.csv, also loaded as dbt's seed). The only
reader of that file."""

from __future__ import annotations

from functools import cache

import pandas as pd

from duurzaam.settings import MUNICIPALITIES_CSV


@cache
def _table() -> pd.DataFrame:
    table = pd.read_csv(MUNICIPALITIES_CSV, dtype=str, keep_default_na=False)
    return table.astype({"year": int})


def municipalities() -> pd.DataFrame:
    """One row per municipality and year, text columns ('' where absent: a municipality of
    before 2014 has no region); a copy the caller may change."""
    return _table().copy()


def region_names() -> pd.DataFrame:
    """region_code and region (its name) as they occur, sorted by code: a region renamed
    over the years has a row per name."""
    table = _table()
    named = table.loc[table["region_code"] != "", ["region_code", "region"]]
    return named.drop_duplicates().sort_values(["region_code", "region"], ignore_index=True)


def region_codes() -> list[str]:
    return sorted(set(region_names()["region_code"]))


def municipality_codes() -> list[str]:
    """The codes of the municipalities that belong to a region (those of 2014 and later)."""
    table = _table()
    return sorted(set(table.loc[table["region_code"] != "", "code"]))
