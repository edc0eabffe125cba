# Two commands on a fresh machine: `make demo`, `make test`. Needs only Python 3.11 and the package registry.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export UV_LINK_MODE := copy
# Installed packages ship compiled: a Python told not to write bytecode (PYTHONDONTWRITEBYTECODE, set on some
# machines and containers) otherwise recompiles every module it imports, in every process: each Dagster run
# worker, dbt invocation and cleaning worker. Importing GX took 7 s that way, 3 s compiled; dbt 2.9 s, 1.7 s.
export UV_COMPILE_BYTECODE := 1

.PHONY: setup demo dev test lint bench

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# The locked environment: uv.lock pins every package, so every machine installs the same versions.
$(VENV)/.synced: uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

setup: $(VENV)/.synced

demo: setup
	$(VENV)/bin/order-pipeline demo

dev: setup
	$(VENV)/bin/order-pipeline dev

# Two workers on this 2-core machine: the end-to-end modules (a Dagster run with two dbt builds each) overlap.
# --dist loadfile keeps each module's tests, and its module-scoped pipeline fixture, in one worker.
TEST_WORKERS ?= 2
test: setup
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(VENV)/bin/ruff check order_pipeline order_pipeline_tests bench

bench: setup
	$(VENV)/bin/python bench/pull.py
