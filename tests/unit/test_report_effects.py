"""The report's adjusted effects: a comparison sentence claims "hoger" or "lager" only when
the interval carries it; the forest plot draws national and regional intervals; a regional
estimate on fewer job losses than the threshold is not shown."""

from __future__ import annotations

import pandas as pd

from duurzaam.reports.content import FACTOR_LABELS, Disclosure
from duurzaam.reports.effects import compare, effects_content, retention_sentence
from duurzaam.reports.forest import forest_chart


def test_a_difference_is_claimed_only_when_the_interval_excludes_the_other_value():
    # 16 starters, 80% still at work, interval 62-98%: not measurably above 70%
    assert compare(0.80, 0.62, 0.98, 0.70) is None
    assert compare(0.80, 0.75, 0.85, 0.70) == "hoger dan"
    assert compare(0.60, 0.52, 0.66, 0.70) == "lager dan"
    assert compare(0.80, None, None, 0.70) is None  # no interval, no claim
    sentence = retention_sentence("2023-K2", "16", "80,0%", (0.62, 0.98), None, "70,0%")
    assert "16 mensen" in sentence and "62,0% tot 98,0%" in sentence
    assert "verschilt niet meetbaar van het landelijke 70,0%" in sentence
    assert "hoger" not in sentence
    claimed = retention_sentence("2023-K2", "250", "80,0%", (0.75, 0.85), "hoger dan", "70,0%")
    assert claimed.endswith("hoger dan het landelijke 70,0%.")


def effect_row(
    region: str, factor: str, level: str, hr: float | None, events: int = 120, **extra
) -> dict:
    """A row of published.pub_retention_effects: an estimate over fewer than 10 job losses
    withheld as the published model withholds it (dbt_project/models/published)."""
    reference = {"jobcoach": "nee", "contractvorm": "vast"}[factor]
    withheld = events < 10
    estimate = None if withheld else hr
    return {
        "region_code": region,
        "factor": factor,
        "level": level,
        "reference_level": reference,
        "is_reference": level == reference,
        "hazard_ratio": estimate,
        "hazard_ratio_suppressed": "n<10" if withheld else None,
        "hr_ci_lower": None if estimate is None or level == reference else hr * 0.8,
        "hr_ci_upper": None if estimate is None or level == reference else hr * 1.25,
        "spells": 400,
        "events": None if withheld else events,
        "events_suppressed": "<10" if withheld else None,
        "model_region_code": region,
        "ph_violated": False,
        **extra,
    }


def test_the_region_shows_its_own_estimates_only_on_enough_job_losses():
    effects = pd.DataFrame(
        [
            effect_row("NL", "jobcoach", "nee", 1.0),
            effect_row("NL", "jobcoach", "ja", 0.7),
            effect_row("NL", "contractvorm", "vast", 1.0),
            effect_row("NL", "contractvorm", "oproep", 1.8, ph_violated=True),
            effect_row("AM05", "jobcoach", "nee", 1.0),
            effect_row("AM05", "jobcoach", "ja", 0.6),
            effect_row("AM05", "contractvorm", "vast", 1.0),
            effect_row("AM05", "contractvorm", "oproep", 2.0, events=4),
        ]
    )
    disclosure = Disclosure(10)
    shown = effects_content(effects, "AM05", FACTOR_LABELS, disclosure)
    rows = {row["label"]: row for row in shown["rows"]}
    assert list(rows) == ["Jobcoach: ja (t.o.v. nee)", "Contract: oproep (t.o.v. vast)"]
    assert rows["Jobcoach: ja (t.o.v. nee)"]["region"]["hr"] == 0.6
    assert rows["Jobcoach: ja (t.o.v. nee)"]["national"]["hr"] == 0.7
    assert rows["Contract: oproep (t.o.v. vast)"]["region"] is None  # 4 job losses: withheld
    assert disclosure.withheld == {"Effecten na correctie": ["Contract: oproep (t.o.v. vast)"]}
    assert shown["own_model"] and shown["changing"] == []

    national_only = effects.assign(model_region_code="NL")
    fallback = effects_content(national_only, "AM05", FACTOR_LABELS, Disclosure(10))
    assert not fallback["own_model"] and fallback["changing"] == ["Contract"]
    assert all(row["region"] is None for row in fallback["rows"])

    png = forest_chart("Twente", shown["rows"])
    assert png.startswith(b"\x89PNG") and png == forest_chart("Twente", shown["rows"])
    assert forest_chart("Twente", fallback["rows"]) != png
