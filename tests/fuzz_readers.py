"""`make fuzz`: a long coverage-guided run (Atheris, libFuzzer) of each of the five readers,
seeded with the sample files and mutating them both byte by byte (libFuzzer) and by rows,
cells, JSON values and XLSX members (tests/fuzzing.py). Each reader runs in a process of its
own, with libFuzzer's limits: an input taking more than FUZZ_TIMEOUT seconds is a hang, a
process over FUZZ_RSS_MB megabytes a memory failure; either stops that reader's run and is
reported. An input ending in anything but a read or the reader's own rejection is saved
under tests/fuzz_corpus/<source>/ (the first of each kind), where every test run reads it
again, and the run goes on.

    python -m tests.fuzz_readers [source ...]     # FUZZ_RUNS inputs per reader (100000)

Prints, per reader: inputs, time, inputs read and rejected, failures found."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

RUNS = int(os.environ.get("FUZZ_RUNS", 100_000))
TIMEOUT_SECONDS = int(os.environ.get("FUZZ_TIMEOUT", 20))
RSS_LIMIT_MB = int(os.environ.get("FUZZ_RSS_MB", 2048))
MAX_INPUT_BYTES = 1 << 16
STATS_EVERY = 500


def main(arguments: list[str]) -> int:
    from tests.fuzzing import SOURCES

    if arguments[:1] == ["--child"]:
        return fuzz_one(arguments[1], Path(arguments[2]))
    sources = arguments or list(SOURCES)
    results = [run_reader(source) for source in sources]
    print(f"\n{'reader':<16} {'inputs':>8} {'seconds':>8} {'read':>8} {'rejected':>9}  failures")
    for result in results:
        failures = "; ".join(result["failures"]) or "none"
        print(
            f"{result['source']:<16} {result['inputs']:>8,} {result['seconds']:>8.0f} "
            f"{result['read']:>8,} {result['rejected']:>9,}  {failures}"
        )
    return 1 if any(result["failures"] for result in results) else 0


def run_reader(source: str) -> dict:
    """Fuzzes one reader in a child process; what it did, from its stats file and libFuzzer's
    closing lines."""
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{source}-") as folder:
        stats = Path(folder) / "stats.json"
        started = time.monotonic()
        child = subprocess.run(
            [sys.executable, "-m", "tests.fuzz_readers", "--child", source, folder],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parents[1],
        )
        seconds = time.monotonic() - started
        result = json.loads(stats.read_text()) if stats.exists() else {}
    failures = [f"{kind} (kept as {file})" for kind, file in result.get("failures", {}).items()]
    stopped = re.search(r"==\d+== ERROR: libFuzzer: (.*)", child.stderr)
    if stopped:  # a hang (timeout) or memory over the limit: libFuzzer saved the input
        artifact = re.search(r"Test unit written to (\S+)", child.stderr)
        failures.append(f"{stopped.group(1)} ({artifact.group(1) if artifact else 'no input'})")
    elif child.returncode != 0:
        failures.append(f"the run ended with exit code {child.returncode}: {child.stderr[-800:]}")
    done = re.search(r"Done (\d+) runs in (\d+) second", child.stderr)
    return {
        "source": source,
        "inputs": int(done.group(1)) if done else result.get("inputs", 0),
        "seconds": seconds,
        "read": result.get("read", 0),
        "rejected": result.get("rejected", 0),
        "failures": failures,
    }


def fuzz_one(source: str, folder: Path) -> int:
    """In the child: libFuzzer drives check() over the seeds and their mutations; its
    counts go to folder/stats.json, its corpus and the input at hand beside it (the parent
    removes the folder: libFuzzer ends this process without Python's clean-up)."""
    import atheris
    import pandas  # noqa: F401  (imported before the instrumented modules: not instrumented)

    with atheris.instrument_imports(include=["duurzaam"]):
        from tests import fuzzing

    counts = {"inputs": 0, "read": 0, "rejected": 0}
    failures: dict[str, str] = {}
    stats, corpus = folder / "stats.json", folder / "corpus"

    def write_stats() -> None:
        stats.write_text(json.dumps({**counts, "failures": failures}))

    def test_one_input(data: bytes) -> None:
        counts["inputs"] += 1
        try:
            counts[fuzzing.check(source, data, folder)] += 1
        except Exception as error:
            kind = failure_kind(error)
            if kind not in failures:  # the first input of each kind is kept
                failures[kind] = str(keep(fuzzing.CORPUS / source, data, fuzzing.SUFFIXES[source]))
            write_stats()
        if counts["inputs"] % STATS_EVERY == 0:
            write_stats()

    seeds = fuzzing.seeds(source)

    def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
        """libFuzzer's byte mutations, or ours of rows, cells, values and members: of the
        input, or of a sample file afresh (bytes mutated a few times seldom read at all,
        and the code after the reader's checks is where a file that reads goes)."""
        rng = random.Random(seed)
        choice = rng.random()
        if choice < 0.4:
            return atheris.Mutate(data, max_size)
        start = data if choice < 0.7 else rng.choice(seeds)
        steps = [rng.randrange(2**32) for _ in range(rng.randrange(1, 4))]
        return fuzzing.mutate(source, start, steps)[:max_size]

    corpus.mkdir()
    for number, seed in enumerate(fuzzing.seeds(source)):
        (corpus / f"seed-{number}").write_bytes(seed)
    write_stats()
    atheris.Setup(
        [
            sys.argv[0],
            f"-runs={RUNS}",
            f"-timeout={TIMEOUT_SECONDS}",
            f"-rss_limit_mb={RSS_LIMIT_MB}",
            f"-max_len={MAX_INPUT_BYTES}",
            f"-artifact_prefix={fuzzing.CORPUS / source}/",
            "-print_final_stats=1",
            str(corpus),
        ],
        test_one_input,
        custom_mutator=custom_mutator,
    )
    (fuzzing.CORPUS / source).mkdir(parents=True, exist_ok=True)
    atheris.Fuzz()  # ends the process when the runs are done
    return 0


def failure_kind(error: Exception) -> str:
    """The exception's type and the line of the project's code it came through last."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "duurzaam" in f.filename]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def keep(folder: Path, data: bytes, suffix: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{hashlib.sha256(data).hexdigest()[:12]}{suffix}"
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
