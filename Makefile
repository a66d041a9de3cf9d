# The README's commands. Every target sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test bench lint format

setup: $(STAMP) node_modules/.installed
	@scripts/install-system-deps.sh
	@$(BIN)/python scripts/vendor_static.py

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: setup
	@scripts/demo.sh

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PRINTHUB_REQUIRE_EXTERNALS=$$( [ "$$(id -u)" -eq 0 ] && echo 1 || echo 0 ) $(BIN)/pytest

bench: setup
	$(BIN)/python -m bench

lint:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
