# The project's image: Airflow 3 with the duurzaam package, installed from the lock file.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    AIRFLOW_HOME=/opt/airflow \
    DUURZAAM_HOME=/opt/duurzaam

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --create-home --uid 50000 airflow

WORKDIR /opt/duurzaam
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev \
    && mkdir -p "$AIRFLOW_HOME" \
    && chown -R airflow: "$AIRFLOW_HOME" /opt/duurzaam

USER airflow
