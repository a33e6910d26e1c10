# The two commands a new machine needs: `make demo` (the main job, no servers) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# `langgraph dev` lives apart: langgraph-api pins a jsonschema-rs that Schemathesis (dev) cannot share.
STUDIO_VENV ?= .venv-studio

.PHONY: install fresh-venv studio-venv demo services test lint bench

# The product in its own virtual environment, created when missing.
install:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'

# Tests always start from a new environment, so a dependency used but not declared fails here, not on a user's machine.
fresh-venv:
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)

# The LangGraph server's environment, new each time like the main one; the tests drive `langgraph dev` from it.
studio-venv:
	rm -rf $(STUDIO_VENV)
	$(PYTHON) -m venv $(STUDIO_VENV)
	$(STUDIO_VENV)/bin/python -m pip install -q -e '.[studio]'

demo: install
	$(BIN)/testops demo

services:
	bash .ci/services

# pytest exits 5 when it collected nothing: that is a broken checkout, not a pass. The slowest tests are
# listed so that a log shows where the suite's time goes.
test: services fresh-venv install studio-venv
	TESTOPS_STUDIO_VENV=$(abspath $(STUDIO_VENV)) $(BIN)/python -m pytest --durations=25; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m bench
