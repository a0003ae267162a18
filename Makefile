# Two commands do everything on a machine that has only python3 and make:
#   make run   - install what is needed, then serve the whole service (embedded default)
#   make test  - install what is needed, then run lint and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
STAMP := $(VENV)/.installed

.PHONY: run test lint format install lock test-faults bench bench-campaigns audit clean \
	catalogs messages test-browser screenshots bytecode

run: $(STAMP) catalogs bytecode
	$(BIN)/casework dev

# Three processes: most tests wait on Temporal, a database or a browser, not on a core
# (a test file stays in one process, with its fixtures). PYTEST_WORKERS=0: one process.
PYTEST_WORKERS ?= 3

test: $(STAMP) catalogs bytecode lint
	$(BIN)/pytest --ignore=tests/faults -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Our modules compiled to bytecode caches (__pycache__, ignored by git), whatever
# PYTHONDONTWRITEBYTECODE says: with it set and no caches, each of the hundreds of
# processes a test run starts (the CLI, workers, APIs) compiled every module it imported
# again, about 2 s of a core each. The installed packages are compiled at install
# (--compile-bytecode); this step only compiles what changed since it last ran.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 api activities bench casework migrations services \
		tests workflows

# The console's language catalogs: the .po files are the source (in git), the compiled
# .mo files are built from them here (not in git: compiling is quick and deterministic).
LOCALE_DIR := api/console/locale
CATALOGS := $(foreach lang,zh_CN en,$(LOCALE_DIR)/$(lang)/LC_MESSAGES/messages.mo)

catalogs: $(CATALOGS)

$(LOCALE_DIR)/%/LC_MESSAGES/messages.mo: $(LOCALE_DIR)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing a text of the console: extract its messages and merge them into each
# catalog's .po, then translate what is new (msgstr "") in zh_CN.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output \
		--project casework -o $(LOCALE_DIR)/messages.pot api/console
	$(BIN)/pybabel update -i $(LOCALE_DIR)/messages.pot -d $(LOCALE_DIR) \
		--no-fuzzy-matching --ignore-obsolete

# The console in Chromium (Debian's: apt-get install chromium fonts-noto-cjk); `make test`
# runs these too when /usr/bin/chromium exists, and skips them (saying so) otherwise.
test-browser: $(STAMP) catalogs bytecode
	REQUIRE_BROWSER=1 $(BIN)/pytest tests/browser -m browser $(PYTEST_ARGS)

# Every console page in both languages, as PNG files in docs/console/ (README links them).
screenshots: $(STAMP) catalogs
	$(BIN)/python -m tests.browser.screenshots docs/console

# Faults injected into real processes (worker killed, Temporal and the database down, ...).
test-faults: $(STAMP) bytecode
	$(BIN)/pytest tests/faults -m faults -s $(PYTEST_ARGS)

# Not part of `make test`: throughput, latency and footprint against the bare SDK
# (docs/performance.md). BENCH_ARGS=--quick for a smoke run (1k/10k cases, a few
# minutes); BENCH_DATABASE_URL=postgresql+psycopg://... (an empty database) adds PostgreSQL.
bench: $(STAMP) bytecode
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
	$(BIN)/uv pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
		requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)
	$(MAKE) --no-print-directory catalogs

# Regenerate the hash-pinned lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev --generate-hashes --python-version 3.11 \
		--no-header --no-annotate -o requirements.lock

clean:
	rm -rf $(VENV) var/*.db var/*.db-*
