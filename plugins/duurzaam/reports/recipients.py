"""Who receives a region's report: include/config/recipients.yml, or the file that
DUURZAAM_RECIPIENTS_FILE names."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from duurzaam.settings import CONFIG_DIR

RECIPIENTS_FILE = CONFIG_DIR / "recipients.yml"


def load_recipients(path: Path | None = None) -> dict[str, list[str]]:
    """Region code -> its addresses. A region that is absent or has an empty list has none."""
    path = path or Path(os.environ.get("DUURZAAM_RECIPIENTS_FILE", RECIPIENTS_FILE))
    config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    regions = config.get("regions") or {}
    return {
        code: [str(address) for address in (addresses or [])] for code, addresses in regions.items()
    }
