"""The page's "Van werk naar werk": per factor of the job that ended, how many ended jobs
were followed by a new one within three months (the share, with its 95% interval and the
country's share beside it) and how soon the others came back, from pub_move_factors; and
what goes with a successful move with the other factors held equal, from pub_move_effects.
Every figure as the published layer has it; a withheld one as it writes it."""

from __future__ import annotations

from typing import Any

from duurzaam.dashboard import show
from duurzaam.dashboard.data import DashboardData, Row
from duurzaam.dashboard.effects import MOVES, effects_table
from duurzaam.publication.labels import MOVE_FACTOR_LABELS, NATIONAL, decimal, level_label

SHARE_COLUMNS = [
    "Kenmerk",
    "Niveau",
    "Beëindigde banen (n)",
    "Binnen 3 maanden nieuw werk",
    "95%-interval",
    "Nederland",
    "Nieuw werk na 3-6 maanden (n)",
    "Na 6-12 maanden (n)",
    "Niet binnen 12 maanden (n)",
]
SPELL_BANDS = ("0-6", "6-12", "12-24", "24+")  # the lengths of the ended job, in order


def moves_section(data: DashboardData, code: str) -> dict[str, Any]:
    own, national = data.part("move_factors", code), data.part("move_factors", NATIONAL)
    effects = effects_table(
        data.part("move_effects", code), data.part("move_effects", NATIONAL), MOVES
    )
    # the page writes these tables itself (no script): ratios with a decimal comma
    effects["rows"] = [
        [decimal(cell, 2) if isinstance(cell, float) else cell for cell in row]
        for row in effects["rows"]
    ]
    return {
        "shares": {"columns": SHARE_COLUMNS, "rows": share_rows(own, national)},
        "effects": effects,
    }


def share_rows(own: list[Row], national: list[Row]) -> list[list[Any]]:
    """Per factor (in the labels' order) and level, the row the table shows."""
    country = {(r["factor"], r["level"]): r for r in national}
    order = list(MOVE_FACTOR_LABELS)
    rows = sorted(
        (r for r in own if r["factor"] in MOVE_FACTOR_LABELS),
        key=lambda r: (order.index(r["factor"]), _level_key(str(r["level"]))),
    )
    return [
        [
            MOVE_FACTOR_LABELS[r["factor"]],
            level_label(r["level"]),
            show.count(r["ends"]),
            show.figure(r["move_share"], "rate"),
            _interval(r),
            show.figure(country.get((r["factor"], r["level"]), {}).get("move_share"), "rate"),
            show.count(r["back_3_6m"]),
            show.count(r["back_6_12m"]),
            show.count(r["not_back_12m"]),
        ]
        for r in rows
    ]


def _level_key(level: str) -> tuple[int, str]:
    return (SPELL_BANDS.index(level), "") if level in SPELL_BANDS else (len(SPELL_BANDS), level)


def _interval(row: Row) -> str:
    lower, upper = row["move_share_ci_lower"], row["move_share_ci_upper"]
    if isinstance(lower, str) or isinstance(upper, str):  # withheld
        return str(lower if isinstance(lower, str) else upper)
    if lower is None or upper is None:
        return show.MISSING
    return f"{show.figure(lower, 'rate')}–{show.figure(upper, 'rate')}"
