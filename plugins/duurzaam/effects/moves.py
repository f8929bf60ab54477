"""The regression behind mart_move_effects: of the in-work spells' ends whose outcome is known
(int_job_ends), the odds that the end is a move to a new job within 3 months rather than a
job loss, with every factor of the ending placement and the length of the spell at its end
at once: a logistic regression (statsmodels' GLM, binomial, fitted by IRLS), with a fixed
effect per calendar year of the end so that a year's shock (2020Q2: fewer moves) moves that
year's baseline, not the factors.

A logistic model rather than competing risks: the outcome is decided at the end (the next
job starts within 3 months or it does not), so the question "what makes an end a move" is a
yes/no question about each end, and odds ratios answer it without modelling the time to the
end, which the retention effects already do.

Pure computation on a frame of ends; the caller reads it from the warehouse and writes back
only the estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from duurzaam.effects.model import FACTORS as RETENTION_FACTORS
from duurzaam.effects.model import MIN_LEVEL_EVENTS, Z_95, reference_level

SPELL_LENGTH = "spell_length_band"  # whole months of the spell at its end: 0-6, 6-12, ...
FACTORS = (*RETENTION_FACTORS, SPELL_LENGTH)
OUTCOME = "is_move"
YEAR = "end_year"
ESTIMATE_COLUMNS = ["log_or", "se", "odds_ratio", "ci_lower", "ci_upper", "p_value"]


@dataclass(frozen=True)
class MoveFit:
    """One fitted model: per estimated level its log odds ratio, standard error, interval and
    Wald p-value."""

    estimates: pd.DataFrame  # index (factor, level): ESTIMATE_COLUMNS
    references: dict[str, str]  # factor -> reference level
    ends: int
    moves: int


def design_matrix(
    ends: pd.DataFrame, factors: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """One 0/1 column per non-reference level with at least MIN_LEVEL_EVENTS moves and as
    many job losses (a rarer level counts with the reference level), named (factor, level)."""
    columns: dict[tuple[str, str], np.ndarray] = {}
    references = {}
    moves = ends[OUTCOME].to_numpy(bool)
    for factor in factors:
        references[factor] = reference = reference_level(ends, factor)
        counts = pd.crosstab(ends[factor], moves).reindex(columns=[False, True], fill_value=0)
        for level in sorted(ends[factor].unique()):
            if level != reference and counts.loc[level].min() >= MIN_LEVEL_EVENTS:
                columns[(factor, str(level))] = (ends[factor] == level).to_numpy(float)
    matrix = pd.DataFrame(columns, index=ends.index)
    matrix.columns = pd.MultiIndex.from_tuples(list(columns), names=["factor", "level"])
    return matrix, references


def year_effects(ends: pd.DataFrame) -> np.ndarray:
    """An intercept per calendar year of the end (the first year's is the constant)."""
    years = ends[YEAR].to_numpy()
    columns = [np.ones(len(ends))]
    columns += [(years == year).astype(float) for year in np.unique(years)[1:]]
    return np.column_stack(columns)


def fit_moves(ends: pd.DataFrame, factors: Sequence[str]) -> MoveFit:
    """The logistic regression of the ends' outcome on the factors and the end year."""
    from statsmodels.genmod.families import Binomial  # heavy: only when fitting
    from statsmodels.genmod.generalized_linear_model import GLM

    matrix, references = design_matrix(ends, factors)
    if matrix.shape[1] == 0:
        raise ValueError("no factor level has enough moves and job losses to be estimated")
    baseline = year_effects(ends)
    model = GLM(
        ends[OUTCOME].to_numpy(float),
        np.column_stack([baseline, matrix.to_numpy()]),
        family=Binomial(),
    )
    result = model.fit(tol=1e-12, maxiter=100)
    params = np.asarray(result.params)[baseline.shape[1] :]
    se = np.asarray(result.bse)[baseline.shape[1] :]
    if not (result.converged and np.all(np.isfinite(params)) and np.all(np.isfinite(se))):
        raise ValueError("the model did not converge")
    estimates = pd.DataFrame(
        {
            "log_or": params,
            "se": se,
            "odds_ratio": np.exp(params),
            "ci_lower": np.exp(params - Z_95 * se),
            "ci_upper": np.exp(params + Z_95 * se),
            "p_value": 2 * stats.norm.sf(np.abs(params / se)),
        },
        index=matrix.columns,
    )
    return MoveFit(estimates, references, len(ends), int(ends[OUTCOME].sum()))


def no_fit(ends: pd.DataFrame, factors: Sequence[str]) -> MoveFit:
    """What stands in for a model that could not be fitted: the reference levels and counts,
    no estimates."""
    return MoveFit(
        estimates=pd.DataFrame(
            columns=ESTIMATE_COLUMNS,
            index=pd.MultiIndex.from_tuples([], names=["factor", "level"]),
        ),
        references={factor: reference_level(ends, factor) for factor in factors},
        ends=len(ends),
        moves=int(ends[OUTCOME].sum()),
    )
