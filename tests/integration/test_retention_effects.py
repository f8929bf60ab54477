"""marts.mart_retention_effects on the session's built warehouses (DuckDB and PostgreSQL):
national and regional rows, the estimates a rerun of the fit would write, nothing
person-level among them."""

from __future__ import annotations

import pandas as pd

from duurzaam.effects.store import effect_rows, read_spells
from duurzaam.publication.labels import NATIONAL
from duurzaam.warehouse.database import open_warehouse


def test_the_mart_holds_the_fit_of_the_warehouse_spells_and_a_rerun_gives_the_same(
    built_warehouse,
):
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        mart = warehouse.query_frame("select * from marts.mart_retention_effects")
        spells = read_spells(warehouse)
    assert len(spells) > 1000 and spells["is_event"].sum() > 100
    regions = set(mart["region_code"])
    assert NATIONAL in regions and len(regions - {NATIONAL}) == 35
    national = mart[mart["region_code"] == NATIONAL].set_index(["factor", "level"])
    assert national.loc[("jobcoach", "nee"), "is_reference"]
    assert national["hazard_ratio"].notna().sum() > 20
    assert (
        national.loc[("contractvorm", "vast"), "spells"] == (spells["contractvorm"] == "vast").sum()
    )
    # The sample's regions are too small for models of their own: the national estimates,
    # with a note saying why.
    regional = mart[mart["region_code"] != NATIONAL]
    assert (regional["model_region_code"] == NATIONAL).all()
    assert regional["note"].str.contains("national estimates").all()

    rerun = effect_rows(spells)
    key = ["region_code", "factor", "level"]
    stored = mart.sort_values(key, ignore_index=True)
    rerun = rerun.sort_values(key, ignore_index=True)
    assert list(stored.columns) == list(rerun.columns)
    same = [*key, "spells", "events", "model_run_id"]
    assert stored[same].astype(str).equals(rerun[same].astype(str))
    pd.testing.assert_series_equal(
        stored["hazard_ratio"].astype(float),
        rerun["hazard_ratio"].astype(float),
        rtol=0,
        atol=1e-12,
    )
    # only aggregates: no spell id, and every count is one of groups of spells
    assert not set(spells["spell_id"].astype(str)) & set(mart.astype(str).to_numpy().ravel())
