# On Tour — the two commands that matter: `make up` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The tests mostly wait (on servers, events, the browser), so four pytest-xdist workers share
# the two cores, each with its own servers and stack (fresh 2-core machine, `time make test`:
# 6 min 25 s with three, 6 min 25 s and 6 min 29 s with four, 6 min 41 s and 6 min 49 s with
# five; each worker's fixed cost now outweighs the waiting another one fills). A test
# module stays on one worker unless it is marked `spread` (ontour.testing.plugin), and units
# start in the plugin's order (the whole-system ones first; xdist would reorder them by test
# count, so the longest started last); `make test PARALLEL=` runs one after another.
PARALLEL ?= -n 4 --dist loadgroup --no-loadscope-reorder
# Spectral with the NL API Design Rules ruleset (deploy/api-linter/SOURCE.md), pinned by npm.
API_LINTER := deploy/api-linter
SPECTRAL := $(API_LINTER)/node_modules/.bin/spectral

.PHONY: help install up demo test test-fast lint bench screenshots reset clean

help:
	@echo "make up      - start het hele systeem lokaal op http://127.0.0.1:8080"
	@echo "make test    - alle tests tegen echte NATS, PostgreSQL (en Chromium)"
	@echo "make demo    - make up, gevuld met fictieve demodata"
	@echo "make lint    - ruff, mypy, import-linter en de API-linter (NL API Design Rules)"
	@echo "make bench   - benchmarks (resultaten in results/bench/)"
	@echo "make screenshots - schermafbeeldingen voor de README (docs/schermafbeeldingen/)"
	@echo "make reset   - wis alle lokale data (.ontour/)"

# Bootstraps uv with pip when it is missing, then installs exactly the lockfile, compiled to
# bytecode: every Python process (a service, a test worker, a command) then reads .pyc files
# instead of compiling its imports anew, also where PYTHONDONTWRITEBYTECODE is set.
install: $(BIN)/.installed

$(BIN)/.installed: uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml
	@python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	python3 -m uv sync --frozen --all-packages --compile-bytecode
	@touch $@

# Needs Node.js 20 and npm; installs exactly the lockfile.
$(SPECTRAL): $(API_LINTER)/package.json $(API_LINTER)/package-lock.json
	@command -v npm >/dev/null || { echo "npm ontbreekt: installeer Node.js 20 en npm (nodig voor de API-linter)"; exit 1; }
	npm ci --prefix $(API_LINTER)
	@touch $@

up: install
	$(BIN)/ontour up

demo: install
	ONTOUR_DEMO=1 $(BIN)/ontour up

# The tests start many Python processes (workers, services, stacks, commands): with
# PYTHONDONTWRITEBYTECODE set, each compiled the project's sources and the test modules
# (pytest's assertion rewriting) anew. Here Python writes them to __pycache__ once.
test: install $(SPECTRAL)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest $(PARALLEL) $(PYTEST_ARGS)

lint: install $(SPECTRAL)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	rm -rf results/openapi && $(BIN)/ontour openapi results/openapi
	$(SPECTRAL) lint --fail-severity warn -r $(API_LINTER)/linter.yaml results/openapi/*.json

bench: install
	$(BIN)/python -m bench

screenshots: install
	$(BIN)/python scripts/screenshots.py

reset:
	rm -rf .ontour
	@echo "Lokale data gewist."

clean: reset
	rm -rf $(VENV) $(API_LINTER)/node_modules results .pytest_cache .mypy_cache .ruff_cache
