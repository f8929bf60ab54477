"""The forest plot of the adjusted effects: per factor level the hazard ratio of a job loss
with its 95% interval, national and (where the region has its own estimate) regional, on a
logarithmic axis around 1. Built like the other charts (figures.py): its own Figure, no
global state, black-and-white readable (filled dot: region, open diamond: Nederland)."""

from __future__ import annotations

import math
from typing import Any

from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator

from duurzaam.publication.labels import decimal
from duurzaam.reports.figures import (
    CI_LABEL,
    DARK,
    FACTOR_MARGIN_HEIGHT,
    FACTOR_ROW_HEIGHT,
    GREY,
    WIDE,
    legend_above,
    new_figure,
    placeholder,
    style_axes,
    text_width,
    to_png,
)

TITLE = "Baanverlies na correctie voor de andere kenmerken"
TICKS = (0.25, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0)
OFFSET = 0.17  # the region's mark above the row's middle, the national one below


def forest_chart(region_name: str, rows: list[dict[str, Any]]) -> bytes:
    """rows: label, national {hr, lower, upper}, region {hr, lower, upper} or None; drawn
    top to bottom in the given order."""
    height = max(FACTOR_MARGIN_HEIGHT + 1.1 * FACTOR_ROW_HEIGHT * len(rows), 2.0)
    figure, axes = new_figure((WIDE[0], height))
    if not rows:
        return placeholder(figure, axes, TITLE)
    style_axes(axes, xlabel="Hazard ratio (log-schaal): < 1 minder baanverlies, > 1 meer")
    count = len(rows)
    series = (("region", OFFSET, "o", DARK, DARK), ("national", -OFFSET, "D", "none", GREY))
    for key, offset, marker, face, colour in series:
        points = [
            (count - 1 - i + offset, row[key]) for i, row in enumerate(rows) if row[key] is not None
        ]
        if not points:
            continue
        ys = [y for y, _ in points]
        axes.hlines(
            ys,
            [p["lower"] for _, p in points],
            [p["upper"] for _, p in points],
            color=colour,
            linewidth=1.2,
        )
        axes.plot(
            [p["hr"] for _, p in points],
            ys,
            marker=marker,
            markerfacecolor=face,
            markeredgecolor=colour,
            color=colour,
            markersize=6,
            linestyle="none",
            zorder=3,
        )
    axes.axvline(1.0, color=GREY, linewidth=0.9, linestyle="--")
    axes.set_xscale("log")
    low, high = _limits(rows)
    axes.set_xlim(low, high)
    axes.xaxis.set_major_locator(FixedLocator([t for t in TICKS if low <= t <= high]))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.set_xticklabels([f"{t:g}".replace(".", ",") for t in TICKS if low <= t <= high])
    labels = [row["label"] for row in reversed(rows)]
    figure.subplots_adjust(left=(text_width(figure, labels, 8) + 0.2) / WIDE[0])
    axes.set_yticks(range(count), labels)
    axes.set_ylim(-0.7, count - 0.3)
    axes.grid(False, axis="y")
    handles = [
        Line2D([], [], color=DARK, marker="o", linewidth=1.2, label=f"{region_name} ({CI_LABEL})"),
        Line2D(
            [], [], color=GREY, marker="D", markerfacecolor="none", linewidth=1.2, label="Nederland"
        ),
    ]
    legend_above(axes, handles, TITLE)
    return to_png(figure)


def _limits(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """The x range holding every interval and 1, widened a little on the log scale."""
    values = [1.0] + [
        bound
        for row in rows
        for key in ("region", "national")
        if row[key] is not None
        for bound in (row[key]["lower"], row[key]["upper"])
    ]
    low, high = math.log(min(values)), math.log(max(values))
    margin = 0.08 * (high - low) + 0.05
    return math.exp(low - margin), math.exp(high + margin)


def forest_alt(region_name: str, rows: list[dict[str, Any]]) -> str:
    """The forest plot in words: per series the levels whose interval lies wholly below 1
    (measurably fewer job losses) or above it, from the estimates the plot draws."""
    parts = [
        f"Forest plot van de hazard ratio van baanverlies per kenmerk na correctie voor de "
        f"andere kenmerken, {region_name} en Nederland, met 95%-betrouwbaarheidsintervallen; "
        "onder 1 betekent minder baanverlies dan bij de vergelijkingsgroep."
    ]
    for key, who in (("region", region_name), ("national", "Nederland")):
        estimated = [row for row in rows if row[key] is not None]
        if not estimated:
            continue
        fewer = [_said(row, key) for row in estimated if row[key]["upper"] < 1]
        more = [_said(row, key) for row in estimated if row[key]["lower"] > 1]
        if not fewer and not more:
            parts.append(f"{who}: bij geen enkel kenmerk een meetbaar verschil.")
            continue
        said = [f"minder baanverlies bij {', '.join(fewer)}"] if fewer else []
        said += [f"meer baanverlies bij {', '.join(more)}"] if more else []
        parts.append(f"{who}: meetbaar {'; meetbaar '.join(said)}.")
    parts.append("Alle cijfers staan in de tabel onder de grafiek.")
    return " ".join(parts)


def _said(row: dict[str, Any], key: str) -> str:
    return f"{row['label']} ({decimal(row[key]['hr'], 2)})"
