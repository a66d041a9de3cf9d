# The README's commands. Every target sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-deps demo demo-cli test bench lint format

# Prerequisites run left to right: Debian packages first (python3-venv, npm, the slicer).
setup: system-deps $(STAMP) node_modules/.installed
	@scripts/install-octoprint.sh
	@scripts/install-moonraker.sh
	@$(BIN)/python scripts/vendor_static.py
	@$(BIN)/python scripts/i18n.py compile

system-deps:
	@scripts/install-system-deps.sh

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

demo-cli: setup
	@scripts/demo_cli.sh

test: setup
	PRINTHUB_REQUIRE_EXTERNALS=$${PRINTHUB_REQUIRE_EXTERNALS:-$$( [ "$$(id -u)" -eq 0 ] && echo 1 || echo 0 )} scripts/test.sh

bench: setup
	$(BIN)/python -m bench

lint:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
