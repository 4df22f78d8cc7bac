PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test lint bench clean

setup: $(BIN)/mathif

$(BIN)/mathif: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check constraints curation tests benchmarks

bench: setup
	$(BIN)/python benchmarks/score_bench.py

clean:
	rm -rf $(VENV) build .pytest_cache
