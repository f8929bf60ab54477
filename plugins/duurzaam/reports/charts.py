"""Charts of the quarterly regional report, as PNG bytes.

Every figure is built on its own `matplotlib.figure.Figure` with an Agg canvas (no pyplot,
no rcParams changes), so charts can be drawn from several threads at once. Series are told
apart by line style, marker shape and hatching, so the charts stay readable when printed in
black and white. The same input gives byte-identical PNG output.
"""

from __future__ import annotations

import math
import textwrap

from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.projections.polar import PolarAxes
from matplotlib.ticker import MaxNLocator

from duurzaam.publication.cohorts import SurvivalPoint
from duurzaam.reports.figures import (
    CI_LABEL,
    DARK,
    FACTOR_MARGIN_HEIGHT,
    FACTOR_ROW_HEIGHT,
    GREY,
    GRID,
    LIGHT_BLUE,
    LIGHT_GREY,
    NO_DATA,
    NOTE_SIZE,
    RADAR_BOTTOM,
    RADAR_SIDE,
    RADAR_TOP,
    SERIES_STYLES,
    SQUARE,
    TICK_SIZE,
    TITLE_SIZE,
    WIDE,
    Handle,
    legend,
    legend_above,
    nan,
    new_figure,
    percent,
    placeholder,
    style_axes,
    text_width,
    to_png,
)

LEGEND_HANDLE = 0.9  # inches of a legend entry besides its text: the line, marker and gap


def trend_chart(
    quarters: list[str],
    placements: list[int | None],
    job_losses: list[int | None],
    suppressed_label: str = "<10",
) -> bytes:
    """Placements and job losses per quarter. A None value is suppressed for privacy: it
    leaves a gap in its line and `suppressed_label` is written at that quarter, next to the
    series' marker symbol, just above the x axis."""
    if not len(quarters) == len(placements) == len(job_losses):
        raise ValueError("quarters, placements and job_losses must have the same length")
    title = "Plaatsingen en baanverlies"
    figure, axes = new_figure(WIDE)
    if not quarters:
        return placeholder(figure, axes, title)
    style_axes(axes, ylabel="Aantal")
    positions = list(range(len(quarters)))
    series = [
        ("Plaatsingen", placements, "-", "o", "\u25cb", DARK),
        ("Baanverlies", job_losses, "--", "s", "\u25a1", GREY),
    ]
    handles = []
    suppressed_any = False
    for row, (label, values, linestyle, marker, symbol, colour) in enumerate(series):
        handles += axes.plot(
            positions,
            [nan(v) for v in values],
            linestyle=linestyle,
            marker=marker,
            color=colour,
            linewidth=1.8,
            markersize=5,
            label=label,
        )
        for position, value in zip(positions, values, strict=True):
            if value is None:
                suppressed_any = True
                axes.annotate(
                    f"{symbol} {suppressed_label}",
                    xy=(position, 0),
                    xycoords=axes.get_xaxis_transform(),
                    xytext=(0, 4 + 10 * row),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=NOTE_SIZE,
                    color=colour,
                )
    known = [v for v in (*placements, *job_losses) if v is not None]
    top = max(max(known, default=0) * 1.15, 10)
    axes.set_ylim(0, top)
    # room for the widest tick label (as many digits as the top of the axis) and "Aantal"
    figure.subplots_adjust(left=(text_width(figure, [str(int(top))], TICK_SIZE) + 0.4) / WIDE[0])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_xticks(positions, quarters)
    axes.set_xlim(-0.4, len(quarters) - 0.6)
    axes.grid(False, axis="x")
    legend_above(axes, handles, title)
    if suppressed_any:
        axes.set_xlabel(
            f"\u25cb \u25a1 {suppressed_label}: niet getoond vanwege privacy (kleine aantallen)",
            fontsize=NOTE_SIZE,
            color=GREY,
            loc="right",
        )
    return to_png(figure)


def _survival_series(
    axes: Axes, points: list[SurvivalPoint], label: str, line: dict, band: dict
) -> tuple[Patch, Line2D]:
    """One Kaplan-Meier curve as a post-step line with its confidence band; returns the
    legend handle pair (band, line)."""
    months = [p[0] for p in points]
    survival = [percent(p[1]) for p in points]
    lower = [percent(p[2]) for p in points]
    upper = [percent(p[3]) for p in points]
    axes.fill_between(months, lower, upper, step="post", linewidth=0, zorder=1.5, **band)
    # a small mark at each published point: a drop at the last month shown stays visible
    (curve,) = axes.step(
        months,
        survival,
        where="post",
        linewidth=1.8,
        marker="o",
        markersize=2.5,
        label=label,
        zorder=3,
        **line,
    )
    return Patch(**band), curve


def survival_chart(
    region_name: str,
    region: list[SurvivalPoint],
    national: list[SurvivalPoint],
    region_label: str | None = None,
) -> bytes:
    """Kaplan-Meier curves of the share still at work by months after placement, for the
    region and the Netherlands, each with its 95% confidence band, as step curves: a point
    holds until the next one (the published curve drops only at its steps), never
    interpolated. Points are (month, survival, ci_lower, ci_upper) with fractions 0..1; an
    empty series is left out. region_label: the region's legend entry (its name if None)."""
    title = "Nog aan het werk na plaatsing"
    figure, axes = new_figure(WIDE)
    if not region and not national:
        return placeholder(figure, axes, title)
    style_axes(axes, xlabel="Maanden na plaatsing", ylabel="Nog aan het werk (%)")
    handles: list[tuple[Patch, Line2D]] = []
    if national:
        handles.append(
            _survival_series(
                axes,
                national,
                "Nederland",
                line={"color": GREY, "linestyle": "--"},
                band={"facecolor": LIGHT_GREY, "edgecolor": LIGHT_GREY},
            )
        )
    if region:
        handles.insert(
            0,
            _survival_series(
                axes,
                region,
                region_label or region_name,
                line={"color": DARK, "linestyle": "-"},
                band={"facecolor": LIGHT_BLUE, "edgecolor": DARK, "hatch": "////", "alpha": 0.45},
            ),
        )
    labels = [curve.get_label() for _, curve in handles]
    # A last entry without a symbol explains the bands around both lines.
    entries: list[Handle] = [*handles, Line2D([], [], linestyle="none")]
    labels.append(f"(vlak: {CI_LABEL})")
    legend_above(axes, entries, title, labels=labels)
    last_month = max(p[0] for p in (*region, *national))
    axes.set_xlim(0, max(last_month, 1))
    axes.set_ylim(0, 100)
    axes.set_yticks(range(0, 101, 20))
    return to_png(figure)


def factor_chart(rows: list[dict]) -> bytes:
    """Dot plot of retention after 12 months per factor level, highest on top: a filled
    circle with a 95% confidence whisker for the region and a hollow diamond for the
    Netherlands. Row keys: label, retention, ci_lower, ci_upper, national (fractions 0..1,
    all but label may be None). The figure grows with the number of rows."""
    title = "Behoud na 12 maanden per kenmerk"
    height = max(FACTOR_MARGIN_HEIGHT + FACTOR_ROW_HEIGHT * len(rows), 2.0)
    figure, axes = new_figure((WIDE[0], height))
    if not rows:
        return placeholder(figure, axes, title)
    style_axes(axes, xlabel="Behoud na 12 maanden (%)")
    # Highest retention first; rows without a retention figure go last, in their given order.
    ordered = sorted(
        rows, key=lambda r: -math.inf if r["retention"] is None else r["retention"], reverse=True
    )
    count = len(ordered)
    # One artist per kind of mark (not one per row): drawing stays fast with many rows.
    shown = [(count - 1 - i, row) for i, row in enumerate(ordered)]
    whiskers = [
        (y, r["ci_lower"], r["ci_upper"])
        for y, r in shown
        if r["retention"] is not None
        and r.get("ci_lower") is not None
        and r.get("ci_upper") is not None
    ]
    if whiskers:
        axes.hlines(
            [y for y, _, _ in whiskers],
            [low * 100 for _, low, _ in whiskers],
            [high * 100 for _, _, high in whiskers],
            color=DARK,
            linewidth=1.2,
        )
    region = [(y, r["retention"]) for y, r in shown if r["retention"] is not None]
    axes.plot(
        [v * 100 for _, v in region],
        [y for y, _ in region],
        marker="o",
        color=DARK,
        markersize=6,
        linestyle="none",
    )
    national = [(y, r["national"]) for y, r in shown if r.get("national") is not None]
    axes.plot(
        [v * 100 for _, v in national],
        [y for y, _ in national],
        marker="D",
        markerfacecolor="none",
        markeredgecolor=GREY,
        markeredgewidth=1.3,
        markersize=6,
        linestyle="none",
        zorder=3,
    )
    for y, row in shown:
        if row["retention"] is None:
            axes.text(1, y, NO_DATA.lower(), va="center", fontsize=NOTE_SIZE, color=GREY)
    labels = [r["label"] for r in reversed(ordered)]
    figure.subplots_adjust(left=(text_width(figure, labels, TICK_SIZE) + 0.2) / WIDE[0])
    axes.set_yticks(range(count), labels)
    axes.set_ylim(-0.7, count - 0.3)
    axes.set_xlim(0, 100)
    axes.set_xticks(range(0, 101, 20))
    axes.grid(False, axis="y")
    handles = [
        Line2D([], [], color=DARK, marker="o", linewidth=1.2, label=f"Regio (lijn: {CI_LABEL})"),
        Line2D(
            [],
            [],
            color=GREY,
            marker="D",
            markerfacecolor="none",
            linestyle="none",
            label="Nederland",
        ),
    ]
    legend_above(axes, handles, title)
    return to_png(figure)


def spinnenweb_chart(elements: list[str], perspectives: dict[str, list[float | None]]) -> bytes:
    """Radar chart of the Spinnenweb elements on the 1-5 scale, one polygon per perspective
    (told apart by line style and marker). A None score skips that vertex: the polygon is
    drawn through the remaining scores of that perspective."""
    for name, scores in perspectives.items():
        if len(scores) != len(elements):
            raise ValueError(
                f"perspective {name!r} has {len(scores)} scores for {len(elements)} elements"
            )
    title = "Spinnenweb (schaal 1-5)"
    has_scores = any(s is not None for scores in perspectives.values() for s in scores)
    if not elements or not has_scores:
        figure, axes = new_figure(SQUARE)
        return placeholder(figure, axes, title)
    figure, axes = new_figure(
        SQUARE, polar=True, left=RADAR_SIDE, right=RADAR_SIDE, top=RADAR_TOP, bottom=RADAR_BOTTOM
    )
    assert isinstance(axes, PolarAxes)  # new_figure(polar=True)
    axes.set_title(title, fontsize=TITLE_SIZE, loc="left", pad=18)
    axes.set_theta_offset(math.pi / 2)
    axes.set_theta_direction(-1)
    angles = [2 * math.pi * i / len(elements) for i in range(len(elements))]
    for index, (name, scores) in enumerate(perspectives.items()):
        linestyle, marker, colour = SERIES_STYLES[index % len(SERIES_STYLES)]
        vertices = [(a, s) for a, s in zip(angles, scores, strict=True) if s is not None]
        if not vertices:
            continue
        vertices.append(vertices[0])
        axes.plot(
            [a for a, _ in vertices],
            [s for _, s in vertices],
            linestyle=linestyle,
            marker=marker,
            color=colour,
            linewidth=1.6,
            markersize=5,
            label=name,
        )
    axes.set_xticks(angles, [textwrap.fill(e, 16, break_long_words=False) for e in elements])
    axes.tick_params(axis="x", labelsize=TICK_SIZE, pad=10)
    axes.set_ylim(0, 5)
    axes.set_yticks(range(1, 6), [str(t) for t in range(1, 6)])
    axes.tick_params(axis="y", labelsize=NOTE_SIZE, labelcolor=GREY)
    axes.set_rlabel_position(180 / len(elements))
    axes.grid(True, color=GRID, linewidth=0.6)
    axes.spines["polar"].set_color(GRID)
    # as many columns as fit the figure's width (a region's name can be long)
    column = text_width(figure, list(perspectives), TICK_SIZE) + LEGEND_HANDLE
    columns = max(1, min(len(perspectives), 4, int(SQUARE[0] // column)))
    legend(axes, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=columns)
    return to_png(figure)
