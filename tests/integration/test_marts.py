"""mart_cohort_survival against an independent Kaplan-Meier and Greenwood computation made
here with numpy from the spells, on both backends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from duurzaam.warehouse import open_warehouse
from tests.integration.test_transform import built_mart  # noqa: F401 (a fixture)

Z_95 = 1.959963984540054
MAX_MONTH = 36


def test_survival_and_interval_match_an_independent_kaplan_meier(settings, built_mart):  # noqa: F811
    with open_warehouse(settings.warehouse_url) as warehouse:
        spells = warehouse.query_frame(
            "select spells.region_code, spells.start_quarter, spells.duration_months, "
            "spells.is_event from intermediate.int_spells as spells "
            "cross join intermediate.int_observation_window as observation "
            "where spells.spell_start_date >= observation.observation_start"
        )
        mart = warehouse.query_frame("select * from marts.mart_cohort_survival")
    national = spells.assign(region_code="NL")
    regions = ["NL", *spells["region_code"].value_counts().index[:3]]
    checked = 0
    for region in regions:
        group = national if region == "NL" else spells[spells["region_code"] == region]
        for cohort, cohort_spells in group.groupby("start_quarter"):
            expected = kaplan_meier(
                cohort_spells["duration_months"].to_numpy(),
                cohort_spells["is_event"].to_numpy(dtype=bool),
            )
            got = (
                mart[(mart["region_code"] == region) & (mart["cohort_quarter"] == cohort)]
                .set_index("month")
                .sort_index()
            )
            assert got.index.tolist() == expected.index.tolist(), (region, cohort)
            for column in ("at_risk", "events", "censored"):
                assert got[column].astype(int).tolist() == expected[column].tolist()
            for column in ("survival", "ci_lower", "ci_upper"):
                np.testing.assert_allclose(
                    got[column].astype(float),
                    expected[column],
                    rtol=0,
                    atol=1e-9,
                    err_msg=f"{region} {cohort}",
                )
            checked += len(got)
    assert checked > 100


def kaplan_meier(durations: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """S(k) = prod over months m < k of (1 - d_m / n_m); Greenwood's variance sums
    d_m / (n_m (n_m - d_m)) over the same months; the 95% log-log interval. Rows for the
    months with spells at risk."""
    rows, survival, greenwood = [], 1.0, 0.0
    for month in range(MAX_MONTH + 1):
        at_risk = int((durations >= month).sum())
        ended = int(((durations == month) & events).sum())
        censored = int(((durations == month) & ~events).sum())
        if at_risk:
            if 0 < survival < 1:
                se = np.sqrt(greenwood) / abs(np.log(survival))
                low, high = survival ** np.exp(Z_95 * se), survival ** np.exp(-Z_95 * se)
            else:
                low = high = survival
            rows.append((month, at_risk, ended, censored, survival, low, high))
            if 0 < ended < at_risk:
                greenwood += ended / (at_risk * (at_risk - ended))
            survival *= 1 - ended / at_risk
    return pd.DataFrame(
        rows, columns=["month", "at_risk", "events", "censored", "survival", "ci_lower", "ci_upper"]
    ).set_index("month")


def test_the_planted_generator_effects_come_out_with_the_right_sign(settings, built_mart):  # noqa: F811
    with open_warehouse(settings.warehouse_url) as warehouse:
        factors = warehouse.query_frame(
            "select factor, level, retention_12m from marts.mart_retention_factors "
            "where region_code = 'NL'"
        )
    retention = factors.set_index(["factor", "level"])["retention_12m"].astype(float)
    assert retention["jobcoach", "ja"] > retention["jobcoach", "nee"]
    assert retention["arbeidsdeskundige", "ja"] > retention["arbeidsdeskundige", "nee"]
    assert retention["contractvorm", "tijdelijk"] < retention["contractvorm", "vast"]
    assert retention["contractvorm", "oproep"] < retention["contractvorm", "vast"]
