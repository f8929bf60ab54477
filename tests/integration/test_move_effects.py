"""From work to work on the session's built warehouses (DuckDB and PostgreSQL): the ends of
int_job_ends against the job-to-job rule of int_placement_spells, mart_move_factors against
an independent count of the ends, mart_move_effects holding the fit a rerun would write, and
the published models withholding what the disclosure rules say."""

from __future__ import annotations

import pandas as pd

from duurzaam.effects.move_store import move_rows, read_ends
from duurzaam.publication.labels import NATIONAL
from duurzaam.warehouse.database import open_warehouse


def test_every_job_to_job_placement_and_every_ended_spell_is_one_end(built_warehouse):
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        ends = warehouse.query_frame("select * from intermediate.int_job_ends")
        (moves,) = warehouse.query(
            "select count(*) from intermediate.int_placement_spells "
            "where placement_kind = 'job_to_job'"
        )[0]
        (losses,) = warehouse.query(
            "select count(*) from intermediate.int_spells where spell_end_date is not null"
        )[0]
    assert ends["is_move"].sum() == moves > 50
    assert (~ends["is_move"]).sum() == losses > 100
    known = ends[ends["is_outcome_known"]]
    assert (known["months_to_next_job"] != "nog onbekend").any()
    assert set(known.loc[known["is_move"], "months_to_next_job"]) == {"0-3"}
    # a loss is never followed by a new job within 3 months: that would have been a move
    back = known[~known["is_move"] & known["next_start_date"].notna()]
    gap = pd.to_datetime(back["next_start_date"]) - pd.to_datetime(back["end_date"])
    assert (gap > pd.Timedelta(days=89)).all()


def test_the_factors_mart_counts_the_ends_of_each_level(built_warehouse):
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        mart = warehouse.query_frame("select * from marts.mart_move_factors")
        ends = warehouse.query_frame(
            "select * from intermediate.int_job_ends where is_outcome_known"
        )
    national = mart[mart["region_code"] == NATIONAL].set_index(["factor", "level"])
    for factor in ("jobcoach", "contractvorm", "spell_length_band"):
        counts = ends.groupby(factor)["is_move"].agg(["size", "sum"])
        for level, (size, moves) in counts.iterrows():
            row = national.loc[(factor, level)]
            assert (row["ends"], row["moves"]) == (size, moves), (factor, level)
            assert row["move_share_ci_lower"] <= moves / size <= row["move_share_ci_upper"]
        # every factor splits the same ends
        assert national.loc[factor, "ends"].sum() == len(ends)
    losses = ends[~ends["is_move"]]
    assert (
        national.loc["jobcoach", "not_back_12m"].sum()
        == (losses["months_to_next_job"] == "niet binnen 12").sum()
    )


def test_the_effects_mart_holds_the_fit_of_the_warehouse_ends_and_a_rerun_gives_the_same(
    built_warehouse,
):
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        mart = warehouse.query_frame("select * from marts.mart_move_effects")
        published = warehouse.query_frame("select * from published.pub_move_effects")
        ends = read_ends(warehouse)
    assert len(ends) > 500 and ends["is_move"].sum() > 100
    regions = set(mart["region_code"])
    assert NATIONAL in regions and len(regions - {NATIONAL}) == 35
    national = mart[mart["region_code"] == NATIONAL].set_index(["factor", "level"])
    assert national.loc[("jobcoach", "nee"), "is_reference"]
    assert national.loc[("spell_length_band", "0-6"), "is_reference"]
    assert national["odds_ratio"].notna().sum() > 15
    # the sample's regions are too small for models of their own
    regional = mart[mart["region_code"] != NATIONAL]
    assert (regional["model_region_code"] == NATIONAL).all()
    assert regional["note"].str.contains("national estimates").all()

    key = ["region_code", "factor", "level"]
    stored = mart.sort_values(key, ignore_index=True)
    rerun = move_rows(ends).sort_values(key, ignore_index=True)
    assert list(stored.columns) == list(rerun.columns)
    same = [*key, "ends", "moves", "model_run_id"]
    assert stored[same].astype(str).equals(rerun[same].astype(str))
    pd.testing.assert_series_equal(
        stored["odds_ratio"].astype(float), rerun["odds_ratio"].astype(float), rtol=0, atol=1e-12
    )
    # the national model's estimates are published on every row; the counts per level are
    # pub_move_factors'
    assert not {"ends", "moves"} & set(published.columns)
    assert (published["model_ends"] == len(ends)).all()
    shown = published.set_index(key).loc[stored.set_index(key).index]
    pd.testing.assert_series_equal(
        shown["odds_ratio"].reset_index(drop=True).astype(float),
        stored["odds_ratio"].astype(float),
        check_names=False,
    )


def test_the_published_factors_withhold_small_counts_and_their_shares(built_warehouse):
    threshold = built_warehouse.suppress_below
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        published = warehouse.query_frame("select * from published.pub_move_factors")
        mart = warehouse.query_frame("select * from marts.mart_move_factors")
    rows = published.merge(mart, on=["region_code", "factor", "level"], suffixes=("", "_mart"))
    for column in ("ends", "moves", "back_3_6m", "back_6_12m", "not_back_12m"):
        small = rows[f"{column}_mart"] < threshold
        assert rows.loc[small, column].isna().all()
        assert (rows.loc[small, f"{column}_suppressed"] == f"<{threshold}").all()
        shown = rows[column].notna()
        assert (rows.loc[shown, column] == rows.loc[shown, f"{column}_mart"]).all()
    few = (rows["moves_mart"] < threshold) | (rows["ends_mart"] - rows["moves_mart"] < threshold)
    assert rows.loc[few, "move_share"].isna().all()
    assert rows.loc[rows["move_share"].notna(), "moves"].notna().all()
    assert rows["move_share"].notna().sum() > 10  # the country's levels, at least
    assert rows["moves_suppressed"].eq("x").any()  # secondary suppression at work
