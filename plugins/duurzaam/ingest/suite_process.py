"""The Great Expectations suites run in a process of their own beside the ingest, so that both
cores work: while the suite checks an extract (GX is Python through and through, and holds
its process's one interpreter lock), the ingest process pseudonymises and COPYs the same
rows. The child starts with the first ingest and stays for the process's later ones: a
backfill imports GX (seconds) once, while the first file is read.

The prepared frame goes to the child as Arrow (every dtype and the index as they are): in
shared memory the child maps, or through the pipe (_FrameForChild); the outcome comes back as
JSON. The child runs duurzaam.ingest.validation.validate, so a suite gives the same outcome and data
docs here as anywhere. Nothing is written to disk on the way."""

from __future__ import annotations

import atexit
import errno
import json
import logging
import os
import pickle
import struct
import subprocess
import sys
import threading
import time
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

    from duurzaam.ingest.validation import ValidationOutcome

logger = logging.getLogger(__name__)


class SuiteProcess:
    """The child process that validates, and the requests this process sends it."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "duurzaam.ingest.suite_process"],
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
        from duurzaam.ingest.validation import outcome_from_dict

        run_name, project = data_docs
        request = {
            "command": "validate",
            "source": source,
            "parameters": parameters,
            "data_docs": [run_name, str(project)],
            "build_site": _deferring_sites == 0,
        }
        reply = self._ask(request, frame)
        for step, seconds in reply["seconds"].items():
            logger.debug("%s, in the suite process: %s %.2f s", run_name, step, seconds)
        return outcome_from_dict(reply["outcome"])

    def build_data_docs(self) -> None:
        """Build the data docs sites of the runs validated while their building was deferred."""
        self._ask({"command": "build_data_docs"})

    def _ask(self, request: dict[str, Any], frame: pd.DataFrame | None = None) -> dict[str, Any]:
        assert self._child.stdin is not None and self._child.stdout is not None
        with _FrameForChild(frame) as sent:
            try:
                _write_message(self._child.stdin, {**request, "frame": sent.how, "path": sent.path})
                sent.write_to(self._child.stdin)
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
        if reply.get("errno") == errno.ENOSPC:  # a full disk, not a fault: said without a traceback
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), reply["folder"])
        if "error" in reply:
            logger.error("in the Great Expectations process: %s", reply["traceback"])
            raise DuurzaamError(f"validating with Great Expectations failed: {reply['error']}")
        return reply


class _FrameForChild:
    """How a frame reaches the child, the cheapest way first:
    - "shared": as an Arrow file in memory of this process (a memfd, Linux), which the child
      maps by its /proc/<pid>/fd path: written once, read without a copy, and gone with
      this process however it ends;
    - "arrow": as an Arrow stream through the pipe (where there is no memfd);
    - "pickle": pickled through the pipe, for a column Arrow cannot hold (values of mixed
      types);
    - "none": no frame."""

    def __init__(self, frame: pd.DataFrame | None, shared: bool = True):
        self.how, self.path = "none", None
        self._rows, self._frame, self._descriptor = None, frame, -1
        if frame is None:
            return
        self._rows = _as_arrow(frame)
        if self._rows is None:
            self.how = "pickle"
        elif shared and hasattr(os, "memfd_create"):
            self.how = "shared"
            self._descriptor = os.memfd_create("duurzaam-suite-frame")
            self.path = f"/proc/{os.getpid()}/fd/{self._descriptor}"
            try:
                _write_arrow_file(self._rows, self.path)
            except BaseException:
                os.close(self._descriptor)
                raise
        else:
            self.how = "arrow"

    def write_to(self, pipe: IO[bytes]) -> None:
        """What goes through the pipe after the request (for "arrow" and "pickle")."""
        import pyarrow as pa

        if self.how == "arrow":
            assert self._rows is not None
            with pa.ipc.new_stream(pipe, self._rows.schema) as stream:
                stream.write_table(self._rows)
        elif self.how == "pickle":
            pickle.dump(self._frame, pipe, protocol=pickle.HIGHEST_PROTOCOL)

    def __enter__(self) -> _FrameForChild:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._descriptor >= 0:
            os.close(self._descriptor)  # the child maps it still, if it wants


def _write_arrow_file(rows: pa.Table, path: str) -> None:
    import pyarrow as pa

    with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, rows.schema) as writer:
        writer.write_table(rows)


def _read_frame(request: dict[str, Any], pipe: IO[bytes]) -> pd.DataFrame:
    """The frame a request came with (_FrameForChild), in the child."""
    import pyarrow as pa

    if request["frame"] == "shared":
        return pa.ipc.open_file(pa.memory_map(request["path"])).read_all().to_pandas()
    if request["frame"] == "arrow":
        return pa.ipc.open_stream(pipe).read_all().to_pandas()
    frame: pd.DataFrame = pickle.load(pipe)
    return frame


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

    from duurzaam.ingest import validation

    while request := _read_message(requests):
        try:
            if request["command"] == "validate":
                run_name, project = request["data_docs"]
                started = time.perf_counter()
                frame = _read_frame(request, requests)
                received = time.perf_counter()
                outcome = validation.validate(
                    frame,
                    request["source"],
                    request["parameters"],
                    data_docs=(run_name, Path(project)),
                    build_site=request["build_site"],
                )
                reply: dict[str, Any] = {
                    "outcome": validation.outcome_to_dict(outcome),
                    "seconds": {
                        "the frame taken in": received - started,
                        "the suite and its data docs": time.perf_counter() - received,
                    },
                }
            else:
                validation.build_pending_data_docs()
                reply = {"done": True}
        except Exception as error:
            reply = {
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
                "errno": getattr(error, "errno", None),
                # where it wrote (GX's own errors name no file): the run's data docs
                "folder": request.get("data_docs", [None, None])[1],
            }
        _write_message(replies, reply)
        replies.flush()
    # Done: end without tearing down the interpreter (GX's modules, the last frame), half a
    # second the ingest would wait for; what is left to write is written first.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
