"""The participating employers' figures on the session's built warehouses (DuckDB and
PostgreSQL; the employers of the generated landing zone's employers.yml take part): the mart
counts their placements as an independent count of the extracts does, every small count of
theirs is withheld while the largest one's own figures are shown, only they appear and only
in the quarters they take part in, a benchmark over too few other employers is withheld, and
the participation table follows the employers' file (empty without one)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from duurzaam.employers import Employer, load_employers
from duurzaam.quarters import Quarter
from duurzaam.transform.run import prepare_warehouse, run_dbt
from duurzaam.warehouse.database import duckdb_path, open_warehouse
from tests.conftest import throwaway_database

pytestmark = pytest.mark.slow

COUNTS = ["placements_started", "job_losses", "job_to_job_moves", "rolling_year_placements"]


def participating(settings) -> dict[str, Employer]:
    employers = load_employers(settings.employers_config)
    assert len(employers) >= 3, settings.employers_config
    return employers


def current_placements(landing: Path) -> pd.DataFrame:
    """Each placement's row of the latest extract it is in, with that extract's quarter and
    its dates parsed."""
    files = sorted((landing / "placements").glob("*.csv"))
    extracts = [pd.read_csv(f, sep=";", dtype=str).assign(quarter=f.stem) for f in files]
    rows = pd.concat(extracts, ignore_index=True)  # one label per row: end_kinds keys on it
    rows = rows.sort_values("quarter").groupby("plaatsing_id").tail(1)
    return rows.assign(start=dates(rows["startdatum"]), end=dates(rows["einddatum"]))


def published(settings, model: str) -> pd.DataFrame:
    with open_warehouse(settings.warehouse_url) as warehouse:
        return warehouse.query_frame(f"select * from published.{model}")


def dates(column: pd.Series) -> pd.Series:
    """The extract's dates: dd-mm-yyyy, or ISO 8601 (both are accepted)."""
    day_first = pd.to_datetime(column, format="%d-%m-%Y", errors="coerce")
    return day_first.fillna(pd.to_datetime(column, format="%Y-%m-%d", errors="coerce"))


def end_kinds(placements: pd.DataFrame) -> pd.Series:
    """Per placement that ended: 'move' when the person's next placement starts on or after
    its end and within 3 months, 'loss' when none does, None when another placement of the
    person runs on after it (its end ends nothing)."""
    kinds = {}
    for _, own in placements.groupby("persoon_id"):
        for row in own[own["end"].notna()].itertuples():
            others = own[own["plaatsing_id"] != row.plaatsing_id]
            running = (others["start"] < row.end) & (
                others["end"].isna() | (others["end"] > row.end)
            )
            if running.any():
                kinds[row.Index] = None
                continue
            later = others.loc[others["start"] >= row.end, "start"]
            within = not later.empty and later.min() <= row.end + pd.DateOffset(months=3)
            kinds[row.Index] = "move" if within else "loss"
    return pd.Series(kinds, dtype=object)


def expected_counts(placements: pd.DataFrame, employer: str) -> pd.DataFrame:
    """The employer's figures per quarter, counted from `placements` (the landing zone's,
    with their `kind` of end)."""
    own = placements[placements["werkgever_id"] == employer]
    quarters = sorted(placements["quarter"].unique())
    rows = []
    for position, label in enumerate(quarters):
        quarter = Quarter.parse(label)
        first, last = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
        ended = own[(own["end"] >= first) & (own["end"] <= last)]
        year = own[(own["start"] >= pd.Timestamp((quarter - 3).start)) & (own["start"] <= last)]
        rows.append(
            {
                "quarter": label,
                "placements_started": own["start"].between(first, last).sum(),
                "in_work": ((own["start"] <= last) & ~(own["end"] <= last)).sum(),
                "job_losses": (ended["kind"] == "loss").sum(),
                "job_to_job_moves": (ended["kind"] == "move").sum(),
                "rolling_year_placements": len(year) if position >= 3 else None,
                "jobcoach_placements": (year["jobcoach"] == "ja").sum() if position >= 3 else None,
            }
        )
    return pd.DataFrame(rows).set_index("quarter")


def test_the_mart_counts_the_employers_placements_as_the_extracts_do(built_warehouse):
    placements = current_placements(built_warehouse.landing_dir)
    placements["kind"] = end_kinds(placements)
    quarters = sorted(placements["quarter"].unique())
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        mart = warehouse.query_frame("select * from marts.mart_employer_quarter")
    counted = []
    for employer in participating(built_warehouse).values():
        expected = expected_counts(placements, employer.employer_id)
        expected = expected[[employer.takes_part_in(Quarter.parse(q)) for q in quarters]]
        own = mart[mart["employer_id"] == employer.employer_id].set_index("quarter")
        own = own.sort_index()[expected.columns].astype("Float64")
        assert own.equals(expected.astype("Float64")), (employer, own.compare(expected))
        counted.append(expected)
    counts = pd.concat(counted)
    # the ends were counted, not only their absence; a large one is in work
    assert counts["job_losses"].sum() > 0 and counts["job_to_job_moves"].sum() > 0
    assert counts["in_work"].max() >= 10


def test_every_small_count_of_an_employer_is_withheld_and_a_large_ones_shown(built_warehouse):
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        exact = warehouse.query_frame("select * from marts.mart_employer_quarter")
    rows = published(built_warehouse, "pub_employer_quarter")
    assert len(rows) == len(exact)
    rows = rows.set_index(["employer_id", "quarter"]).sort_index()
    exact = exact.set_index(["employer_id", "quarter"]).sort_index()
    for column in [*COUNTS, "in_work", "jobcoach_placements", "wage_cost_subsidy_placements"]:
        small = exact[column] < 10
        assert rows.loc[small, column].isna().all(), column
        assert (rows.loc[small, column + "_suppressed"] == "<10").all(), column
    started = exact.groupby(level="employer_id")["placements_started"].sum()
    # the employer with the fewest placements shows none of its flows
    assert rows.loc[started.idxmin(), ["placements_started", "job_losses"]].isna().all().all()
    # the one with the most shows its own figures: in work in every quarter, its rolling
    # year's placements in every quarter that has one, exactly
    own, mart = rows.loc[started.idxmax()], exact.loc[started.idxmax()]
    assert own["in_work"].notna().all() and own["in_work_suppressed"].isna().all(), own
    year = mart["rolling_year_placements"].notna()
    assert year.any() and own.loc[year, "rolling_year_placements_suppressed"].isna().all(), own
    shown = own.loc[year, "rolling_year_placements"].astype(int)
    assert shown.equals(mart.loc[year, "rolling_year_placements"].astype(int))


def test_only_participating_employers_appear_in_the_quarters_they_take_part_in(
    built_warehouse,
):
    employers = participating(built_warehouse)
    rows = published(built_warehouse, "pub_employer_quarter")
    quarters = sorted(current_placements(built_warehouse.landing_dir)["quarter"].unique())
    expected = {
        (e.employer_id, q)
        for e in employers.values()
        for q in quarters
        if e.takes_part_in(Quarter.parse(q))
    }
    assert set(zip(rows["employer_id"], rows["quarter"], strict=True)) == expected
    assert any(e.since > Quarter.parse(quarters[0]) or e.until for e in employers.values())
    regions = dict(zip(rows["employer_id"], rows["region_code"], strict=False))
    assert regions == {e.employer_id: e.region_code for e in employers.values()}


def test_the_benchmarks_add_up_to_all_employers_whose_job_losses_are_the_countrys(
    built_warehouse,
):
    """What the disclosure checker takes the attacker to know of the benchmarks."""
    with open_warehouse(built_warehouse.warehouse_url) as warehouse:
        sums = warehouse.query_frame(
            "select benchmark, quarter, sum(placements_started) as started, "
            "sum(job_losses) as losses, sum(employers) as employers "
            "from marts.mart_employer_benchmarks group by benchmark, quarter"
        )
        country = warehouse.query_frame(
            "select distinct quarter, nl_job_losses from marts.mart_region_quarter"
        )
    kinds = sums.pivot(index="quarter", columns="benchmark").astype(int)
    for measure in ("started", "losses", "employers"):
        assert kinds[(measure, "region")].equals(kinds[(measure, "sector_size")]), measure
    losses = country.set_index("quarter")["nl_job_losses"].astype(int)
    assert kinds[("losses", "sector_size")].to_dict() == losses.to_dict()


@pytest.fixture
def copied_warehouse(built_warehouses, request, tmp_path):
    """A copy of the session's built warehouse (per backend) that a test may change."""
    if request.param == "duckdb":
        copy = tmp_path / "copy.duckdb"
        shutil.copyfile(duckdb_path(built_warehouses["duckdb"].warehouse_url), copy)
        yield replace(built_warehouses["duckdb"], warehouse_url=f"duckdb:///{copy}")
        return
    template = request.getfixturevalue("role_built_postgres").template
    with throwaway_database(template=template) as url:
        yield replace(built_warehouses["postgres"], warehouse_url=url)


@pytest.mark.parametrize(
    "copied_warehouse",
    ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)],
    indirect=True,
)
def test_a_benchmark_over_fewer_than_the_threshold_of_other_employers_is_withheld(
    copied_warehouse,
):
    """The benchmarks of AM05 and AM06 made to be over 10 employers (9 besides the reader),
    AM18's over 11, and the published benchmarks built again from them: every figure of the
    first two withheld, AM18's number of employers shown."""
    with open_warehouse(copied_warehouse.warehouse_url) as warehouse:
        for scope, employers in (("AM05", 10), ("AM06", 10), ("AM18", 11)):
            warehouse.execute(
                "update marts.mart_employer_benchmarks set employers = %s, rolling_year_employers"
                " = case when rolling_year_employers is not null then %s end where scope = %s",
                (employers, employers, scope),
            )
    run_dbt(["run", "--select", "pub_employer_benchmarks"], copied_warehouse)
    rows = published(copied_warehouse, "pub_employer_benchmarks")
    latest = rows[rows["quarter"] == rows["quarter"].max()].set_index("scope")
    for column in [*COUNTS, "employers", "rolling_year_employers", "in_work"]:
        few = latest.loc[["AM05", "AM06"]]
        assert few[column].isna().all(), column
        assert few[column + "_suppressed"].isin(["x", "<10"]).all(), column
    assert latest.loc["AM18", "employers"] == 11
    assert latest.loc["AM18", "rolling_year_employers"] == 11


@pytest.mark.parametrize("content", [None, "", "# nobody yet\nemployers:\n"])
def test_no_employers_file_or_an_empty_one_leaves_the_participation_table_empty(
    settings, content, tmp_path
):
    employers = tmp_path / "employers.yml"
    if content is not None:
        employers.write_text(content, encoding="utf-8")
    prepare_warehouse(replace(settings, employers_config=employers))
    with open_warehouse(settings.warehouse_url) as warehouse:
        assert warehouse.query("select count(*) from participation.employers") == [(0,)]


def test_the_participation_table_is_the_files_and_replaced_whole(settings, tmp_path):
    employers = tmp_path / "employers.yml"
    entry = "  {id}:\n    naam: W\n    regio: AM05\n    adressen: hr@w.example\n"
    employers.write_text(
        "employers:\n"
        + entry.format(id="WG1")
        + "    deelname_vanaf: 2023Q2\n    deelname_tot: 2024Q1\n"
        + entry.format(id="WG2")
        + "    deelname_vanaf: 2024Q1\n",
        encoding="utf-8",
    )
    prepare_warehouse(replace(settings, employers_config=employers))
    prepare_warehouse(replace(settings, employers_config=employers))  # a rerun: the same rows
    with open_warehouse(settings.warehouse_url) as warehouse:
        rows = warehouse.query("select * from participation.employers order by employer_id")
    assert rows == [("WG1", "AM05", "2023Q2", "2024Q1"), ("WG2", "AM05", "2024Q1", None)]
