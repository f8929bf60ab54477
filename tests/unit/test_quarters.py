from datetime import date

import pytest

from duurzaam.quarters import Quarter, parse_quarter_range


def test_parse_both_notations_and_edges():
    assert Quarter.parse("2024Q4") == Quarter.parse("2024KW04") == Quarter(2024, 4)
    assert Quarter(2024, 1).start == date(2024, 1, 1)
    assert Quarter(2024, 1).end == date(2024, 3, 31)
    assert Quarter(2024, 4).end == date(2024, 12, 31)
    assert Quarter(2024, 4).cbs == "2024KW04"
    assert Quarter(2024, 4).label_nl == "2024-K4"


def test_arithmetic_crosses_years():
    assert Quarter(2024, 4) + 1 == Quarter(2025, 1)
    assert Quarter(2025, 1) - 4 == Quarter(2024, 1)
    assert Quarter.of(date(2020, 5, 17)) == Quarter(2020, 2)


def test_ranges():
    quarters = parse_quarter_range("2019Q3:2020Q2")
    assert [str(q) for q in quarters] == ["2019Q3", "2019Q4", "2020Q1", "2020Q2"]
    assert parse_quarter_range("2024Q4") == [Quarter(2024, 4)]
    with pytest.raises(ValueError, match="empty quarter range"):
        parse_quarter_range("2024Q4:2024Q1")
    with pytest.raises(ValueError, match="not a quarter"):
        Quarter.parse("2024-4")
