import io
import itertools
from functools import cache

import pandas as pd
import pytest
from matplotlib.cbook import STEP_LOOKUP_MAP
from matplotlib.image import imread

from duurzaam.quarters import Quarter
from duurzaam.reports import charts, content, figures
from duurzaam.reports.data import ReportData
from tests.published import survival_rows

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WIDE_PIXELS = (round(3.5 * figures.DPI), round(7 * figures.DPI))  # (height, width)
SQUARE_PIXELS = (5 * figures.DPI, 5 * figures.DPI)

QUARTERS = [f"{year}-K{k}" for year in (2023, 2024) for k in (1, 2, 3, 4)]
PLACEMENTS = [42, 51, None, 47, 60, 55, 63, 58]
JOB_LOSSES = [12, None, 15, None, 18, 11, 20, 16]

REGION = [
    (0, 1.0, 1.0, 1.0),
    (3, 0.93, 0.88, 0.97),
    (6, 0.85, 0.78, 0.91),
    (12, 0.74, 0.65, 0.82),
    (24, 0.66, None, None),
]
NATIONAL = [
    (0, 1.0, 1.0, 1.0),
    (3, 0.95, 0.94, 0.96),
    (6, 0.89, 0.88, 0.90),
    (12, 0.80, 0.79, 0.81),
    (24, 0.71, 0.70, 0.72),
]

ELEMENTS = ["Kennis doelgroep", "Werkgeversbenadering", "Matching", "Nazorg", "Samenwerking"]
PERSPECTIVES = {
    "Werkgevers": [3.5, 2.8, 4.1, 2.2, 3.0],
    "Professionals": [4.2, None, 3.7, 3.1, 4.4],
}


def factor_rows(count: int) -> list[dict]:
    return [
        {
            "label": f"Kenmerk {i}: ja",
            "retention": 0.5 + i * 0.03,
            "ci_lower": 0.4 + i * 0.03 if i % 2 else None,
            "ci_upper": 0.6 + i * 0.03 if i % 2 else None,
            "national": 0.55 + i * 0.02 if i % 3 else None,
        }
        for i in range(count)
    ]


def pixels(png: bytes) -> tuple[int, int]:
    """(height, width) of a PNG, after checking it is one and decodes."""
    assert png.startswith(PNG_SIGNATURE)
    image = imread(io.BytesIO(png))
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image.shape[0], image.shape[1]


def approx_size(actual: tuple[int, int], expected: tuple[int, int]) -> bool:
    return all(abs(a - e) <= 2 for a, e in zip(actual, expected, strict=True))


CHARTS = {
    "trend": lambda: charts.trend_chart(QUARTERS, PLACEMENTS, JOB_LOSSES),
    "survival": lambda: charts.survival_chart("Groot Amsterdam", REGION, NATIONAL),
    "factor": lambda: charts.factor_chart(factor_rows(4)),
    "spinnenweb": lambda: charts.spinnenweb_chart(ELEMENTS, PERSPECTIVES),
}


@cache
def baseline(name: str) -> bytes:
    """One rendering of each example chart, shared by the tests that only compare with it."""
    return CHARTS[name]()


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_is_a_deterministic_png_of_the_expected_size(name):
    png = baseline(name)
    height, width = pixels(png)
    if name == "spinnenweb":
        assert approx_size((height, width), SQUARE_PIXELS)
    elif name == "factor":
        assert width == pytest.approx(7 * figures.DPI, abs=2)
        assert height == pytest.approx((1.5 + 0.28 * 4) * figures.DPI, abs=2)
    else:
        assert approx_size((height, width), WIDE_PIXELS)
    assert CHARTS[name]() == png


def test_a_changed_value_changes_the_picture():
    assert baseline("trend") != charts.trend_chart(QUARTERS, [43, *PLACEMENTS[1:]], JOB_LOSSES)
    assert baseline("survival") != charts.survival_chart(
        "Groot Amsterdam", [*REGION[:-1], (24, 0.5, 0.4, 0.6)], NATIONAL
    )
    rows = factor_rows(4)
    assert baseline("factor") != charts.factor_chart([dict(rows[0], retention=0.2), *rows[1:]])
    assert baseline("spinnenweb") != charts.spinnenweb_chart(
        ELEMENTS, {**PERSPECTIVES, "Werkgevers": [5.0, 2.8, 4.1, 2.2, 3.0]}
    )


def test_the_suppressed_label_is_drawn():
    starred = charts.trend_chart(QUARTERS, PLACEMENTS, JOB_LOSSES, suppressed_label="*")
    assert starred != baseline("trend")


def test_suppressed_and_missing_values_do_not_break_anything():
    nothing = [None] * len(QUARTERS)
    assert approx_size(pixels(charts.trend_chart(QUARTERS, nothing, nothing)), WIDE_PIXELS)
    no_bands = [(m, s, None, None) for m, s, _, _ in REGION]
    assert approx_size(pixels(charts.survival_chart("Twente", no_bands, [])), WIDE_PIXELS)
    assert approx_size(pixels(charts.survival_chart("Twente", [], NATIONAL)), WIDE_PIXELS)
    unknown = [
        {
            "label": "Jobcoach: nee",
            "retention": None,
            "ci_lower": None,
            "ci_upper": None,
            "national": None,
        },
        *factor_rows(2),
    ]
    pixels(charts.factor_chart(unknown))
    sparse = {"Werkgevers": [None, 3.0, None, None, None], "Professionals": [None] * len(ELEMENTS)}
    assert approx_size(pixels(charts.spinnenweb_chart(ELEMENTS, sparse)), SQUARE_PIXELS)


def test_empty_data_gives_the_placeholder():
    placeholder = charts.survival_chart("Twente", [], [])
    assert approx_size(pixels(placeholder), WIDE_PIXELS)
    assert approx_size(pixels(charts.trend_chart([], [], [])), WIDE_PIXELS)
    pixels(charts.factor_chart([]))
    empty_radar = charts.spinnenweb_chart(ELEMENTS, {"Werkgevers": [None] * len(ELEMENTS)})
    assert approx_size(pixels(empty_radar), SQUARE_PIXELS)
    assert empty_radar == charts.spinnenweb_chart([], {})


def test_placeholder_is_mostly_blank():
    image = imread(io.BytesIO(charts.survival_chart("Twente", [], [])))
    drawn = (image[..., :3] < 0.9).any(axis=2).mean()
    full = imread(io.BytesIO(baseline("survival")))
    assert drawn < 0.02 < (full[..., :3] < 0.9).any(axis=2).mean()


def test_the_factor_chart_grows_with_the_number_of_rows():
    two, four, eight = (
        pixels(charts.factor_chart(factor_rows(2)))[0],
        pixels(baseline("factor"))[0],
        pixels(charts.factor_chart(factor_rows(8)))[0],
    )
    assert two < four < eight
    assert eight - four == pytest.approx(4 * 0.28 * figures.DPI, abs=2)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same length"):
        charts.trend_chart(QUARTERS, PLACEMENTS[:-1], JOB_LOSSES)
    with pytest.raises(ValueError, match="Werkgevers"):
        charts.spinnenweb_chart(ELEMENTS, {"Werkgevers": [3.0]})


def survival_frame(region_code: str, shown: int, months: int = 6) -> pd.DataFrame:
    """pub_cohort_survival rows of one region, a month every quarter, a step at each, survival
    falling; from the `shown`-th row on withheld, as published where too few are still
    followed."""
    withheld = [i >= shown for i in range(months)]

    def published(values: list[float]) -> list[float | None]:
        return [None if hidden else value for value, hidden in zip(values, withheld, strict=True)]

    return pd.DataFrame(
        {
            "region_code": region_code,
            "cohort_kind": "quarter",
            "month": [3 * i for i in range(months)],
            "survival": published([1 - 0.04 * i for i in range(months)]),
            "survival_suppressed": ["n<10" if hidden else None for hidden in withheld],
            "ci_lower": published([0.9 - 0.04 * i for i in range(months)]),
            "ci_upper": published([1.0 - 0.03 * i for i in range(months)]),
            "is_step": [i > 0 and not hidden for i, hidden in enumerate(withheld)],
        }
    )


def test_the_survival_curve_stops_where_the_published_curve_is_withheld(monkeypatch):
    # AM05 has too few followed from month 9 on (pub_cohort_survival withholds the rest of
    # the curve): nothing from there may be drawn, not even the band.
    region = survival_frame("AM05", shown=3)
    national = survival_frame("NL", shown=6)
    data = ReportData(
        quarter=Quarter.parse("2024Q2"),
        region_code="AM05",
        region_quarters=pd.DataFrame(),
        survival=pd.concat([national, region]),
        factors=pd.DataFrame(),
        survey=pd.DataFrame(),
        loads=pd.DataFrame(),
    )
    survival = content._survival(data, None, content.Disclosure(10))

    drawn: dict[str, tuple[list, float]] = {}  # label -> (the line's x data, band's last x)
    draw_series = charts._survival_series

    def recording(axes, points, label, line, band):
        handles = draw_series(axes, points, label, line, band)
        band_x = axes.collections[-1].get_paths()[0].vertices[:, 0]
        drawn[label] = (list(handles[1].get_xdata()), float(band_x.max()))
        return handles

    monkeypatch.setattr(charts, "_survival_series", recording)
    charts.survival_chart("Twente", survival["region"], survival["national"])

    first_too_few = 9
    assert drawn["Twente"] == ([0, 3, 6], 6.0)  # nothing from month 9 on
    assert max(drawn["Twente"][0]) < first_too_few
    assert drawn["Nederland"] == ([0, 3, 6, 9, 12, 15], 15.0)  # every month followed


def test_the_survival_chart_draws_the_published_steps_and_never_interpolates(monkeypatch):
    # The published curve drops at months 4 and 11 only (each step holds enough people
    # lost); the months between hold the earlier step's survival.
    steps = {0: 1.0, 4: 0.9, 11: 0.8}
    rows = survival_rows("AM05", "2023Q2", steps, last_month=14, cut_off=13)
    data = ReportData(
        quarter=Quarter.parse("2024Q2"),
        region_code="AM05",
        region_quarters=pd.DataFrame(),
        survival=pd.DataFrame(rows),
        factors=pd.DataFrame(),
        survey=pd.DataFrame(),
        loads=pd.DataFrame(),
    )
    points = content._survival(data, None, content.Disclosure(10))["region"]
    lines = []
    draw_series = charts._survival_series

    def recording(axes, points, label, line, band):
        handles = draw_series(axes, points, label, line, band)
        lines.append(handles[1])
        return handles

    monkeypatch.setattr(charts, "_survival_series", recording)
    charts.survival_chart("Twente", points, [])
    (line,) = lines
    assert line.get_drawstyle() == "steps-post"
    assert list(line.get_xdata()) == [0, 4, 11, 12]
    # as drawn: level, then down at the step (no sloping segment between two points) ...
    xs, ys = STEP_LOOKUP_MAP["steps-post"](line.get_xdata(), line.get_ydata())
    for (x0, y0), (x1, y1) in itertools.pairwise(zip(xs, ys, strict=True)):
        assert x0 == x1 or y0 == y1, ((x0, y0), (x1, y1))
    # ... and every published month shown lies on the step drawn at or before it
    drawn = list(zip(line.get_xdata(), line.get_ydata(), strict=True))
    for row in rows[:13]:
        at = [y for x, y in drawn if x <= row["month"]][-1]
        assert at == pytest.approx(100 * row["survival"]), row["month"]
