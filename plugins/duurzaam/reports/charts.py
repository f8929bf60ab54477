"""Charts of the quarterly regional report, as PNG bytes.

Every figure is built on its own `matplotlib.figure.Figure` with an Agg canvas (no pyplot,
no rcParams changes), so charts can be drawn from several threads at once. Series are told
apart by line style, marker shape and hatching, so the charts stay readable when printed in
black and white. The same input gives byte-identical PNG output.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

DPI = 100
WIDE = (7.0, 3.5)
SQUARE = (5.0, 5.0)
FACTOR_ROW_HEIGHT = 0.28
FACTOR_MARGIN_HEIGHT = 1.5

DARK = "#1f3a5f"
GREY = "#6b6b6b"
LIGHT_BLUE = "#c6d2e1"
LIGHT_GREY = "#e3e3e3"
GRID = "#d9d9d9"

TITLE_SIZE = 11
LABEL_SIZE = 9
TICK_SIZE = 8
NOTE_SIZE = 7

NO_DATA = "Nog te weinig gegevens"
CI_LABEL = "95%-betrouwbaarheidsinterval"

# Line style, marker and colour of the n-th series where more than two can occur.
SERIES_STYLES = [
    ("-", "o", DARK),
    ("--", "s", GREY),
    (":", "^", DARK),
    ("-.", "D", GREY),
]

SurvivalPoint = tuple[int, float, float | None, float | None]


# Margins around the plot in inches: room for the title with the legend above it, tick
# labels and axis labels. Fixed margins instead of matplotlib's tight layout, which draws
# every figure twice (a third of the time of rendering a report).
TITLE_AND_LEGEND = 0.62
TICKS_AND_AXIS_LABEL = 0.75  # left of a plot with short tick labels
AXIS_LABELS = 0.55
EDGE = 0.25
# A radar chart's element labels sit outside the circle, its legend below it.
RADAR_SIDE = 1.05
RADAR_TOP = 0.8
RADAR_BOTTOM = 0.85


def _new_figure(
    size: tuple[float, float],
    polar: bool = False,
    left: float = TICKS_AND_AXIS_LABEL,
    bottom: float = AXIS_LABELS,
    top: float = TITLE_AND_LEGEND,
    right: float = EDGE,
) -> tuple[Figure, Axes]:
    """A figure with one axes inside the given margins (inches), independent of any global
    state."""
    width, height = size
    figure = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height
    )
    axes = figure.add_subplot(projection="polar" if polar else None)
    return figure, axes


def _text_width(figure: Figure, labels: Sequence[str], size: float) -> float:
    """The width in inches of the widest label, measured without drawing the figure."""
    renderer = figure.canvas.get_renderer()
    font = FontProperties(size=size)
    widest = max(
        (renderer.get_text_width_height_descent(label, font, ismath=False)[0] for label in labels),
        default=0.0,
    )
    return widest / figure.dpi


def _to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the time- or version-dependent metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _style_axes(axes: Axes, xlabel: str = "", ylabel: str = "") -> None:
    """Shared look: axis labels, light grid, no top and right frame."""
    axes.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    axes.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    axes.tick_params(labelsize=TICK_SIZE)
    axes.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def _legend(axes: Axes, handles: Sequence | None = None, **options) -> None:
    """A small legend without a frame."""
    if handles is None:
        axes.legend(fontsize=TICK_SIZE, frameon=False, **options)
    else:
        axes.legend(handles=handles, fontsize=TICK_SIZE, frameon=False, **options)


def _legend_above(axes: Axes, handles: Sequence, title: str, **options) -> None:
    """The title with a one-row legend between it and the plot, so the legend never hides
    data."""
    _legend(
        axes,
        handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncol=len(handles),
        borderaxespad=0.2,
        handletextpad=0.5,
        columnspacing=1.6,
        **options,
    )
    axes.set_title(title, fontsize=TITLE_SIZE, loc="left", pad=22)


def _placeholder(figure: Figure, axes: Axes, title: str) -> bytes:
    """A chart that only says there is not enough data yet."""
    axes.set_axis_off()
    axes.set_title(title, fontsize=TITLE_SIZE, loc="left")
    axes.text(
        0.5,
        0.5,
        NO_DATA,
        transform=axes.transAxes,
        ha="center",
        va="center",
        fontsize=LABEL_SIZE + 1,
        color=GREY,
    )
    return _to_png(figure)


def _nan(value: float | None) -> float:
    """None as NaN, which matplotlib leaves out of lines and bands."""
    return math.nan if value is None else float(value)


def _percent(value: float | None) -> float:
    """A fraction 0..1 as a percentage, None as NaN."""
    return _nan(value) * 100


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
    figure, axes = _new_figure(WIDE)
    if not quarters:
        return _placeholder(figure, axes, title)
    _style_axes(axes, ylabel="Aantal")
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
            [_nan(v) for v in values],
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
    figure.subplots_adjust(left=(_text_width(figure, [str(int(top))], TICK_SIZE) + 0.4) / WIDE[0])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axes.set_xticks(positions, quarters)
    axes.set_xlim(-0.4, len(quarters) - 0.6)
    axes.grid(False, axis="x")
    _legend_above(axes, handles, title)
    if suppressed_any:
        axes.set_xlabel(
            f"\u25cb \u25a1 {suppressed_label}: niet getoond vanwege privacy (kleine aantallen)",
            fontsize=NOTE_SIZE,
            color=GREY,
            loc="right",
        )
    return _to_png(figure)


def _survival_series(
    axes: Axes, points: list[SurvivalPoint], label: str, line: dict, band: dict
) -> tuple[Patch, Line2D]:
    """One Kaplan-Meier curve as a post-step line with its confidence band; returns the
    legend handle pair (band, line)."""
    months = [p[0] for p in points]
    survival = [_percent(p[1]) for p in points]
    lower = [_percent(p[2]) for p in points]
    upper = [_percent(p[3]) for p in points]
    axes.fill_between(months, lower, upper, step="post", linewidth=0, zorder=1.5, **band)
    (curve,) = axes.step(
        months, survival, where="post", linewidth=1.8, label=label, zorder=3, **line
    )
    return Patch(**band), curve


def survival_chart(
    region_name: str,
    region: list[SurvivalPoint],
    national: list[SurvivalPoint],
) -> bytes:
    """Kaplan-Meier curves of the share still at work by months after placement, for the
    region and the Netherlands, each with its 95% confidence band. Points are
    (month, survival, ci_lower, ci_upper) with fractions 0..1; an empty series is left out."""
    title = "Nog aan het werk na plaatsing"
    figure, axes = _new_figure(WIDE)
    if not region and not national:
        return _placeholder(figure, axes, title)
    _style_axes(axes, xlabel="Maanden na plaatsing", ylabel="Nog aan het werk (%)")
    handles = []
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
                region_name,
                line={"color": DARK, "linestyle": "-"},
                band={"facecolor": LIGHT_BLUE, "edgecolor": DARK, "hatch": "////", "alpha": 0.45},
            ),
        )
    labels = [curve.get_label() for _, curve in handles]
    # A last entry without a symbol explains the bands around both lines.
    handles.append(Line2D([], [], linestyle="none"))
    labels.append(f"(vlak: {CI_LABEL})")
    _legend_above(axes, handles, title, labels=labels)
    last_month = max(p[0] for p in (*region, *national))
    axes.set_xlim(0, max(last_month, 1))
    axes.set_ylim(0, 100)
    axes.set_yticks(range(0, 101, 20))
    return _to_png(figure)


def factor_chart(rows: list[dict]) -> bytes:
    """Dot plot of retention after 12 months per factor level, highest on top: a filled
    circle with a 95% confidence whisker for the region and a hollow diamond for the
    Netherlands. Row keys: label, retention, ci_lower, ci_upper, national (fractions 0..1,
    all but label may be None). The figure grows with the number of rows."""
    title = "Behoud na 12 maanden per kenmerk"
    height = max(FACTOR_MARGIN_HEIGHT + FACTOR_ROW_HEIGHT * len(rows), 2.0)
    figure, axes = _new_figure((WIDE[0], height))
    if not rows:
        return _placeholder(figure, axes, title)
    _style_axes(axes, xlabel="Behoud na 12 maanden (%)")
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
    figure.subplots_adjust(left=(_text_width(figure, labels, TICK_SIZE) + 0.2) / WIDE[0])
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
    _legend_above(axes, handles, title)
    return _to_png(figure)


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
        figure, axes = _new_figure(SQUARE)
        return _placeholder(figure, axes, title)
    figure, axes = _new_figure(
        SQUARE, polar=True, left=RADAR_SIDE, right=RADAR_SIDE, top=RADAR_TOP, bottom=RADAR_BOTTOM
    )
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
    _legend(axes, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(perspectives), 4))
    return _to_png(figure)
