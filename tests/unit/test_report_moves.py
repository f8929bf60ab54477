"""The report's page "Van werk naar werk" (duurzaam.reports.moves) on hand-made published
rows: it says only what the layer shows, and claims a difference only where the interval
carries it."""

from __future__ import annotations

import pandas as pd

from duurzaam.reports.moves import moves_content, whole_totals, wilson
from duurzaam.reports.withheld import Disclosure

BANDS = ("back_3_6m", "back_6_12m", "not_back_12m")


def factor_row(region: str, factor: str, level: str, ends, moves, bands=(20, 10, 30), marks=None):
    """A pub_move_factors row; marks: column -> the text the layer puts beside it."""
    marks = marks or {}
    row = {"region_code": region, "factor": factor, "level": level, "ends": ends, "moves": moves}
    row |= dict(zip(BANDS, bands, strict=True))
    row["move_share"] = None if moves is None or ends is None else moves / ends
    row["move_share_ci_lower"] = row["move_share_ci_upper"] = None
    if row["move_share"] is not None:
        row["move_share_ci_lower"], row["move_share_ci_upper"] = wilson(moves, ends)
    for column in ("ends", "moves", "move_share", *BANDS):
        row[f"{column}_suppressed"] = marks.get(column)
    return row


def effect_row(region: str, level: str, ratio, lower, upper, model: str = "NL", **marks):
    return {
        "region_code": region,
        "factor": "jobcoach" if level in ("ja", "nee") else "contractvorm",
        "level": level,
        "reference_level": "nee" if level in ("ja", "nee") else "vast",
        "is_reference": level in ("nee", "vast"),
        "odds_ratio": ratio,
        "or_ci_lower": lower,
        "or_ci_upper": upper,
        "odds_ratio_suppressed": marks.get("odds_ratio"),
        "model_region_code": model,
    }


def moves_frame(region_moves=(30, 10)) -> pd.DataFrame:
    """A region whose jobcoach levels are shown whole, the country beside it."""
    ja, nee = region_moves
    return pd.DataFrame(
        [
            factor_row("AM01", "jobcoach", "ja", 100, ja),
            factor_row("AM01", "jobcoach", "nee", 100, nee),
            factor_row("AM01", "contractvorm", "vast", 150, None, marks={"moves": "x"}),
            factor_row(
                "AM01", "contractvorm", "oproep", None, None, marks={"ends": "<10", "moves": "<10"}
            ),
            factor_row("NL", "jobcoach", "ja", 4000, 1200, (400, 300, 900)),
            factor_row("NL", "jobcoach", "nee", 6000, 1500, (600, 450, 1350)),
        ]
    )


EFFECTS = pd.DataFrame(
    [
        effect_row("NL", "nee", 1.0, None, None),
        effect_row("NL", "ja", 1.35, 1.2, 1.5),
        effect_row("NL", "vast", 1.0, None, None),
        effect_row("NL", "tijdelijk", 0.95, 0.8, 1.1),
        effect_row("AM01", "ja", 1.35, 1.2, 1.5),
        effect_row("AM01", "tijdelijk", 0.95, 0.8, 1.1),
    ]
)


def test_the_totals_come_from_a_factor_shown_whole():
    totals = whole_totals(moves_frame()[lambda f: f["region_code"] == "AM01"])
    assert totals == {
        "ends": 200,
        "moves": 40,
        "back_3_6m": 40,
        "back_6_12m": 20,
        "not_back_12m": 60,
    }


def test_the_share_is_compared_with_the_country_only_where_the_interval_excludes_it():
    d = Disclosure(10)
    content = moves_content(moves_frame((30, 10)), EFFECTS, "AM01", d)
    share, returns, _ = content["sentences"]
    # 40 of 200 (20%, interval 15,1%-26,0%) against 27% nationally: measurably lower
    assert share.startswith("Van de 200 banen die eindigden, volgde bij 40 binnen 3 maanden")
    assert "20,0%" in share and "lager dan het landelijke 27,0%" in share
    assert "Van de 120 mensen die hun baan verloren en 12 maanden zijn gevolgd" in returns
    assert "40 binnen 3 tot 6 maanden" in returns
    # 50 of 200 (25%): the interval holds 27%
    content = moves_content(moves_frame((30, 20)), EFFECTS, "AM01", Disclosure(10))
    assert "verschilt niet meetbaar van het landelijke 27,0%" in content["sentences"][0]


def test_only_an_interval_that_excludes_one_is_called_measurable():
    content = moves_content(moves_frame(), EFFECTS, "AM01", Disclosure(10))
    sentence = content["sentences"][2]
    assert "meetbaar groter bij jobcoach: ja" in sentence
    assert "tijdelijk" not in sentence and "kleiner" not in sentence
    rows = {row["label"]: row for row in content["effects"]}
    assert rows["Jobcoach: ja (t.o.v. nee)"]["text"] == "1,35 (1,20–1,50)"
    assert rows["Jobcoach: ja (t.o.v. nee)"]["source"] == "landelijke schatting"
    assert rows["Contract: tijdelijk (t.o.v. vast)"]["says"] is None


def test_withheld_figures_are_not_named_and_the_table_shows_their_markers():
    moves = moves_frame()
    moves.loc[moves["region_code"] == "AM01", "moves"] = None
    moves.loc[moves["region_code"] == "AM01", "moves_suppressed"] = "x"
    d = Disclosure(10)
    content = moves_content(moves, EFFECTS, "AM01", d)
    assert "wordt niet getoond" in content["sentences"][0]
    assert "200" not in content["sentences"][0] and "%" not in content["sentences"][0]
    oproep = next(row for row in content["factors"] if row["label"] == "Contract: oproep")
    assert oproep["ends"] == "<10"
    assert "Contract: oproep" in d.withheld["Van werk naar werk"]


def test_a_report_without_moves_says_so():
    empty = moves_content(pd.DataFrame(), pd.DataFrame(), "AM01", Disclosure(10))
    assert empty == {"sentences": [], "factors": [], "effects": [], "returns": []}
