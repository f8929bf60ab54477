"""How the dashboard reads the published layer: a withheld value becomes the text the layer
says to show, a missing one None; the country's rows are the nl_ columns, with the
jobs-agreement figures summed over the regions; Dutch number formats."""

from __future__ import annotations

import math

from duurzaam.dashboard import show
from duurzaam.dashboard.data import national_quarters, withheld_as_text
from duurzaam.dashboard.pages import effects_table


def test_a_withheld_value_becomes_the_text_the_layer_gives_and_its_marker_goes():
    rows = withheld_as_text(
        [
            {"placements_started": None, "placements_started_suppressed": "<10", "rate": 0.5},
            {"placements_started": 12, "placements_started_suppressed": None, "rate": math.nan},
        ]
    )
    assert rows == [
        {"placements_started": "<10", "rate": 0.5},
        {"placements_started": 12, "rate": None},
    ]


def test_the_country_per_quarter_from_the_nl_columns_and_summed_jobs():
    def region(code: str, quarter: str, market: object) -> dict:
        return {
            "region_code": code,
            "region_name": code,
            "quarter": quarter,
            "placements_started": 11,
            "nl_placements_started": 500,
            "jobs_market": market,
            "jobs_government": 2.5,
            "jobs_target": 10,
        }

    national = national_quarters(
        [region("AM02", "2024Q1", 1.5), region("AM01", "2024Q1", "x"), region("AM01", "2023Q4", 4)]
    )
    assert [(r["quarter"], r["region_code"], r["placements_started"]) for r in national] == [
        ("2023Q4", "NL", 500),
        ("2024Q1", "NL", 500),
    ]
    assert (national[1]["jobs_market"], national[1]["jobs_government"]) == (1.5, 5.0)
    assert national[1]["jobs_target"] == 20


def test_dutch_formats_and_withheld_text():
    assert show.count(12345) == "12.345"
    assert show.count("<10") == "<10"
    assert show.count(None) == "–"
    assert show.figure(0.625, "rate") == "62,5%"
    assert show.figure("n<10", "rate") == "n<10"
    assert show.number(1234.56) == "1.234,6"
    assert show.value("<10", "count") is None and show.value(0.5, "rate") == 50.0


def test_effects_say_when_a_region_shows_the_national_models_estimates():
    def row(region: str, model_region: str, hazard_ratio: object) -> dict:
        return {
            "region_code": region,
            "factor": "jobcoach",
            "level": "ja",
            "reference_level": "nee",
            "hazard_ratio": hazard_ratio,
            "hr_ci_lower": 0.6149,
            "hr_ci_upper": 0.8,
            "spells": 1234,
            "model_region_code": model_region,
        }

    own, national = (
        effects_table([row("AM22", "AM22", 0.7)]),
        effects_table([row("AM18", "NL", "x")]),
    )
    assert own["columns"][-1] == national["columns"][-1] == "Geschat op"
    # ratios to two decimals (the page formats them), the count as published
    assert own["rows"] == [["Jobcoach", "ja", "nee", 0.7, 0.61, 0.8, "1.234", "deze regio"]]
    assert national["rows"][0][3] == "x" and national["rows"][0][-1] == "alle regio's"
