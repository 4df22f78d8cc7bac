"""lm-evaluation-harness end to end: ``mathif export lm-eval`` on a slice of v1.0.0 (2 items of
3 splits of MathIF's release), the real ``lm_eval`` command against an OpenAI-compatible server
(``local-chat-completions``, ``--apply_chat_template``, ``--log_samples``), and the harness's
hacc, sacc and correctness, per task and for the group, against ``mathif score`` on the same
generations, read back from lm-eval's logged samples.

Two servers: the tiny random model in a real vLLM ``api_server`` on the CPU (marked ``vllm``),
and a scripted one whose answers are right or wrong, with and without ``</think>`` (so the
answer split and the grading are exercised through the harness too)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import mathif
from constraints.joint import joint_witness
from curation.cli import app
from tests.integration.conftest import require_vllm
from tests.support.eval_support import FakeOpenAI, Reply, reference_slice
from tests.support.vllm_env import ApiServer, env

runner = CliRunner()
SPLITS = ("aime_triple", "gsm8k_single", "math500_double")
METRICS = ("hacc", "sacc", "correctness")

if importlib.util.find_spec("lm_eval") is None:  # the `harness` extra (make setup installs it)
    if os.environ.get("CI"):
        pytest.fail("lm-eval is not installed (make setup installs the harness extra)", pytrace=False)
    pytest.skip("lm-eval is not installed (make setup installs the harness extra)", allow_module_level=True)


def export(tmp_path: Path) -> tuple[Path, Path]:
    """The slice and its lm-eval task folder."""
    data = reference_slice(tmp_path / "data", per_file=2, files=tuple(f"{s}.jsonl" for s in SPLITS))
    tasks = tmp_path / "tasks"
    result = runner.invoke(app, ["export", "lm-eval", str(data), str(tasks), "--name", "1.0.0"])
    assert result.exit_code == 0, result.output
    return data, tasks


def run_lm_eval(tasks: Path, base_url: str, out: Path, max_gen_toks: int) -> None:
    cmd = [
        sys.executable,
        "-m",
        "lm_eval",
        "--model",
        "local-chat-completions",
        "--model_args",
        f"model=tiny,base_url={base_url}/chat/completions,num_concurrent=1,max_retries=1",
        "--include_path",
        str(tasks),
        "--tasks",
        "mathif_1_0_0",
        "--apply_chat_template",
        "--log_samples",
        "--output_path",
        str(out),
        "--gen_kwargs",
        f"max_gen_toks={max_gen_toks}",
    ]
    extra = {"HF_DATASETS_OFFLINE": "1", "MATHIF_PLUGINS": ""}
    proc = subprocess.run(cmd, env=env(extra), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]


def harness_output(out: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """lm-eval's results JSON and its logged samples, by task."""
    (results_file,) = out.rglob("results_*.json")
    results = json.loads(results_file.read_text(encoding="utf-8"))
    samples: dict[str, list[dict[str, Any]]] = {}
    for split in SPLITS:
        (path,) = out.rglob(f"samples_mathif_1_0_0_{split}_*.jsonl")
        samples[split] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return results, samples


def mathif_score(data: Path, samples: dict[str, list[dict[str, Any]]], tmp: Path) -> dict[str, Any]:
    """``mathif score`` on the generations lm-eval logged: each split alone, then the slice.
    Returns {split or "all": (summary, {key: items.jsonl row})}."""
    out: dict[str, Any] = {}
    every = []
    for split, rows in samples.items():
        gens = []
        for s in rows:
            assert s["filtered_resps"] == [s["resps"][0][0]]  # no filter: scored as generated
            gens.append({"key": s["doc"]["key"], "output": s["resps"][0][0]})
        every += gens
        out[split] = _score(data / f"{split}.jsonl", gens, tmp / split)
    out["all"] = _score(data, every, tmp / "all")
    return out


def _score(data: Path, gens: list[dict[str, Any]], folder: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    folder.mkdir(parents=True)
    (folder / "g.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gens), encoding="utf-8")
    result = runner.invoke(
        app,
        ["score", "--data", str(data), "--generations", str(folder / "g.jsonl"), "--out", str(folder / "s")],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((folder / "s" / "summary.json").read_text(encoding="utf-8"))
    items = [json.loads(x) for x in (folder / "s" / "items.jsonl").read_text(encoding="utf-8").splitlines()]
    return summary, {r["key"]: r for r in items}


def assert_harness_equals_mathif(
    results: dict[str, Any], samples: dict[str, Any], scored: dict[str, Any]
) -> None:
    for split in SPLITS:
        task = results["results"][f"mathif_1_0_0_{split}"]
        summary, items = scored[split]
        assert results["n-samples"][f"mathif_1_0_0_{split}"]["effective"] == summary["items"] == 2
        for m in METRICS:
            assert task[f"{m},none"] == pytest.approx(summary[m], abs=1e-12), (split, m)
            assert f"{m}_stderr,none" in task
        for s in samples[split]:
            row = items[s["doc"]["key"]]
            assert (s["hacc"], s["sacc"], s["correctness"]) == (
                float(row["hard"]),
                row["soft"],
                float(row["correct"]),
            )
    group = results["results"]["mathif_1_0_0"]
    summary, _ = scored["all"]
    assert summary["items"] == 6
    for m in METRICS:
        assert group[f"{m},none"] == pytest.approx(summary[m], abs=1e-12), m
        assert f"{m}_stderr,none" in group
    generation = results["configs"]["mathif_1_0_0_gsm8k_single"]["generation_kwargs"]
    assert generation["until"] == [] and generation["temperature"] == 1.0 and generation["top_p"] == 0.95


def test_lm_eval_against_a_scripted_server(tmp_path):
    data, tasks = export(tmp_path)
    bench = mathif.load(data)
    by_prompt = {b.prompt: b for b in bench}

    def script(n: int, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        assert body["messages"] == [{"role": "user", "content": prompt}]  # the chat template's one message
        b = by_prompt[prompt]
        index = list(by_prompt).index(prompt)
        if index % 3 == 0:  # every constraint met, answer not given
            return Reply(
                content=f"<think>a comma, and more</think>{joint_witness(b.item.constraints) or 'ok'}"
            )
        if index % 3 == 1:  # the right answer after the reasoning
            return Reply(content=f"<think>first, a comma</think>THE ANSWER IS \\boxed{{{b.answer}}}")
        return Reply(content="no end tag, so all of it is the answer: \\boxed{7}")

    with FakeOpenAI(script) as server:
        run_lm_eval(tasks, server.base_url, tmp_path / "out", max_gen_toks=64)
        assert len(server.requests) == 6
        assert {r["max_tokens"] for r in server.requests} == {64} and {
            r["top_p"] for r in server.requests
        } == {0.95}
        assert all(r["stop"] == [] for r in server.requests)
    results, samples = harness_output(tmp_path / "out")
    scored = mathif_score(data, samples, tmp_path / "scored")
    assert_harness_equals_mathif(results, samples, scored)
    summary, _ = scored["all"]
    assert 0 < summary["correctness"] < 1 and 0 < summary["hacc"] < 1  # both verdicts occur


@pytest.mark.vllm
def test_lm_eval_against_the_tiny_model(tmp_path, tiny_model):
    require_vllm()
    data, tasks = export(tmp_path)
    server = ApiServer(tiny_model, tmp_path / "api_server.log")
    try:
        server.wait_ready()
        run_lm_eval(tasks, server.base_url, tmp_path / "out", max_gen_toks=16)
    finally:
        server.stop()
    results, samples = harness_output(tmp_path / "out")
    assert all(s["resps"][0][0] for rows in samples.values() for s in rows)  # the model said something
    assert_harness_equals_mathif(results, samples, mathif_score(data, samples, tmp_path / "scored"))
