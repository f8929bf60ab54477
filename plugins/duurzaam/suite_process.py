"""The Great Expectations suites run in a process of their own beside the ingest, so that both
cores work: while the suite checks an extract (GX is Python through and through, and holds
its process's one interpreter lock), the ingest process pseudonymises and COPYs the same
rows. The child starts with the first ingest and stays for the process's later ones: a
backfill imports GX (seconds) once, while the first file is read.

The prepared frame goes to the child through a pipe (as an Arrow stream: every dtype and the
index as they are), the outcome comes back as JSON; the child runs
duurzaam.validation.validate, so a suite gives the
same outcome and data docs here as anywhere. Nothing is written to disk on the way."""

from __future__ import annotations

import atexit
import json
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from duurzaam.errors import DuurzaamError

# Nothing heavy at the top: the command line starts the child before it imports pandas.
if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from duurzaam.validation import ValidationOutcome

logger = logging.getLogger(__name__)


class SuiteProcess:
    """The child process that validates, and the requests this process sends it."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "duurzaam.suite_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path, "GX_ANALYTICS_ENABLED": "false"},
        )

    def close(self) -> None:
        """Let the child end (it ends when its input does) and wait for it."""
        if self._child.stdin is not None:
            self._child.stdin.close()
        try:
            self._child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._child.kill()
            self._child.wait()

    @property
    def running(self) -> bool:
        return self._child.poll() is None

    def validate(
        self,
        frame: pd.DataFrame,
        source: str,
        parameters: dict[str, Any],
        data_docs: tuple[str, Path],
    ) -> ValidationOutcome:
        """validation.validate(frame, source, parameters, data_docs) in the child."""
        from duurzaam.validation import outcome_from_dict

        run_name, project = data_docs
        request = {
            "command": "validate",
            "source": source,
            "parameters": parameters,
            "data_docs": [run_name, str(project)],
            "build_site": _deferring_sites == 0,
        }
        reply = self._ask(request, frame)
        return outcome_from_dict(reply["outcome"])

    def build_data_docs(self) -> None:
        """Build the data docs sites of the runs validated while their building was deferred."""
        self._ask({"command": "build_data_docs"})

    def _ask(self, request: dict[str, Any], frame: pd.DataFrame | None = None) -> dict[str, Any]:
        import pyarrow as pa

        assert self._child.stdin is not None and self._child.stdout is not None
        try:
            rows = _as_arrow(frame) if frame is not None else None
            _write_message(self._child.stdin, {**request, "arrow": rows is not None})
            if rows is not None:
                with pa.ipc.new_stream(self._child.stdin, rows.schema) as stream:
                    stream.write_table(rows)
            elif frame is not None:
                pickle.dump(frame, self._child.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self._child.stdin.flush()
            reply = _read_message(self._child.stdout)
        except (BrokenPipeError, ConnectionResetError):
            reply = None
        if reply is None:
            self._child.kill()
            raise DuurzaamError(
                f"the Great Expectations process ended (exit code {self._child.wait()}); its "
                "messages are above. Run the ingest again"
            )
        if "error" in reply:
            logger.error("in the Great Expectations process: %s", reply["traceback"])
            raise DuurzaamError(f"validating with Great Expectations failed: {reply['error']}")
        return reply


# The suite processes started so far, and those not validating now: a backfill's two lanes
# each take one; later ingests (and later backfills) take them again.
_started: list[SuiteProcess] = []
_idle: list[SuiteProcess] = []
_lock = threading.Lock()
_deferring_sites = 0


def start_suite_process() -> None:
    """Start a suite process now, unless one is idle: the ingest finds it importing GX, or
    done with that (the command line and the DAG's task call this first thing)."""
    with _lock:
        if not any(process.running for process in _idle):
            _idle.append(_new_suite_process())


def _new_suite_process() -> SuiteProcess:
    if not _started:
        atexit.register(_close_all)
    process = SuiteProcess()
    _started.append(process)
    return process


@contextmanager
def suite_process() -> Iterator[SuiteProcess]:
    """A suite process for this ingest alone while the block runs: an idle one, or a new one
    (which starts importing Great Expectations at once)."""
    with _lock:
        while _idle and not _idle[-1].running:
            _idle.pop()
        process = _idle.pop() if _idle else _new_suite_process()
    try:
        yield process
    finally:
        with _lock:
            _idle.append(process)


@contextmanager
def data_docs_built_once() -> Iterator[None]:
    """Validations inside this block store their results at once, and each data docs site
    is built once when the block ends (also when it ends with an error): a backfill renders
    each run's page as before, but the site's index (which lists every run) once per source
    instead of once per extract."""
    global _deferring_sites
    _deferring_sites += 1
    try:
        yield
    finally:
        _deferring_sites -= 1
        if _deferring_sites == 0:
            # one after the other: two processes may have runs on the same site
            for process in [p for p in _started if p.running]:
                process.build_data_docs()


def _close_all() -> None:
    while _started:
        _started.pop().close()


def _as_arrow(frame: pd.DataFrame) -> pa.Table | None:
    """The frame as Arrow, which keeps its dtypes and index and crosses the pipe as its own
    buffers (a quarter of pickle's work); None for a column Arrow cannot hold (values of
    mixed types), which is then pickled."""
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _write_message(pipe: IO[bytes], message: dict[str, Any]) -> None:
    data = json.dumps(message).encode()
    pipe.write(struct.pack("<I", len(data)) + data)


def _read_message(pipe: IO[bytes]) -> dict[str, Any] | None:
    """The next message, or None when the other side has closed the pipe."""
    size = pipe.read(4)
    if len(size) < 4:
        return None
    message: dict[str, Any] = json.loads(pipe.read(struct.unpack("<I", size)[0]))
    return message


def main() -> None:
    """The child: answers requests until the ingest process closes the pipe (or ends)."""
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed: to stderr
    import great_expectations  # noqa: F401  (the slow import, while the file is read)
    import pyarrow as pa

    from duurzaam import validation

    while request := _read_message(requests):
        try:
            if request["command"] == "validate":
                run_name, project = request["data_docs"]
                if request["arrow"]:
                    frame = pa.ipc.open_stream(requests).read_all().to_pandas()
                else:
                    frame = pickle.load(requests)
                outcome = validation.validate(
                    frame,
                    request["source"],
                    request["parameters"],
                    data_docs=(run_name, Path(project)),
                    build_site=request["build_site"],
                )
                reply: dict[str, Any] = {"outcome": validation.outcome_to_dict(outcome)}
            else:
                validation.build_pending_data_docs()
                reply = {"done": True}
        except Exception as error:
            reply = {
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
            }
        _write_message(replies, reply)
        replies.flush()


if __name__ == "__main__":
    main()
