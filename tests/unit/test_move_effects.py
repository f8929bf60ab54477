"""The move-effects model (duurzaam.effects.moves): on a simulated national history it finds
the odds ratios of a move to a new job that the generator planted, where the one-factor
shares understate the support; its coefficients agree with an independent logistic fit;
regions without enough moves get the national estimates, with a note."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from duurzaam.effects.move_store import move_rows
from duurzaam.effects.moves import FACTORS, OUTCOME, SPELL_LENGTH, fit_moves
from duurzaam.publication.labels import NATIONAL
from duurzaam.synthetic.config import JOB_TO_JOB, load_config
from duurzaam.synthetic.days import day
from duurzaam.synthetic.moves import SPELL_BANDS, spell_band_codes, whole_months
from tests.simulated import factor_columns, labels, planted_ratios, simulate

# Two years of ends at national scale (~27,000 ends, ~7,000 moves), as the retention
# effects' planted test: enough for intervals a few percent wide, fitted in seconds.
QUARTERS = "2021Q1:2022Q4"
BURN_IN_YEARS = 3  # placements started before the quarters, so that long spells end in them
ODDS_RATIOS = load_config()["job_to_job"]["odds_ratios"]  # planted


def simulated_ends(quarters: str, seed: int, scale: float = 1.0) -> pd.DataFrame:
    """The ends of a simulated history as int_job_ends has them where the outcome is known:
    placements ending within the quarters at least 3 months before the end of the last one,
    a move when a next placement follows (andere_baan), each factor's level taken from the
    ending placement, the spell's whole months at the end in bands."""
    history = simulate(quarters, seed, burn_in_quarters=4 * BURN_IN_YEARS, scale=scale)
    ends = history.placements
    end = ends["end"].to_numpy()
    ends = ends[(end >= day(history.window[0].start)) & (end + 92 <= history.horizon)]
    end = ends["end"].to_numpy()
    factors = factor_columns(history, ends)
    return pd.DataFrame(
        {
            "end_id": np.arange(len(ends)),
            "region_code": factors.pop("region_code"),
            "end_year": pd.to_datetime(end, unit="D").year,
            OUTCOME: ends["reason"].to_numpy() == JOB_TO_JOB,
            **factors,
            SPELL_LENGTH: labels(
                SPELL_BANDS, spell_band_codes(ends["spell_start"].to_numpy(), end)
            ),
        }
    )


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return simulated_ends(QUARTERS, seed=11)


def test_whole_months_count_as_the_warehouse_counts_them():
    """As dbt's whole_months_between: a month is full on the same day of the next month."""
    start = np.array([day("2024-01-15"), day("2024-01-15"), day("2023-11-30"), day("2024-01-31")])
    end = np.array([day("2024-02-14"), day("2024-02-15"), day("2024-11-30"), day("2025-02-28")])
    assert whole_months(start, end).tolist() == [0, 1, 12, 12]
    assert [SPELL_BANDS[c] for c in spell_band_codes(start, end)] == [
        "0-6",
        "0-6",
        "12-24",
        "12-24",
    ]


@pytest.mark.slow
def test_the_model_finds_the_planted_odds_ratios(national):
    """Every planted odds ratio lies in the model's 95% interval (levels with nothing
    planted at 1); sector and hours, with nothing planted, at 1 too. The jobcoach and the
    labour expert go to the riskier placements (temporary contracts, fewer moves): one factor
    at a time their shares understate them."""
    started = time.perf_counter()
    fit = fit_moves(national, FACTORS)
    seconds = time.perf_counter() - started
    estimates = fit.estimates
    assert len(national) > 25_000 and fit.moves > 6_000
    checked = 0
    for key, planted in planted_ratios(
        ODDS_RATIOS, fit.references, {SPELL_LENGTH: SPELL_BANDS}
    ).items():
        lower, upper = estimates.loc[key, ["ci_lower", "ci_upper"]]
        assert lower <= planted <= upper, (key, planted, lower, upper)
        checked += 1
    for factor in ("sector_type", "uren_band"):
        rows = estimates.loc[factor]
        assert ((rows["ci_lower"] <= 1) & (rows["ci_upper"] >= 1)).all(), factor
    assert checked == 6 + 5 + 2 + 4 + 3  # instruments, contracts, sizes, bases, spell lengths
    for instrument in ("jobcoach", "arbeidsdeskundige"):
        shares = national.groupby(instrument)[OUTCOME].mean()
        crude = shares["ja"] / (1 - shares["ja"]) / (shares["nee"] / (1 - shares["nee"]))
        adjusted = estimates.loc[(instrument, "ja"), "odds_ratio"]
        print(f"{instrument}: one factor {crude:.3f}, adjusted {adjusted:.3f}")
        assert crude < adjusted - 0.05 and crude < 1.3
    print(f"\nmove-effects fit on {len(national)} ends: {seconds:.2f} s")
    print(estimates[["odds_ratio", "ci_lower", "ci_upper"]].round(3).to_string())


def irls_logit(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """An independent logistic regression: Newton-Raphson (IRLS) on the log likelihood,
    written out from its definition."""
    beta = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(x @ beta)))
        step = np.linalg.solve((x.T * (p * (1 - p))) @ x, x.T @ (y - p))
        beta = beta + step
        if np.abs(step).max() < 1e-13:
            return beta
    raise AssertionError("Newton-Raphson did not converge")


def test_coefficients_agree_with_an_independent_implementation():
    rng = np.random.default_rng(5)
    n = 3000
    ends = pd.DataFrame(
        {
            "jobcoach": rng.choice(["ja", "nee"], n),
            "contractvorm": rng.choice(["vast", "tijdelijk", "oproep"], n, p=[0.5, 0.3, 0.2]),
            "end_year": rng.choice([2022, 2023, 2024], n),
        }
    )
    log_odds = (
        -1.0
        + 0.4 * (ends["jobcoach"] == "ja")
        - 0.5 * (ends["contractvorm"] == "tijdelijk")
        + 0.3 * (ends["end_year"] == 2024)
    )
    ends[OUTCOME] = rng.random(n) < 1 / (1 + np.exp(-log_odds))

    fit = fit_moves(ends, ["jobcoach", "contractvorm"])
    columns = list(fit.estimates.index)
    years = ends["end_year"].to_numpy()
    x = np.column_stack(
        [
            np.ones(n),
            years == 2023,
            years == 2024,
            *[(ends[f] == level).to_numpy() for f, level in columns],
        ]
    ).astype(float)
    expected = irls_logit(ends[OUTCOME].to_numpy(float), x)[3:]
    assert fit.ends == n and len(columns) == 3
    assert fit.references == {"jobcoach": "nee", "contractvorm": "vast"}
    np.testing.assert_allclose(fit.estimates["log_or"].to_numpy(), expected, rtol=0, atol=1e-6)


@pytest.mark.slow
def test_a_region_without_enough_moves_gets_the_national_estimates(national):
    """Of the ends in 2022, Rijnmond's have a model of their own; Gorinchem, with far fewer
    moves than 10 per parameter, carries the national estimates and says so. The country's
    rows have the region as a factor; the same ends give the same rows."""
    regions = national["region_code"].isin(["AM22", "AM35", "AM13"])
    ends = national[regions & (national["end_year"] == 2022)]
    rows = move_rows(ends).set_index(["region_code", "factor", "level"])
    big, small = rows.loc["AM22"], rows.loc["AM35"]
    assert (big["model_region_code"] == "AM22").mean() > 0.8
    assert (small["model_region_code"] == NATIONAL).all()
    assert small["note"].str.contains("fewer than the").all()
    national_ratios = rows.loc[NATIONAL].loc[small.index, "odds_ratio"]
    pd.testing.assert_series_equal(small["odds_ratio"], national_ratios, check_names=False)
    assert small.loc[("jobcoach", "ja"), "ends"] < big.loc[("jobcoach", "ja"), "ends"]
    jobcoach = ends[ends["region_code"] == "AM22"]["jobcoach"] == "ja"
    assert big.loc[("jobcoach", "ja"), "ends"] == jobcoach.sum()
    assert set(rows.loc[NATIONAL].loc["regio"].index) == {"AM22", "AM35", "AM13"}
    assert rows["model_run_id"].nunique() == 1
    pd.testing.assert_frame_equal(move_rows(ends).set_index(rows.index.names), rows)
