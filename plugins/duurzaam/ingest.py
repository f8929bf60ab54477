"""The ingest steps for one (source, quarter): pull, validate, load. The DAG, the CLI and the
tests call these same functions; what passes between them is a small dict of names and paths
(safe as an Airflow XCom), never a DataFrame."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyarrow import feather

from duurzaam.errors import DuurzaamError, InputRejected
from duurzaam.privacy import bsn_rows, require_key_for_bsn
from duurzaam.quarters import Quarter
from duurzaam.settings import MUNICIPALITIES_CSV, Settings, source_config
from duurzaam.sources import get_fetched_source, get_source, raw_tables
from duurzaam.validation import start_importing_great_expectations
from duurzaam.validation import validate as run_suite
from duurzaam.warehouse import LoadManifest, open_warehouse

logger = logging.getLogger(__name__)

# A quarter's extract smaller than this share of the previous one is probably cut off.
MIN_ROWS_SHARE_OF_PREVIOUS = 0.5


@dataclass(frozen=True)
class Extract:
    source: str
    quarter: str
    origin: str  # where the file was found, for messages
    path: str  # our copy of it
    sha256: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extract:
        return cls(**data)


def source_location(source: str, quarter: str, settings: Settings) -> str:
    """Where the quarter's extract of `source` is: a path or an http(s) URL, from the
    sources configuration (include/config/sources.yml)."""
    config = source_config(settings)
    if source not in config or "location" not in config[source]:
        raise DuurzaamError(f"{settings.sources_config}: no location for source {source!r}")
    parsed = Quarter.parse(quarter)
    location = config[source]["location"].format(quarter=parsed, cbs_period=parsed.cbs)
    if _is_url(location):
        return location
    path = Path(location)
    return str(path if path.is_absolute() else settings.landing_dir / path)


def extract_available(source: str, quarter: str, settings: Settings) -> bool:
    """Whether the quarter's extract has been delivered: the file exists, or the OData
    endpoint returns rows for the quarter (it answers with an empty set until then)."""
    location = source_location(source, quarter, settings)
    if not _is_url(location):
        return Path(location).is_file()
    with tempfile.TemporaryDirectory() as folder:
        fetched = get_fetched_source(source).fetch(location, quarter, Path(folder) / "probe.json")
        return bool(json.loads(fetched.read_text(encoding="utf-8")).get("value"))


def pull(source: str, quarter: str, settings: Settings, file: Path | None = None) -> Extract:
    """Copy (or download) the quarter's extract into the work area, so validation and load
    see the same bytes whatever happens to the landing zone."""
    get_source(source)  # an unknown name fails before anything runs
    quarter = str(Quarter.parse(quarter))
    origin = str(file) if file else source_location(source, quarter, settings)
    folder = settings.work_dir / "pulled" / source
    folder.mkdir(parents=True, exist_ok=True)
    if _is_url(origin):
        downloaded = get_fetched_source(source).fetch(
            origin, quarter, folder / f"{quarter}-download.json"
        )
    elif Path(origin).is_file():
        downloaded = Path(shutil.copyfile(origin, folder / f"{quarter}-copy{Path(origin).suffix}"))
    else:
        raise InputRejected(
            origin,
            f"no {source} extract for {quarter} was found",
            f"put the file there, or point DUURZAAM_LANDING_DIR (or {source}.location in "
            f"{settings.sources_config.name}) at where it is",
        )
    sha256 = _sha256(downloaded)
    copy = downloaded.rename(folder / f"{quarter}-{sha256[:12]}{downloaded.suffix}")
    return Extract(source, quarter, origin, str(copy), sha256)


def validate(extract: Extract, settings: Settings) -> dict[str, Any]:
    """Run the source's suite. A valid file becomes a pseudonymised Arrow file for the load
    step; a file the warehouse already holds is 'unchanged'; a failing file is recorded in
    meta.loads and meta.quarantine and InputRejected is raised."""
    module = get_source(extract.source)
    started_at = datetime.now()
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.ensure_schema(raw_tables())
        current = warehouse.current_load(extract.source, extract.quarter)
        if current and current["file_sha256"] == extract.sha256:
            return {"status": "unchanged", "load_id": current["load_id"]}
        previous = warehouse.current_load(extract.source, str(Quarter.parse(extract.quarter) - 1))

    start_importing_great_expectations()
    clock = Stopwatch(f"{extract.source} {extract.quarter}")
    path = Path(extract.path)
    text = module.read(path)
    clock.lap("read")
    require_key_for_bsn(text.columns, settings.pseudonym_key, extract.origin)
    prepared = module.prepare_for_validation(text, Quarter.parse(extract.quarter))
    clock.lap("prepare")
    prepared = prepared.assign(bsn_outside_bsn_column=bsn_rows(text))
    clock.lap("BSN scan")
    run_name = f"{extract.source} {extract.quarter} {extract.sha256[:12]}"
    outcome = run_suite(
        prepared,
        extract.source,
        _suite_parameters(extract, previous),
        data_docs=(run_name, data_docs_project(extract.source, settings)),
    )
    clock.lap("Great Expectations (waiting for its import, the suite, the data docs)")
    summary = json.dumps(outcome.summary())
    if not outcome.success:
        manifest = LoadManifest(
            load_id=f"{extract.source}/{extract.quarter}/rejected-{extract.sha256[:12]}",
            source=extract.source,
            quarter=extract.quarter,
            file_name=extract.origin,
            file_sha256=extract.sha256,
            row_count=len(text),
            revision=None,
            status="rejected",
            validation_summary=summary,
            started_at=started_at,
            finished_at=datetime.now(),
        )
        with open_warehouse(settings.warehouse_url) as warehouse:
            warehouse.record_rejection(manifest, outcome.quarantine_rows(text))
        raise InputRejected(
            extract.origin,
            f"rejected: {len(outcome.failures)} of {outcome.evaluated} checks failed; "
            "nothing was loaded",
            "correct the export and deliver it again; every failing row is in meta.quarantine "
            f"with load_id '{manifest.load_id}'",
            [failure.message(text) for failure in outcome.failures],
        )

    raw = module.to_raw(prepared, settings.pseudonym_key)
    clock.lap("pseudonymise, raw rows")
    validated = (
        settings.work_dir
        / "validated"
        / extract.source
        / (f"{extract.quarter}-{extract.sha256[:12]}.arrow")
    )
    validated.parent.mkdir(parents=True, exist_ok=True)
    # Arrow's own file format, uncompressed: a file handed over on the same machine, written
    # and read back at the speed of the disk (Parquet's encoding took ten times as long).
    feather.write_feather(
        pa.Table.from_pandas(raw, preserve_index=False), validated, compression="uncompressed"
    )
    clock.lap("hand-over file written")
    return {
        "status": "valid",
        "file": str(validated),
        "rows": len(raw),
        "summary": summary,
        "started_at": started_at.isoformat(),
    }


def load(extract: Extract, validated: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Replace the (source, quarter) partition with the validated rows, in one transaction."""
    if validated["status"] == "unchanged":
        return {
            "status": "unchanged",
            "source": extract.source,
            "quarter": extract.quarter,
            "load_id": validated["load_id"],
        }
    module = get_source(extract.source)
    clock = Stopwatch(f"{extract.source} {extract.quarter}")
    frame = feather.read_table(validated["file"]).to_pandas()
    clock.lap("hand-over file read")
    with open_warehouse(settings.warehouse_url) as warehouse:
        warehouse.ensure_schema(raw_tables())
        current = warehouse.current_load(extract.source, extract.quarter)
        if current and current["file_sha256"] == extract.sha256:
            return {
                "status": "unchanged",
                "source": extract.source,
                "quarter": extract.quarter,
                "load_id": current["load_id"],
            }
        revision = warehouse.accepted_revisions(extract.source, extract.quarter) + 1
        load_id = f"{extract.source}/{extract.quarter}/r{revision}"
        loaded_at = datetime.now()
        frame = frame.assign(quarter=extract.quarter, _load_id=load_id, _loaded_at=loaded_at)
        frame = frame[[column for column, _ in module.RAW_COLUMNS]]
        manifest = LoadManifest(
            load_id=load_id,
            source=extract.source,
            quarter=extract.quarter,
            file_name=extract.origin,
            file_sha256=extract.sha256,
            row_count=len(frame),
            revision=revision,
            status="current",
            validation_summary=validated["summary"],
            started_at=datetime.fromisoformat(validated["started_at"]),
            finished_at=loaded_at,
        )
        warehouse.replace_partition(extract.source, frame, manifest)
    clock.lap("partition swap (bulk insert, commit)")
    return {
        "status": "loaded",
        "source": extract.source,
        "quarter": extract.quarter,
        "load_id": load_id,
        "rows": len(frame),
        "revision": revision,
        "replaced": current["load_id"] if current else None,
    }


def ingest(source: str, quarter: str, settings: Settings, file: Path | None = None) -> dict:
    """Pull, validate and load one extract: what `duurzaam ingest` runs."""
    extract = pull(source, quarter, settings, file)
    return load(extract, validate(extract, settings), settings)


class Stopwatch:
    """Logs (debug) how long each step of an ingest took: `make bench-ingest` prints them."""

    def __init__(self, what: str):
        self.what, self.last = what, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        logger.debug("%s: %s %.2f s", self.what, step, now - self.last)
        self.last = now


def describe(outcome: dict[str, Any]) -> str:
    where = f"{outcome['source']} {outcome['quarter']}"
    if outcome["status"] == "unchanged":
        return f"{where}: unchanged (this file is already loaded as {outcome['load_id']})"
    replaced = f", replaces {outcome['replaced']}" if outcome["replaced"] else ""
    return f"{where}: loaded {outcome['rows']:,} rows as {outcome['load_id']}{replaced}"


def data_docs_project(source: str, settings: Settings) -> Path:
    """The GX project holding a source's data docs: its site is
    <work>/data_docs/<source>/gx/uncommitted/data_docs/local_site/index.html."""
    return settings.work_dir / "data_docs" / source


def known_municipality_codes() -> list[str]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        return sorted({row["code"] for row in csv.DictReader(handle) if row["region_code"]})


def known_region_codes() -> list[str]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        return sorted({row["region_code"] for row in csv.DictReader(handle) if row["region_code"]})


def _suite_parameters(extract: Extract, previous: dict[str, Any] | None) -> dict[str, Any]:
    min_rows = 1
    if previous:
        min_rows = max(1, math.ceil(previous["row_count"] * MIN_ROWS_SHARE_OF_PREVIOUS))
    return {
        "municipality_codes": known_municipality_codes(),
        "region_codes": known_region_codes(),
        "min_rows": min_rows,
    }


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def extract_to_dict(extract: Extract) -> dict[str, Any]:
    return asdict(extract)
