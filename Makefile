# coopgraph — the two commands a newcomer needs are `make serve` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= var/store
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: one worker per core; --dist loadfile keeps a file's tests (and its module-wide
# servers and built stores) on one worker. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist loadfile
STAMP := $(VENV)/.installed

.PHONY: install build serve test lint typecheck links bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create the virtualenv and install coopgraph with its test tools

build: $(STAMP)  ## validate the sources and (re)build the store
	$(BIN)/coopgraph build --store $(STORE)

$(STORE):
	$(MAKE) build

serve: $(STAMP) | $(STORE)  ## build the store if missing, then serve on http://$(HOST):$(PORT)
	$(BIN)/coopgraph serve --store $(STORE) --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check server tests bench

typecheck: $(STAMP)  ## mypy on server/coopgraph (configuration: [tool.mypy] in pyproject.toml)
	$(BIN)/mypy

test: $(STAMP) lint typecheck  ## lint, type-check, then the whole test suite
	$(BIN)/pytest -q $(PYTEST_ARGS)

links: $(STAMP)  ## regenerate data/links/ from the verified reference table
	$(BIN)/coopgraph links

bench: $(STAMP)  ## the benchmark (not part of `make test`); see docs/benchmarks.md
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var
