"""The survival regression behind mart_retention_effects: a Cox proportional-hazards model of
the in-work spells (time to job loss in days, censored at the observation end) with every
retention factor at once, stratified by the calendar year the spell started, so that a
year's shock (2020Q2) moves that year's baseline, not the factors. Ties (spells ending on the
same day) are handled with Efron's method. Fitted with statsmodels' PHReg.

Pure computation on a frame of spells (int_effect_spells): the caller reads it from the
warehouse and writes back only the estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from duurzaam.ingest.sources.placements import YES_NO_COLUMNS

INSTRUMENTS = YES_NO_COLUMNS  # the placements' yes/no columns: one factor per instrument
FACTORS = (
    *INSTRUMENTS,
    "contractvorm",
    "sector_type",
    "werkgever_grootte",
    "grondslag",
    "uren_band",
)
REGION_FACTOR = "regio"  # the region as a factor of the national model
# Each factor's reference level (hazard ratio 1): no support, the most common contract,
# sector, employer size, legal basis and hours band. A factor whose reference level does not
# occur takes its most common level instead.
REFERENCE_LEVELS = {
    **dict.fromkeys(INSTRUMENTS, "nee"),
    "contractvorm": "vast",
    "sector_type": "markt",
    "werkgever_grootte": "10-99",
    "grondslag": "participatiewet",
    "uren_band": "24-32",
    "spell_length_band": "0-6",  # the move-effects model's (effects/moves.py): a short spell
}
# A level is estimated only with at least this many job losses; a rarer level counts with
# the reference level in the model (its row has no estimate of that model).
MIN_LEVEL_EVENTS = 10
# The proportional-hazards check flags a factor whose test gives a p-value below this.
PH_ALPHA = 0.01
Z_95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class CoxFit:
    """One fitted model: per estimated level its log hazard ratio, standard error, interval
    and Wald p-value; per factor the proportional-hazards test."""

    estimates: pd.DataFrame  # index (factor, level): log_hr, se, hr, ci_lower, ci_upper, p_value
    references: dict[str, str]  # factor -> reference level
    ph_test: pd.DataFrame  # index factor: chi2, df, p_value, violated
    spells: int
    events: int


def reference_level(spells: pd.DataFrame, factor: str) -> str:
    levels = spells[factor].value_counts()
    preferred = REFERENCE_LEVELS.get(factor)
    if preferred in levels.index:
        return str(preferred)
    # the most common level (ties: the first by name), so that the choice is stable
    return str(sorted(levels.index[levels == levels.max()])[0])


def design_matrix(
    spells: pd.DataFrame, factors: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One 0/1 column per estimable non-reference level, named (factor, level)."""
    columns: dict[tuple[str, str], np.ndarray] = {}
    references = {}
    for factor in factors:
        references[factor] = reference = reference_level(spells, factor)
        events = spells.loc[spells["is_event"], factor].value_counts()
        for level in sorted(spells[factor].unique()):
            if level != reference and events.get(level, 0) >= MIN_LEVEL_EVENTS:
                columns[(factor, str(level))] = (spells[factor] == level).to_numpy(float)
    matrix = pd.DataFrame(columns, index=spells.index)
    matrix.columns = pd.MultiIndex.from_tuples(list(columns), names=["factor", "level"])
    return matrix, references


def fit_cox(spells: pd.DataFrame, factors: Sequence[str]) -> CoxFit:
    """The Cox model of the spells on the factors, stratified by start year."""
    from statsmodels.duration.hazard_regression import PHReg  # heavy: only when fitting

    matrix, references = design_matrix(spells, factors)
    if matrix.shape[1] == 0:
        raise ValueError("no factor level has enough job losses to be estimated")
    model = PHReg(
        spells["duration_days"].to_numpy(float),
        matrix.to_numpy(),
        status=spells["is_event"].to_numpy(int),
        strata=spells["start_year"].to_numpy(),
        ties="efron",
    )
    result = model.fit()
    params, se = np.asarray(result.params), np.asarray(result.bse)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(se))):
        raise ValueError("the model did not converge")
    estimates = pd.DataFrame(
        {
            "log_hr": params,
            "se": se,
            "hr": np.exp(params),
            "ci_lower": np.exp(params - Z_95 * se),
            "ci_upper": np.exp(params + Z_95 * se),
            "p_value": 2 * stats.norm.sf(np.abs(params / se)),
        },
        index=matrix.columns,
    )
    columns = matrix.columns
    assert isinstance(columns, pd.MultiIndex)  # design_matrix names columns (factor, level)
    ph = proportional_hazards_test(
        result.schoenfeld_residuals,
        np.asarray(result.cov_params()),
        model.endog,
        model.status,
        columns,
    )
    return CoxFit(
        estimates=estimates,
        references=references,
        ph_test=ph,
        spells=len(spells),
        events=int(spells["is_event"].sum()),
    )


def no_fit(spells: pd.DataFrame, factors: Sequence[str]) -> CoxFit:
    """What stands in for a model that could not be fitted: the reference levels and counts,
    no estimates."""
    return CoxFit(
        estimates=pd.DataFrame(
            columns=["log_hr", "se", "hr", "ci_lower", "ci_upper", "p_value"],
            index=pd.MultiIndex.from_tuples([], names=["factor", "level"]),
        ),
        references={factor: reference_level(spells, factor) for factor in factors},
        ph_test=pd.DataFrame(columns=["chi2", "df", "p_value", "violated"]),
        spells=len(spells),
        events=int(spells["is_event"].sum()),
    )


def proportional_hazards_test(
    schoenfeld: np.ndarray,
    covariance: np.ndarray,
    time: np.ndarray,
    status: np.ndarray,
    columns: pd.MultiIndex,
) -> pd.DataFrame:
    """Grambsch and Therneau's test on the scaled Schoenfeld residuals, per factor (all its
    levels jointly): does a factor's log hazard ratio drift with the (ranked) event time?
    A factor with a p-value below PH_ALPHA is flagged: its hazard ratio is an average over
    time and may hide an effect that shrinks or grows."""
    rows = status.astype(bool) & np.all(np.isfinite(schoenfeld), axis=1)
    residuals, times = schoenfeld[rows], time[rows]
    events = len(times)
    g = stats.rankdata(times)
    g = g - g.mean()
    # scaled residuals: beta + events * V r_i; their slope on g, per column: events V U / sum g²
    drift = covariance @ (g @ residuals)
    tests = {}
    for factor in dict.fromkeys(columns.get_level_values("factor")):
        index = np.flatnonzero(columns.get_level_values("factor") == factor)
        block = covariance[np.ix_(index, index)]
        chi2 = float(events * drift[index] @ np.linalg.solve(block, drift[index]) / (g @ g))
        p_value = float(stats.chi2.sf(chi2, len(index)))
        tests[factor] = {
            "chi2": chi2,
            "df": len(index),
            "p_value": p_value,
            "violated": p_value < PH_ALPHA,
        }
    return pd.DataFrame.from_dict(tests, orient="index")
