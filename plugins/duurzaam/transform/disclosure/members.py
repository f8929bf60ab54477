"""Attack 5, `mean`: published members of a published mean. A participating employer's own
Spinnenweb scores (pub_employer_survey_answers) are among the scores of the means that hold
them (pub_employer_survey: its region's row and the country's, of its wave and
perspective). Knowing them, the attacker has the mean of the others: the row's mean times
its number of scores, less the known scores, over the rest. Where the others are fewer than
the threshold, that is a mean of a few employers, which the published layer never shows.

A finding is a row whose scores not published could be fewer than the threshold: its number
of scores at the lowest the published value allows (less half the rounding base where it is
published rounded; below the threshold where it is withheld), minus the scores published in
it."""

from __future__ import annotations

import fnmatch
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from duurzaam.publication.labels import NATIONAL
from duurzaam.transform.disclosure.model import Cell, Finding, Table, number

log = logging.getLogger(__name__)
SHOWN_MEMBERS = 3  # the members an explanation names; the others are counted


@dataclass(frozen=True)
class KnownMembers:
    """Each row of `table` holds, per element (the `*` of `score` and `count`), a score that
    is one of the scores of that element's mean in two rows of `means`: the row of the
    member's `region` (where it has one) and the country's, with the same `keys`."""

    table: str
    means: str
    score: str  # 'spinnenweb_*_score'
    count: str  # 'spinnenweb_*_n': the number of scores of the mean
    region: str  # the member's column naming its region's row of `means`
    keys: tuple[str, ...]  # the columns naming the row besides its region (same names)
    means_region: str = "region_code"

    def elements(self, members: Table, means: Table) -> dict[str, str]:
        """score column -> count column, for the elements both tables have."""
        before, after = self.score.split("*")
        pairs = {}
        for column in fnmatch.filter(members.frame.columns, self.score):
            count = self.count.replace("*", column[len(before) : len(column) - len(after)])
            if means.has(count):
                pairs[column] = count
            else:
                log.debug("%s lacks %s: %s not attacked", means.name, count, column)
        return pairs

    def rows_of(self, member: Mapping[str, object]) -> list[dict[str, str]]:
        """The keys of the rows of `means` that hold the member's scores."""
        region = member[self.region]
        regions = [region, NATIONAL] if isinstance(region, str) and region else [NATIONAL]
        shared = {k: str(member[k]) for k in self.keys}
        return [{self.means_region: r, **shared} for r in regions]


def known_members(
    tables: Mapping[str, Table], spec: KnownMembers, threshold: int, margin: int
) -> Iterator[Finding]:
    """The rows of `spec.means` where the scores not published (the number of scores known
    to within `margin`) could be fewer than the threshold."""
    members, means = tables.get(spec.table), tables.get(spec.means)
    if members is None or means is None:
        return
    elements = spec.elements(members, means)
    published: dict[Cell, list[str]] = defaultdict(list)  # a row's count -> its members
    for member in members.rows:
        name = " ".join(members.key_of(member).values())
        for score, count in elements.items():
            if number(member[score]) is None:
                continue
            keys = spec.rows_of(member)
            if len(keys) == 1:  # in the country's row only
                yield _without_region(members.cell(members.key_of(member), score), name)
            for key in keys:
                published[means.cell(key, count)].append(name)
    counts = {
        means.cell(means.key_of(row), count): number(row[count])
        for row in means.rows
        for count in elements.values()
    }
    for cell, names in published.items():
        shown = counts.get(cell)
        lowest = 0.0 if shown is None else shown - margin
        others = lowest - len(names)
        if others >= threshold:
            continue
        named = ", ".join(names[:SHOWN_MEMBERS])
        if len(names) > SHOWN_MEMBERS:
            named += f" and {len(names) - SHOWN_MEMBERS} more"
        known = "withheld" if shown is None else f"{shown:g}, at least {lowest:g}"
        how = f"{cell.column} {known}, less {len(names)} published score(s) ({named})"
        others_cell = Cell(cell.table, cell.key, f"others({cell.column})")
        yield Finding(others_cell, max(others, 0.0), "mean", how)


def _without_region(cell: Cell, member: str) -> Finding:
    """A published score of a member that counts in no region: the country's row less its
    regions' is the answers without a region, whose number is not published, and it holds
    this score beside them."""
    how = (
        f"{member}'s score counts in the country's row only: the country less its regions "
        "holds it beside the answers without a region, a number not published"
    )
    return Finding(cell, 0.0, "mean", how)
