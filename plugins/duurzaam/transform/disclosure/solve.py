"""Attack 4: the linear relations between cells, solved with propagation.

An equation with exactly one unknown cell gives it; the cell is then known and may leave
another equation with one unknown; and so on to a fixed point. A total whose unknown parts
add up to 0 gives each of them (counts are not negative). What stays unknown but is bounded
(withheld parts that together hold fewer than the threshold) is reported as a group."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from duurzaam.transform.disclosure.model import Cell, Equation, Finding

log = logging.getLogger(__name__)

# How far from a whole number a count may come out of a rate and still be taken as exact.
WHOLE = 0.02
SHOWN_TERMS = 3  # the terms an explanation names; the others are summed


@dataclass(frozen=True)
class Recovery:
    """A cell the attacker worked out: its value, the kind of equation, how, and the cells
    recovered earlier that it used."""

    value: float
    kind: str
    how: str
    used: tuple[Cell, ...]


class Solver:
    """The known cells and the equations; `run` propagates to a fixed point."""

    def __init__(
        self,
        equations: Iterable[Equation],
        known: dict[Cell, float],
        is_count: Callable[[Cell], bool],
    ):
        unique = {tuple(sorted(e.terms)): e for e in equations if e.terms}
        self.equations = list(unique.values())
        self.known = dict(known)
        self.is_count = is_count
        self.recovered: dict[Cell, Recovery] = {}
        self.index: dict[Cell, list[int]] = defaultdict(list)
        for number, equation in enumerate(self.equations):
            for cell, _ in equation.terms:
                self.index[cell].append(number)

    def run(self) -> dict[Cell, Recovery]:
        """Every equation is looked at again whenever one of its cells becomes known."""
        queue = list(range(len(self.equations)))
        waiting = set(queue)
        while queue:
            number = queue.pop()
            waiting.discard(number)
            for cell in self.step(self.equations[number]):
                for other in self.index[cell]:
                    if other not in waiting:
                        waiting.add(other)
                        queue.append(other)
        log.debug("%d equations, %d cells recovered", len(self.equations), len(self.recovered))
        return self.recovered

    def unknowns(self, equation: Equation) -> list[tuple[Cell, float]]:
        return [(c, a) for c, a in equation.terms if c not in self.known and a != 0]

    def step(self, equation: Equation) -> list[Cell]:
        """The cells this equation gives now (none, one, or the zero parts of a total)."""
        unknown = self.unknowns(equation)
        if len(unknown) == 1:
            return self.solve(equation, *unknown[0])
        if len(unknown) > 1 and self.bounded_sum(equation, unknown) == 0:
            used = self.used(equation)
            how = f"{equation.label}: the withheld parts add up to 0, so each is 0"
            for cell, _ in unknown:
                self.learn(cell, Recovery(0.0, equation.kind, how, used))
            return [cell for cell, _ in unknown]
        return []

    def solve(self, equation: Equation, cell: Cell, coefficient: float) -> list[Cell]:
        weighted = [(-a / coefficient, c) for c, a in equation.terms if c != cell and a != 0]
        value = sum(w * self.known[c] for w, c in weighted)
        if abs(value - round(value)) < WHOLE:
            value = float(round(value))
        elif any(a != round(a) for _, a in equation.terms):
            return []  # a rate that does not give a whole count: not exact
        if value < -0.5 and self.is_count(cell):
            log.debug("%s would be %g by %s: inconsistent, ignored", cell, value, equation.label)
            return []
        how = f"{equation.label}: {cell.short()} = {self.explain(weighted)}"
        self.learn(cell, Recovery(value, equation.kind, how, self.used(equation)))
        return [cell]

    def learn(self, cell: Cell, recovery: Recovery) -> None:
        self.known[cell] = recovery.value
        self.recovered[cell] = recovery

    def used(self, equation: Equation) -> tuple[Cell, ...]:
        return tuple(c for c, _ in equation.terms if c in self.recovered)

    def explain(self, weighted: list[tuple[float, Cell]]) -> str:
        """`944 (NL 2023Q1 nl_placements_started) - 900 (33 more cells)`: the largest terms
        named, the rest summed; a term recovered earlier is marked `*`."""
        terms = sorted(weighted, key=lambda t: -abs(t[0] * self.known[t[1]]))
        named = [self.term(w, c) for w, c in terms[:SHOWN_TERMS]]
        rest = terms[SHOWN_TERMS:]
        if rest:
            total = sum(w * self.known[c] for w, c in rest)
            named.append(f"{'-' if total < 0 else '+'} {abs(total):g} ({len(rest)} more cells)")
        return " ".join(named).removeprefix("+ ")

    def term(self, weight: float, cell: Cell) -> str:
        value = self.known[cell]
        mark = "*" if cell in self.recovered else ""
        if abs(weight) == 1:
            return f"{'-' if weight < 0 else '+'} {value:g} ({cell.short()}{mark})"
        return f"+ {weight:.4g} x {value:g} ({cell.short()}{mark})"

    def bounded_sum(self, equation: Equation, unknown: list[tuple[Cell, float]]) -> float | None:
        """total minus its known parts, when every unknown is a part of a total that is
        known and the parts are counts; else None."""
        if not equation.bounded or equation.total is None or equation.total not in self.known:
            return None
        if any(a != -1 or not self.is_count(c) for c, a in unknown):
            return None
        value = sum(a * self.known[c] for c, a in equation.terms if c in self.known)
        return round(value, 6)

    def groups(self, threshold: int) -> list[Finding]:
        """Withheld parts of a known total that together hold fewer than the threshold."""
        found: dict[frozenset[Cell], Finding] = {}
        for equation in self.equations:
            unknown = self.unknowns(equation)
            total = self.bounded_sum(equation, unknown) if len(unknown) > 1 else None
            if total is None or not 0.5 <= total < threshold - 0.5:
                continue
            cells = frozenset(c for c, _ in unknown)
            assert equation.total is not None
            names = ", ".join(c.short() for c, _ in unknown)
            group = Cell(equation.total.table, equation.total.key, f"sum({names})")
            how = (
                f"{equation.label}: {len(cells)} withheld cells together hold "
                f"{equation.total.short()} minus the shown parts"
            )
            found.setdefault(cells, Finding(group, total, "group", how))
        return list(found.values())


def findings(solver: Solver, threshold: int) -> list[Finding]:
    """The recovered counts below the threshold, each with how it was recovered (and the
    recovered cells that recovery used)."""
    found = []
    for cell, recovery in solver.recovered.items():
        if not solver.is_count(cell) or not -0.5 < recovery.value < threshold - 0.5:
            continue
        how = recovery.how
        if recovery.used:
            how += "; * recovered before: " + ", ".join(str(c) for c in recovery.used[:3])
        found.append(Finding(cell, recovery.value, recovery.kind, how))
    return found
