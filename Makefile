# The two commands: `make demo` runs the quarterly pipeline on the sample data,
# `make test` runs the whole test suite. Both install what they need first.
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --frozen

.PHONY: install demo test lint sample bench-ingest bench-dbt clean

install: .venv/.installed

# uv itself, when the machine has none: a private virtualenv holding the pinned uv.
.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	@touch $@

demo: install
	$(RUN) duurzaam demo

test: install
	$(RUN) ruff check plugins dags tests
	$(RUN) pytest

lint: install
	$(RUN) ruff check plugins dags tests
	$(RUN) ruff format --check plugins dags tests

# Regenerate the bundled sample landing zone (deterministic).
SAMPLE_QUARTERS ?= 2023Q1:2024Q2
SAMPLE_SCALE ?= 0.15

sample: install
	rm -rf include/sample_data/placements
	$(RUN) duurzaam generate --out include/sample_data --quarters $(SAMPLE_QUARTERS) --seed 2026 --scale $(SAMPLE_SCALE)

# Full ingest of a 1,000,000-row extract against a bare PostgreSQL COPY of the same file.
bench-ingest: install
	$(RUN) python -m duurzaam.bench.ingest

# dbt build on national history (2016Q1-2025Q4) on DuckDB and PostgreSQL.
bench-dbt: install
	$(RUN) python -m duurzaam.bench.dbt_build

clean:
	rm -rf warehouse outbox work .airflow dbt_project/target dbt_project/logs
