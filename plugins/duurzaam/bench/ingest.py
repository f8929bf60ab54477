"""`make bench-ingest`: how much the full ingest of a large placements extract (read, validate,
pseudonymise, load) costs compared with a bare PostgreSQL COPY of the same file.

1. Generate one quarter's extract of about 1,000,000 rows, with BSNs (so pseudonymisation runs).
2. (a) COPY the file as-is into a table of text columns in a fresh database.
3. (b) `duurzaam ingest placements` in a fresh process against another fresh database.
Prints both times, the ratio b/a (target: at most 5) and the peak memory of (b) (target: under
2 GB). Generating runs in its own process too: a child forked from a large parent would count
the parent's pages in its own peak.
Run: `make bench-ingest` (or `python -m duurzaam.bench.ingest --rows 200000`; `--runs 3` measures
(a) and (b) three times; `--landing DIR` takes an extract generated before).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from duurzaam.quarters import Quarter
from duurzaam.warehouse.database import connection_parameters

ADMIN_URL = os.environ.get(
    "DUURZAAM_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
QUARTER = Quarter.parse("2024Q4")
ROWS_AT_NATIONAL_SCALE = 75_000  # rows of one quarter's extract at scale 1.0 (measured)
# `duurzaam ingest` with the ingest's debug log (a line per step and its seconds) on stderr.
STEP_LOG_PREFIX = "step "
INGEST_WITH_STEP_LOG = f"""
import logging, sys
handler = logging.StreamHandler()
handler.setFormatter(logging.Formatter("{STEP_LOG_PREFIX}%(message)s"))
for name in ("duurzaam.ingest.steps", "duurzaam.ingest.suite_process"):
    logging.getLogger(name).addHandler(handler)
    logging.getLogger(name).setLevel(logging.DEBUG)
from duurzaam.cli import main
sys.exit(main(sys.argv[1:]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--landing",
        type=Path,
        help=f"a landing zone that holds placements/{QUARTER}.csv already (not generated)",
    )
    parser.add_argument("--runs", type=int, default=1, help="measure (a) and (b) this often")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-") as folder:
        landing = arguments.landing or generate_extract(Path(folder), arguments.rows)
        extract = landing / "placements" / f"{QUARTER}.csv"
        for run in range(1, arguments.runs + 1):
            with fresh_database() as url:
                bare, rows = bare_copy(url, extract)
            print(f"run {run}: {rows:,} rows, load average {os.getloadavg()[0]:.1f}")
            with fresh_database() as url:
                full, cpu, peak_mb = full_ingest(url, landing, Path(folder) / f"work-{run}")
            print(f"(a) bare COPY:       {bare:6.1f} s  ({rows / bare:,.0f} rows/s)")
            print(
                f"(b) duurzaam ingest: {full:6.1f} s  ({rows / full:,.0f} rows/s), "
                f"CPU {cpu:.1f} s, peak memory {peak_mb:,.0f} MB"
            )
            print(f"ratio b/a: {full / bare:.2f} (target <= 5), peak memory target < 2,048 MB")


def generate_extract(folder: Path, rows: int) -> Path:
    """A landing zone with one quarter's placements extract of about `rows` rows, with BSNs."""
    started = time.perf_counter()
    command = [_cli(), "generate", "--out", str(folder), "--quarters", str(QUARTER)]
    command += ["--seed", "1", "--identifier", "bsn", "--scale", str(rows / ROWS_AT_NATIONAL_SCALE)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    extract = folder / "placements" / f"{QUARTER}.csv"
    size = extract.stat().st_size / 1e6
    print(f"generated {size:.0f} MB in {time.perf_counter() - started:.1f} s")
    return folder


def bare_copy(url: str, extract: Path) -> tuple[float, int]:
    """The file into a table of text columns, as fast as PostgreSQL takes it; returns the
    seconds and the rows."""
    with extract.open(encoding="utf-8-sig") as lines:
        header = lines.readline().rstrip("\n").split(";")
    with psycopg.connect(**connection_parameters(url), autocommit=True) as connection:
        connection.execute(f"create table bare ({', '.join(f'{c} text' for c in header)})")
        started = time.perf_counter()
        with connection.cursor() as cursor, extract.open("rb") as source:
            copy_sql = "copy bare from stdin with (format csv, delimiter ';', header true)"
            with cursor.copy(copy_sql) as copy:
                while block := source.read(1 << 20):
                    copy.write(block)
        elapsed = time.perf_counter() - started
        (rows,) = connection.execute("select count(*) from bare").fetchall()[0]
        return elapsed, rows


def full_ingest(url: str, landing: Path, work: Path) -> tuple[float, float, float]:
    """`duurzaam ingest` as an engineer runs it: a new process, imports included. Returns
    its seconds, its CPU seconds (all its threads and child processes: the suite process,
    the pseudonymisation) and its peak memory in MB (of the largest of them)."""
    env = {
        **os.environ,
        "DUURZAAM_WAREHOUSE_URL": url,
        "DUURZAAM_LANDING_DIR": str(landing),
        "DUURZAAM_WORK_DIR": str(work),
        "DUURZAAM_PSEUDONYM_KEY": "benchmark-only-key",
    }
    command = [sys.executable, "-c", INGEST_WITH_STEP_LOG, "ingest", "placements"]
    command += ["--quarter", str(QUARTER)]
    log = work.parent / f"{work.name}-steps.log"
    started = time.perf_counter()
    with log.open("w") as stderr:
        process = subprocess.Popen(command, env=env, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own resource usage
    elapsed = time.perf_counter() - started
    if exit_code := os.waitstatus_to_exitcode(status):
        raise SystemExit(f"duurzaam ingest failed with exit code {exit_code}:\n{log.read_text()}")
    print("steps of (b), as `duurzaam ingest` logs them:")
    for line in log.read_text().splitlines():
        if line.startswith(STEP_LOG_PREFIX):
            print(f"  {line.removeprefix(STEP_LOG_PREFIX)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: KB


def _cli() -> str:
    return str(Path(sys.executable).with_name("duurzaam"))


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"duurzaam_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(**connection_parameters(ADMIN_URL), autocommit=True)
    admin.execute(f"create database {name}")
    try:
        yield f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        admin.execute(f"drop database if exists {name} with (force)")
        admin.close()


if __name__ == "__main__":
    main()
