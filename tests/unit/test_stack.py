"""The production stack as written down: docker-compose.yml has the services, health checks and
executor it promises, keeps every secret in the environment, and documents each variable in
.env.example; the Dockerfile builds a pinned, non-root image without secrets.
(.ci/validate-stack runs the real parsers: docker-compose and hadolint.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
SERVICES = yaml.safe_load(COMPOSE_TEXT)["services"]  # safe_load resolves the << merges
# What compose interpolates: everything but the comment lines.
COMPOSE_CODE = "\n".join(
    line for line in COMPOSE_TEXT.splitlines() if not line.lstrip().startswith("#")
)
AIRFLOW = sorted(name for name in SERVICES if name.startswith("airflow-"))
ONE_SHOT = {"airflow-init"}  # exits after migrating; everything else runs for good
LONG_RUNNING = sorted(set(SERVICES) - ONE_SHOT)

# ${VAR}, ${VAR:?message}, ${VAR:-default}; not $${VAR}, which compose leaves to the container.
VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(:?[?-])?")
REFERENCE = re.compile(r"(?<!\$)\$\{[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|KEY|TOKEN|_AUTH$")


def environment(service: str) -> dict[str, str]:
    env = SERVICES[service].get("environment") or {}
    if isinstance(env, list):  # the "NAME=value" list form
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def env_example() -> dict[str, tuple[str, str]]:
    """NAME -> (value, the comment line right above it) from .env.example."""
    documented, previous = {}, ""
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            documented[name.strip()] = (value.strip(), previous)
        previous = line
    return documented


def test_the_services_of_the_stack_are_there():
    required = {
        "postgres",
        "redis",
        "mailpit",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    }
    assert required <= set(SERVICES)


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_long_running_service_has_a_health_check(service):
    check = SERVICES[service].get("healthcheck") or {}
    assert check.get("test") and check["test"] != ["NONE"] and not check.get("disable")


@pytest.mark.parametrize("service", AIRFLOW)
def test_airflow_services_run_the_project_image_with_celery(service):
    build = SERVICES[service]["build"]
    assert build["context"] == "." and build.get("dockerfile", "Dockerfile") == "Dockerfile"
    env = environment(service)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg://")
    # psycopg's async driver: the one the lock file installs (Airflow would guess asyncpg).
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"].startswith(
        "postgresql+psycopg_async://"
    )
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    # Behind a login: configured users, not "everyone is admin".
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS"] == "False"
    assert "${" in env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]
    assert "mailpit" in env["AIRFLOW_CONN_SMTP_DEFAULT"]
    for name in (
        "WAREHOUSE_URL",
        "LANDING_DIR",
        "OUTBOX_DIR",
        "WORK_DIR",
        "PSEUDONYM_KEY",
        "SMTP_URL",
        "SUPPRESS_BELOW",
    ):
        assert env[f"DUURZAAM_{name}"]


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_literal_secret_in_the_environment(service):
    for name, value in environment(service).items():
        literal = REFERENCE.sub("", value)
        if SECRET_NAME.search(name) and not name.endswith("_FILE"):  # _FILE: a path
            assert literal.strip(":") == "", f"{service}: {name} holds a literal secret"
        # user:password@ in a URL: the password must come from the environment.
        assert not re.search(r"://[^/@\s]*:[^/@\s]+@", literal), f"{service}: {name}"


def test_secrets_are_required_not_defaulted():
    for name, operator in VARIABLE.findall(COMPOSE_CODE):
        if SECRET_NAME.search(name):
            assert operator == ":?", f"${{{name}}} must be written ${{{name}:?message}}"


def test_every_variable_is_documented_in_env_example():
    used = {name for name, _ in VARIABLE.findall(COMPOSE_CODE)}
    documented = env_example()
    assert used == set(documented), "docker-compose.yml and .env.example list other variables"
    for name, (value, comment) in documented.items():
        assert comment.startswith("#"), f"{name} has no comment line above it"
        if SECRET_NAME.search(name):
            assert value == "change-me", f"{name} must be a placeholder in .env.example"


def test_dependencies_wait_for_a_condition():
    for service, spec in SERVICES.items():
        for dependency, condition in (spec.get("depends_on") or {}).items():
            assert condition["condition"] in {
                "service_healthy",
                "service_completed_successfully",
            }, f"{service} -> {dependency}"


def test_volumes_are_named_except_read_only_config():
    declared = set(yaml.safe_load(COMPOSE_TEXT)["volumes"])
    for service, spec in SERVICES.items():
        for volume in spec.get("volumes", []):
            source, _target, *mode = volume.split(":")
            if source.startswith((".", "/")):
                assert mode == ["ro"], f"{service}: bind mount {source} must be read-only"
            else:
                assert source in declared, f"{service}: volume {source} is not declared"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip()
    ]


def test_dockerfile_basic_rules():
    instructions = dockerfile_instructions()
    for instruction, arguments in instructions:
        if instruction == "FROM":
            image = arguments.split()[0]
            assert ":" in image and not image.endswith(":latest"), f"FROM {image} is not pinned"
        assert not (instruction == "ADD" and "://" in arguments), "ADD of a URL"
        if instruction in {"ENV", "ARG"}:
            names = re.findall(r"(\w+)=", arguments) or arguments.split()[:1]
            assert not [n for n in names if SECRET_NAME.search(n)], f"secret in {instruction}"
    users = [
        arguments.split(":")[0] for instruction, arguments in instructions if instruction == "USER"
    ]
    assert users and users[-1] not in {"root", "0"}, "the image must end as a non-root user"
