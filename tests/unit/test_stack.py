"""The production stack as written down: docker-compose.yml has the services, health checks and
executor it promises, keeps every secret in the environment, and documents each variable in
.env.example; the dashboard is served by a pinned nginx image with the project's read-only
configuration, whose security headers are those of `duurzaam dashboard serve`; the Dockerfile
builds a pinned, non-root image without secrets. (.ci/validate-stack runs the real parsers:
docker-compose and hadolint; tests/integration/test_dashboard_nginx.py runs the nginx
configuration.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from duurzaam.dashboard.server import REQUEST_TIMEOUT, SECURITY_HEADERS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
SERVICES = yaml.safe_load(COMPOSE_TEXT)["services"]  # safe_load resolves the << merges
# What compose interpolates: everything but the comment lines.
COMPOSE_CODE = "\n".join(
    line for line in COMPOSE_TEXT.splitlines() if not line.lstrip().startswith("#")
)
AIRFLOW = sorted(name for name in SERVICES if name.startswith("airflow-"))
# exits after migrating; the command line's service runs one command; the rest run for good
ONE_SHOT = {"airflow-init", "duurzaam-cli"}
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
    for name in ("LANDING_DIR", "OUTBOX_DIR", "WORK_DIR", "SUPPRESS_BELOW"):
        assert env[f"DUURZAAM_{name}"]


# Inside Airflow what is secret has one source, Airflow's own (connections, a Variable), which a
# secrets backend can hold; the environment's versions are for the command line alone.
FOR_THE_COMMAND_LINE = ("DUURZAAM_WAREHOUSE_URL", "DUURZAAM_SMTP_URL", "DUURZAAM_PSEUDONYM_KEY")


@pytest.mark.parametrize("service", AIRFLOW)
def test_airflow_reads_warehouse_mail_and_key_from_airflow_alone(service):
    env = environment(service)
    assert not [name for name in FOR_THE_COMMAND_LINE if name in env]
    assert "@postgres:5432/warehouse" in env["AIRFLOW_CONN_DUURZAAM_WAREHOUSE"]
    assert "@mailpit:1025" in env["AIRFLOW_CONN_SMTP_DEFAULT"]
    # the key only where tasks run
    has_key = "AIRFLOW_VAR_DUURZAAM_PSEUDONYM_KEY" in env
    assert has_key == (service == "airflow-worker"), service


def test_the_command_line_service_has_its_settings_and_is_not_started_by_up():
    cli = SERVICES["duurzaam-cli"]
    assert cli["profiles"] == ["cli"]
    env = environment("duurzaam-cli")
    assert set(FOR_THE_COMMAND_LINE) <= set(env)
    assert not [name for name in env if name.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))]


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


NGINX_CONF = ROOT / "include" / "nginx" / "dashboard.conf"


def test_the_dashboard_is_served_by_a_pinned_nginx_with_its_read_only_config():
    dashboard = SERVICES["dashboard"]
    image, _, tag = dashboard["image"].partition(":")
    assert image == "nginx" and re.fullmatch(r"\d+\.\d+\.\d+(-alpine)?", tag), "pin a version"
    assert "build" not in dashboard and "command" not in dashboard  # the image's own nginx
    assert dashboard["ports"] == ["127.0.0.1:8050:8050"]
    assert dashboard["read_only"] is True and "/var/cache/nginx" in dashboard["tmpfs"]
    assert set(dashboard["volumes"]) == {
        "dashboard:/srv/dashboard:ro",  # the builds, as the report DAG writes them
        "./include/nginx/dashboard.conf:/etc/nginx/conf.d/default.conf:ro",
    }
    check = dashboard["healthcheck"]["test"]
    assert check[0] == "CMD" and check[-1] == "http://127.0.0.1:8050/healthz"
    conf = NGINX_CONF.read_text()
    assert re.search(r"^\s*listen 8050;", conf, re.M)
    assert re.search(r"^\s*root /srv/dashboard/current;", conf, re.M)


def nginx_headers() -> dict[str, str]:
    """The headers dashboard.conf adds to every answer (`always`: errors too)."""
    found = re.findall(r'^\s*add_header ([\w-]+) "([^"]*)" always;', NGINX_CONF.read_text(), re.M)
    return dict(found)


def test_nginx_sends_the_security_headers_of_the_python_server():
    """One policy for both servers of the pages: change one, change the other."""
    assert nginx_headers() == {**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    policy = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy


def test_nginx_lists_no_folder_follows_no_link_out_and_times_out_slow_clients():
    conf = NGINX_CONF.read_text()
    assert re.search(r"^\s*autoindex off;", conf, re.M)
    assert re.search(r"^\s*disable_symlinks on from=\$document_root;", conf, re.M)
    assert re.search(r"^\s*server_tokens off;", conf, re.M)
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert re.search(rf"^\s*{timeout} {REQUEST_TIMEOUT:.0f}s;", conf, re.M), timeout


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
