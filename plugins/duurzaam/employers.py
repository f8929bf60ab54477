"""Who takes part as an employer: include/config/employers.yml (or the file that
DUURZAAM_EMPLOYERS_FILE names). Each participating employer gets a report of its own
placements; the file says who it is, where to send it and since (and until) when it takes
part. The transform writes it to the warehouse (duurzaam.transform.participants), where the
employer models keep the participating employers' rows only; the reports read it to send.
No file, or a file without employers, means that no employer takes part. A mistake in the
file is one error naming the file, the employer and what to write; an id that no extract
ever had is refused once the warehouse is asked (unknown_employers)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from duurzaam.errors import DuurzaamError
from duurzaam.quarters import Quarter
from duurzaam.reference import region_codes
from duurzaam.settings import employers_config_path

log = logging.getLogger(__name__)

EMPLOYER_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")


class EmployersConfigError(DuurzaamError):
    """The employers' file says something the pipeline cannot use."""


@dataclass(frozen=True)
class Employer:
    employer_id: str  # werkgever_id as the placements extract has it
    name: str
    region_code: str
    addresses: tuple[str, ...]
    since: Quarter  # the first quarter it takes part in
    until: Quarter | None = None  # the last, for one that left

    def takes_part_in(self, quarter: Quarter) -> bool:
        return self.since <= quarter and (self.until is None or quarter <= self.until)


class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a key given twice (plain YAML keeps the last one silently)."""


def _mapping(loader: _UniqueKeys, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise EmployersConfigError(
                f"line {key_node.start_mark.line + 1}: {key!r} is given twice: keep one"
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_employers(path: Path | None = None) -> dict[str, Employer]:
    """werkgever_id -> the participating employer, as the file has them; none when there is
    no file, or when it lists no one (`employers:` empty, or only comments)."""
    path = path or employers_config_path()
    if not path.is_file():
        log.info("no participating employers' file at %s: no employer takes part", path)
        return {}
    try:
        config = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys) or {}
    except EmployersConfigError as error:
        raise EmployersConfigError(f"{path}: {error}") from None
    entries = config.get("employers") if isinstance(config, dict) else None
    if config == {} or (isinstance(config, dict) and "employers" in config and not entries):
        return {}
    if not isinstance(entries, dict):
        raise EmployersConfigError(
            f"{path}: expected `employers:` with one entry per werkgever_id (see the file's "
            "comment for an example)"
        )
    regions = set(region_codes())
    return {str(key): _employer(str(key), entry, regions, path) for key, entry in entries.items()}


def _employer(key: str, entry: Any, regions: set[str], path: Path) -> Employer:
    def fail(what: str) -> EmployersConfigError:
        return EmployersConfigError(f"{path}: employer {key}: {what}")

    if not EMPLOYER_ID.match(key):
        raise fail("not a werkgever_id (letters, digits, - and _, at most 40)")
    if not isinstance(entry, dict):
        raise fail("expected naam, regio, adressen and deelname_vanaf")
    missing = [
        field for field in ("naam", "regio", "adressen", "deelname_vanaf") if not entry.get(field)
    ]
    if missing:
        raise fail(f"{', '.join(missing)} missing")
    region = str(entry["regio"]).upper()
    if region not in regions:
        raise fail(f"regio {entry['regio']!r} is not a labour-market region (AM01 ... AM35)")
    addresses = entry["adressen"] if isinstance(entry["adressen"], list) else [entry["adressen"]]
    bad = [str(address) for address in addresses if not ADDRESS.match(str(address))]
    if bad:
        raise fail(f"{bad[0]!r} is not a mail address")
    try:
        since = Quarter.parse(str(entry["deelname_vanaf"]))
        until = Quarter.parse(str(entry["deelname_tot"])) if entry.get("deelname_tot") else None
    except ValueError as error:
        raise fail(f"{error} in deelname_vanaf or deelname_tot") from None
    if until is not None and until < since:
        raise fail(f"deelname_tot {until} is before deelname_vanaf {since}")
    return Employer(key, str(entry["naam"]), region, tuple(map(str, addresses)), since, until)


def unknown_employers(employers: dict[str, Employer], known_ids: set[str]) -> None:
    """Refuses ids that no placements extract ever had (a typing error, an id of another
    supplier): their reports would say nothing, for ever. One that only lacks placements this
    quarter is known, and gets a report that says so."""
    unknown = sorted(set(employers) - known_ids)
    if unknown:
        raise EmployersConfigError(
            f"{len(unknown)} participating employer(s) in no placements extract: "
            f"{', '.join(unknown)}. Check the werkgever_id in the employers' file against the "
            "extract (the supplier's own id), or remove the entry"
        )
