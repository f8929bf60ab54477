"""The retention-effects model (duurzaam.effects): on a simulated national history it finds
the hazard ratios the generator planted, where the one-factor comparison understates the
jobcoach; its coefficients agree with an independent Efron Cox fit; the proportional-hazards
check flags an effect that changes over time; regions without enough job losses get the
national estimates, with a note."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from duurzaam.effects.model import FACTORS, fit_cox
from duurzaam.effects.store import effect_rows
from duurzaam.publication.labels import NATIONAL
from duurzaam.synthetic.config import JOB_TO_JOB, load_config
from duurzaam.synthetic.days import day
from tests.simulated import factor_columns, planted_ratios, simulate

# Two years of spells at national scale (~48,000 spells, ~13,000 job losses): enough for
# intervals a few percent wide, little enough to simulate and fit in seconds.
QUARTERS = "2021Q1:2022Q4"
HAZARD_RATIOS = load_config()["hazard"]["hazard_ratios"]  # planted


def simulated_spells(quarters: str, seed: int, scale: float = 1.0) -> pd.DataFrame:
    """The spells of a simulated history as int_effect_spells has them: spells starting in
    the quarters, followed to their job loss or the end of the last quarter, each factor's
    level taken from the spell's first placement (simulated from a year before the first
    quarter, so that re-entries occur)."""
    history = simulate(quarters, seed, burn_in_quarters=4, scale=scale)
    placements = history.placements.sort_values(["spell", "start"], kind="stable")
    first = placements.groupby("spell").head(1).set_index("spell")
    last = placements.groupby("spell").tail(1).set_index("spell")
    observed = first["start"].to_numpy() >= day(history.window[0].start)
    first, last = first[observed], last[observed]
    horizon = history.horizon
    lost = (last["end"].to_numpy() <= horizon) & (last["reason"].to_numpy() != JOB_TO_JOB)
    start = first["start"].to_numpy()
    factors = factor_columns(history, first)
    return pd.DataFrame(
        {
            "spell_id": np.arange(len(first)),
            "region_code": factors.pop("region_code"),
            "start_year": pd.to_datetime(start, unit="D").year,
            "duration_days": np.where(lost, last["end"].to_numpy(), horizon) - start,
            "is_event": lost,
            **factors,
        }
    )


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return simulated_spells(QUARTERS, seed=11)


@pytest.mark.slow
def test_the_model_finds_the_planted_hazard_ratios(national):
    """Every planted hazard ratio lies in the model's 95% interval, or within 10% of it;
    the factors with nothing planted (sector, hours) too, at 1. The jobcoach goes to the
    riskier placements: one factor at a time it shows less than three quarters of its effect
    (its adjusted effect on the spell includes the more frequent moves to a new job it
    brings, which keep the spell going: synthetic/moves.py)."""
    fit = fit_cox(national, FACTORS)
    estimates = fit.estimates
    assert len(national) > 40_000 and fit.events > 10_000
    checked = 0
    for key, planted in planted_ratios(HAZARD_RATIOS, fit.references).items():
        lower, upper = estimates.loc[key, ["ci_lower", "ci_upper"]]
        assert lower / 1.1 <= planted <= upper * 1.1, (key, planted, lower, upper)
        checked += 1
    for factor in ("sector_type", "uren_band"):
        rows = estimates.loc[factor]
        assert ((rows["ci_lower"] / 1.1 <= 1) & (rows["ci_upper"] * 1.1 >= 1)).all(), factor
    assert checked == 6 + 5 + 2 + 4  # the instruments, contract types, sizes, legal bases

    adjusted = estimates.loc[("jobcoach", "ja"), "log_hr"]
    alone = fit_cox(national, ["jobcoach"]).estimates.loc[("jobcoach", "ja")]
    assert alone["log_hr"] > 3 / 4 * adjusted  # the one-factor comparison understates it
    assert alone["ci_lower"] > 0.7  # ... so much that its interval misses the planted 0.7
    assert estimates.loc[("jobcoach", "ja"), "ci_lower"] < 0.7 * 1.1


def efron_cox(time: np.ndarray, event: np.ndarray, x: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """An independent stratified Cox fit: Newton-Raphson on Efron's partial likelihood,
    written out from its definition (slow, for small data)."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        gradient, hessian = np.zeros_like(beta), np.zeros((len(beta), len(beta)))
        for stratum in np.unique(strata):
            t, d, z = time[strata == stratum], event[strata == stratum], x[strata == stratum]
            w = np.exp(z @ beta)
            for moment in np.unique(t[d]):
                risk, tied = t >= moment, (t == moment) & d
                s0, s1 = w[risk].sum(), w[risk] @ z[risk]
                s2 = (z[risk].T * w[risk]) @ z[risk]
                t0, t1 = w[tied].sum(), w[tied] @ z[tied]
                t2 = (z[tied].T * w[tied]) @ z[tied]
                gradient += z[tied].sum(axis=0)
                ties = int(tied.sum())
                for j in range(ties):
                    a0, a1, a2 = s0 - j / ties * t0, s1 - j / ties * t1, s2 - j / ties * t2
                    gradient -= a1 / a0
                    hessian -= a2 / a0 - np.outer(a1, a1) / a0**2
        step = np.linalg.solve(hessian, gradient)
        beta = beta - step
        if np.abs(step).max() < 1e-12:
            return beta
    raise AssertionError("Newton-Raphson did not converge")


def test_coefficients_agree_with_an_independent_implementation():
    rng = np.random.default_rng(5)
    n = 600
    spells = pd.DataFrame(
        {
            "jobcoach": rng.choice(["ja", "nee"], n),
            "contractvorm": rng.choice(["vast", "tijdelijk", "oproep"], n, p=[0.5, 0.3, 0.2]),
            "start_year": rng.choice([2022, 2023], n),
        }
    )
    risk = np.exp(-0.4 * (spells["jobcoach"] == "ja") + 0.5 * (spells["contractvorm"] == "oproep"))
    # whole weeks, so that many spells end on the same day (ties)
    duration = np.ceil(rng.exponential(20 / risk)).astype(int) * 7
    censor = rng.integers(7, 300, n)
    spells["duration_days"] = np.minimum(duration, censor)
    spells["is_event"] = duration <= censor

    fit = fit_cox(spells, ["jobcoach", "contractvorm"])
    columns = list(fit.estimates.index)
    x = np.column_stack([(spells[f] == level).to_numpy(float) for f, level in columns])
    expected = efron_cox(
        spells["duration_days"].to_numpy(float),
        spells["is_event"].to_numpy(),
        x,
        spells["start_year"].to_numpy(),
    )
    assert fit.spells == n and len(columns) == 3
    np.testing.assert_allclose(fit.estimates["log_hr"].to_numpy(), expected, rtol=0, atol=1e-6)


def test_the_proportional_hazards_check_flags_an_effect_that_wears_off():
    """A jobcoach that halves the hazard in the first half year and does nothing after is
    flagged; a contract type with a constant effect in the same model is not."""
    rng = np.random.default_rng(8)
    n = 6000
    coach = rng.random(n) < 0.5
    temporary = rng.random(n) < 0.4
    base = 0.004 * np.where(temporary, 1.5, 1.0)  # per day
    early = rng.exponential(1 / (base * np.where(coach, 0.5, 1.0)))
    later = 180 + rng.exponential(1 / base)  # memoryless: the same hazard from day 180 on
    duration = np.where(early < 180, early, later).astype(int) + 1
    spells = pd.DataFrame(
        {
            "jobcoach": np.where(coach, "ja", "nee"),
            "contractvorm": np.where(temporary, "tijdelijk", "vast"),
            "start_year": 2023,
            "duration_days": np.minimum(duration, 720),
            "is_event": duration <= 720,
        }
    )
    test = fit_cox(spells, ["jobcoach", "contractvorm"]).ph_test
    assert test.loc["jobcoach", "violated"] and test.loc["jobcoach", "p_value"] < 1e-4
    assert not test.loc["contractvorm", "violated"]
    assert test.loc["contractvorm", "df"] == 1


@pytest.mark.slow
def test_a_region_without_enough_job_losses_gets_the_national_estimates(national):
    """Of the spells started in 2022, Rijnmond's have a model of their own; Gorinchem, with
    far fewer job losses than 10 per parameter, carries the national estimates and says so.
    The country's rows have the region as a factor."""
    regions = national["region_code"].isin(["AM22", "AM35", "AM13"])
    spells = national[regions & (national["start_year"] == 2022)]
    rows = effect_rows(spells).set_index(["region_code", "factor", "level"])
    big, small = rows.loc["AM22"], rows.loc["AM35"]
    assert (big["model_region_code"] == "AM22").mean() > 0.8
    assert (small["model_region_code"] == NATIONAL).all()
    assert small["note"].str.contains("fewer than the").all()
    # (a level too rare even nationally has no estimate on either: NaN equals NaN here)
    national_ratios = rows.loc[NATIONAL].loc[small.index, "hazard_ratio"]
    pd.testing.assert_series_equal(small["hazard_ratio"], national_ratios, check_names=False)
    assert small.loc[("jobcoach", "ja"), "events"] < big.loc[("jobcoach", "ja"), "events"]
    regions = rows.loc[NATIONAL].loc["regio"]
    assert set(regions.index) == {"AM22", "AM35", "AM13"}
    assert regions["is_reference"].sum() == 1 and regions.loc["AM22", "is_reference"]
    assert rows["model_run_id"].nunique() == 1
    # the same spells, in the same order, give the same rows
    pd.testing.assert_frame_equal(effect_rows(spells).set_index(rows.index.names), rows)
