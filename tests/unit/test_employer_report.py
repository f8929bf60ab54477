"""A participating employer's report content (duurzaam.reports.employer_content) on hand-made
published rows: it holds the employer's own figures and its two benchmarks only, says in
words what the layer withheld, claims a difference only where the interval carries it, and
says so when the quarter has none of its placements; its own Spinnenweb answers stand beside
its region's and the country's means, and what is withheld is said in words."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from duurzaam.employers import Employer
from duurzaam.publication.labels import SPINNENWEB_LABELS
from duurzaam.quarters import Quarter
from duurzaam.reports.employer_content import employer_content
from duurzaam.reports.employer_data import INSTRUMENTS, EmployerReportData
from tests.published import effect_row

QUARTER = Quarter(2024, 2)
EMPLOYER = Employer(
    "WG000748", "Werkbedrijf Zuidwest", "AM05", ("hr@wb.example",), Quarter(2023, 1)
)
COUNTS = ("placements_started", "in_work", "job_losses", "job_to_job_moves")


def figures(quarter: Quarter, withheld: tuple[str, ...] = (), **values: Any) -> dict[str, Any]:
    """A row of pub_employer_quarter or pub_employer_benchmarks; `withheld` columns '<10'."""
    row: dict[str, Any] = {
        "quarter": str(quarter),
        "placements_started": 40,
        "in_work": 250,
        "job_losses": 12,
        "job_to_job_moves": 11,
        "rolling_year_placements": 160,
        "retention_6m": 0.9,
        "retention_12m": 0.80,
        **{f"{stem}_share": 0.25 for stem in INSTRUMENTS},
        "sector_kind": "markt",
        "size_class": "100+",
    }
    row |= values
    for column in [*COUNTS, "rolling_year_placements", "retention_6m", "retention_12m"]:
        row[f"{column}_suppressed"] = None
    for stem in INSTRUMENTS:
        row[f"{stem}_share_suppressed"] = None
    for column in withheld:
        row[column], row[f"{column}_suppressed"] = None, "<10"
    return row


def data(own: list[dict], region_12m: float = 0.70, effects: list[dict] | None = None):
    benchmarks = [
        {"benchmark": kind, **figures(quarter, retention_12m=rate, placements_started=900)}
        for kind, rate in (("region", region_12m), ("sector_size", 0.75))
        for quarter in (QUARTER - 4, QUARTER)
    ]
    return EmployerReportData(
        QUARTER,
        EMPLOYER,
        "Zuidwest",
        pd.DataFrame(own),
        pd.DataFrame(benchmarks),
        pd.DataFrame(effects or []),
    )


def test_the_report_holds_the_employers_figures_beside_its_benchmarks():
    own = [figures(QUARTER - 4), figures(QUARTER, placements_started=37)]
    content = employer_content(data(own), 10)
    placements = content["placements"]
    assert placements["columns"] == [
        "Kerncijfer",
        "Uw organisatie",
        "Zuidwest",
        "Marktsector, 100+ medewerkers",
    ]
    assert placements["rows"][0] == ["Plaatsingen gestart", "37", "900", "900"]
    assert "In 2024-K2 begonnen 37 mensen" in placements["sentences"][0]
    assert [row[0] for row in placements["trend"]] == ["2023-K2", "2024-K2"]
    assert content["addressee"] == "werkgever:WG000748" and content["has_figures"]


def test_small_counts_are_said_in_words_and_listed():
    own = [figures(QUARTER - 4), figures(QUARTER, withheld=("job_losses", "job_to_job_moves"))]
    content = employer_content(data(own), 10)
    sentence = content["placements"]["sentences"][0]
    assert "Minder dan 10 medewerkers verloren hun baan" in sentence
    assert "minder dan 10 gingen over naar ander werk" in sentence
    assert content["placements"]["rows"][2] == ["Baanverlies", "<10", "12", "12"]
    assert content["withheld"]["Uw plaatsingen"] == ["Baanverlies", "Over naar ander werk"]


def test_retention_is_compared_with_the_region_only_where_the_interval_carries_it():
    own = [figures(QUARTER - 4, rolling_year_placements=160, retention_12m=0.80), figures(QUARTER)]
    # 128 of 160: interval about 73-86%, excludes the region's 70%
    higher = employer_content(data(own, region_12m=0.70), 10)["retention"]["sentences"][0]
    assert "hoger dan de 70,0% van alle werkgevers in Zuidwest" in higher
    assert "tussen 2022-K3 en 2023-K2" in higher
    same = employer_content(data(own, region_12m=0.78), 10)["retention"]["sentences"][0]
    assert "verschilt niet meetbaar van de 78,0%" in same and "hoger" not in same
    small = [figures(QUARTER - 4, withheld=("retention_12m",)), figures(QUARTER)]
    withheld = employer_content(data(small), 10)["retention"]["sentences"][0]
    assert "wordt niet getoond" in withheld and "%" not in withheld


def test_what_helps_names_only_effects_whose_interval_excludes_one():
    effects = [
        effect_row("NL", "jobcoach", "nee", 1.0),
        effect_row("NL", "jobcoach", "ja", 0.7),  # interval 0.56-0.875: fewer job losses
        effect_row("NL", "no_riskpolis", "nee", 1.0),
        effect_row("NL", "no_riskpolis", "ja", 0.95),  # 0.76-1.19: no measurable difference
        effect_row("AM05", "jobcoach", "ja", 0.7, model_region_code="NL"),
    ]
    own = [figures(QUARTER - 4), figures(QUARTER)]
    helps = employer_content(data(own, effects=effects), 10)["helps"]
    assert len(helps["sentences"]) == 1
    assert helps["sentences"][0].startswith("Plaatsingen met een jobcoach hebben landelijk")
    assert "kleiner risico op baanverlies" in helps["sentences"][0]
    rows = {row["label"]: row for row in helps["rows"]}
    assert rows["Jobcoach"]["effect"] == "0,70 (0,56–0,88) (landelijk)"
    assert rows["No-riskpolis"]["own"] == "25,0%" and rows["Loonkostensubsidie"]["effect"] == "–"


def test_an_employer_without_placements_in_the_quarter_gets_a_report_that_says_so():
    content = employer_content(data([figures(QUARTER - 4)]), 10)
    assert not content["has_figures"]
    assert "komt Werkbedrijf Zuidwest niet voor" in content["absent"]


def answers(wave: str = "2024Q1", withheld: tuple[str, ...] = (), **scores: int | None) -> dict:
    """A pub_employer_survey_answers row of the employer; `withheld` elements 'x'."""
    row: dict[str, Any] = {"employer_id": EMPLOYER.employer_id, "wave": wave}
    row |= {"perspective": "werkgever", "region_code": "AM05", "survey_region_code": "AM05"}
    for element in SPINNENWEB_LABELS:
        score = None if element in withheld else scores.get(element)
        row[f"spinnenweb_{element}_score"] = score
        row[f"spinnenweb_{element}_score_suppressed"] = "x" if element in withheld else None
    return row


def survey(code: str, mean: float | None, wave: str = "2024Q1") -> dict:
    """A pub_employer_survey row (perspective werkgever): every element's mean `mean`, or
    withheld ('n<10') when None."""
    row: dict[str, Any] = {"region_code": code, "wave": wave, "perspective": "werkgever"}
    for element in SPINNENWEB_LABELS:
        row[f"spinnenweb_{element}_mean"] = mean
        row[f"spinnenweb_{element}_mean_suppressed"] = None if mean else "n<10"
    return row


def with_survey(own_answers: list[dict], rows: list[dict]) -> EmployerReportData:
    own = [figures(QUARTER - 4), figures(QUARTER)]
    return replace(data(own), answers=pd.DataFrame(own_answers), survey=pd.DataFrame(rows))


def test_the_employers_own_spinnenweb_stands_beside_its_region_and_the_country():
    given = {"kennis_doelgroep": 4, "informatie_regelingen": 2}
    content = employer_content(
        with_survey([answers(**given)], [survey("AM05", 3.25), survey("NL", 3.0)]), 10
    )
    web = content["spinnenweb"]
    assert web["columns"] == [
        "Onderdeel",
        "Uw organisatie",
        "Werkgevers in Zuidwest",
        "Werkgevers in Nederland",
    ]
    assert web["rows"][0] == ["Kennis doelgroep", "4", "3,2", "3,0"]
    assert web["rows"][1] == ["Informatie regelingen", "2", "3,2", "3,0"]
    assert web["rows"][2] == ["Selectie en matching", "–", "3,2", "3,0"]  # not scored
    assert "werkgeversenquête van 2024-K1 in" in web["sentences"][0] and len(web["sentences"]) == 1
    assert list(web["chart"]["perspectives"]) == web["columns"][1:]
    assert web["chart"]["perspectives"]["Uw organisatie"][:3] == [4, 2, None]
    assert "Het Spinnenweb" not in content["withheld"]


def test_withheld_own_scores_and_region_means_are_said_in_plain_dutch():
    own = answers(withheld=("kennis_doelgroep",), informatie_regelingen=3)
    content = employer_content(with_survey([own], [survey("AM05", None), survey("NL", 3.1)]), 10)
    web = content["spinnenweb"]
    assert web["rows"][0] == ["Kennis doelgroep", "x", "n<10", "3,1"]
    assert web["rows"][1] == ["Informatie regelingen", "3", "n<10", "3,1"]
    mine, region = web["sentences"][1:]
    assert mine.startswith("Uw score op kennis doelgroep tonen we niet (x)")
    assert "minder dan 10" in mine and "gemiddelde van die paar anderen" in mine
    assert region.startswith("Het gemiddelde van Zuidwest tonen we niet voor het hele Spinnenweb")
    assert "Kennis doelgroep (uw score)" in content["withheld"]["Het Spinnenweb"]
    assert list(web["chart"]["perspectives"]) == ["Uw organisatie", "Werkgevers in Nederland"]


def test_answers_from_another_region_stand_beside_that_regions_spinnenweb():
    """Its answers count in the region of the municipality it answered from: they stand
    beside that region's means, which the sentences name, not its own region's."""
    own = answers(withheld=("kennis_doelgroep",), informatie_regelingen=3)
    own["survey_region_code"] = "AM06"
    rows = [survey("AM05", 2.0), survey("AM06", None), survey("NL", 3.1)]
    given = replace(with_survey([own], rows), answered_from=("AM06", "Veluwe"))
    web = employer_content(given, 10)["spinnenweb"]
    assert web["columns"][2] == "Werkgevers in Veluwe"
    assert web["rows"][1] == ["Informatie regelingen", "3", "n<10", "3,1"]
    assert "werkgevers in Veluwe en in heel Nederland" in web["sentences"][0]
    assert "gaven in Veluwe of in heel Nederland te weinig" in web["sentences"][1]
    assert web["sentences"][2].startswith("Het gemiddelde van Veluwe tonen we niet")


def test_an_employer_that_did_not_respond_is_told_so_beside_its_regions_spinnenweb():
    content = employer_content(with_survey([], [survey("AM05", 3.4, "2024Q2")]), 10)
    web = content["spinnenweb"]
    assert not web["responded"] and web["wave_label"] == "2024-K2"
    assert "geen antwoord op de werkgeversenquête" in web["sentences"][0]
    assert "uw plaatsingen geleverd worden: WG000748" in web["sentences"][0]
    assert web["rows"][0] == ["Kennis doelgroep", "–", "3,4", "n<10"]
    assert list(web["chart"]["perspectives"]) == ["Werkgevers in Zuidwest"]
    without = employer_content(with_survey([], []), 10)["spinnenweb"]
    assert without["sentences"] == ["Voor 2024-K2 is er geen werkgeversenquête."]
    assert without["chart"] is None and not without["rows"]
