"""No secret in the repository: every file of the project (the tree walked as git would list
it, with or without git, and what git tracks) is scanned for private keys, cloud access keys,
literal passwords, high-entropy tokens under secret-like names, and .env files. The scanner
itself is tested on planted secrets and on look-alikes that are not."""

from __future__ import annotations

import fnmatch
import math
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Files where only a quoted value is a literal: unquoted, `password = settings.password` is code.
CODE_SUFFIXES = {".py", ".sql", ".js", ".ts"}

PEM_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
AWS_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
# NAME = value / NAME: value / "NAME": "value"; the value quoted, or bare up to a separator.
# Not ${NAME:?message} or $NAME: a reference to a variable, not an assignment.
ASSIGNMENT = (
    r"""(?<![\w{{$])(?P<name>\w*(?:{words})\w*)["']?\s*[:=]\s*[bru]?"""
    r"""(?:(?P<q>["'])(?P<quoted>[^"'\n]+)(?P=q)|(?P<bare>[^\s"',;#(){{}}\[\]]+)(?=[\s,;]|$))"""
)
PASSWORD = re.compile(ASSIGNMENT.format(words="password|passwd|pwd"), re.IGNORECASE)
SECRET_NAMED = re.compile(ASSIGNMENT.format(words="key|secret|token"), re.IGNORECASE)
URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@]*:(?P<password>[^\s/@]+)@")
# Values that stand for a secret without being one: references, templates, documentation.
PLACEHOLDER = re.compile(
    r"^(?:\$|\{\{|<|\.\.\.|\*+$|x+$|change[-_]?me|placeholder|example|(?:password|secret)$)",
    re.IGNORECASE,
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character: random tokens score high, words and paths low."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    return (
        len(value) >= 20
        and entropy(value) >= 3.5
        and bool(re.search(r"\d", value))
        and bool(re.search(r"[A-Za-z]", value))
    )


def scan_name(path: str) -> list[str]:
    name = Path(path).name
    if (
        name == ".env" or name.startswith(".env.") or name.endswith(".env")
    ) and name != ".env.example":
        return [f"{path}: an environment file (only .env.example belongs in the repository)"]
    return []


def scan_line(line: str, code: bool) -> list[str]:
    """What looks like a secret in one line (in code, only quoted values count)."""
    findings = []
    lowered = line.lower()  # cheap substring tests first: the sample extracts are large
    if PEM_PRIVATE_KEY.search(line):
        findings.append("private key")
    if AWS_ACCESS_KEY_ID.search(line):
        findings.append("AWS access key id")
    if "pass" in lowered or "pwd" in lowered:
        for match in PASSWORD.finditer(line):
            value = match["quoted"] or (None if code else match["bare"])
            is_path = re.search(r"_(?:file|path|dir)$", match["name"], re.IGNORECASE)
            if value and not PLACEHOLDER.match(value) and not is_path:
                findings.append(f"literal password in {match['name']}")
    if "://" in line:
        findings.extend(
            "password in a URL"
            for match in URL_PASSWORD.finditer(line)
            if not PLACEHOLDER.match(match["password"])
        )
    if "key" in lowered or "secret" in lowered or "token" in lowered:
        for match in SECRET_NAMED.finditer(line):
            value = match["quoted"] or (None if code else match["bare"])
            if value and looks_random(value):
                findings.append(f"high-entropy value in {match['name']}")
    return findings


def scan_text(path: str, text: str) -> list[str]:
    """The findings in one file's text, as 'path:line: what'."""
    code = Path(path).suffix in CODE_SUFFIXES
    return [
        f"{path}:{number}: {finding}"
        for number, line in enumerate(text.splitlines(), 1)
        for finding in scan_line(line, code)
    ]


# Findings that are not secrets, "path: what" (any line) -> why not. The fixtures' keys
# ("test-only-pseudonym-key", "benchmark-only-key") need no entry: named as such, they look
# nothing like a random token.
ALLOWED = {
    "tests/integration/test_reports.py: password in a URL": (
        "logins of the test's own throwaway SMTP server on 127.0.0.1, and URLs only parsed"
    ),
    "tests/integration/test_cli_errors.py: password in a URL": (
        "a made-up login for a port where no server listens: the test proves the password "
        "never reaches the error message"
    ),
}


def ignore_rules(gitignore: Path) -> list[tuple[bool, str, bool]]:
    """The patterns of a .gitignore as (negated, pattern, directories only), in order."""
    rules = []
    for line in gitignore.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.removeprefix("!")
        rules.append((negated, pattern.rstrip("/"), pattern.endswith("/")))
    return rules


def ignored(path: str, is_dir: bool, rules: list[tuple[bool, str, bool]]) -> bool:
    """Whether git ignores the path (relative, with '/'), as its .gitignore rules say: a
    pattern with a slash matches from the root, one without matches any name; the last
    matching rule decides."""
    decision = False
    for negated, pattern, directories_only in rules:
        if directories_only and not is_dir:
            continue
        anchored = "/" in pattern
        subject = path if anchored else path.rsplit("/", 1)[-1]
        if fnmatch.fnmatchcase(subject, pattern.lstrip("/")):
            decision = not negated
    return decision


def walked_files(root: Path = ROOT) -> list[str]:
    """Every file under root that git would track or add, found without git: the folders and
    files its .gitignore ignores (the environment, caches, build output, a local .env) and
    .git itself are left out."""
    gitignore = root / ".gitignore"
    rules = ignore_rules(gitignore) if gitignore.is_file() else []
    found = []
    for folder, directories, files in os.walk(root):
        relative = Path(folder).relative_to(root).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        directories[:] = [
            name
            for name in directories
            if name != ".git" and not ignored(prefix + name, True, rules)
        ]
        found += [prefix + name for name in files if not ignored(prefix + name, False, rules)]
    return found


def git_files(root: Path = ROOT) -> list[str]:
    """What git tracks or would add, [] outside a git work tree. A file committed although
    ignored (a .env added by force) is listed here and not by the walk."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [path for path in listed.split("\0") if path]


def repository_files(root: Path = ROOT) -> list[str]:
    """The files to scan: the walk of the tree, with or without git, and what git tracks."""
    return sorted(set(walked_files(root)) | set(git_files(root)))


def test_the_repository_holds_no_secret():
    files = repository_files()
    # the scan reads the project, with or without git (an exported tree, the image)
    assert {"pyproject.toml", "tests/unit/test_no_secrets.py", ".env.example"} <= set(files)
    findings = []
    for path in files:
        findings += scan_name(path)
        try:
            data = (ROOT / path).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            continue  # deleted in the work tree, or a submodule
        if b"\0" not in data:  # binary files (XLSX) hold no text to scan
            # Replacing undecodable bytes keeps Windows-1252 extracts scannable.
            findings += scan_text(path, data.decode("utf-8", errors="replace"))
    unexplained = [f for f in findings if re.sub(r":\d+:", ":", f, count=1) not in ALLOWED]
    assert not unexplained, "\n".join(unexplained)


def test_without_git_the_tree_is_walked_as_git_would_list_it(tmp_path):
    """A tree with no .git: the walk finds the project's files, also new and nested ones,
    and leaves out what .gitignore ignores."""
    shutil.copyfile(ROOT / ".gitignore", tmp_path / ".gitignore")
    kept = [
        "pyproject.toml",
        ".env.example",
        "plugins/duurzaam/settings.py",
        "include/config/new.yml",
        "tests/unit/logs.py",
    ]
    left_out = [
        ".venv/lib/site.py",
        "plugins/duurzaam/__pycache__/settings.cpython-311.pyc",
        "dbt_project/target/manifest.json",
        "dbt_project/logs/dbt.log",
        "warehouse/duurzaam.duckdb",
        "outbox/2024Q4/AM01.eml",
        "work/pulled/placements/2024Q4.csv",
        ".airflow/airflow.db",
        "dashboard/current/index.html",
        "logs/scheduler.log",
        ".env",
        ".env.production",
        ".git/config",
    ]
    for path in kept + left_out:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    assert git_files(tmp_path) == []  # not a work tree
    assert sorted(repository_files(tmp_path)) == sorted([".gitignore", *kept])


def test_a_secret_in_a_tree_without_git_is_found(tmp_path):
    shutil.copyfile(ROOT / ".gitignore", tmp_path / ".gitignore")
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "settings.yml").write_text(
        "database:\n  pass" + "word: Tr0ub4dor-and-3\n"
    )
    findings = [
        finding
        for path in repository_files(tmp_path)
        for finding in scan_text(path, (tmp_path / path).read_text())
    ]
    assert findings == ["deploy/settings.yml:2: literal password in password"]


# Planted secrets are assembled at run time, so that this file itself stays clean.
PLANTED = [
    ("deploy/id_rsa", "-----BEGIN RSA PRIVATE " + "KEY-----\nMIIEpAIBAAKCAQEA..."),
    ("deploy/key.pem", "-----BEGIN OPENSSH PRIVATE " + "KEY-----"),
    ("config/aws.ini", "aws_access_key_id = " + "AKIA" + "Q3EGRLJ5X7TMBN2W"),
    ("config/app.yml", "database:\n  pass" + "word: Tr0ub4dor-and-3"),
    ("compose.yml", "      POSTGRES_PASS" + "WORD: airflow"),
    ("settings.py", "DB_PASS" + 'WORD = "Tr0ub4dor-and-3"'),
    ("connect.py", "connect(host='db', pass" + "word='s3cret-value')"),
    ("login.py", 'login(user="ops", pass' + 'word="correct horse battery staple")'),
    ("backup.sh", "PGPASS" + "WORD=Tr0ub4dor-and-3 pg_dump warehouse"),
    ("app.env.example.txt", "SMTP_PASSWORD" + "=hunter2hunter2"),
    ("README.md", "postgresql://report:" + "Tr0ub4dor@db:5432/warehouse"),
    ("settings.py", 'API_TOKEN = "' + "ghp8Xk2LmQ9vR4tZ7wN1pB6yC3dF5hJ0sA" + '"'),
    ("config.toml", "secret_key = " + "'9f8e7d6c5b4a39281716f5e4d3c2b1a0'"),
    (".env", ""),
    ("deploy/production.env", ""),
]


@pytest.mark.parametrize(("path", "text"), PLANTED, ids=[p for p, _ in PLANTED])
def test_the_scanner_finds_planted_secrets(path, text):
    assert scan_name(path) + scan_text(path, text)


LOOK_ALIKES = [
    (".env.example", "POSTGRES_PASSWORD=change-me\nAIRFLOW_JWT_SECRET=change-me"),
    ("docker-compose.yml", "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"),
    ("compose.yml", "PASSWORDS_FILE: /opt/airflow/auth/passwords.json"),
    ("profiles.yml", "password: \"{{ env_var('DUURZAAM_PG_PASSWORD', '') }}\""),
    ("warehouse.py", 'parameters["password"] = parsed.password\nif parsed.password:'),
    ("transform.py", 'DUURZAAM_PG_PASSWORD=str(parameters.get("password", "")),'),
    ("README.md", "`postgresql://user:password@host:5432/db` for PostgreSQL"),
    ("conftest.py", 'TEST_KEY = b"test-only-pseudonym-key"'),
    ("uv.lock", 'hash = "sha256:4d0c2e4c2569fddc8774072690f0d23abf5643d69a9bb64277f5d0c8fabd49bd"'),
    ("models.yml", "unique_key: [region_code, quarter]"),
    ("backup.sh", 'PGPASSWORD="$(cat /run/secrets/pg)" pg_dump warehouse'),
]


@pytest.mark.parametrize(("path", "text"), LOOK_ALIKES, ids=[p for p, _ in LOOK_ALIKES])
def test_the_scanner_passes_what_is_not_a_secret(path, text):
    assert scan_name(path) + scan_text(path, text) == []


def test_the_settings_never_show_their_secrets():
    """repr() of the settings (in a log line, a traceback's locals, an error message) hides
    the passwords in the warehouse and SMTP URLs and the pseudonym key, and shows the rest."""
    from dataclasses import replace

    from duurzaam.settings import load_settings

    password, key = "pw-" + "4f1c9e2d7b", "key-" + "8a3e5c1f90"
    settings = replace(
        load_settings(),
        warehouse_url="postgresql://loader:" + password + "@db.example:5432/warehouse",
        smtp_url="smtps://reports:" + password + "@mail.example:465",
        pseudonym_key=key.encode(),
    )
    shown = repr(settings)
    assert password not in shown and key not in shown
    assert "postgresql://loader:***@db.example:5432/warehouse" in shown
    assert "smtps://reports:***@mail.example:465" in shown
    assert "pseudonym_key='***'" in shown and "warehouse_conn_id='duurzaam_warehouse'" in shown
    assert str(settings) == shown  # str() of a dataclass is its repr()
    bare = repr(replace(settings, pseudonym_key=None, smtp_url=None))
    assert "pseudonym_key=None" in bare and "smtp_url=None" in bare
