"""`make bench-reports`: render and send the 35 regional reports of a quarter to a local SMTP
server (aiosmtpd), and print the total seconds and the median per report.

The warehouse is built first (not timed) from the bundled sample quarters: every source,
loaded and transformed into a fresh DuckDB file. Target on the 2-core development machine:
under 20 s for all 35 reports. Run: `make bench-reports`.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from duurzaam.bench import sample_warehouse
from duurzaam.quarters import Quarter
from duurzaam.reports.build import write_reports
from duurzaam.reports.delivery import SmtpServer


class CountingInbox:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        self.received += 1
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    from aiosmtpd.controller import Controller

    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-reports-") as folder:
        settings, quarters = sample_warehouse(Path(folder))

        inbox = CountingInbox()
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            server = SmtpServer("127.0.0.1", port)
            started = time.perf_counter()
            run = write_reports(
                Quarter.parse(quarters[-1]), settings, server, workers=arguments.workers
            )
            total = time.perf_counter() - started
        finally:
            controller.stop()
    rendering = [d.render_seconds for d in run.deliveries]
    print(
        f"{quarters[-1]}: {inbox.received} reports received by the SMTP server, "
        f"{len(run.failed)} failed"
    )
    print(
        f"total {total:.1f} s with {arguments.workers} rendering processes; per report: "
        f"median {statistics.median(rendering):.2f} s to render (charts, HTML, PDF), "
        f"max {max(rendering):.2f} s"
    )
    print("target: all 35 under 20 s")
    from weasyprint.text.ffi import harfbuzz_subset

    print(
        "PDF fonts subset by "
        + (
            "HarfBuzz"
            if harfbuzz_subset
            else "fontTools: install HarfBuzz's subset library (Debian: libharfbuzz-subset0), "
            "about 0.25 s less per report"
        )
    )


if __name__ == "__main__":
    main()
