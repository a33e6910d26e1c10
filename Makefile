# The two commands a new machine needs: `make demo` (the main job, no servers) and `make test`.
PYTHON ?= python3

.PHONY: install demo services test lint bench

install:
	$(PYTHON) -m pip install -q -e '.[dev]'

demo: install
	testops demo

services:
	bash .ci/services

# pytest exits 5 when it collected nothing: that is a broken checkout, not a pass.
test: services install
	$(PYTHON) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "no tests were collected" >&2; exit 1; fi; exit $$status

lint:
	ruff check .

bench: install
	$(PYTHON) -m bench
