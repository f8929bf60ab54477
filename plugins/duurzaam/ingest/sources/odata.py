"""A small reader for CBS-style OData v3 endpoints: follows `odata.nextLink` page by page,
retries transient failures (5xx, timeouts, dropped connections) with exponential backoff,
and stops with a clear error on anything a retry cannot fix (4xx, not JSON, a `nextLink` back
to a page already read, which would loop forever)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import requests

from duurzaam.errors import DuurzaamError

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})


class ODataError(DuurzaamError):
    """The endpoint refused or kept failing; the message says what to do."""


def fetch_odata(
    url: str,
    destination: Path,
    *,
    session: requests.Session | None = None,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 1.0,
) -> Path:
    """Every row behind `url`, all pages, written as one JSON file `{"value": [...],
    "source_url": url}` (written whole or not at all)."""
    session = session or requests.Session()
    rows: list[dict[str, Any]] = []
    page_url: str | None = url
    read: list[str] = []  # the pages read, in order
    while page_url:
        page = _get_page(session, page_url, timeout, retries, backoff)
        rows.extend(page.get("value", []))
        read.append(page_url)
        page_url = page.get("odata.nextLink")
        if page_url in read:
            raise ODataError(
                f"{url}: page {len(read)} links back to page {read.index(page_url) + 1} "
                f"(odata.nextLink {page_url}), so reading on would never end; nothing was "
                "written. What to do: the endpoint's paging is broken; report it to its "
                "supplier, then rerun."
            )
    pages = len(read)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_suffix(destination.suffix + ".partial")
    partial.write_text(
        json.dumps({"value": rows, "source_url": url, "pages": pages}, ensure_ascii=False),
        encoding="utf-8",
    )
    return partial.replace(destination)


def _get_page(
    session: requests.Session, url: str, timeout: float, retries: int, backoff: float
) -> dict[str, Any]:
    for attempt in range(retries + 1):
        last = attempt == retries
        try:
            response = session.get(url, timeout=timeout, headers={"Accept": "application/json"})
        except (requests.Timeout, requests.ConnectionError) as error:
            if last:
                raise ODataError(
                    f"{url}: no answer after {retries + 1} attempts ({type(error).__name__}). "
                    "What to do: check that the endpoint is up and reachable, then rerun."
                ) from None
        else:
            if response.status_code in RETRYABLE_STATUS and not last:
                pass  # the server's trouble: wait and try again
            elif response.status_code >= 400:
                hint = (
                    "the endpoint keeps failing; rerun later"
                    if response.status_code >= 500
                    else "check the table id and the $filter in sources.yml"
                )
                raise ODataError(
                    f"{url}: HTTP {response.status_code} {response.reason}. What to do: {hint}."
                )
            else:
                try:
                    return response.json()
                except ValueError:
                    raise ODataError(
                        f"{url}: the answer is not JSON (Content-Type "
                        f"{response.headers.get('Content-Type')!r}). What to do: check the URL "
                        "points at the OData TypedDataSet."
                    ) from None
        time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")
