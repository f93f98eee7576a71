# The two commands: `make run` (install, migrate, serve on the offline model)
# and `make test` (every test: unit, SQLite, PostgreSQL, browser).
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
# The port `make run` serves the app on (frontend, websocket and API alike).
PORT ?= 3000
export PATH := $(abspath $(BIN)):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_USE_GRANIAN := false
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/

.PHONY: run test lint bench install
.DEFAULT_GOAL := run

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.app: requirements.txt | $(BIN)/activate
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.app

install: $(VENV)/.app

run: $(VENV)/.app
	$(BIN)/alembic upgrade head
	$(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

test: $(VENV)/.dev
	@command -v chromium >/dev/null || { echo "Browser tests need Debian's chromium: apt-get install -y chromium"; exit 1; }
	$(BIN)/ruff check bookgen tests bench
	$(BIN)/ruff format --check bookgen tests bench
	$(BIN)/pyright
	$(BIN)/python -m pytest -q -ra

bench: $(VENV)/.dev
	$(BIN)/python -m bench
