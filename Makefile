PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Where the raw sources are mirrored; empty means "pull from the Hugging Face Hub".
MIRROR ?= ../shared/raw
VERSION ?= v1.0.0
RECIPE ?= release/$(VERSION)/recipe.toml

.PHONY: setup test lint raw dataset verify-reference bench clean

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
	$(BIN)/ruff format --check constraints curation tests benchmarks

# Pull and normalise the raw sources (checked against raw/lock.json).
raw: setup
	$(BIN)/mathif raw pull $(if $(MIRROR),--mirror $(MIRROR))

# The main job: build the default dataset version into build/<version>/.
dataset: raw
	$(BIN)/mathif build $(RECIPE)
	$(BIN)/mathif verify build/$(patsubst v%,%,$(VERSION))

verify-reference: setup
	$(BIN)/mathif verify ../shared/reference/mathif-v1 --report build/reference-verify.json || true

bench: setup
	$(BIN)/python benchmarks/score_bench.py
	$(BIN)/python benchmarks/raw_bench.py

clean:
	rm -rf $(VENV) build .pytest_cache
