"""`make bench-dashboard`: how long a region's dashboard page takes to load in headless
Chromium, from the start of the navigation to the last chart drawn (window.dashboardDrawn),
with the browser cache off (every file fetched and parsed again, as on a first visit) and on
(a return visit). Prints the median and the slowest of each; target on the 2-core
development machine: under 2 s.

The warehouse is built first (not timed) from the bundled sample quarters, then the
dashboard from it, served by the same small server as `duurzaam dashboard serve`; or, with
--warehouse, an existing warehouse is read. Run: `make bench-dashboard`."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from duurzaam.bench import sample_warehouse
from duurzaam.bench.browser import chromium, wait_until_drawn
from duurzaam.dashboard.server import serving
from duurzaam.dashboard.site import build_site
from duurzaam.settings import Settings, load_settings


def measure(settings: Settings, region: str, loads: int) -> dict[str, list[float]]:
    """Milliseconds to the last chart drawn, per load, with the browser cache off and on."""
    started = time.perf_counter()
    built = build_site(settings)
    print(f"{built.describe('-')}: built in {time.perf_counter() - started:.1f} s")
    times: dict[str, list[float]] = {"cache off": [], "cache on": []}
    with serving(settings.dashboard_dir) as url, chromium() as browser:
        page = f"{url}regio/{region}.html"
        browser.get(page)  # the browser's own start-up is not the page's load time
        wait_until_drawn(browser)
        for kind in times:
            browser.execute_cdp_cmd("Network.enable", {})
            browser.execute_cdp_cmd(
                "Network.setCacheDisabled", {"cacheDisabled": kind == "cache off"}
            )
            for _ in range(loads):
                browser.get(page)
                times[kind].append(wait_until_drawn(browser))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="AM05")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--warehouse", help="a built warehouse URL instead of the sample one")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="duurzaam-bench-dashboard-") as folder:
        if arguments.warehouse:
            settings = replace(
                load_settings(),
                warehouse_url=arguments.warehouse,
                dashboard_dir=Path(folder) / "dashboard",
            )
        else:
            settings, _ = sample_warehouse(Path(folder))
        times = measure(settings, arguments.region, arguments.loads)
    print(f"machine load (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for kind, values in times.items():
        print(
            f"regio/{arguments.region}.html, {kind}: median {statistics.median(values):.0f} ms, "
            f"slowest {max(values):.0f} ms to the last chart drawn ({len(values)} loads)"
        )
    print("target: under 2000 ms")


if __name__ == "__main__":
    main()
