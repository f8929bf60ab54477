"""The disclosure attack engine on small hand-made published tables: each kind of attack finds
a planted leak (the right cell, a readable explanation), and a table protected as the rules
say gives no finding."""

from __future__ import annotations

from typing import Any

import pandas as pd

from duurzaam.transform.disclosure.attack import attack
from duurzaam.transform.disclosure.model import Finding

T = 10  # the threshold


def published(rows: list[dict[str, Any]], counts: tuple[str, ...], rates: tuple[str, ...] = ()):
    """A published table from its rows: a value None is withheld ('<10' beside it)."""
    frame = pd.DataFrame(rows)
    for column in (*counts, *rates):
        values = frame[column] if column in frame else pd.Series([None] * len(frame))
        frame[column] = values.astype("Int64" if column in counts else "float64")
        frame[f"{column}_suppressed"] = ["<10" if pd.isna(v) else None for v in values]
    return frame


def found(frames: dict[str, pd.DataFrame]) -> dict[str, Finding]:
    """str(cell) -> its finding."""
    return {str(f.cell): f for f in attack(frames, T)}


def test_a_shown_small_count_is_found():
    rows = [
        {
            "region_code": r,
            "wave_number": 1,
            "labour_expert_role": "coach",
            "placements_followed": n,
        }
        for r, n in (("AM05", 4), ("AM06", 40))
    ]
    frame = published(rows, ("placements_followed",))
    findings = found({"pub_followup": frame})
    assert list(findings) == ["pub_followup AM05 1 coach placements_followed"]
    finding = findings["pub_followup AM05 1 coach placements_followed"]
    assert (finding.value, finding.attack, finding.how) == (4, "shown", "shown as 4")


def factor_rows(region: str, factor: str, spells: dict[str, int | None]) -> list[dict]:
    return [
        {"region_code": region, "factor": factor, "level": level, "spells": n}
        for level, n in spells.items()
    ]


def test_a_rate_times_its_denominator_and_its_complement_are_found():
    rows = [
        {"region_code": "AM05", "factor": "jobcoach", "level": "ja", "spells": 20},
        {"region_code": "AM05", "factor": "jobcoach", "level": "nee", "spells": 50},
    ]
    rows[0]["retention_12m"], rows[1]["retention_12m"] = 0.85, 0.5
    frame = published(rows, ("spells",), ("retention_12m",))
    findings = found({"pub_retention_factors": frame})
    # 15% of 20 spells: about 3 people lost; 50% of 50: 25 either way, not a finding
    (finding,) = findings.values()
    assert (
        str(finding.cell) == "pub_retention_factors AM05 jobcoach ja spells - count(retention_12m)"
    )
    assert finding.attack == "rate" and round(finding.value) == 3
    assert "retention_12m 0.85 x spells 20" in finding.how


def region_quarter(parts: dict[str, int | None], national: int) -> pd.DataFrame:
    rows = [
        {
            "region_code": r,
            "quarter": "2023Q3",
            "placements_started": n,
            "nl_placements_started": national,
        }
        for r, n in parts.items()
    ]
    return published(rows, ("placements_started", "nl_placements_started"))


def test_the_country_minus_its_shown_regions_gives_a_lone_withheld_region():
    frame = region_quarter({"AM01": 40, "AM02": 30, "AM35": None}, national=74)
    findings = found({"pub_region_quarter": frame})
    finding = findings["pub_region_quarter AM35 2023Q3 placements_started"]
    assert (finding.value, finding.attack) == (4, "relation")
    assert "74 (2023Q3 nl_placements_started)" in finding.how
    assert "- 40 (AM01 2023Q3 placements_started)" in finding.how


def test_two_withheld_regions_holding_the_threshold_together_give_nothing():
    protected = region_quarter({"AM01": 40, "AM02": None, "AM35": None}, national=84)
    assert found({"pub_region_quarter": protected}) == {}  # 14 between two regions: unknown


def test_withheld_regions_that_together_hold_fewer_than_the_threshold_are_found():
    frame = region_quarter({"AM01": 40, "AM02": None, "AM35": None}, national=47)
    (finding,) = found({"pub_region_quarter": frame}).values()
    assert finding.attack == "group" and finding.value == 7
    assert "AM02 2023Q3 placements_started" in str(finding.cell)
    assert "AM35 2023Q3 placements_started" in str(finding.cell)


def test_a_count_recovered_in_one_relation_is_used_in_another():
    # jobcoach is shown whole: 30 + 25 = 55 spells in AM05; of sector_type, 'overheid' is
    # withheld ('x') beside 'markt' 49: so it holds 55 - 49 = 6
    rows = [
        *factor_rows("AM05", "jobcoach", {"ja": 30, "nee": 25}),
        *factor_rows("AM05", "sector_type", {"markt": 49, "overheid": None}),
    ]
    findings = found({"pub_retention_factors": published(rows, ("spells",))})
    finding = findings["pub_retention_factors AM05 sector_type overheid spells"]
    assert (finding.value, finding.attack) == (6, "relation")
    assert "recovered before: pub_retention_factors AM05 total(spells)" in finding.how
    assert len(findings) == 1


def curve(points: list[tuple[int, int | None, float | None]]) -> pd.DataFrame:
    rows = [
        {
            "region_code": "AM05",
            "cohort_quarter": "2023Q1",
            "cohort_kind": "rolling_year",
            "month": month,
            "at_risk": at_risk,
            "survival": survival,
        }
        for month, at_risk, survival in points
    ]
    return published(rows, ("at_risk",), ("survival",))


def test_a_small_step_of_a_survival_curve_is_found():
    # rounded at-risk numbers (multiples of 5): 40 (38..42) x (1 - 0.95) = about 2 lost
    findings = found({"pub_cohort_survival": curve([(0, 40, 1.0), (3, 35, 0.95)])})
    (finding,) = findings.values()
    assert str(finding.cell) == "pub_cohort_survival AM05 2023Q1 rolling_year 3 lost since month 0"
    assert finding.attack == "curve" and round(finding.value) == 2
    assert "at risk 40 (+-2) at month 0 x (1 - 0.95/1)" in finding.how


def test_a_pooled_curve_with_steps_of_the_threshold_gives_nothing():
    points = [(0, 100, 1.0), (1, 100, 1.0), (6, 85, 0.85), (12, 70, 0.70), (13, None, None)]
    assert found({"pub_cohort_survival": curve(points)}) == {}


def test_exact_at_risk_numbers_give_the_people_who_left_between_two_months():
    # not multiples of 5: the at-risk numbers are exact, and 43 - 41 = 2 left (censored)
    findings = found({"pub_cohort_survival": curve([(0, 43, 1.0), (1, 41, 1.0)])})
    (finding,) = findings.values()
    assert str(finding.cell) == "pub_cohort_survival AM05 2023Q1 rolling_year 1 left since month 0"
    assert finding.value == 2 and finding.attack == "curve"


def test_shares_of_the_answers_give_an_options_count():
    # 40 respondents, half employ: 20 asked why; 10 chose 'krapte' (a share of the
    # respondents), which is 40% of the answers: 25 answers, so 'anders' (20% of the answers,
    # its share of the respondents withheld) was chosen 5 times
    row = {
        "region_code": "AM05",
        "wave": "2023Q1",
        "perspective": "werkgever",
        "respondents": 40,
        "employing_share": 0.5,
        "reden_krapte_of_respondents": 0.5,
        "reden_krapte_of_answers": 0.4,
        "reden_anders_of_respondents": None,
        "reden_anders_of_answers": 0.2,
    }
    rates = tuple(c for c in row if c.endswith(("_share", "_of_respondents", "_of_answers")))
    findings = found({"pub_employer_survey": published([row], ("respondents",), rates)})
    finding = findings[
        "pub_employer_survey AM05 2023Q1 werkgever count(reden_anders_of_respondents)"
    ]
    assert (finding.value, finding.attack) == (5, "answers")
    assert "answers(reden)" in finding.how
    assert set(findings) == {finding.cell.__str__()}


def test_relations_whose_columns_a_table_lacks_are_skipped():
    # an older schema: no national columns; the other relations still run
    frame = published(
        [{"region_code": "AM05", "quarter": "2023Q3", "job_losses": 20, "spell_ends": None}],
        ("job_losses", "spell_ends"),
    )
    findings = found({"pub_region_quarter": frame})
    assert findings == {}  # spell_ends = job_losses = 20: recovered, but not small


def survey_rows(scored: int) -> pd.DataFrame:
    rows = [
        {
            "region_code": "AM05",
            "wave": "2024Q2",
            "perspective": "werkgever",
            "respondents": 23,
            "spinnenweb_kennis_doelgroep_n": scored,
        }
    ]
    return published(rows, ("respondents", "spinnenweb_kennis_doelgroep_n"))


def test_the_respondents_minus_an_exact_number_of_scores_are_found():
    findings = found({"pub_employer_survey": survey_rows(18)})  # not a multiple of 5: exact
    cell = "pub_employer_survey AM05 2024Q2 werkgever rest(spinnenweb_kennis_doelgroep_n)"
    assert findings[cell].value == 5 and findings[cell].attack == "relation"


def test_numbers_of_scores_rounded_to_five_give_no_difference():
    assert found({"pub_employer_survey": survey_rows(20)}) == {}  # 18 to 22 scored


def test_a_regions_quarters_add_up_to_the_spells_another_table_splits_by_factor():
    """The placements a region started in every quarter are the spells whose factors
    pub_retention_factors counts: one withheld quarter follows from a factor shown whole."""
    quarters = published(
        [
            {"region_code": "AM05", "quarter": q, "placements_started": n}
            for q, n in (("2024Q1", 40), ("2024Q2", None), ("2024Q3", 50))
        ],
        ("placements_started",),
    )
    spells = factor_rows("AM05", "jobcoach", {"ja": 30, "nee": 64})
    factors = published(spells, ("spells",))
    findings = found({"pub_region_quarter": quarters, "pub_retention_factors": factors})
    cell = "pub_region_quarter AM05 2024Q2 placements_started"
    assert findings[cell].value == 4 and findings[cell].attack == "relation"


def own_answers(scores: dict[str, int | None], region: str | None = "AM05") -> pd.DataFrame:
    """pub_employer_survey_answers: each employer's score of Kennis doelgroep (None: 'x')."""
    rows = [
        {
            "employer_id": employer,
            "wave": "2024Q2",
            "perspective": "werkgever",
            "region_code": "AM05",
            "survey_region_code": region,
            "spinnenweb_kennis_doelgroep_score": score,
        }
        for employer, score in scores.items()
    ]
    return published(rows, ("spinnenweb_kennis_doelgroep_score",))


def means(region_scored: int | None, country_scored: int | None) -> pd.DataFrame:
    """pub_employer_survey's rows of AM05 and the country, their numbers of scores."""
    rows = [
        {
            "region_code": code,
            "wave": "2024Q2",
            "perspective": "werkgever",
            "spinnenweb_kennis_doelgroep_mean": 3.1,
            "spinnenweb_kennis_doelgroep_n": scored,
        }
        for code, scored in (("AM05", region_scored), ("NL", country_scored))
    ]
    return published(
        rows, ("spinnenweb_kennis_doelgroep_n",), ("spinnenweb_kennis_doelgroep_mean",)
    )


OWN_ANSWERS = "pub_employer_survey_answers"


def attacked(answers: pd.DataFrame, region: int | None = 15, country: int | None = 60):
    """The findings on the employers' answers beside AM05's and the country's scores."""
    return found({"pub_employer_survey": means(region, country), OWN_ANSWERS: answers})


def test_published_own_scores_leaving_fewer_than_the_threshold_of_others_are_found():
    """15 scores, rounded to 5: at least 13. Three employers' scores published leave at least
    10 others (and a shown score is no count); four leave 9, whose mean would follow."""
    three = {"WG1": 4, "WG2": 3, "WG3": 5}
    assert attacked(own_answers(three)) == {}
    findings = attacked(own_answers({**three, "WG4": 2}))
    cell = "pub_employer_survey AM05 2024Q2 werkgever others(spinnenweb_kennis_doelgroep_n)"
    assert list(findings) == [cell]
    assert findings[cell].value == 9 and findings[cell].attack == "mean"
    assert "15, at least 13, less 4 published score(s) (WG1 2024Q2" in findings[cell].how
    # a withheld score is not known: four with two of them withheld leave enough others
    assert attacked(own_answers({**three, "WG4": None, "WG3": None})) == {}


def test_a_published_own_score_in_a_row_whose_number_of_scores_is_withheld_is_found():
    """The country's row holds every employer's score; its number withheld says fewer than
    the threshold scored at all."""
    findings = attacked(own_answers({"WG1": 4}), region=40, country=None)
    cell = "pub_employer_survey NL 2024Q2 werkgever others(spinnenweb_kennis_doelgroep_n)"
    assert list(findings) == [cell] and findings[cell].value == 0
    assert "spinnenweb_kennis_doelgroep_n withheld, less 1 published score(s)" in findings[cell].how


def test_a_published_own_score_of_no_region_is_found():
    """An answer of no region is in the country's row only: the country less its regions
    holds it beside the few other answers without a region, however many the country has."""
    findings = attacked(own_answers({"WG1": 4}, region=None), region=40, country=60)
    assert len(findings) == 1
    ((cell, finding),) = findings.items()
    assert cell.startswith(OWN_ANSWERS) and "WG1" in cell and finding.attack == "mean"
    assert "counts in the country's row only" in finding.how
    assert attacked(own_answers({"WG1": None}, region=None), region=40, country=60) == {}
