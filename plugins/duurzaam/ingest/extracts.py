"""Where each quarter's extract is, and its copy in the work area: `pull` copies (or downloads)
it to <work>/pulled/<source>/, readable by the pipeline's user only, for validate_and_load
(duurzaam.ingest.steps), which removes the copy once the file is loaded or rejected."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from duurzaam.errors import DuurzaamError, InputRejected
from duurzaam.ingest.sources import get_fetched_source, get_source
from duurzaam.quarters import Quarter
from duurzaam.settings import Settings, source_config


@dataclass(frozen=True)
class Extract:
    source: str
    quarter: str
    origin: str  # where the file was found, for messages
    path: str  # our copy of it
    sha256: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Extract:
        return cls(**data)


def source_location(source: str, quarter: str, settings: Settings) -> str:
    """Where the quarter's extract of `source` is: a path or an http(s) URL, from the
    sources configuration (include/config/sources.yml)."""
    config = source_config(settings)
    if source not in config or "location" not in config[source]:
        raise DuurzaamError(f"{settings.sources_config}: no location for source {source!r}")
    parsed = Quarter.parse(quarter)
    location = config[source]["location"].format(quarter=parsed, cbs_period=parsed.cbs)
    if _is_url(location):
        return location
    path = Path(location)
    return str(path if path.is_absolute() else settings.landing_dir / path)


def extract_available(source: str, quarter: str, settings: Settings) -> bool:
    """Whether the quarter's extract has been delivered: the file exists, or the OData
    endpoint returns rows for the quarter (it answers with an empty set until then)."""
    location = source_location(source, quarter, settings)
    if not _is_url(location):
        return Path(location).is_file()
    with tempfile.TemporaryDirectory() as folder:
        fetched = get_fetched_source(source).fetch(location, quarter, Path(folder) / "probe.json")
        return bool(json.loads(fetched.read_text(encoding="utf-8")).get("value"))


def pull(source: str, quarter: str, settings: Settings, file: Path | None = None) -> Extract:
    """Copy (or download) the quarter's extract into the work area, so validation and load
    see the same bytes whatever happens to the landing zone. The copy may hold BSNs: it is
    readable by this user only (0600, in 0700 folders) and validate_and_load removes it once
    the file is loaded or rejected. A symbolic link is refused, as is anything else that is
    not a regular file."""
    get_source(source)  # an unknown name fails before anything runs
    quarter = str(Quarter.parse(quarter))
    origin = str(file) if file else source_location(source, quarter, settings)
    folder = _owner_only_folder(settings.work_dir / "pulled" / source)
    for earlier in folder.glob(f"{quarter}-*"):  # left by an attempt whose load failed
        earlier.unlink()
    if _is_url(origin):
        downloaded = get_fetched_source(source).fetch(
            origin, quarter, folder / f"{quarter}-download.json"
        )
        downloaded.chmod(0o600)  # written in a folder no one else can enter
    else:
        downloaded = _copy_of_delivery(
            Path(origin), folder / f"{quarter}-copy{Path(origin).suffix}", source, quarter, settings
        )
    sha256 = _sha256(downloaded)
    copy = downloaded.rename(folder / f"{quarter}-{sha256[:12]}{downloaded.suffix}")
    return Extract(source, quarter, origin, str(copy), sha256)


def _owner_only_folder(folder: Path) -> Path:
    """The work area's folder of pulled copies and its folder for the source, 0700 (also when
    an earlier version made them readable for others)."""
    folder.parent.parent.mkdir(parents=True, exist_ok=True)
    for level in (folder.parent, folder):
        level.mkdir(mode=0o700, exist_ok=True)
        level.chmod(0o700)
    return folder


# What a delivery that is not a regular file is, for the message.
_FILE_KINDS = (
    (
        stat.S_ISLNK,
        "a symbolic link",
        "deliver the file itself, not a link to it (a link "
        "could point at any file this process may read)",
    ),
    (stat.S_ISDIR, "a directory", "give the path of the extract file, not of its folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)", "deliver the extract as a regular file"),
    (stat.S_ISSOCK, "a socket", "deliver the extract as a regular file"),
)


def _copy_of_delivery(
    origin: Path, destination: Path, source: str, quarter: str, settings: Settings
) -> Path:
    """The delivered file copied to destination (0600). Its type is checked with lstat before
    it is opened (opening a named pipe would wait for a writer), and again on the opened file
    (O_NOFOLLOW: a link put in its place meanwhile is not followed)."""
    try:
        mode = os.lstat(origin).st_mode
    except FileNotFoundError:
        raise InputRejected(
            str(origin),
            f"no {source} extract for {quarter} was found",
            f"put the file there, or point DUURZAAM_LANDING_DIR (or {source}.location in "
            f"{settings.sources_config.name}) at where it is",
        ) from None
    _require_regular_file(origin, mode)
    reading = os.open(origin, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with open(reading, "rb") as delivered:
        _require_regular_file(origin, os.fstat(reading).st_mode)
        writing = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with open(writing, "wb") as copy:
                shutil.copyfileobj(delivered, copy, 1 << 20)
        except OSError as error:  # e.g. a full disk: named with the copy (a write names none)
            raise OSError(error.errno, error.strerror, str(destination)) from error
    return destination


def _require_regular_file(origin: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind, hint = next(
        ((kind, hint) for test, kind, hint in _FILE_KINDS if test(mode)),
        ("a device", "deliver the extract as a regular file"),
    )
    raise InputRejected(str(origin), f"this is {kind}, not a file", hint, rule="regular_file")


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
