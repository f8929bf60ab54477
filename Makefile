# The two commands: `make demo` runs the quarterly pipeline on the sample data,
# `make test` runs the whole test suite. Both install what they need first.
UV_VERSION := 0.13.8
UV := $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
RUN := $(UV) run --frozen

.PHONY: install manifest docs demo dashboard test test-fast browser-tools fuzz lint validate-stack sample bench-ingest bench-backfill bench-dbt bench-reports bench-transform bench-dashboard clean

# The dbt manifest the transform DAG is rendered from (duurzaam.orchestration.dbt_tasks), so that parsing
# the DAG never runs dbt. Rebuilt whenever a file of the dbt project changes.
DBT_MANIFEST := dbt_project/target/airflow/manifest.json
DBT_FILES := $(shell find dbt_project -path dbt_project/target -prune -o -path dbt_project/logs -prune \
                     -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -print)

install: .venv/.installed $(DBT_MANIFEST)

manifest: $(DBT_MANIFEST)

$(DBT_MANIFEST): .venv/.installed $(DBT_FILES)
	DUURZAAM_DUCKDB_PATH=unused.duckdb $(RUN) dbt parse --quiet --no-partial-parse \
	  --project-dir dbt_project --profiles-dir dbt_project --target duckdb \
	  --target-path target/airflow

# uv itself, when the machine has none: a private virtualenv holding the pinned uv.
.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --compile-bytecode
	@touch $@

# The dbt documentation of the warehouse (models, columns, tests, lineage, exposures) as one
# self-contained page: open dbt_project/target/static_index.html in a browser.
docs: install
	$(RUN) duurzaam docs

demo: install
	$(RUN) duurzaam demo

# The dashboard of the warehouse's published figures, rebuilt, then served on
# http://localhost:8050/ until Ctrl-C (the report DAG rebuilds it after every transform).
dashboard: install
	$(RUN) duurzaam dashboard build
	$(RUN) duurzaam dashboard serve

# Everything CI runs: the checks, then every test (unit, integration against the real
# PostgreSQL/SMTP/HTTP servers, end-to-end Airflow runs). Three test processes on two cores:
# the Celery run holds one for most of the suite while it mostly waits for its services; a
# fourth made the whole run slower (30:11 against 27:58, docs/benchmarks.md).
test: lint browser-tools
	$(RUN) pytest -n 3 --durations=15

# The dashboard's browser tests need Debian's Chromium and its driver (Selenium downloads no
# browser) and axe-core from npm (the accessibility rules, pinned in tests/browser/).
AXE := tests/browser/node_modules/axe-core/axe.min.js
browser-tools: $(AXE)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { echo \
	  "make test: the dashboard tests need Chromium: apt-get install chromium chromium-driver" \
	  "(Debian; .ci/run installs them)" >&2; exit 1; }
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "make test: the dashboard" \
	  "tests need nginx: apt-get install nginx-light (.ci/run installs it)" >&2; exit 1; }

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || { echo "make test: the dashboard tests need npm" \
	  "(Node.js 20) for axe-core: apt-get install nodejs npm" >&2; exit 1; }
	npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --silent
	@touch $@

# The unit tests and the fast integration tests on the embedded warehouse (DuckDB), for the
# edit-test loop; `make test` adds the slow ones and the PostgreSQL runs.
test-fast: install
	$(RUN) pytest -n 2 -m "not slow and not postgres"

# A long coverage-guided fuzzing run of the five readers (Atheris; FUZZ_RUNS inputs each,
# 100,000 unless set): an input that ends in anything but a read or the reader's rejection is
# kept in tests/fuzz_corpus/ (docs/sources.md). `make test` runs a short one.
fuzz: install
	$(RUN) python -m tests.fuzz_readers

# The checks, also run by pre-commit (.pre-commit-config.yaml): ruff (lint and format), the
# type checker, SQL lint of the dbt project.
lint: install
	$(RUN) ruff check plugins dags tests
	$(RUN) ruff format --check plugins dags tests
	$(RUN) pre-commit validate-config .pre-commit-config.yaml
	UV=$(UV) bash .ci/typecheck
	UV=$(UV) bash .ci/lint-sql

# docker-compose.yml (docker-compose's parser) and the Dockerfile (hadolint), no engine needed.
validate-stack: install
	UV=$(UV) bash .ci/validate-stack

# Regenerate the bundled sample landing zone and its participating employers (deterministic).
SAMPLE_QUARTERS ?= 2023Q1:2024Q2
SAMPLE_SCALE ?= 0.15

sample: install
	rm -rf include/sample_data/placements
	$(RUN) duurzaam generate --out include/sample_data --quarters $(SAMPLE_QUARTERS) --seed 2026 --scale $(SAMPLE_SCALE)
	# its participating employers are the configuration the demo reads
	mv include/sample_data/employers.yml include/config/employers.yml

# Full ingest of a 1,000,000-row extract against a bare PostgreSQL COPY of the same file.
bench-ingest: install
	$(RUN) python -m duurzaam.bench.ingest

# A national backfill (2016Q1-2025Q4, 200 extracts) loaded into DuckDB and PostgreSQL.
bench-backfill: install
	$(RUN) python -m duurzaam.bench.backfill

# dbt build on national history (2016Q1-2025Q4) on DuckDB and PostgreSQL.
bench-dbt: install
	$(RUN) python -m duurzaam.bench.dbt_build

# The transform DAG in Airflow (a task per model) against one dbt build, on the sample quarters.
bench-transform: install
	$(RUN) python -m duurzaam.bench.transform

# Render and send the 35 regional reports of a quarter to a local SMTP server.
bench-reports: install
	$(RUN) python -m duurzaam.bench.reports

# Load time of a region's dashboard page in headless Chromium, to the last chart drawn.
bench-dashboard: install
	$(RUN) python -m duurzaam.bench.dashboard

clean:
	rm -rf warehouse outbox work dashboard .airflow dbt_project/target dbt_project/logs
