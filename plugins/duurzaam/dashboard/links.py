"""Where each page of the dashboard is, under the site root and at its public address."""

from __future__ import annotations

NATIONAL = "NL"
NATIONAL_NAME = "Nederland"


def page_path(code: str) -> str:
    """A region's page under the site root; the country's page is the start page."""
    return "index.html" if code == NATIONAL else f"regio/{code}.html"


def page_url(base_url: str, code: str) -> str | None:
    """The public address of a region's page (the report mail links to it); None when no
    dashboard address is configured."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/{page_path(code)}"
