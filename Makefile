# The two commands a user needs:  `make demo`  and  `make test`.
# Each creates .venv and installs everything itself, so both work on a fresh machine.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest install compiled bench clean node-deps system-deps

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml runtime/python/pyproject.toml
	$(BIN)/python -m pip install --quiet -e runtime/python -e '.[dev,bench]'
	touch $(STAMP)

install: $(STAMP)

# The runtime's hot modules compiled with mypyc, used only with GRAFTCODE_MYPYC=1 (docs/
# performance.md, "Compiled modules"); the tests run them too. Built again only when their
# sources change; a failed build says why, leaves pure Python and does not fail the target.
compiled: $(STAMP)
	$(BIN)/python -m graftcode_runtime._mypyc_build

# Node packages and Chromium for the TypeScript and browser tests (see scripts/setup-system.sh).
node-deps:
	bash scripts/setup-node.sh

system-deps:
	bash scripts/setup-system.sh

demo: install
	$(BIN)/python -m examples.demo $(DEMO_ARGS)

lint: install
	$(BIN)/ruff check compiler runtime/python tests bench examples
	$(BIN)/ruff format --check compiler runtime/python

typecheck: install
	$(BIN)/mypy

pytest: install compiled
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: install system-deps node-deps lint typecheck pytest

bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache runtime/python/graftcode_runtime/_mypyc_lib
