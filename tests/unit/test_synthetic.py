"""The synthetic placements generator: the file contract, determinism, and the planted effects
the marts must reveal. Spells and job losses are recomputed from the files alone."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from duurzaam.employers import load_employers
from duurzaam.quarters import Quarter, parse_quarter_range
from duurzaam.settings import MUNICIPALITIES_CSV, SUPPRESS_BELOW_DEFAULT
from duurzaam.synthetic import GenerationSummary, generate
from duurzaam.synthetic.config import load_config
from duurzaam.synthetic.participants import HANDFUL
from tests.conftest import SAMPLE_QUARTERS
from tests.extracts import HEADER

COLUMNS = HEADER  # the placements contract, spelled out once for the tests
INSTRUMENTS = COLUMNS[-6:]
STATIC = [c for c in COLUMNS if c not in ("einddatum", "reden_einde")]
GAP_DAYS = 90  # a next placement within 3 months continues the spell
BIG_SCALE = 0.1
BIG_QUARTERS = "2018Q1:2021Q4"


def _read(path: Path) -> pd.DataFrame:
    """A quarter's file as the loader would see it: decoded by quarter, dates parsed."""
    quarter = Quarter.parse(path.stem)
    encoding = "cp1252" if quarter.number % 2 == 0 else "utf-8-sig"
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding=encoding)
    date_format = "%d-%m-%Y" if quarter.number % 2 == 0 else "%Y-%m-%d"
    for column in ("startdatum", "einddatum"):
        frame[column] = pd.to_datetime(frame[column].replace("", None), format=date_format)
    frame["quarter"] = quarter
    return frame


def _read_all(out: Path) -> pd.DataFrame:
    return pd.concat(
        [_read(path) for path in sorted((out / "placements").glob("*.csv"))], ignore_index=True
    )


def _final_state(rows: pd.DataFrame) -> pd.DataFrame:
    """Each placement as the latest file shows it."""
    latest = rows.sort_values("quarter", kind="stable").drop_duplicates("plaatsing_id", keep="last")
    return latest.set_index("plaatsing_id").sort_index()


def _spells(placements: pd.DataFrame) -> pd.DataFrame:
    """Placements with spell flags: a new spell after a gap of more than 3 months, a job loss
    when no next placement starts within 3 months of the end."""
    p = placements.sort_values(["persoon_id", "startdatum"]).copy()
    by_person = p.groupby("persoon_id")
    gap_before = (p["startdatum"] - by_person["einddatum"].shift()).dt.days
    gap_after = (by_person["startdatum"].shift(-1) - p["einddatum"]).dt.days
    p["new_spell"] = gap_before.isna() | (gap_before > GAP_DAYS)
    p["job_loss"] = p["einddatum"].notna() & (gap_after.isna() | (gap_after > GAP_DAYS))
    p["spell"] = p["new_spell"].cumsum()
    return p


def _quarter_of(days: pd.Series) -> pd.Series:
    return days.dt.to_period("Q").astype(str)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(out, parse_quarter_range("2019Q4:2020Q3"), seed=11, scale=0.05)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, pd.DataFrame]:
    out = tmp_path_factory.mktemp("big")
    summary = generate(out, parse_quarter_range(BIG_QUARTERS), seed=3, scale=BIG_SCALE)
    return summary, _read_all(out)


@pytest.fixture(scope="module")
def municipalities() -> pd.DataFrame:
    table = pd.read_csv(MUNICIPALITIES_CSV, dtype=str, keep_default_na=False)
    table = table[table["region_code"] != ""].assign(year=lambda t: t["year"].astype(int))
    return table.groupby("code").agg(year=("year", "max"), region=("region_code", "first"))


def _file_bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "placements").glob("*.csv"))}


def test_same_seed_same_bytes_other_seed_other_bytes(small, tmp_path):
    out, summary = small
    generate(tmp_path / "again", parse_quarter_range("2019Q4:2020Q3"), seed=11, scale=0.05)
    generate(tmp_path / "other", parse_quarter_range("2019Q4:2020Q3"), seed=12, scale=0.05)
    original = _file_bytes(out)
    assert list(original) == ["2019Q4.csv", "2020Q1.csv", "2020Q2.csv", "2020Q3.csv"]
    assert _file_bytes(tmp_path / "again") == original
    other = _file_bytes(tmp_path / "other")
    assert all(other[name] != original[name] for name in original)
    assert [p.name for p in summary.files] == list(original)


def test_header_columns_and_values(small):
    out, summary = small
    rows = _read_all(out)
    for path in summary.files:
        assert _read(path).columns.tolist()[:-1] == COLUMNS
        assert b"\r" not in path.read_bytes()
    assert summary.other_files["employers"] == [out / "employers.yml"]
    assert summary.rows_per_file == rows.groupby("quarter").size().rename(str).to_dict()
    assert rows["plaatsing_id"].str.fullmatch(r"PL\d{7}").all()
    assert rows["persoon_id"].str.fullmatch(r"P\d{8}").all()
    assert rows["werkgever_id"].str.fullmatch(r"WG\d{6}").all()
    assert rows["gemeente_code"].str.fullmatch(r"GM\d{4}").all()
    assert set(rows["werkgever_grootte"]) == {"<10", "10-99", "100+"}
    assert set(rows["sector"]) <= set("ABCDEFGHIJKLMNOPQRS")
    assert set(rows["sector_type"]) == {"markt", "overheid"}
    assert set(rows["contractvorm"]) == {
        "vast",
        "tijdelijk",
        "oproep",
        "detachering",
        "uitzend",
        "anders",
    }
    assert set(rows["grondslag"]) == {"wajong", "wsw", "participatiewet", "pro_vso", "wiw_id"}
    assert set(rows["reden_einde"]) == {
        "",
        "einde_contract",
        "ontslag",
        "eigen_verzoek",
        "andere_baan",
        "ziekte",
        "reorganisatie",
        "overig",
    }
    for column in INSTRUMENTS:
        assert set(rows[column]) == {"ja", "nee"}
    assert rows["uren_per_week"].str.fullmatch(r"\d+(,5)?").all()
    hours = rows["uren_per_week"].str.replace(",", ".").astype(float)
    assert hours.gt(0).all() and hours.le(60).all()
    assert (rows["einddatum"].isna() == rows["reden_einde"].eq("")).all()
    assert (rows["einddatum"].isna() | (rows["einddatum"] >= rows["startdatum"])).all()
    for _, extract in rows.groupby("quarter"):
        assert extract["plaatsing_id"].is_monotonic_increasing
        assert extract["plaatsing_id"].is_unique


def test_encodings_and_date_formats_per_quarter(small):
    out, _ = small
    files = _file_bytes(out)
    q1, q2, q3 = files["2020Q1.csv"], files["2020Q2.csv"], files["2020Q3.csv"]
    q4 = files["2019Q4.csv"]
    assert q1.startswith(b"\xef\xbb\xbfplaatsing_id;")
    for data in (q2, q3, q4):
        assert data.startswith(b"plaatsing_id;")
    assert q2.decode("cp1252").startswith("plaatsing_id;")
    assert q3.decode("utf-8").startswith("plaatsing_id;")
    iso, dmy = re.compile(rb";\d{4}-\d{2}-\d{2};"), re.compile(rb";\d{2}-\d{2}-\d{4};")
    assert iso.search(q1) and iso.search(q3) and not dmy.search(q1) and not dmy.search(q3)
    assert dmy.search(q2) and dmy.search(q4) and not iso.search(q2) and not iso.search(q4)


def test_bsn_variant_passes_11_proef_and_maps_one_to_one(small, tmp_path):
    out, _ = small
    generate(tmp_path, parse_quarter_range("2019Q4:2020Q3"), seed=11, scale=0.05, identifier="bsn")
    with_bsn, with_id = _read_all(tmp_path), _read_all(out)
    assert with_bsn.columns[1] == "bsn"
    assert with_bsn.drop(columns="bsn").equals(with_id.drop(columns="persoon_id"))
    bsn = with_bsn["bsn"]
    assert bsn.str.fullmatch(r"\d{9}").all() and not bsn.eq("000000000").any()
    digits = np.array([list(map(int, value)) for value in bsn.unique()])
    checksum = digits[:, :8] @ np.arange(9, 1, -1) - digits[:, 8]
    assert (checksum % 11 == 0).all()
    pairs = pd.DataFrame({"bsn": bsn, "persoon_id": with_id["persoon_id"]}).drop_duplicates()
    assert pairs["bsn"].is_unique and pairs["persoon_id"].is_unique


def test_municipalities_existed_at_the_start(big, municipalities):
    _, rows = big
    placements = _final_state(rows)
    known = placements["gemeente_code"].isin(municipalities.index)
    assert known.all(), placements.loc[~known, "gemeente_code"].unique()
    last_year = municipalities["year"].reindex(placements["gemeente_code"]).to_numpy()
    assert (last_year >= placements["startdatum"].dt.year.to_numpy()).all()
    # Municipalities that ceased to exist still appear, in placements that started earlier.
    assert (last_year < municipalities["year"].max()).any()
    assert placements["gemeente_code"].map(municipalities["region"]).nunique() == 35


def test_employers_keep_size_sector_and_region(big, municipalities):
    _, rows = big
    rows = rows.assign(region=rows["gemeente_code"].map(municipalities["region"]))
    per_employer = rows.groupby("werkgever_id")[
        ["werkgever_grootte", "sector", "sector_type", "region"]
    ].nunique()
    assert per_employer.eq(1).all().all()


def test_placements_are_stable_across_extracts(big):
    _, rows = big
    assert rows.groupby("plaatsing_id")[STATIC].nunique().eq(1).all().all()
    ended = rows.dropna(subset=["einddatum"]).groupby("plaatsing_id")
    assert ended["einddatum"].nunique().eq(1).all() and ended["reden_einde"].nunique().eq(1).all()


def test_each_extract_holds_exactly_the_placements_of_its_quarter(big):
    _, rows = big
    final = _final_state(rows)
    for quarter in parse_quarter_range(BIG_QUARTERS):
        first, last = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
        extract = rows[rows["quarter"] == quarter].set_index("plaatsing_id")
        expected = final[
            (final["startdatum"] <= last)
            & (final["einddatum"].isna() | (final["einddatum"] >= first))
        ]
        assert extract.index.sort_values().equals(expected.index.sort_values()), quarter
        # The state at the end of the quarter: an end after the quarter is not known yet.
        known_end = expected["einddatum"].where(expected["einddatum"] <= last)
        assert extract["einddatum"].equals(known_end.reindex(extract.index)), quarter
    # The first extract already holds a stock of placements that started before it.
    first_extract = rows[rows["quarter"] == Quarter(2018, 1)]
    assert (first_extract["startdatum"] < pd.Timestamp("2017-01-01")).mean() > 0.5


def test_job_to_job_moves_are_andere_baan(big):
    _, rows = big
    placements = _spells(_final_state(rows).reset_index())
    ended = placements[placements["einddatum"].notna()]
    last_quarter_end = pd.Timestamp(Quarter.parse(BIG_QUARTERS[-6:]).end)
    followed = ended[ended["einddatum"] < last_quarter_end - pd.Timedelta(days=GAP_DAYS)]
    assert (followed["reden_einde"].eq("andere_baan") == ~followed["job_loss"]).all()
    assert 0.15 < (~followed["job_loss"]).mean() < 0.35
    # The next placement is with another employer.
    next_employer = placements.groupby("persoon_id")["werkgever_id"].shift(-1)
    moved = placements["reden_einde"].eq("andere_baan") & next_employer.notna()
    assert moved.any() and (placements["werkgever_id"] != next_employer)[moved].all()


def _end_within_12_months(placements: pd.DataFrame) -> pd.Series:
    cohort = placements[placements["startdatum"].between("2018-01-01", "2020-12-31")]
    duration = (cohort["einddatum"] - cohort["startdatum"]).dt.days
    return cohort.assign(ended=cohort["einddatum"].notna() & (duration < 365))


def test_planted_effects_have_the_right_sign(big):
    _, rows = big
    cohort = _end_within_12_months(_final_state(rows))
    # Support follows risk (riskier contracts get more of it), so each effect is compared
    # where the other does not differ: instruments within permanent contracts, contract
    # types at the same support (their rates per combination of jobcoach and labour expert,
    # weighed as the on-call contracts' combinations: few of those go without support).
    permanent = cohort[cohort["contractvorm"] == "vast"]
    for instrument in ("jobcoach", "arbeidsdeskundige"):
        share = permanent.groupby(instrument)["ended"].mean()
        assert share["ja"] < share["nee"] - 0.05, instrument
    support = ["jobcoach", "arbeidsdeskundige"]
    rates = cohort.groupby(["contractvorm", *support])["ended"].mean().unstack("contractvorm")
    mix = cohort[cohort["contractvorm"] == "oproep"].groupby(support).size()
    by_contract = rates.mul(mix, axis=0).sum() / mix.sum()
    assert by_contract["vast"] < by_contract["tijdelijk"] < by_contract["oproep"]
    ends = _quarter_of(_final_state(rows)["einddatum"].dropna()).value_counts()
    assert ends["2020Q2"] > 2 * max(ends["2020Q1"], ends["2020Q3"])


def test_national_flows_and_retention(big):
    summary, rows = big
    placements = _spells(_final_state(rows).reset_index())
    quarters = [str(q) for q in parse_quarter_range(BIG_QUARTERS)]
    new = _quarter_of(placements.loc[placements["new_spell"], "startdatum"]).value_counts()
    losses = _quarter_of(placements.loc[placements["job_loss"], "einddatum"]).value_counts()
    # The first extract cannot tell a new spell from a move; the last not a loss from a move.
    new_per_quarter = new.reindex(quarters[1:]).mean() / BIG_SCALE
    usual = [q for q in quarters[:-1] if q != "2020Q2"]
    losses_per_quarter = losses.reindex(usual).mean() / BIG_SCALE
    assert 4500 <= new_per_quarter <= 7500
    assert 3000 <= losses_per_quarter <= 5000
    assert abs(summary.new_spells_per_quarter / BIG_SCALE - new_per_quarter) < 300
    spells = placements.groupby("spell").agg(
        start=("startdatum", "first"), end=("einddatum", "last"), lost=("job_loss", "last")
    )
    cohort = spells[spells["start"].between("2018-01-01", "2020-12-31")]
    retained = ~(cohort["lost"] & ((cohort["end"] - cohort["start"]).dt.days < 365))
    assert 0.55 <= retained.mean() <= 0.75
    assert summary.retention_12_months is not None
    assert abs(summary.retention_12_months - retained.mean()) < 0.05


def test_scale_multiplies_new_spells(tmp_path):
    quarters = parse_quarter_range("2022Q1:2022Q4")
    small = generate(tmp_path / "a", quarters, seed=5, scale=0.02)
    larger = generate(tmp_path / "b", quarters, seed=5, scale=0.06)
    assert 2.4 < larger.new_spells_per_quarter / small.new_spells_per_quarter < 3.6


def test_contract_matches_the_loader():
    from duurzaam.ingest.sources.placements import COLUMNS as LOADER_COLUMNS

    assert list(LOADER_COLUMNS) == [c for c in COLUMNS if c != "persoon_id"]


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no quarters"):
        generate(tmp_path, [], seed=1)
    with pytest.raises(ValueError, match="scale"):
        generate(tmp_path, [Quarter(2024, 1)], seed=1, scale=0)


def test_the_participating_employers_are_large_small_late_and_one_that_left(generated_landing):
    """The employers' file of the tests' landing zone (the built warehouses' participants) loads
    as the pipeline loads it; its employers are in the extracts: the largest of their regions,
    one with one and a half times the threshold of placements started in the quarters (its
    own figures shown) taking part in every quarter, one with a handful (withheld), one
    joining a quarter late, one that left before the last quarter."""
    employers = load_employers(generated_landing / "employers.yml")
    quarters = parse_quarter_range(SAMPLE_QUARTERS)
    placements = _final_state(_read_all(generated_landing))
    assert set(employers) <= set(placements["werkgever_id"])
    started = placements[placements["startdatum"] >= pd.Timestamp(quarters[0].start)]
    counts = started.groupby("werkgever_id").size().reindex(list(employers), fill_value=0)
    counts = counts.sort_values()
    assert 2 * counts.iloc[-1] >= 3 * SUPPRESS_BELOW_DEFAULT and counts.iloc[0] <= HANDFUL[1]
    largest = employers[counts.index[-1]]
    assert largest.since == quarters[0] and largest.until is None
    assert [e for e in employers.values() if e.until is not None and e.until < quarters[-1]]
    assert [e for e in employers.values() if e.since > quarters[0]]


def test_placements_follow_size_shares_and_a_regions_largest_employer_hires_most(
    big, municipalities
):
    """Placements by employer size keep size_shares, while within a size class hiring has a
    heavy tail: in the most populous regions the largest employer makes many times the
    placements of the median large one (about twice with an even hiring weight)."""
    _, rows = big
    placements = _final_state(rows)
    first = pd.Timestamp(parse_quarter_range(BIG_QUARTERS)[0].start)
    started = placements[placements["startdatum"] >= first]
    config = load_config()
    size_shares = config["employers"]["size_shares"]
    shares = started["werkgever_grootte"].value_counts(normalize=True)
    for size, share in size_shares.items():
        assert abs(shares[size] - share / sum(size_shares.values())) < 0.02, size
    large = started[started["werkgever_grootte"] == "100+"]
    region = large["gemeente_code"].map(municipalities["region"])
    per_employer = large.groupby([region, large["werkgever_id"]]).size()
    population = config["region_population"]
    for code in sorted(population, key=population.get)[-5:]:
        assert per_employer[code].max() >= 5 * per_employer[code].median(), code
