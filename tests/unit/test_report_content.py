"""A region's report content from hand-made published rows: a small region's retention is
named as its rolling year wherever the cohort is named; a rate the layer withholds ('x', its
complement too small) while its denominator is shown yields no percentage and no
comparison; the survival curve is its published steps; what was withheld is listed."""

from __future__ import annotations

import pandas as pd

from duurzaam.quarters import Quarter
from duurzaam.reports.content import Disclosure, report_content
from duurzaam.reports.data import ReportData
from duurzaam.reports.render import _templates
from tests.published import region_quarter, survival_rows

QUARTER = Quarter.parse("2024Q2")  # its retention cohort: 2023Q2 (rolling: 2022Q3-2023Q2)
ROLLING = "voortschrijdend jaar: 2022-K3 t/m 2023-K2"
STEPS = {0: 1.0, 4: 0.9, 11: 0.8}  # the published curve's steps: month -> survival
COMPARISONS = ("hoger", "lager", "verschilt", "vergelijkbaar")


def report_data(kind: str = "quarter", withheld: dict[str, str] | None = None) -> ReportData:
    """AM05's report of 2024Q2: eight quarters, the cohort of 2023Q2 (AM05's of `kind`)
    with `withheld` columns of its row withheld."""
    quarters = [QUARTER - back for back in range(7, -1, -1)]
    rows = [
        # 80% at 12 months: the published curve's step at month 11
        region_quarter(
            "AM05", str(q), withheld if q == QUARTER - 4 else None, kind=kind, retention_12m=0.8
        )
        for q in quarters
    ]
    survival = survival_rows("AM05", "2023Q2", STEPS, last_month=14, cut_off=13, kind=kind)
    survival += survival_rows("NL", "2023Q2", {0: 1.0, 2: 0.95, 5: 0.9}, last_month=14)
    factors = pd.DataFrame(
        [
            {
                "region_code": code,
                "factor": "jobcoach",
                "level": "ja",
                "spells": 80,
                "spells_suppressed": None,
                "retention_12m": None if code == "AM05" else 0.7,
                "retention_12m_suppressed": "x" if code == "AM05" else None,
                "retention_12m_ci_lower": None,
                "retention_12m_ci_upper": None,
            }
            for code in ("AM05", "NL")
        ]
    )
    return ReportData(
        quarter=QUARTER,
        region_code="AM05",
        region_quarters=pd.DataFrame(rows),
        survival=pd.DataFrame(survival),
        factors=factors,
        survey=pd.DataFrame(),
        loads=pd.DataFrame(columns=["source", "status", "file_name", "revision", "row_count"]),
    )


def html(content: dict) -> str:
    """The report's HTML (the template alone: no charts drawn, no PDF)."""
    template = _templates(content["threshold"]).get_template("region_report.html.j2")
    return template.render(**content, images={}, correction=None)


def retention(content: dict) -> dict:
    return next(r for r in content["headline"] if r["label"].startswith("Nog aan het werk"))


def test_a_small_regions_cohort_is_named_as_its_rolling_year_wherever_it_is_named():
    content = report_content(report_data("rolling_year"), 10)
    assert ROLLING in retention(content)["label"]
    assert "tussen 2022-K3 en 2023-K2" in content["retention_note"]
    assert content["survival"]["cohort_label"] == ROLLING
    assert content["survival"]["is_rolling_year"]
    assert (
        "tussen 2022-K3 en 2023-K2 aan een baan begonnen (44 mensen; voortschrijdend"
        in (content["survival"]["description"])
    )
    sentence = content["summary"][1]
    assert sentence.startswith("Van de 44 mensen die tussen 2022-K3 en 2023-K2 begonnen")
    assert "het landelijke 70,0% (van wie in 2023-K2 begon)" in sentence
    page = html(content)
    assert ROLLING in page and "tussen 2022-K3 en 2023-K2" in page
    assert "mensen die in 2023-K2 begonnen" not in page  # the quarter is not AM05's cohort

    quarterly = report_content(report_data("quarter"), 10)
    assert quarterly["survival"]["cohort_label"] == "2023-K2"
    assert quarterly["summary"][1].startswith("Van de 44 mensen die in 2023-K2 begonnen")
    assert "voortschrijdend" not in html(quarterly)


def test_a_rate_withheld_beside_its_shown_denominator_is_neither_shown_nor_compared():
    # 44 people started; fewer than 10 of them lost their job (or kept it): 'x'
    data = report_data(withheld={"retention_12m": "x"})
    content = report_content(data, 10)
    assert retention(content)["region"] == "x"
    sentence = content["summary"][1]
    assert "niet getoond" in sentence and "80,0%" not in sentence
    assert not any(word in sentence for word in COMPARISONS), sentence
    assert "44" not in sentence  # the denominator is not put beside the withheld rate
    assert {"section": "Kerncijfers", "what": ["Nog aan het werk na 12 maanden"]} in content[
        "withheld"
    ]

    rates = report_data()
    current = rates.region_quarters.index[-1]
    rates.region_quarters.loc[current, ["employment_rate", "employment_rate_suppressed"]] = [
        None,
        "x",
    ]
    employment = report_content(rates, 10)["summary"][2]
    assert "niet getoond" in employment and "45,0%" not in employment
    assert "landelijk 50,0%" in employment

    factors = report_content(report_data(), 10)["factors"]
    assert [(f["spells"], f["retention_text"], f["retention"]) for f in factors] == [
        ("80", "x", None)
    ]


def test_a_count_withheld_for_another_reason_is_not_written_as_a_number_of_people():
    content = report_content(report_data(), 10)
    assert content["summary"][0].startswith("In 2024-K2 begonnen 60 mensen")
    data = report_data()
    current = data.region_quarters.index[-1]
    data.region_quarters.loc[current, ["placements_started", "placements_started_suppressed"]] = [
        None,
        "x",
    ]
    data.region_quarters.loc[current, ["job_losses", "job_losses_suppressed"]] = [None, "<10"]
    first = report_content(data, 10)["summary"][0]
    assert "x mensen" not in first and "niet getoond" in first
    assert "een jaar eerder" not in first  # no comparison with a withheld count
    assert "<10 mensen verloren hun baan" in first


def test_the_survival_curve_is_the_published_steps_up_to_where_it_is_cut_off():
    disclosure = Disclosure(10)
    content = report_content(report_data(), disclosure.threshold)
    region = content["survival"]["region"]
    # the start, each step, and the last month shown (12: from 13 on withheld)
    assert [(month, survival) for month, survival, _, _ in region] == [
        (0, 1.0),
        (4, 0.9),
        (11, 0.8),
        (12, 0.8),
    ]
    published = {r["month"]: r["survival"] for r in survival_rows("AM05", "2023Q2", STEPS, 14)}
    for month in range(13):  # every published month lies on the step drawn before it
        step = max(point for point in region if point[0] <= month)
        assert step[1] == published[month], month
    assert {
        "section": "Behoudcurve",
        "what": ["vanaf maand 13 (minder dan 10 mensen gevolgd)"],
    } in (content["withheld"])


def test_a_small_region_before_its_first_rolling_year_says_that_it_is_not_yet_followed():
    """The first quarters of a small region: its quarter's cohort too small ('n<10'), its
    rolling year of four quarters not yet observed (no cohort, no marker): the report says
    so, shows no curve of the region's own and names no rolling year as if it were seen."""
    quarters = [QUARTER - back for back in range(7, -1, -1)]
    rows = [
        region_quarter(
            "AM05",
            str(q),
            {"retention_12m": "n<10"} if q == QUARTER - 4 else None,
            kind="rolling_year",
            retention_12m_cohort=None if q == QUARTER - 4 else 120,
        )
        for q in quarters
    ]
    data = report_data("rolling_year")
    data = ReportData(
        quarter=data.quarter,
        region_code=data.region_code,
        region_quarters=pd.DataFrame(rows),
        survival=pd.DataFrame(survival_rows("NL", "2023Q2", {0: 1.0, 5: 0.9}, last_month=14)),
        factors=data.factors,
        survey=data.survey,
        loads=data.loads,
    )
    content = report_content(data, threshold=10)
    assert content["survival"]["region"] == []
    assert "nog niet gevolgd" in content["survival"]["description"]
    sentence = next(s for s in content["summary"] if "12 maanden" in s)
    assert "voortschrijdend jaar van vier kwartalen is nog niet gevolgd" in sentence
    assert "tussen 2022-K3 en 2023-K2" not in sentence
