"""The report's page "Van werk naar werk" (pub_move_factors, pub_move_effects): of the jobs
that ended, how many were followed by a new one within 3 months, how soon the others came
back, and what goes with a successful move once the other factors are held equal. Built only
from figures the published layer shows; every comparison follows effects.compare (a
difference only where the 95% interval excludes the other value)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from duurzaam.publication.labels import (
    MOVE_FACTOR_LABELS,
    NATIONAL,
    level_label,
    percentage,
    thousands,
)
from duurzaam.reports.effects import _own_row, compare
from duurzaam.reports.withheld import Disclosure, as_float, missing, withheld_marker

SECTION = "Van werk naar werk"
LABELS = MOVE_FACTOR_LABELS
SPELL_BANDS = ("0-6", "6-12", "12-24", "24+")  # int_job_ends' bands, in their order
RETURN_BANDS = {
    "back_3_6m": "binnen 3 tot 6 maanden weer aan het werk",
    "back_6_12m": "binnen 6 tot 12 maanden weer aan het werk",
    "not_back_12m": "na 12 maanden nog zonder nieuwe baan",
}
Z_95 = 1.959963984540054


def moves_content(
    moves: pd.DataFrame, effects: pd.DataFrame, region_code: str, d: Disclosure
) -> dict[str, Any]:
    """The page's sentences and tables; an empty page when the layer has no moves."""
    if moves.empty:
        return {"sentences": [], "factors": [], "effects": [], "returns": []}
    region = moves[moves["region_code"] == region_code]
    national = moves[moves["region_code"] == NATIONAL]
    totals, national_totals = whole_totals(region), whole_totals(national)
    effect_rows = _effects(effects, region_code, d)
    return {
        "sentences": [
            _share_sentence(totals, national_totals, d.threshold),
            _return_sentence(totals),
            _effects_sentence(effect_rows),
        ],
        "factors": _factors(region, national, d),
        "effects": effect_rows,
        "returns": [
            {
                "label": label,
                "region": _count_text(totals, column),
                "national": _count_text(national_totals, column),
            }
            for column, label in RETURN_BANDS.items()
        ],
    }


def whole_totals(rows: pd.DataFrame) -> dict[str, int]:
    """Per count, the total over the levels of a factor whose levels the layer all shows
    (every factor splits the same ends): a sum of shown figures only. A count no factor
    shows whole is left out."""
    totals: dict[str, int] = {}
    for column in ("ends", "moves", *RETURN_BANDS):
        if column not in rows:
            continue
        for _, levels in rows.groupby("factor", sort=True):
            if levels[column].notna().all():
                totals[column] = int(levels[column].sum())
                break
    return totals


def wilson(moves: int, ends: int) -> tuple[float, float]:
    """The 95% Wilson interval of moves / ends (as mart_move_factors computes it)."""
    share, z2n = moves / ends, Z_95 * Z_95 / ends
    half = Z_95 * math.sqrt(share * (1 - share) / ends + z2n / (4 * ends))
    return (share + z2n / 2 - half) / (1 + z2n), (share + z2n / 2 + half) / (1 + z2n)


def _share_sentence(totals: dict[str, int], national: dict[str, int], threshold: int) -> str:
    """How many ended jobs were followed by a new one, against the country only where the
    interval carries a difference."""
    ends, moves = totals.get("ends"), totals.get("moves")
    if ends is None or moves is None or moves < threshold or ends - moves < threshold:
        return (
            "Hoeveel van de beëindigde banen in deze regio binnen 3 maanden door een nieuwe "
            "baan werden gevolgd, wordt niet getoond: het zijn te weinig mensen, of het getal "
            "zou iemand herkenbaar maken."
        )
    lower, upper = wilson(moves, ends)
    opening = (
        f"Van de {thousands(ends)} banen die eindigden, volgde bij {thousands(moves)} binnen 3 "
        f"maanden een nieuwe baan: {percentage(moves / ends)} (95%-interval "
        f"{percentage(lower)} tot {percentage(upper)})"
    )
    if "ends" not in national or "moves" not in national:
        return f"{opening}."
    nl_share = national["moves"] / national["ends"]
    difference = compare(moves / ends, lower, upper, nl_share)
    if difference:
        return f"{opening}; dat is {difference} het landelijke {percentage(nl_share)}."
    return f"{opening}; dat verschilt niet meetbaar van het landelijke {percentage(nl_share)}."


def _return_sentence(totals: dict[str, int]) -> str:
    """How soon those who lost their job came back, of those followed 12 months."""
    shown = [(totals[c], label) for c, label in RETURN_BANDS.items() if c in totals]
    if len(shown) < len(RETURN_BANDS):
        return (
            "Hoe snel wie zijn baan verloor weer werk vond, wordt voor deze regio niet "
            "helemaal getoond (te weinig mensen); de tabel laat zien wat wel getoond wordt."
        )
    followed = sum(count for count, _ in shown)
    if followed == 0:
        return "Van wie zijn baan verloor, is nog niemand 12 maanden gevolgd."
    parts = [f"{thousands(count)} {label}" for count, label in shown]
    return (
        f"Van de {thousands(followed)} mensen die hun baan verloren en 12 maanden zijn "
        f"gevolgd, waren er {parts[0]}, {parts[1]} en {parts[2]}."
    )


def _effects(effects: pd.DataFrame, region_code: str, d: Disclosure) -> list[dict[str, Any]]:
    """Per estimated level, the odds ratio of a move with the other factors held equal: the
    region's own where it has one shown, else the national one (named so), with its
    interval and what it says: 'hoger', 'lager' or no measurable difference."""
    if effects.empty:
        return []
    national = effects[effects["region_code"] == NATIONAL].set_index(["factor", "level"])
    regional = effects[effects["region_code"] == region_code].set_index(["factor", "level"])
    rows = []
    for factor, label in LABELS.items():
        if factor not in national.index.get_level_values("factor"):
            continue
        for level, nl in national.loc[factor].sort_index().iterrows():
            if bool(nl["is_reference"]):
                continue
            key, name = (
                (factor, str(level)),
                f"{label}: {level_label(level)} (t.o.v. {level_label(nl['reference_level'])})",
            )
            own = _own_row(regional, key, region_code)
            row, source = (own, "regio") if own is not None else (nl, "landelijke schatting")
            ratio = d.value(row, "odds_ratio", SECTION, name)
            lower, upper = as_float(row["or_ci_lower"]), as_float(row["or_ci_upper"])
            if ratio is None or lower is None or upper is None:
                marker = withheld_marker(row, "odds_ratio")
                if marker is None:
                    continue  # not estimated: too few moves or losses at the level
                rows.append({"label": name, "text": marker, "source": source, "says": None})
                continue
            rows.append(
                {
                    "label": name,
                    "text": f"{_ratio(ratio)} ({_ratio(lower)}–{_ratio(upper)})",
                    "source": source,
                    "says": compare(ratio, lower, upper, 1.0),
                }
            )
    return rows


def _effects_sentence(rows: list[dict[str, Any]]) -> str:
    """What goes with a successful move, adjusted: only the levels whose interval excludes
    1 are named as measurably more or less often successful."""
    if not rows:
        return (
            "Welke kenmerken na correctie samenhangen met een geslaagde overstap, is nog niet "
            "geschat."
        )
    higher = [_short(r["label"]) for r in rows if r["says"] == "hoger dan"]
    lower = [_short(r["label"]) for r in rows if r["says"] == "lager dan"]
    sentence = "Met de andere kenmerken gelijk gehouden, "
    if not higher and not lower:
        return (
            sentence
            + "is bij geen enkel kenmerk een meetbaar verschil in de kans op een nieuwe baan."
        )
    clauses = []
    if higher:
        clauses.append(f"is de kans op een nieuwe baan meetbaar groter bij {_listed(higher)}")
    if lower:
        clauses.append(f"meetbaar kleiner bij {_listed(lower)}")
    return sentence + "; ".join(clauses) + ". Bij de andere kenmerken is geen meetbaar verschil."


def _factors(region: pd.DataFrame, national: pd.DataFrame, d: Disclosure) -> list[dict]:
    """Per factor level the region's ends and share of moves beside the national share."""
    nl = national.set_index(["factor", "level"])
    rows = []
    for factor, label in LABELS.items():
        levels = region[region["factor"] == factor]
        for _, level in levels.sort_values("level", key=_level_order).iterrows():
            name = f"{label}: {level_label(level['level'])}"
            key = (factor, level["level"])
            rows.append(
                {
                    "label": name,
                    "ends": d.show_count(level, "ends", SECTION, name),
                    "share": d.show_rate(level, "move_share"),
                    "interval": _interval(level),
                    "national": d.show_rate(nl.loc[key], "move_share") if key in nl.index else "–",
                }
            )
    return rows


def _level_order(levels: pd.Series) -> pd.Series:
    """Levels by name; the spell lengths in their own order."""
    return levels.map(
        lambda level: (SPELL_BANDS.index(level), "") if level in SPELL_BANDS else (9, level)
    )


def _interval(row: pd.Series) -> str:
    lower, upper = row["move_share_ci_lower"], row["move_share_ci_upper"]
    if missing(lower) or missing(upper):
        return "–"
    return f"{percentage(lower)}–{percentage(upper)}"


def _count_text(totals: dict[str, int], column: str) -> str:
    return thousands(totals[column]) if column in totals else "niet getoond"


def _ratio(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _short(label: str) -> str:
    """'Jobcoach: ja (t.o.v. nee)' -> 'jobcoach: ja'."""
    text = label.split(" (t.o.v.")[0]
    return text[0].lower() + text[1:]


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} en {items[-1]}"
