"""The engine: plays the attacker on the published tables with what the spec says the
attacker knows, and returns every count of people below the threshold it can recover.

The attacks (each finding names the cell, the value and how it was recovered):
1. shown: a count shown below the threshold;
2. rate: a rate times its denominator, or its complement (an estimate is enough);
3. curve: a Kaplan-Meier step (at risk times the relative drop), or the difference of two
   exact at-risk numbers;
4. relation / group / answers: the spec's linear relations solved with propagation
   (duurzaam.transform.disclosure.solve), including the shares of the answers of a question;
5. mean: published scores that are members of a published mean, and leave it over too few
   others (duurzaam.transform.disclosure.members)."""

from __future__ import annotations

import fnmatch
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise

import pandas as pd

from duurzaam.transform.disclosure.members import KnownMembers, known_members
from duurzaam.transform.disclosure.model import SUPPRESSED, Cell, Equation, Finding, Table, number
from duurzaam.transform.disclosure.relations import RatePair, TotalElsewhere, expand, missing
from duurzaam.transform.disclosure.solve import Solver, findings
from duurzaam.transform.disclosure.spec import NO_REGION, SPEC, CurveSpec, Spec, TableSpec

log = logging.getLogger(__name__)

# the first finding per cell
ORDER = ("shown", "rate", "curve", "relation", "answers", "group", "mean")


def attack(frames: Mapping[str, pd.DataFrame], threshold: int, spec: Spec = SPEC) -> list[Finding]:
    """Every count below `threshold` that follows from the published tables (table name ->
    its rows; a withheld value null, with `<column>_suppressed` beside it)."""
    tables = {name: read_table(name, frame, spec) for name, frame in frames.items()}
    known = {cell: value for table in tables.values() for cell, value in shown(table)}

    def is_count(cell: Cell) -> bool:
        return cell.column not in spec.not_counts

    solver = Solver(equations(tables, spec), known, is_count)
    solver.run()
    found = [
        *shown_small(tables, threshold, spec),
        *rate_estimates(tables, solver.known, threshold, spec),
        *(
            f
            for c in spec.curves
            if c.table in tables
            for f in curve_steps(tables[c.table], c, threshold)
        ),
        *(f for f in findings(solver, threshold) if not is_nobody(f)),
        *solver.groups(threshold),
        *(
            f
            for m in spec.members
            for f in known_members(tables, m, threshold, rounding_margin(tables, spec, m))
        ),
    ]
    first: dict[Cell, Finding] = {}
    for finding in sorted(found, key=lambda f: ORDER.index(f.attack)):
        first.setdefault(finding.cell, finding)
    return sorted(first.values(), key=lambda f: (f.table, f.cell.key, f.cell.column))


def is_nobody(finding: Finding) -> bool:
    """The country minus its regions is the people of no region: when that is 0 there is
    no one to give away (every person has a region), unlike a small group of them."""
    return finding.cell.column.startswith(NO_REGION + "(") and finding.value < 0.5


def read_table(name: str, frame: pd.DataFrame, spec: Spec) -> Table:
    """A table with its key from the spec; a table the spec does not know is keyed by its
    text columns."""
    table_spec = spec.tables.get(name)
    if table_spec is None:
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        table_spec = TableSpec(tuple(c for c in text if not c.endswith(SUPPRESSED)))
    return Table(name, frame, table_spec.keys, table_spec.repeated)


def value_columns(table: Table) -> list[str]:
    """The numeric columns that are not part of the key."""
    return [
        c
        for c in table.frame.columns
        if c not in table.keys
        and not c.endswith(SUPPRESSED)
        and pd.api.types.is_numeric_dtype(table.frame[c])
        and not pd.api.types.is_bool_dtype(table.frame[c])
    ]


def shown(table: Table) -> Iterator[tuple[Cell, float]]:
    """Every value the table shows."""
    columns = value_columns(table)
    for row in table.rows:
        key = table.key_of(row)
        for column in columns:
            value = number(row[column])
            if value is not None:
                yield table.cell(key, column), value


def count_columns(table: Table, spec: Spec) -> list[str]:
    """Integer columns that count people (or employers): not a member's score."""
    scores = [m.score for m in spec.members if m.table == table.name]
    return [
        c
        for c in value_columns(table)
        if pd.api.types.is_integer_dtype(table.frame[c])
        and c not in spec.not_counts
        and not c.endswith("_id")
        and not any(fnmatch.fnmatch(c, score) for score in scores)
    ]


def shown_small(tables: Mapping[str, Table], threshold: int, spec: Spec) -> Iterator[Finding]:
    """Attack 1: a count shown below the threshold."""
    for table in tables.values():
        columns = count_columns(table, spec)
        for row in table.rows:
            for column in columns:
                value = number(row[column])
                if value is not None and value < threshold:
                    cell = table.cell(table.key_of(row), column)
                    yield Finding(cell, value, "shown", f"shown as {value:g}")


def present(table: Table, columns: list[str], what: object) -> bool:
    """Whether the table has what a fact of the spec needs (else it is skipped)."""
    lacking = missing(table, columns)
    if lacking:
        log.debug("%s lacks %s: skipped %s", table.name, ", ".join(lacking), what)
    return not lacking


def rate_pairs(tables: Mapping[str, Table], spec: Spec) -> Iterator[tuple[Table, RatePair, str]]:
    """(table, pair, rate column): each rate column with the first pair of the spec that
    matches it."""
    taken: set[tuple[str, str]] = set()
    for pair in spec.rates:
        table = tables.get(pair.table)
        if table is None or not present(table, pair.columns(), pair):
            continue
        for rate in pair.rates(table):
            if (table.name, rate) not in taken:
                taken.add((table.name, rate))
                yield table, pair, rate


def equations(tables: Mapping[str, Table], spec: Spec) -> Iterator[Equation]:
    """The spec's relations and the exact rates' counts, as equations (a relation over a
    column published rounded holds only roughly: left out)."""
    rounded = rounded_columns(tables, spec)
    for relation in spec.relations:
        table = tables.get(relation.table)
        if table is None or rounded & {(table.name, c) for c in relation.columns()}:
            continue
        if not present(table, relation.columns(), relation):
            continue
        if isinstance(relation, TotalElsewhere):
            other = tables.get(relation.total_table)
            if other is not None:
                yield from relation.equations_with(table, other)
        else:
            yield from relation.equations(table)
    for table, pair, rate in rate_pairs(tables, spec):
        yield from pair.equations(table, rate)


def rounded_columns(tables: Mapping[str, Table], spec: Spec) -> set[tuple[str, str]]:
    """The spec's rounded columns that are rounded indeed (every shown value a multiple)."""
    found: set[tuple[str, str]] = set()
    for (name, pattern), base in spec.rounded.items():
        table = tables.get(name)
        columns = [] if table is None else [c for c in expand(table, pattern) if table.has(c)]
        if table is None or not columns:
            continue
        values = [v for c in columns for v in table.frame[c].dropna()]
        if all(int(v) % base == 0 for v in values):
            found.update((name, c) for c in [pattern, *columns])
        else:
            log.debug("%s.%s not rounded to %d: exact", name, pattern, base)
    return found


def rounding_margin(tables: Mapping[str, Table], spec: Spec, members: KnownMembers) -> int:
    """How far a mean's published number of scores may be from the exact one: half its
    rounding base where it is published rounded indeed, else 0."""
    base = spec.rounded.get((members.means, members.count), 1)
    return base // 2 if (members.means, members.count) in rounded_columns(tables, spec) else 0


def rate_estimates(
    tables: Mapping[str, Table], known: Mapping[Cell, float], threshold: int, spec: Spec
) -> Iterator[Finding]:
    """Attack 2: rate x denominator and its complement, where both are known (shown or
    recovered); an estimate below the threshold minus a half is a finding."""
    limit = threshold - 0.5
    for table, pair, rate in rate_pairs(tables, spec):
        for row in table.rows:
            key = table.key_of(row)
            value, n = number(row[rate]), known.get(table.cell(key, pair.denominator))
            if value is None or n is None:
                continue
            how = f"{rate} {value:.4g} x {pair.denominator} {n:g}"
            count = value * n
            if count < limit:
                yield Finding(table.cell(key, f"count({rate})"), count, "rate", how)
            if n - count < limit:
                rest = table.cell(key, f"{pair.denominator} - count({rate})")
                yield Finding(rest, n - count, "rate", f"{pair.denominator} {n:g} - {how}")


Point = tuple[int, float | None, float | None]  # month, at risk, survival


@dataclass(frozen=True)
class Curve:
    """One curve's points, and how to name the cell of a step of it."""

    table: str
    key: tuple[tuple[str, str], ...]
    time: str
    points: list[Point]

    def step(self, month: int, column: str) -> Cell:
        return Cell(self.table, (*self.key, (self.time, str(month))), column)


def curve_steps(table: Table, spec: CurveSpec, threshold: int) -> Iterator[Finding]:
    """Attack 3: between two consecutive shown points of a curve, the people lost are about
    at_risk x (1 - S2/S1) (with the at-risk number's rounding margin added); with exact
    at-risk numbers their difference is the people lost or censored in between."""
    if not present(table, [spec.time, spec.at_risk, spec.survival], spec):
        return
    base = at_risk_base(table, spec)
    keys = [k for k in spec.keys if table.has(k)]
    points: dict[tuple[str, ...], list[Point]] = defaultdict(list)
    for row in table.rows:
        point = (int(row[spec.time]), number(row[spec.at_risk]), number(row[spec.survival]))
        points[tuple(str(row[k]) for k in keys)].append(point)
    for values, curve_points in points.items():
        key = tuple(zip(keys, values, strict=True))
        curve = Curve(table.name, key, spec.time, sorted(curve_points))
        found = [*drops(curve, base // 2, threshold)]
        if base == 1:
            found += at_risk_differences(curve, threshold)
        yield from {f.cell.key: f for f in reversed(found)}.values()  # one finding per step


def at_risk_base(table: Table, curve: CurveSpec) -> int:
    """The spec's rounding of at-risk numbers, unless a shown one is off it (then exact)."""
    values = table.frame[curve.at_risk].dropna()
    if curve.at_risk_base > 1 and any(int(v) % curve.at_risk_base for v in values):
        log.debug("%s.%s not rounded to %d: exact", table.name, curve.at_risk, curve.at_risk_base)
        return 1
    return curve.at_risk_base


def drops(curve: Curve, margin: int, threshold: int) -> Iterator[Finding]:
    """Each drop of survival, taken over the flat stretch before it: the people lost since
    the stretch began are about its first at-risk number x the relative drop (a curve pooled
    into steps keeps its survival flat until enough were lost; a flat stretch itself is not a
    finding)."""
    shown_points = [p for p in curve.points if p[2] is not None]
    stretches = [p for i, p in enumerate(shown_points) if i == 0 or p[2] != shown_points[i - 1][2]]
    for (m1, n1, s1), (m2, _, s2) in pairwise(stretches):
        if n1 is None or not s1 or s2 is None or s2 >= s1:
            continue
        fraction = 1 - s2 / s1
        if (n1 + margin) * fraction < threshold - 0.5:
            rounded = f" (+-{margin})" if margin else ""
            how = f"at risk {n1:g}{rounded} at month {m1} x (1 - {s2:.4g}/{s1:.4g})"
            yield Finding(curve.step(m2, f"lost since month {m1}"), n1 * fraction, "curve", how)


def at_risk_differences(curve: Curve, threshold: int) -> Iterator[Finding]:
    """Exact at-risk numbers of consecutive shown months: their difference is people."""
    known = [p for p in curve.points if p[1] is not None]
    for (m1, n1, _), (m2, n2, _) in pairwise(known):
        assert n1 is not None and n2 is not None
        if 1 <= n1 - n2 < threshold:
            how = f"at risk {n1:g} at month {m1} - {n2:g} at month {m2}"
            yield Finding(curve.step(m2, f"left since month {m1}"), n1 - n2, "curve", how)


def published_cells(frames: Mapping[str, pd.DataFrame]) -> int:
    """How many values the published tables publish (shown or withheld)."""
    return sum(
        len(frame) * sum(f"{c}{SUPPRESSED}" in frame.columns for c in frame.columns)
        for frame in frames.values()
    )


def unsatisfied(frames: Mapping[str, pd.DataFrame], spec: Spec = SPEC) -> list[str]:
    """The spec's equations that do not hold on tables where every value is known (the
    marts): a relation the attacker would wrongly believe."""
    tables = {name: read_table(name, frame, spec) for name, frame in frames.items()}
    known = {cell: value for table in tables.values() for cell, value in shown(table)}
    wrong = []
    for equation in equations(tables, spec):
        if all(cell in known for cell, _ in equation.terms):
            residual = sum(a * known[c] for c, a in equation.terms)
            if abs(residual) > 0.5:
                wrong.append(f"{equation.label} off by {residual:g} at {equation.terms[0][0]}")
    return wrong
