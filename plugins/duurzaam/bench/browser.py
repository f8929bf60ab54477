"""Headless Chromium for the dashboard's browser tests and its benchmark: Debian's chromium
and chromedriver (packages chromium, chromium-driver; .ci/run installs them), driven by
Selenium, which then downloads nothing. The browser keeps its console messages and the
requests of each page, so a test can say what a page logged and fetched; it saves what a page
downloads into a folder of the caller's, and lays pages out at a phone's width on request."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from duurzaam.errors import DuurzaamError

CHROMIUM = os.environ.get("DUURZAAM_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DUURZAAM_CHROMEDRIVER", "/usr/bin/chromedriver")


@contextmanager
def chromium(width: int = 1280, height: int = 1000, downloads: Path | None = None) -> Iterator[Any]:
    """A headless Chromium under Selenium (a selenium.webdriver.Chrome); what a page downloads
    goes to `downloads` (without asking)."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not shutil.which(path):
            raise DuurzaamError(
                f"{path} not found: install Debian's {package} (apt-get install {package})"
            )
    os.environ.setdefault("SE_AVOID_STATS", "true")  # Selenium Manager: no usage reports
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if downloads is not None:
        options.add_experimental_option(
            "prefs",
            {
                "download.default_directory": str(downloads),
                "download.prompt_for_download": False,
                "download.directory_upgrade": True,
            },
        )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def emulate_width(driver: Any, width: int, height: int = 800) -> None:
    """Lays pages out as a phone of this width would (CSS pixels, its viewport meta tag
    honoured): headless Chromium's window is never narrower than 500 px. Applies to the pages
    loaded after it."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True},
    )


def wait_until_drawn(driver: Any, timeout: float = 30.0) -> float:
    """Waits for the page's last chart (window.dashboardDrawn); returns its time in ms since
    the navigation started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        drawn = driver.execute_script("return window.dashboardDrawn || null")
        if drawn is not None:
            return float(drawn)
        time.sleep(0.02)
    raise TimeoutError(f"{driver.current_url}: charts not drawn within {timeout:.0f} s")


def downloaded(folder: Path, name: str, timeout: float = 15.0) -> Path:
    """The file a download saved as `name` in folder, once Chromium has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        file = folder / name
        if file.is_file() and not (folder / f"{name}.crdownload").exists():
            return file
        time.sleep(0.05)
    raise TimeoutError(f"{name} not downloaded within {timeout:.0f} s: {os.listdir(folder)}")


def console_messages(driver: Any) -> list[dict]:
    """The console messages since the last call (level, message)."""
    return list(driver.get_log("browser"))


def requested_urls(driver: Any) -> list[str]:
    """The URLs the browser requested since the last call (DevTools' network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls
