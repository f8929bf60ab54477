# The project's image: Airflow 3 with the duurzaam package, installed from the lock file.
# One image for every Airflow role (api-server, scheduler, dag-processor, triggerer, worker);
# docker-compose.yml sets the command and the health check of each.
FROM python:3.11-slim-bookworm

# curl: the api-server's health check. Pango: what WeasyPrint renders PDF reports with;
# HarfBuzz's subset library: how it embeds only the glyphs used (fontTools is much slower).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    DUURZAAM_HOME=/opt/duurzaam

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --create-home --uid 50000 airflow

WORKDIR /opt/duurzaam
# The dependencies first, in a layer of their own that a code change does not invalidate.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# Then the project, and the dbt manifest the transform DAG is rendered from (as `make
# manifest` does locally; .dockerignore keeps the host's copy out): parsing the DAG then
# never runs dbt.
RUN uv sync --frozen --no-dev \
    && DUURZAAM_DUCKDB_PATH=/tmp/parse.duckdb dbt parse --quiet --no-partial-parse \
        --project-dir dbt_project --profiles-dir dbt_project --target duckdb \
        --target-path target/airflow

# The code stays root-owned (read-only to the tasks). Writable for the airflow user: Airflow's
# home with its logs and the login file, dbt's target and logs, and the pipeline's data
# folders; named volumes mounted there start with this ownership.
RUN mkdir -p "$AIRFLOW_HOME/logs" "$AIRFLOW_HOME/auth" dbt_project/target dbt_project/logs \
        landing outbox work dashboard \
    && chown -R airflow: "$AIRFLOW_HOME" dbt_project/target dbt_project/logs \
        landing outbox work dashboard

# The airflow user, by number: a runtime can then tell it is not root.
USER 50000
