"""The inspect_ai task ``mathif/mathif``: its dataset, its scorer (mathif's verdicts, reasoning
blocks put back in front of the answer) and a whole ``eval`` with inspect's mock model."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("inspect_ai") is None:  # the `harness` extra (make setup installs it)
    if os.environ.get("CI"):
        pytest.fail("inspect_ai is not installed (make setup installs the harness extra)", pytrace=False)
    pytest.skip(
        "inspect_ai is not installed (make setup installs the harness extra)", allow_module_level=True
    )

from inspect_ai import eval as inspect_eval
from inspect_ai._util.error import PrerequisiteError
from inspect_ai._util.registry import registry_info, registry_lookup
from inspect_ai.log import read_eval_log
from inspect_ai.model import (
    ChatMessageAssistant,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    GenerateConfig,
    ModelName,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.scorer import Target
from inspect_ai.solver import TaskState

import mathif as api
from curation.core import InputError
from curation.integrations.inspect_task import (
    dataset_spec,
    mathif,
    mathif_scorer,
    response_text,
    sample_of,
)
from tests.support.eval_support import reference_slice
from tests.support.paths import ROOT


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return reference_slice(tmp_path_factory.mktemp("slice"), per_file=3)


@pytest.fixture(scope="module")
def bench(data) -> api.Benchmark:
    return api.load(data)


def output_of(content: str | list, model: str = "mockllm/model") -> ModelOutput:
    out = ModelOutput.from_message(ChatMessageAssistant(content=content, model=model, source="generate"))
    out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)  # mockllm counts none
    return out


def state_of(item: api.BenchItem, output: ModelOutput) -> TaskState:
    sample = sample_of(item)
    return TaskState(
        model=ModelName("mockllm/model"),
        sample_id=item.key,
        epoch=1,
        input=sample.input,
        messages=[ChatMessageUser(content=item.prompt), output.message],
        target=Target(item.answer),
        output=output,
        metadata=sample.metadata,
    )


def run(coro):
    import asyncio

    return asyncio.run(coro)


# --- registration ------------------------------------------------------------------------------


def test_the_entry_point_names_this_module_and_the_task_is_mathif_mathif():
    eps = importlib.metadata.entry_points(group="inspect_ai")
    assert [(e.name, e.value) for e in eps if e.name == "mathif"] == [
        ("mathif", "curation.integrations.inspect_task")
    ]
    assert registry_info(mathif).name == "mathif/mathif"
    assert registry_lookup("task", "mathif/mathif") is mathif
    assert registry_info(mathif_scorer).name == "mathif/mathif_scorer"


def test_a_fresh_inspect_finds_mathif_mathif_through_the_entry_point():
    code = (
        "import sys\n"
        "from inspect_ai._util.registry import registry_lookup, registry_info\n"
        "assert 'curation.integrations.inspect_task' not in sys.modules\n"
        "t = registry_lookup('task', 'mathif/mathif')\n"
        "print(registry_info(t).name)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "mathif/mathif"


def test_mathif_does_not_need_inspect_ai():
    code = "import sys, mathif, curation.integrations; print('inspect_ai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    importers = []
    for path in (ROOT / "curation").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [f"{node.module}.{a.name}" for a in node.names]
                if isinstance(node, ast.ImportFrom) and node.module
                else []
            )
            if any(n.startswith("curation.integrations.inspect_task") for n in names):
                importers.append(str(path))
    assert importers == []


# --- the dataset -------------------------------------------------------------------------------


def test_one_sample_per_item_keyed_by_the_item_key(data, bench):
    task = mathif(version=str(data))
    samples = list(task.dataset)
    assert [s.id for s in samples] == [b.key for b in bench] and len(samples) == 6
    assert samples[0].id == "gsm8k_single.jsonl:1"
    for s, b in zip(samples, bench, strict=True):
        assert s.input == b.prompt and s.target == b.answer and s.metadata == b.to_dict()
        assert api.as_item(s.metadata).to_mathif() == b.item.to_mathif()
    assert task.config.temperature == 1.0 and task.config.top_p == 0.95 and task.config.max_tokens == 16384

    plain = mathif(version=str(data), constraints=False, limit=1, max_tokens=64, temperature=0.0, top_p=1.0)
    assert [s.input for s in plain.dataset] == [b.plain_prompt for b in bench if b.key.endswith(":1")]
    assert (plain.config.max_tokens, plain.config.temperature, plain.config.top_p) == (64, 0.0, 1.0)


def test_a_version_name_is_its_build_under_the_home(tmp_path, monkeypatch, data):
    monkeypatch.setenv("MATHIF_HOME", str(tmp_path))
    with pytest.raises(InputError, match=r"mathif build v1\.0\.0"):
        dataset_spec("v1.0.0")
    build = tmp_path / "build" / "1.0.0"
    build.mkdir(parents=True)
    (build / "manifest.json").write_text("{}")
    assert dataset_spec("v1.0.0") == dataset_spec("1.0.0") == str(build)
    assert dataset_spec(str(data)) == str(data)  # a path is itself
    assert dataset_spec("org/name@v1.0.0") == "org/name@v1.0.0"  # the Hub: load's business


def test_a_missing_build_or_bad_data_is_one_message_for_inspect(tmp_path, monkeypatch):
    monkeypatch.setenv("MATHIF_HOME", str(tmp_path))
    with pytest.raises(
        PrerequisiteError, match=r"^mathif: version v1\.0\.0: no build at .*mathif build v1\.0\.0"
    ):
        mathif()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1\n')
    with pytest.raises(PrerequisiteError, match=r"^mathif: .*bad\.jsonl:1: "):
        mathif(version=str(bad))


def test_bad_options_are_refused(data):
    with pytest.raises(ValueError, match="think_mode"):
        mathif(version=str(data), think_mode="sometimes")
    with pytest.raises(ValueError, match="scope"):
        mathif(version=str(data), scope="everywhere")


# --- the scorer --------------------------------------------------------------------------------

ANSWER = '"the answer is \\boxed{%s}, done"'


@pytest.mark.parametrize(
    ("content", "scored"),
    [
        # plain text: scored as is (MathIF's split finds no </think>: all of it is the answer)
        (ANSWER, ANSWER),
        ("<think>so, 18</think>" + ANSWER, "<think>so, 18</think>" + ANSWER),
        # the reasoning given apart: put back in front
        (
            [ContentReasoning(reasoning="so, it is 18"), ContentText(text=ANSWER)],
            "<think>so, it is 18</think>" + ANSWER,
        ),
        (
            [ContentReasoning(reasoning="a"), ContentReasoning(reasoning="b"), ContentText(text=ANSWER)],
            "<think>a\nb</think>" + ANSWER,
        ),
        (
            [ContentReasoning(reasoning="opaque", redacted=True, summary="sum"), ContentText(text=ANSWER)],
            "<think>sum</think>" + ANSWER,
        ),
        ([ContentReasoning(reasoning="opaque", redacted=True), ContentText(text=ANSWER)], ANSWER),
        # a completion with its own </think> keeps it (as mathif eval's openai backend)
        (
            [ContentReasoning(reasoning="r"), ContentText(text="x</think>" + ANSWER)],
            "x</think>" + ANSWER,
        ),
    ],
)
def test_the_scorer_gives_mathif_verdicts_on_the_text_scored(bench, content, scored):
    item = bench["gsm8k_single.jsonl:1"]
    for answer in (item.answer, "7"):
        c = (
            content % answer
            if isinstance(content, str)
            else [ContentText(text=p.text % answer) if isinstance(p, ContentText) else p for p in content]
        )
        text = scored % answer
        out = output_of(c)
        assert response_text(out) == text
        got = run(mathif_scorer()(state_of(item, out), Target(item.answer)))
        want = api.score(item, text)
        assert got.value == {"hacc": float(want.hard), "sacc": want.soft, "correctness": float(want.correct)}
        assert got.answer == want.answer
        assert got.metadata["follow"] == [c.followed for c in want.follow]
        assert got.metadata["constraint_name"] == [c.id for c in want.follow]
        assert got.metadata["key"] == item.key
        assert got.metadata.get("reasoning_from_blocks", False) == (text != out.completion)
        for v in want.follow:
            assert f"{v.id} ({v.scope}): {'followed' if v.followed else 'not followed'}" in got.explanation


def test_the_scorer_options_are_mathif_score_options(bench):
    item = bench["math500_double.jsonl:2"]
    text = "All lowercase, no commas; \\boxed{1}"
    out = output_of(f"<think>THINKING, LOUD</think>{text}")
    for opts in ({"think_mode": "strict"}, {"scope": "both"}, {"fix_quirks": True}, {"scope": "reasoning"}):
        got = run(mathif_scorer(**opts)(state_of(item, out), Target(item.answer)))
        want = api.score(item, out.completion, **opts)
        assert got.value["hacc"] == float(want.hard) and got.value["sacc"] == want.soft
        assert got.metadata["constraint_scope"] == [c.scope for c in want.follow]
    plain = run(mathif_scorer(constraints=False)(state_of(item, out), Target(item.answer)))
    assert math.isnan(plain.value["hacc"]) and math.isnan(plain.value["sacc"])
    assert plain.value["correctness"] == float(api.score(item, out.completion).correct)
    assert "not asked" in plain.explanation


# --- a whole eval ------------------------------------------------------------------------------


def reply_for(bench: api.Benchmark):
    """A mock model: per prompt, a reply (some with a reasoning block), and what it scores as."""
    by_prompt: dict[str, tuple[ModelOutput, str]] = {}
    for n, b in enumerate(bench):
        answer = b.answer if n % 2 else "7"
        text = f'"the answer is \\boxed{{{answer}}}{", and so" if n % 3 else ""}"'
        if n % 2:
            by_prompt[b.prompt] = (
                output_of([ContentReasoning(reasoning="hmm, ok"), ContentText(text=text)]),
                f"<think>hmm, ok</think>{text}",
            )
        else:
            by_prompt[b.prompt] = (output_of(text), text)
    seen: list[GenerateConfig] = []

    def generate(messages, tools, tool_choice, config) -> ModelOutput:
        seen.append(config)
        return by_prompt[messages[-1].text][0]

    return generate, {p: t for p, (_, t) in by_prompt.items()}, seen


def test_an_eval_reports_the_mean_scores_of_mathif(tmp_path, data, bench):
    generate, texts, seen = reply_for(bench)
    model = get_model("mockllm/model", custom_outputs=generate)
    [log] = inspect_eval(
        "mathif/mathif",
        task_args={"version": str(data), "max_tokens": 32},
        model=model,
        log_dir=str(tmp_path / "logs"),
        log_format="json",
        display="none",
    )
    assert log.status == "success", log.error
    assert {c.max_tokens for c in seen} == {32} and {c.temperature for c in seen} == {1.0}
    log = read_eval_log(log.location)
    reported = {s.name: s.metrics["mean"].value for s in log.results.scores}
    assert set(reported) == {"hacc", "sacc", "correctness"}
    assert all("stderr" in s.metrics for s in log.results.scores)
    verdicts = [api.score(b, texts[b.prompt]) for b in bench]
    assert reported == pytest.approx(api.mean_scores(verdicts), abs=1e-12)
    assert 0 < reported["hacc"] < 1 and 0 < reported["correctness"] < 1
    by_key = {s.id: s for s in log.samples}
    for b, v in zip(bench, verdicts, strict=True):
        score = next(iter(by_key[b.key].scores.values()))
        assert score.value["hacc"] == float(v.hard) and score.metadata["follow"] == [
            c.followed for c in v.follow
        ]
    json.loads(Path(log.location).read_text())  # a plain JSON log


def test_an_eval_without_constraints_reports_correctness_only(tmp_path, data, bench):
    generate, texts, _ = reply_for(bench)
    plain_texts = {b.plain_prompt: texts[b.prompt] for b in bench}

    def plain(messages, tools, tool_choice, config) -> ModelOutput:
        return output_of(plain_texts[messages[-1].text])

    [log] = inspect_eval(
        "mathif/mathif",
        task_args={"version": str(data), "constraints": False},
        model=get_model("mockllm/model", custom_outputs=plain),
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    reported = {s.name: s for s in log.results.scores}
    assert reported["hacc"].scored_samples == 0 and reported["hacc"].unscored_samples == 6
    verdicts = [api.score(b, plain_texts[b.plain_prompt]) for b in bench]
    assert reported["correctness"].metrics["mean"].value == pytest.approx(
        api.mean_scores(verdicts)["correctness"]
    )
