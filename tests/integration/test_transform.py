"""dbt on both backends: the build and its tests pass, and mart_region_quarter agrees with an
independent count made here, in plain pandas and Python, from the generated extract files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from duurzaam.quarters import parse_quarter_range
from duurzaam.settings import MUNICIPALITIES_CSV
from duurzaam.transform.run import generate_docs, transform
from duurzaam.warehouse.database import open_warehouse
from tests.conftest import SAMPLE_QUARTERS

# Every test runs dbt build on a generated landing zone.
pytestmark = pytest.mark.slow

GAP = pd.DateOffset(months=3)


@pytest.fixture
def built_mart(built_warehouse) -> pd.DataFrame:
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        return warehouse.query_frame("select * from marts.mart_region_quarter")


def test_an_empty_warehouse_gets_empty_marts_and_their_documentation(settings):
    transform(settings)
    with open_warehouse(settings.warehouse_url) as warehouse:
        assert warehouse.query("select count(*) from marts.mart_region_quarter") == [(0,)]

    page = generate_docs(settings)
    assert page.stat().st_size > 100_000  # the docs app with manifest and catalog inlined
    target = page.parent
    catalog = json.loads((target / "catalog.json").read_text())
    mart_columns = catalog["nodes"]["model.duurzaam.mart_region_quarter"]["columns"]
    assert {"retention_12m", "placed_in_work", "nl_placed_in_work"} <= set(mart_columns)
    manifest = json.loads((target / "manifest.json").read_text())
    report = manifest["exposures"]["exposure.duurzaam.regional_report"]
    assert set(report["depends_on"]["nodes"]) == {
        f"model.duurzaam.{model}"
        for model in (
            "pub_region_quarter",
            "pub_cohort_survival",
            "pub_retention_factors",
            "pub_retention_effects",
            "pub_move_factors",
            "pub_move_effects",
            "pub_employer_survey",
        )
    }
    assert '"regional_report"' in page.read_text()


def test_mart_matches_an_independent_count(built_mart, generated_landing):
    expected = expected_mart(generated_landing)
    mart = built_mart.set_index(["region_code", "quarter"]).sort_index()

    assert len(mart) == 35 * len(parse_quarter_range(SAMPLE_QUARTERS))
    for column in (
        "placements_started",
        "job_to_job_moves",
        "job_losses",
        "job_losses_provisional",
        "placed_in_work",
    ):
        got = mart[column].astype(int)
        # a (region, quarter) without any of this count is missing or NaN here: 0
        want = expected[column].reindex(mart.index).fillna(0).astype(int)
        assert got.equals(want), f"{column}: {got.compare(want)}"
    assert mart["placements_started"].sum() > 500  # the comparison is not about zeros

    for column in ("retention_6m", "retention_12m"):
        retention = expected[column].reindex(mart.index)
        observable = retention.notna()
        assert observable.sum() >= 35  # at least one cohort has been followed that long
        assert mart[column].isna().equals(~observable), column
        np.testing.assert_allclose(
            mart.loc[observable, column].astype(float), retention[observable], rtol=0, atol=1e-9
        )


# --- the independent count --------------------------------------------------------------


def expected_mart(landing: Path) -> pd.DataFrame:
    placements, last_quarter_end = current_placements(landing)
    spells, moves = spells_and_moves(placements)
    spells["region_code"] = region_at_start(spells)
    spells["start_quarter"] = quarter_of(spells["start"])
    spells["end_quarter"] = quarter_of(spells["end"])
    moves = moves.merge(spells[["spell_key", "region_code"]], on="spell_key")
    moves["quarter"] = quarter_of(moves["start"])
    ended = spells[spells["end"].notna()].copy()
    ended["provisional"] = ended["end"] + GAP > last_quarter_end

    counts = pd.concat(
        {
            "placements_started": spells.groupby(["region_code", "start_quarter"]).size(),
            "job_to_job_moves": moves.groupby(["region_code", "quarter"]).size(),
            "job_losses": ended.groupby(["region_code", "end_quarter"]).size(),
            "job_losses_provisional": ended.groupby(["region_code", "end_quarter"])[
                "provisional"
            ].sum(),
        },
        axis=1,
    ).fillna(0)
    counts.index.names = ["region_code", "quarter"]
    counts = counts.join(in_work_at_quarter_ends(spells), how="outer")

    first_start = pd.Timestamp(parse_quarter_range(SAMPLE_QUARTERS)[0].start)
    cohorts = spells[spells["start"] >= first_start]
    for months in (6, 12):
        retention = {
            (region, quarter): kaplan_meier_at(group, last_quarter_end, months)
            for (region, quarter), group in cohorts.groupby(["region_code", "start_quarter"])
        }
        counts[f"retention_{months}m"] = pd.Series(retention, dtype=float)
    return counts


def in_work_at_quarter_ends(spells: pd.DataFrame) -> pd.Series:
    """Spells started by a loaded quarter's last day and going on after it, per region."""
    counts = {}
    for quarter in parse_quarter_range(SAMPLE_QUARTERS):
        end = pd.Timestamp(quarter.end)
        running = spells[(spells["start"] <= end) & ~(spells["end"] <= end)]
        for region, count in running.groupby("region_code").size().items():
            counts[(region, str(quarter))] = count
    series = pd.Series(counts, name="placed_in_work", dtype=float)
    series.index.names = ["region_code", "quarter"]
    return series


def current_placements(landing: Path) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Every placement as the latest extract it appears in describes it."""
    frames = []
    for path in sorted((landing / "placements").glob("*.csv")):
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig") if _is_utf8(raw) else raw.decode("cp1252")
        frame = pd.read_csv(pd.io.common.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        frame["extract"] = path.stem
        frames.append(frame)
    extracts = pd.concat(frames).sort_values("extract")
    latest = extracts.drop_duplicates("plaatsing_id", keep="last").copy()
    latest["start"] = _dates(latest["startdatum"])
    latest["end"] = _dates(latest["einddatum"])
    last_quarter = max(frames, key=lambda f: f["extract"].iat[0])["extract"].iat[0]
    last_end = pd.Timestamp(parse_quarter_range(f"{last_quarter}:{last_quarter}")[0].end)
    return latest, last_end


def spells_and_moves(placements: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Walks each person's placements in start order, the way the definition reads."""
    spells, moves = [], []
    ordered = placements.sort_values(["persoon_id", "start", "plaatsing_id"])
    for person, rows in ordered.groupby("persoon_id", sort=False):
        spell = None
        for row in rows.itertuples():
            if spell is not None and (spell["running"] or row.start <= spell["latest_end"] + GAP):
                if not spell["running"] and row.start >= spell["latest_end"]:
                    moves.append({"spell_key": spell["spell_key"], "start": row.start})
                spell["running"] += pd.isna(row.end)
                if pd.notna(row.end):
                    spell["latest_end"] = max(spell["latest_end"], row.end)
                continue
            spell = {
                "spell_key": f"{person}-{len(spells)}",
                "first_placement": row.plaatsing_id,
                "start": row.start,
                "municipality": row.gemeente_code,
                "running": int(pd.isna(row.end)),
                "latest_end": row.end if pd.notna(row.end) else pd.Timestamp.min,
            }
            spells.append(spell)
    frame = pd.DataFrame(spells)
    frame["end"] = frame["latest_end"].where(frame["running"] == 0)
    return frame, pd.DataFrame(moves, columns=["spell_key", "start"])


def region_at_start(spells: pd.DataFrame) -> pd.Series:
    """The region of the reference row for that code with the first year >= the start year."""
    reference = pd.read_csv(MUNICIPALITIES_CSV, dtype={"year": int})
    regions = []
    by_code = {code: rows.sort_values("year") for code, rows in reference.groupby("code")}
    for code, start in zip(spells["municipality"], spells["start"], strict=True):
        rows = by_code[code]
        regions.append(rows.loc[rows["year"] >= start.year, "region_code"].iloc[0])
    return pd.Series(regions, index=spells.index)


def kaplan_meier_at(cohort: pd.DataFrame, observation_end: pd.Timestamp, months: int) -> float:
    """S(k): product over months t < k of (1 - ended at t / still followed at t)."""
    cohort_quarter_end = cohort["start"].max().to_period("Q").end_time.normalize()
    if cohort_quarter_end + pd.DateOffset(months=months) > observation_end:
        return math.nan
    event = cohort["end"].notna() & (cohort["end"] <= observation_end)
    follow_up_end = cohort["end"].where(event, observation_end)
    followed = [_whole_months(a, b) for a, b in zip(cohort["start"], follow_up_end, strict=True)]
    durations = pd.DataFrame({"months": followed, "event": event.to_numpy()})
    survival = 1.0
    for month in range(months):
        at_risk = (durations["months"] >= month).sum()
        ended = ((durations["months"] == month) & durations["event"]).sum()
        if at_risk:
            survival *= 1 - ended / at_risk
    return survival


def quarter_of(dates: pd.Series) -> pd.Series:
    return dates.dt.to_period("Q").astype(str).where(dates.notna())


def _whole_months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def _dates(text: pd.Series) -> pd.Series:
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    return iso.fillna(pd.to_datetime(text, format="%d-%m-%Y", errors="coerce"))


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
