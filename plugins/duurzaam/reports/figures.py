"""What the report's charts share: figure sizes, colours, type sizes, fixed margins, and the
helpers that build, style and save a figure (on its own `Figure` with an Agg canvas: no pyplot,
no global state)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

# A legend entry: an artist, or a tuple of them drawn on top of each other.
Handle = Artist | tuple[Artist, ...]

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


def new_figure(
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


def text_width(figure: Figure, labels: Sequence[str], size: float) -> float:
    """The width in inches of the widest label, measured without drawing the figure."""
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # new_figure gives every figure one
    renderer = canvas.get_renderer()
    font = FontProperties(size=size)
    widest = max(
        (renderer.get_text_width_height_descent(label, font, ismath=False)[0] for label in labels),
        default=0.0,
    )
    return widest / figure.dpi


def to_png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the time- or version-dependent metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def style_axes(axes: Axes, xlabel: str = "", ylabel: str = "") -> None:
    """Shared look: axis labels, light grid, no top and right frame."""
    axes.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    axes.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    axes.tick_params(labelsize=TICK_SIZE)
    axes.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def legend(axes: Axes, handles: Sequence[Handle] | None = None, **options: Any) -> None:
    """A small legend without a frame."""
    if handles is None:
        axes.legend(fontsize=TICK_SIZE, frameon=False, **options)
    else:
        axes.legend(handles=handles, fontsize=TICK_SIZE, frameon=False, **options)


def legend_above(axes: Axes, handles: Sequence[Handle], title: str, **options: Any) -> None:
    """The title with a one-row legend between it and the plot, so the legend never hides
    data."""
    legend(
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


def placeholder(figure: Figure, axes: Axes, title: str) -> bytes:
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
    return to_png(figure)


def nan(value: float | None) -> float:
    """None as NaN, which matplotlib leaves out of lines and bands."""
    return math.nan if value is None else float(value)


def percent(value: float | None) -> float:
    """A fraction 0..1 as a percentage, None as NaN."""
    return nan(value) * 100
