"""The kinds of knowledge the spec is written in. Each kind turns the published tables into
equations between cells (duurzaam.transform.disclosure.model.Equation); the engine solves them.

Column names with parentheses are quantities that are never published but that the attacker
knows exist: `count(<rate>)` (the people a rate counts), `rest(<total>)` (a total minus its
shown parts), `total(<column>)`, `answers(<question>)`. A `*` in a column matches the table's
columns (`count(*_share)`: the count of every share)."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from duurzaam.quarters import Quarter
from duurzaam.transform.disclosure.model import (
    SUPPRESSED,
    Cell,
    Equation,
    Table,
    number,
    sum_equation,
)


def is_pseudo(column: str) -> bool:
    """A quantity that is never published (its name has parentheses)."""
    return "(" in column


def expand(table: Table, pattern: str) -> list[str]:
    """The columns a spec column stands for: itself, or the columns its `*` matches (inside
    `count(...)` too)."""
    if "*" not in pattern:
        return [pattern]
    inner = pattern[6:-1] if pattern.startswith("count(") else pattern
    columns = [c for c in table.frame.columns if not c.endswith(SUPPRESSED)]
    matched = fnmatch.filter(columns, inner)
    return [f"count({c})" for c in matched] if pattern.startswith("count(") else matched


def missing(table: Table, columns: list[str]) -> list[str]:
    """The published columns a relation needs that the table lacks (an older schema)."""
    return [c for c in columns if not is_pseudo(c) and "*" not in c and not table.has(c)]


class Relation:
    """What every kind of knowledge gives the engine."""

    table: str

    def columns(self) -> list[str]:
        raise NotImplementedError

    def equations(self, table: Table) -> Iterator[Equation]:
        raise NotImplementedError


@dataclass(frozen=True)
class RowSum(Relation):
    """On each row: total = sum(parts) (+ rest, a never-published remainder)."""

    table: str
    total: str
    parts: tuple[str, ...]
    rest: str | None = None
    bounded: bool = True  # the parts are counts (not a signed difference)

    def columns(self) -> list[str]:
        return [self.total, *self.parts]

    def equations(self, table: Table) -> Iterator[Equation]:
        parts = [*(c for p in self.parts for c in expand(table, p)), *filter(None, [self.rest])]
        label = f"{self.total} = {' + '.join(parts)}"
        for row in table.rows:
            key = table.key_of(row)
            cells = [table.cell(key, part) for part in parts]
            yield sum_equation(table.cell(key, self.total), cells, label, self.bounded)


@dataclass(frozen=True)
class EachPart(Relation):
    """On each row, for every column `parts` matches: total = that column + the rest (never
    published): the employers who scored a Spinnenweb element and those who did not."""

    table: str
    total: str
    parts: str

    def columns(self) -> list[str]:
        return [self.total, self.parts]

    def equations(self, table: Table) -> Iterator[Equation]:
        for part in expand(table, self.parts):
            yield from RowSum(self.table, self.total, (part,), f"rest({part})").equations(table)


@dataclass(frozen=True)
class GroupSum(Relation):
    """Over the rows that differ only in `over` (the regions, the levels, the perspectives):
    a total = the sum of `column` over them (+ `rest`, a never-published remainder: the
    placements of no region count in the country only). The total is the row whose `over`
    is `total_row` (the country's row), or the column `total` (repeated on each row). `where`
    (a pandas expression) keeps the rows the relation holds on."""

    table: str
    column: str
    over: str
    total: str | None = None
    total_row: str | None = None
    rest: str | None = None
    where: str | None = None

    def columns(self) -> list[str]:
        return [self.column, self.over, *filter(None, [self.total])]

    def equations(self, table: Table) -> Iterator[Equation]:
        groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
        frame = table.frame
        kept = (
            frame.index.isin(frame.query(self.where).index) if self.where else [True] * len(frame)
        )
        for row, keep in zip(table.rows, kept, strict=True):
            if keep:
                key = table.key_of(row)
                groups[tuple(v for k, v in key.items() if k != self.over)].append(key)
        for column in expand(table, self.column):
            for keys in groups.values():
                parts = [k for k in keys if k[self.over] != self.total_row]
                if self.total_row is not None:
                    if len(parts) == len(keys):
                        continue  # no row for the total in this group
                    total_key = {**keys[0], self.over: self.total_row}
                    total, name = table.cell(total_key, column), self.total_row
                else:
                    assert self.total is not None
                    total_key, name = keys[0], self.total
                    total = table.cell(total_key, self.total)
                cells = [table.cell(k, column) for k in parts]
                if self.rest:
                    cells.append(table.cell(total_key, f"{self.rest}({column})"))
                rest = f" + {self.rest}" if self.rest else ""
                label = f"{name} = sum of {self.over} of {column}{rest}"
                yield sum_equation(total, cells, label)


@dataclass(frozen=True)
class QuarterChain(Relation):
    """A stock and its flows: stock(Q) = stock(Q-1) + inflow(Q) - outflow(Q)."""

    table: str
    stock: str
    inflow: str
    outflow: str
    time: str = "quarter"

    def columns(self) -> list[str]:
        return [self.stock, self.inflow, self.outflow, self.time]

    def equations(self, table: Table) -> Iterator[Equation]:
        quarters = {str(row[self.time]) for row in table.rows}
        label = f"{self.stock} = previous quarter's + {self.inflow} - {self.outflow}"
        for row in table.rows:
            key = table.key_of(row)
            previous = str(Quarter.parse(key[self.time]) - 1)
            if previous not in quarters:
                continue
            terms = (
                (table.cell(key, self.stock), 1.0),
                (table.cell({**key, self.time: previous}, self.stock), -1.0),
                (table.cell(key, self.inflow), -1.0),
                (table.cell(key, self.outflow), 1.0),
            )
            yield Equation(terms, label)


@dataclass(frozen=True)
class RollingSum(Relation):
    """On each row: total = the sum of `part` over the last quarters of the same row key,
    as many as `windows` says for the row's `kind` (a quarter's cohort, a rolling year's)."""

    table: str
    total: str
    part: str
    kind: str
    windows: Mapping[str, int] = field(default_factory=lambda: {"quarter": 1})
    default_kind: str = "quarter"  # when the table has no column `kind` (older schema)
    time: str = "quarter"

    def columns(self) -> list[str]:
        return [self.total, self.part, self.time]

    def equations(self, table: Table) -> Iterator[Equation]:
        for row in table.rows:
            kind = str(row.get(self.kind) or self.default_kind)
            if kind not in self.windows:
                continue
            key = table.key_of(row)
            quarter = Quarter.parse(key[self.time])
            window = [str(quarter - i) for i in range(self.windows[kind])]
            parts = [table.cell({**key, self.time: q}, self.part) for q in window]
            label = f"{self.total} ({kind}) = sum of {self.part} over {len(window)} quarter(s)"
            yield sum_equation(table.cell(key, self.total), parts, label)


@dataclass(frozen=True)
class RatePair:
    """A rate over a denominator (a number of people). `exact`: rate * denominator is a
    whole count (a share), which then joins the equations as `count(<rate>)`; otherwise
    (Kaplan-Meier) it is an estimate only."""

    table: str
    rate: str
    denominator: str
    exact: bool = True

    def columns(self) -> list[str]:
        return [self.denominator] if "*" in self.rate else [self.rate, self.denominator]

    def rates(self, table: Table) -> list[str]:
        return expand(table, self.rate)

    def equations(self, table: Table, rate: str) -> Iterator[Equation]:
        """count(rate) = rate * denominator on each row where the rate is shown."""
        if self.exact:
            label = f"count({rate}) = {rate} * {self.denominator}"
            for row in table.rows:
                value = number(row[rate])
                if value is not None:
                    key = table.key_of(row)
                    count = table.cell(key, f"count({rate})")
                    terms = ((count, 1.0), (table.cell(key, self.denominator), -value))
                    yield Equation(terms, label, kind="rate")


@dataclass(frozen=True)
class TotalElsewhere(Relation):
    """Over all rows of a `group` (a region's quarters), the sum of `column` is a total that
    another table publishes per group (`total` of `total_table`): the placements a region
    started in every quarter are the spells whose factors pub_retention_factors counts."""

    table: str
    column: str
    group: str
    total_table: str
    total: str

    def columns(self) -> list[str]:
        return [self.column, self.group]

    def equations(self, table: Table) -> Iterator[Equation]:
        raise NotImplementedError("needs the other table: equations_with")

    def equations_with(self, table: Table, other: Table) -> Iterator[Equation]:
        rows: dict[str, list[Cell]] = defaultdict(list)
        for row in table.rows:
            key = table.key_of(row)
            rows[key[self.group]].append(table.cell(key, self.column))
        label = f"{self.total_table} {self.total} = sum over {self.table} of {self.column}"
        for group, cells in rows.items():
            total = other.cell({self.group: group}, self.total)
            yield sum_equation(total, cells, label)


@dataclass(frozen=True)
class EqualElsewhere(TotalElsewhere):
    """On each row `where` (a pandas expression) keeps, `column` is the total another table
    publishes for the row's group: a region's own move model counts the ends that
    pub_move_factors splits by factor."""

    where: str = "index == index"  # every row

    def equations_with(self, table: Table, other: Table) -> Iterator[Equation]:
        kept = set(table.frame.query(self.where).index)
        label = f"{self.total_table} {self.total} = {self.table} {self.column}"
        seen: set[Cell] = set()
        for index, row in zip(table.frame.index, table.rows, strict=True):
            key = table.key_of(row)
            cell = table.cell(key, self.column)
            if index in kept and cell not in seen:
                seen.add(cell)
                total = other.cell({self.group: key[self.group]}, self.total)
                yield sum_equation(total, [cell], label)


@dataclass(frozen=True)
class AnswerShares(Relation):
    """Shares of the answers of a question (`<question>_<option>_of_answers`): option i's
    share is count_i / A, A the sum of the counts of the question's options, count_i the
    count of `<question>_<option>_of_respondents`."""

    table: str
    questions: tuple[str, ...]  # longest first: 'geen_reden' before 'reden'
    suffix: str = "_of_answers"
    count_suffix: str = "_of_respondents"

    def columns(self) -> list[str]:
        return []

    def options(self, table: Table) -> dict[str, list[str]]:
        """question -> its options, from the column names."""
        found: dict[str, list[str]] = defaultdict(list)
        for column in table.frame.columns:
            if not column.endswith(self.suffix):
                continue
            for question in self.questions:
                if column.startswith(f"{question}_"):
                    found[question].append(column[len(question) + 1 : -len(self.suffix)])
                    break
        return found

    def equations(self, table: Table) -> Iterator[Equation]:
        for question, options in self.options(table).items():
            label = f"answers({question}) = sum of its options' counts; share = count / answers"
            for row in table.rows:
                key = table.key_of(row)
                answers = table.cell(key, f"answers({question})")
                counts = {
                    o: table.cell(key, f"count({question}_{o}{self.count_suffix})") for o in options
                }
                total = sum_equation(answers, list(counts.values()), label)
                yield Equation(total.terms, label, "answers", answers, bounded=True)
                for option, count in counts.items():
                    share = number(row[f"{question}_{option}{self.suffix}"])
                    if share is not None:
                        yield Equation(((count, 1.0), (answers, -share)), label, "answers")
