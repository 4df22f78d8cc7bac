"""The TRL reward under TRL 1.16's own contract (the ``harness`` extra installs trl).

``GRPOTrainer._calculate_rewards`` (``trl/trainer/grpo_trainer.py``) calls a custom reward
function as ``reward_func(prompts=prompts, completions=completions,
completion_ids=completion_ids_list, **reward_kwargs)``, where ``reward_kwargs`` holds every
dataset column but ``prompt``/``completion``/``completion_ids`` (one value per completion),
plus ``trainer_state``, ``log_extra`` and ``log_metric``; a None reward becomes NaN.
Completions are strings, or for a conversational dataset ``[{"role": "assistant",
"content": ...}]``.  It logs the function under ``get_callable_name(fn)``.

The first tests call the reward exactly so; the ``slow`` one trains one GRPO step of the
tiny random model on the CPU (about 20 s, mostly imports) with the reward as given to
``GRPOTrainer(reward_funcs=...)``, for a standard and a conversational dataset, and checks
the rewards TRL logged against the reward recomputed from the completions it logged.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import mathif
from curation.integrations.rewards import completion_text
from tests.support.paths import REFERENCE

trl = pytest.importorskip("trl")
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def bench() -> mathif.Benchmark:
    return mathif.load(REFERENCE, limit=1)


def dataset_rows(bench: mathif.Benchmark, conversational: bool, n: int = 4) -> list[dict]:
    rows = []
    for b in bench.items[:n]:
        prompt = [{"role": "user", "content": b.prompt}] if conversational else b.prompt
        rows.append({"prompt": prompt, "ground_truth": mathif.ground_truth_text(b), "key": b.key})
    return rows


def calculate_rewards(reward_func, inputs: list[dict], completions: list) -> list[float]:
    """``GRPOTrainer._calculate_rewards`` for one synchronous custom reward function."""
    from trl.trainer.utils import get_callable_name, is_async_callable

    assert not is_async_callable(reward_func)
    assert get_callable_name(reward_func) == reward_func.__name__
    metrics: dict[str, list[float]] = {}
    extra: dict[str, list] = {}
    prompts = [x["prompt"] for x in inputs]
    keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    reward_kwargs["trainer_state"] = object()
    reward_kwargs["log_extra"] = lambda column, values: extra.setdefault(column, []).extend(values)
    reward_kwargs["log_metric"] = lambda name, value: metrics.setdefault(name, []).append(value)
    completion_ids = [[1, 2, 3] for _ in completions]
    output = reward_func(
        prompts=prompts, completions=completions, completion_ids=completion_ids, **reward_kwargs
    )
    output = [r if r is not None else torch.nan for r in output]
    assert len(output) == len(prompts)
    calculate_rewards.metrics = metrics  # type: ignore[attr-defined]
    return torch.tensor(output, dtype=torch.float32).tolist()


@pytest.mark.parametrize("conversational", [False, True])
def test_called_as_grpo_trainer_calls_it(bench, conversational):
    from trl.data_utils import is_conversational

    rows = dataset_rows(bench, conversational)
    assert is_conversational({"prompt": rows[0]["prompt"]}) is conversational
    texts = []
    for n, b in enumerate(bench.items[:4]):
        texts.append(f"<think>thinking</think>\\boxed{{{b.answer}}}" if n % 2 else "no end of thinking")
    completions = [[{"role": "assistant", "content": t}] for t in texts] if conversational else texts
    config = mathif.RewardConfig(kind="soft", correctness="log")
    fn = mathif.trl_reward(config)
    got = calculate_rewards(fn, rows, completions)
    for value, b, text in zip(got, bench.items[:4], texts, strict=True):
        assert value == pytest.approx(mathif.score(b, text, think_mode="strict").soft)
    metrics = calculate_rewards.metrics  # type: ignore[attr-defined]
    assert set(metrics) == {"mathif_soft/hard", "mathif_soft/soft", "mathif_soft/correct"}
    assert metrics["mathif_soft/correct"] == [0.5]


def test_rows_that_are_no_mathif_item_are_not_applicable(bench):
    rows = dataset_rows(bench, False, 2)
    rows[1]["ground_truth"] = None  # e.g. a row of another dataset mixed in
    got = calculate_rewards(mathif.trl_reward(), rows, ["<think>x</think>y", "anything"])
    assert not math.isnan(got[0]) and math.isnan(got[1])


def test_a_missing_column_or_bad_ground_truth_fails_loudly(bench):
    rows = [{"prompt": "p", "answer": "42"}]
    with pytest.raises(KeyError, match="no dataset column 'ground_truth'.*answer"):
        calculate_rewards(mathif.trl_reward(), rows, ["x"])
    with pytest.raises(mathif.GroundTruthError, match="is a JSON int"):
        calculate_rewards(mathif.trl_reward(column="answer"), rows, ["x"])


@pytest.mark.slow
@pytest.mark.parametrize("conversational", [False, True])
def test_one_grpo_step_on_the_tiny_model(bench, tmp_path: Path, conversational, monkeypatch):
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from tests.support.tiny_model import build_tiny_model

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    model = build_tiny_model(tmp_path / "model")
    rows = dataset_rows(bench, conversational)
    truth = {mathif.ground_truth_text(b): b for b in bench.items[:4]}
    # 'mathif' think mode and soft: random text then earns rewards other than 0
    fn = mathif.trl_reward(mathif.RewardConfig(kind="soft", think_mode="mathif"))
    args = GRPOConfig(
        output_dir=str(tmp_path / "out"),
        max_steps=1,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=16,
        report_to="none",
        use_cpu=True,
        logging_steps=1,
        save_strategy="no",
        bf16=False,
        seed=0,
    )
    trainer = GRPOTrainer(model=str(model), reward_funcs=fn, args=args, train_dataset=Dataset.from_list(rows))
    trainer.train()

    log = next(entry for entry in trainer.state.log_history if "rewards/mathif_soft/mean" in entry)
    assert "mathif_soft/hard" in log and "mathif_soft/soft" in log  # through log_metric
    prompts, completions = list(trainer._logs["prompt"]), list(trainer._logs["completion"])
    logged = list(trainer._logs["rewards"]["mathif_soft"])
    assert len(completions) == len(logged) == 4
    by_prompt = {(r["prompt"] if not conversational else r["prompt"][0]["content"]): r for r in rows}
    for prompt, completion, value in zip(prompts, completions, logged, strict=True):
        key = prompt if not conversational else prompt[0]["content"]
        b = truth[by_prompt[key]["ground_truth"]]
        if conversational:
            assert isinstance(completion, list) and completion[0]["role"] == "assistant"
        expected = mathif.score(b, completion_text(completion), think_mode="mathif").soft
        assert value == pytest.approx(expected)
    assert log["rewards/mathif_soft/mean"] == pytest.approx(sum(logged) / len(logged), abs=1e-3)
