# Two commands do everything on a machine that has only python3 and make:
#   make run   - install what is needed, then serve the whole service (embedded default)
#   make test  - install what is needed, then run lint and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: run test lint format install lock test-faults bench bench-campaigns audit clean

run: $(STAMP)
	$(BIN)/casework dev

test: $(STAMP) lint
	$(BIN)/pytest --ignore=tests/faults $(PYTEST_ARGS)

# Faults injected into real processes (worker killed, Temporal and the database down, ...).
test-faults: $(STAMP)
	$(BIN)/pytest tests/faults -m faults -s $(PYTEST_ARGS)

# Not part of `make test`: throughput, latency and footprint against the bare SDK
# (docs/performance.md). BENCH_ARGS=--quick for a smoke run (1k/10k cases, a few
# minutes); BENCH_DATABASE_URL=postgresql+psycopg://... (an empty database) adds PostgreSQL.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.campaigns

# The register and a 50,000-household campaign alone (bench/campaigns.py).
bench-campaigns: $(STAMP)
	$(BIN)/python -m bench.campaigns $(BENCH_CAMPAIGN_ARGS)

# Known vulnerabilities in the locked packages (pip-audit). It asks PyPI's vulnerability
# database online, so it is not part of `make test`; .ci/run runs it. Exit 2: could not
# audit (the database is out of reach), which proves nothing either way.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Regenerate the hash-pinned lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 \
		--no-header --no-annotate -o requirements.lock

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
