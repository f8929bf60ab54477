"""The report's adjusted effects: a comparison sentence claims "hoger" or "lager" only when
the interval carries it; the forest plot draws national and regional intervals; a regional
estimate on fewer job losses than the threshold is not shown."""

from __future__ import annotations

import pandas as pd

from duurzaam.publication.labels import FACTOR_LABELS
from duurzaam.reports.content import Disclosure
from duurzaam.reports.effects import compare, effects_content, forest_rows, retention_sentence
from duurzaam.reports.forest import forest_chart
from tests.published import effect_row


def test_a_difference_is_claimed_only_when_the_interval_excludes_the_other_value():
    # 16 starters, 80% still at work, interval 62-98%: not measurably above 70%
    assert compare(0.80, 0.62, 0.98, 0.70) is None
    assert compare(0.80, 0.75, 0.85, 0.70) == "hoger dan"
    assert compare(0.60, 0.52, 0.66, 0.70) == "lager dan"
    assert compare(0.80, None, None, 0.70) is None  # no interval, no claim
    sentence = retention_sentence("in 2023-K2", "16", "80,0%", (0.62, 0.98), None, "70,0%")
    assert "16 mensen die in 2023-K2 begonnen" in sentence and "62,0% tot 98,0%" in sentence
    assert "verschilt niet meetbaar van het landelijke 70,0%" in sentence
    assert "hoger" not in sentence
    claimed = retention_sentence("in 2023-K2", "250", "80,0%", (0.75, 0.85), "hoger dan", "70,0%")
    assert claimed.endswith("hoger dan het landelijke 70,0%.")
    # a rolling year's rate against the country's quarter, named as such
    rolling = retention_sentence(
        "tussen 2022-K3 en 2023-K2", "44", "80,0%", None, None, "70,0%", "in 2023-K2"
    )
    assert rolling.startswith("Van de 44 mensen die tussen 2022-K3 en 2023-K2 begonnen")
    assert rolling.endswith("het landelijke 70,0% (van wie in 2023-K2 begon).")
    # no national rate shown: no comparison at all
    alone = retention_sentence("in 2023-K2", "44", "80,0%", (0.75, 0.85), None, None)
    assert alone.endswith("nog 80,0% (95%-interval 75,0% tot 85,0%).")


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
    assert list(rows) == [
        "Jobcoach: ja (t.o.v. nee)",
        "Jobcoach: nee (referentie)",
        "Contract: oproep (t.o.v. vast)",
        "Contract: vast (referentie)",
    ]
    assert [row["label"] for row in forest_rows(shown)] == [
        "Jobcoach: ja (t.o.v. nee)",
        "Contract: oproep (t.o.v. vast)",
    ]
    assert rows["Jobcoach: ja (t.o.v. nee)"]["region"]["hr"] == 0.6
    assert rows["Jobcoach: ja (t.o.v. nee)"]["national"]["hr"] == 0.7
    assert rows["Contract: oproep (t.o.v. vast)"]["region"] is None  # 4 job losses: withheld
    assert disclosure.withheld == {"Effecten na correctie": ["Contract: oproep (t.o.v. vast)"]}
    assert shown["own_model"] and shown["changing"] == []

    national_only = effects.assign(model_region_code="NL")
    fallback = effects_content(national_only, "AM05", FACTOR_LABELS, Disclosure(10))
    assert not fallback["own_model"] and fallback["changing"] == ["Contract"]
    assert all(row["region"] is None for row in fallback["rows"])

    png = forest_chart("Twente", forest_rows(shown))
    assert png.startswith(b"\x89PNG") and png == forest_chart("Twente", forest_rows(shown))
    assert forest_chart("Twente", forest_rows(fallback)) != png


def test_a_reference_level_is_1_and_a_region_on_the_national_model_shows_its_estimate():
    # AM05 has too few job losses for a model of its own: its rows carry the national
    # model's estimates, published although its own counts at a level are withheld.
    effects = pd.DataFrame(
        [
            effect_row("NL", "jobcoach", "nee", 1.0),
            effect_row("NL", "jobcoach", "ja", 0.7),
            effect_row("AM05", "jobcoach", "nee", 1.0, events=3, model_region_code="NL"),
            effect_row("AM05", "jobcoach", "ja", 0.7, events=4, model_region_code="NL"),
        ]
    )
    disclosure = Disclosure(10)
    shown = effects_content(effects, "AM05", FACTOR_LABELS, disclosure)
    texts = {row["label"]: (row["national_text"], row["region_text"]) for row in shown["rows"]}
    assert texts == {
        "Jobcoach: ja (t.o.v. nee)": ("0,70 (0,56–0,88)", "landelijke schatting"),
        "Jobcoach: nee (referentie)": ("1 (referentie)", "1 (referentie)"),
    }
    assert not shown["own_model"] and disclosure.withheld == {}
    (drawn,) = forest_rows(shown)
    assert drawn["national"] == {"hr": 0.7, "lower": 0.7 * 0.8, "upper": 0.7 * 1.25}
    assert drawn["region"] is None  # the national estimate is drawn once, as national
