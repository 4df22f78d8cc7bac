"""``mathif eval --intervention`` end to end with the tiny model on vLLM's CPU engine: the
extensions happen, the budgets hold, the reminder is where it should be and scoring leaves
it out, and a resumed run makes only what is missing and must keep the settings.

The tiny model is random: it ends its turn now and then, and emits "1" often, so "1" stands
in for a thinking model's ``</think>`` (``--think-end 1``).  Each run is seeded, so what it
makes is fixed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.evaluation.intervention import scored_output
from curation.evaluation.store import Generation, generation_from_row
from curation.scoring import split_response
from tests.support.eval_support import reference_slice
from tests.support.vllm_env import VLLM_ENV

pytestmark = pytest.mark.vllm

runner = CliRunner()
COMMON = ["--enforce-eager", "--dtype", "float32", "--samples", "2", "--think-end", "1"]


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    for k, v in VLLM_ENV.items():
        monkeypatch.setenv(k, v)


def pieces(g: Generation) -> list[tuple[str, str]]:
    out, at = [], 0
    for kind, size in g.spans or ():
        out.append((kind, g.output[at : at + size]))
        at += size
    return out


def read(out: Path) -> list[Generation]:
    lines = (out / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    return [
        generation_from_row(json.loads(line), out / "generations.jsonl", i) for i, line in enumerate(lines, 1)
    ]


def evaluate(data: Path, model: Path, out: Path, *args: str) -> str:
    result = runner.invoke(app, ["eval", str(data), "--model", str(model), "--out", str(out), *COMMON, *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return reference_slice(tmp_path_factory.mktemp("data"), per_file=2)


def test_budget_force_extends_the_thinking_n_times_and_resumes(tmp_path, data, tiny_model):
    out = tmp_path / "bf"
    evaluate(
        data, tiny_model, out, "--intervention", "budget-force", "--extensions", "2", "--max-tokens", "96"
    )
    gens = read(out)
    assert len(gens) == 4 * 2 * 2
    counts = []
    for g in gens:
        kinds = [k for k, _ in pieces(g)]
        counts.append(kinds.count("extension"))
        assert all(text == "Wait" for k, text in pieces(g) if k == "extension")
        assert all(text == "1" for k, text in pieces(g) if k == "close")
        assert kinds.count("close") <= 1 and "reminder" not in kinds
        assert g.thinking_tokens is not None and g.thinking_tokens <= g.completion_tokens <= 96
        if "close" in kinds:  # after the close comes the answer, never more thinking
            assert "extension" not in kinds[kinds.index("close") :]
    assert max(counts) == 2 and min(counts) == 0  # some samples were forced twice, some had no room
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["generation"]["intervention"] == {
        "kind": "budget-force",
        "extensions": 2,
        "extension_text": "Wait",
        "think_budget": None,
        "final_text": "\n\nFinal Answer:",
        "think_end": "1",
    }
    # the scorer reads the text without "Wait": samples.jsonl's reasoning length says so
    rows = [json.loads(line) for line in (out / "samples.jsonl").read_text(encoding="utf-8").splitlines()]
    by_id = {(g.key, g.run, g.sample): g for g in gens}
    for row in rows:
        g = by_id[(row["key"], row["run"], row["sample"])]
        parts = split_response(scored_output(g), "mathif")
        assert row["reasoning_chars"] == len(parts.reasoning) and row["answer"] == parts.answer
        assert row["spans"] == [list(s) for s in g.spans]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["intervention"]["kind"] == "budget-force"
    assert "budget-force" in (out / "report.md").read_text(encoding="utf-8")

    # resume: drop five samples; only they are made again, with the same settings
    lines = (out / "generations.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "generations.jsonl").write_text("".join(lines[:-5]), encoding="utf-8")
    output = evaluate(
        data, tiny_model, out, "--intervention", "budget-force", "--extensions", "2", "--max-tokens", "96"
    )
    assert "5 samples generated, 11 reused" in " ".join(output.split())
    # other intervention settings are another run: refused, the folder left as it was
    before = (out / "generations.jsonl").read_bytes()
    result = runner.invoke(
        app,
        ["eval", str(data), "--model", str(tiny_model), "--out", str(out), *COMMON]
        + ["--intervention", "budget-force", "--extensions", "3", "--max-tokens", "96"],
    )
    assert result.exit_code != 0 and "intervention" in result.output
    assert (out / "generations.jsonl").read_bytes() == before


def test_think_budget_caps_the_thinking_and_forces_an_answer(tmp_path, data, tiny_model):
    out = tmp_path / "tb"
    evaluate(
        data, tiny_model, out, "--intervention", "think-budget", "--think-budget", "12", "--max-tokens", "40"
    )
    gens = read(out)
    forced = 0
    for g in gens:
        kinds = [k for k, _ in pieces(g)]
        assert g.thinking_tokens <= 12 and g.completion_tokens <= 40
        if "final" in kinds:  # the budget ran out: closed for the model, then its answer
            forced += 1
            assert g.thinking_tokens == 12
            assert kinds[kinds.index("close") + 1] == "final"
            assert pieces(g)[kinds.index("final")][1] == "\n\nFinal Answer:"
            assert "Final Answer:" not in scored_output(g)
        assert "extension" not in kinds and "reminder" not in kinds
    assert forced >= 1


def test_remind_puts_the_constraints_into_the_thinking_and_scoring_leaves_them_out(
    tmp_path, data, tiny_model
):
    out = tmp_path / "remind"
    evaluate(
        data, tiny_model, out, "--intervention", "remind", "--max-tokens", "64", "--trace-scope", "reasoning"
    )
    items = {}
    for name in ("gsm8k_single.jsonl", "math500_double.jsonl"):
        for i, line in enumerate((data / name).read_text(encoding="utf-8").splitlines(), 1):
            items[f"{name}:{i}"] = json.loads(line)["constraint_desc"]
    reminded = 0
    for g in read(out):
        texts = [t for k, t in pieces(g) if k == "reminder"]
        if g.run == "plain":
            assert not texts  # nothing to remind
            continue
        assert len(texts) <= 1
        if texts:
            reminded += 1
            for description in items[g.key]:
                assert f"- {description.strip()}" in texts[0]
            assert texts[0] not in scored_output(g)
            kinds = [k for k, _ in pieces(g)]
            assert kinds.index("reminder") < kinds.index("close") if "close" in kinds else True
    assert reminded >= 1
