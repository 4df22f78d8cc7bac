"""lighteval end to end, where lighteval is importable: ``mathif export lighteval`` on a slice
of v1.0.0 (2 items of 3 splits of MathIF's release), lighteval's ``Pipeline`` (registry,
datasets, prompt function, metrics, aggregation, details) with a custom model that asks an
OpenAI-compatible server, and lighteval's hacc, sacc and correctness, per split and for the
``_all`` task, against ``mathif score`` on the generations read back from its details files.

lighteval is not in the harness extra (it pins nltk and latex2sympy2_extended below what the
checkers and math-verify need), so these tests skip unless it is installed.  lighteval 0.13's
own task table does not load offline (``tiny_benchmarks`` downloads a file when imported; a
metric lists models on the Hub), so the registry is given only the custom tasks, as
``--custom-tasks`` adds them; everything after that is lighteval's code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import mathif
from constraints.joint import joint_witness
from curation.cli import app
from tests.integration.conftest import require_vllm
from tests.support.eval_support import FakeOpenAI, Reply, reference_slice
from tests.support.vllm_env import VLLM_ENV, ApiServer

pytest.importorskip("lighteval", reason="lighteval is not installed (it is left out of the harness extra)")

runner = CliRunner()
SPLITS = ("aime_triple", "gsm8k_single", "math500_double")
METRICS = ("hacc", "sacc", "correctness")

# A lighteval custom model (``lighteval custom NAME FILE``): one chat request per doc, the
# query as the only user message, MathIF's sampling, at most MATHIF_TEST_MAX_TOKENS tokens.
CHAT_MODEL = """
import json, os, urllib.request
from lighteval.models.abstract_model import LightevalModel
from lighteval.models.model_output import ModelResponse
from lighteval.utils.cache_management import SampleCache


class ChatServerModel(LightevalModel):
    def __init__(self, config):
        self.config = config
        self._cache = SampleCache(config)
        self.base_url = os.environ["MATHIF_TEST_CHAT_URL"]
        self.max_tokens = int(os.environ["MATHIF_TEST_MAX_TOKENS"])

    tokenizer = None
    add_special_tokens = False
    max_length = 4096

    def greedy_until(self, docs):
        out = []
        for doc in docs:
            body = {
                "model": "tiny",
                "messages": [{"role": "user", "content": doc.query}],
                "max_tokens": min(doc.generation_size, self.max_tokens),
                "temperature": 1.0,
                "top_p": 0.95,
                "seed": 0,
                "stop": list(doc.stop_sequences),
            }
            request = urllib.request.Request(
                self.base_url + "/chat/completions",
                data=json.dumps(body).encode(),
                headers={"content-type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=120) as r:
                text = json.loads(r.read())["choices"][0]["message"]["content"]
            out.append(ModelResponse(input=doc.query, text=[text]))
        return out

    def loglikelihood(self, docs):
        raise NotImplementedError

    def loglikelihood_rolling(self, docs):
        raise NotImplementedError
"""


def run_lighteval(tmp_path: Path, base_url: str, max_tokens: int, monkeypatch) -> tuple[Path, dict, Path]:
    from lighteval.logging.evaluation_tracker import EvaluationTracker
    from lighteval.models.custom.custom_model import CustomModelConfig
    from lighteval.pipeline import ParallelismManager, Pipeline, PipelineParameters
    from lighteval.tasks.registry import Registry

    monkeypatch.setattr(
        Registry,
        "load_all_task_configs",
        staticmethod(
            lambda custom_tasks=None, load_multilingual=False: Registry._extract_configs(
                Registry.create_custom_tasks_module(custom_tasks)
            )
        ),
    )
    for k, v in (VLLM_ENV | {"HF_DATASETS_OFFLINE": "1", "MATHIF_TEST_CHAT_URL": base_url}).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("MATHIF_TEST_MAX_TOKENS", str(max_tokens))
    monkeypatch.setattr("datasets.config.HF_DATASETS_CACHE", tmp_path / "datasets-cache")
    data = reference_slice(tmp_path / "data", per_file=2, files=tuple(f"{s}.jsonl" for s in SPLITS))
    result = runner.invoke(
        app, ["export", "lighteval", str(data), str(tmp_path / "tasks"), "--name", "1.0.0"]
    )
    assert result.exit_code == 0, result.output
    model_file = tmp_path / "chat_model.py"
    model_file.write_text(CHAT_MODEL, encoding="utf-8")
    out = tmp_path / "out"
    tracker = EvaluationTracker(output_dir=str(out), save_details=True)
    params = PipelineParameters(
        launcher_type=ParallelismManager.CUSTOM,
        custom_tasks_directory=str(tmp_path / "tasks" / "mathif_1_0_0.py"),
    )
    config = CustomModelConfig(
        model_name="tiny", model_definition_file_path=str(model_file), cache_dir=str(tmp_path / "cache")
    )
    pipeline = Pipeline(
        tasks="mathif_1_0_0|0,mathif_1_0_0_all|0",
        pipeline_parameters=params,
        evaluation_tracker=tracker,
        model_config=config,
    )
    pipeline.evaluate()
    pipeline.save_and_push_results()
    (results_file,) = out.rglob("results_*.json")
    return data, json.loads(results_file.read_text(encoding="utf-8")), out


def details(out: Path, task: str) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    (path,) = out.rglob(f"details_{task}|0_*.parquet")
    return pq.read_table(path).to_pylist()


def assert_lighteval_equals_mathif(data: Path, results: dict, out: Path, tmp_path: Path) -> dict[str, Any]:
    scored = {}
    for task, where in [
        *((f"mathif_1_0_0:{s}", data / f"{s}.jsonl") for s in SPLITS),
        ("mathif_1_0_0_all", data),
    ]:
        rows = details(out, task)
        gens = [{"key": r["doc"]["specific"]["key"], "output": r["model_response"]["text"][0]} for r in rows]
        folder = tmp_path / "scored" / task.replace(":", "_")
        folder.mkdir(parents=True)
        (folder / "g.jsonl").write_text("".join(json.dumps(g) + "\n" for g in gens), encoding="utf-8")
        result = runner.invoke(
            app,
            [
                "score",
                "--data",
                str(where),
                "--generations",
                str(folder / "g.jsonl"),
                "--out",
                str(folder / "s"),
            ],
        )
        assert result.exit_code == 0, result.output
        summary = json.loads((folder / "s" / "summary.json").read_text(encoding="utf-8"))
        items = {
            x["key"]: x
            for x in map(json.loads, (folder / "s" / "items.jsonl").read_text(encoding="utf-8").splitlines())
        }
        reported = results["results"][f"{task}|0"]
        assert summary["items"] == len(rows) == (6 if task.endswith("_all") else 2)
        for m in METRICS:
            assert reported[m] == pytest.approx(summary[m], abs=1e-12), (task, m)
            assert f"{m}_stderr" in reported
        for r in rows:
            row = items[r["doc"]["specific"]["key"]]
            assert r["metric"] == {
                "hacc": float(row["hard"]),
                "sacc": row["soft"],
                "correctness": float(row["correct"]),
            }
        scored[task] = summary
    return scored


def test_lighteval_against_a_scripted_server(tmp_path, monkeypatch):
    by_prompt: dict[str, Any] = {}

    def script(n: int, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        b = by_prompt[prompt]
        index = list(by_prompt).index(prompt)
        if index % 3 == 0:
            return Reply(
                content=f"<think>a comma, and more</think>{joint_witness(b.item.constraints) or 'ok'}"
            )
        if index % 3 == 1:
            return Reply(content=f"<think>first, a comma</think>THE ANSWER IS \\boxed{{{b.answer}}}")
        return Reply(content="no end tag, so all of it is the answer: \\boxed{7}")

    data = reference_slice(tmp_path / "data", per_file=2, files=tuple(f"{s}.jsonl" for s in SPLITS))
    by_prompt.update({b.prompt: b for b in mathif.load(data)})
    with FakeOpenAI(script) as server:
        data, results, out = run_lighteval(tmp_path, server.base_url, 64, monkeypatch)
        assert {r["max_tokens"] for r in server.requests} == {64} and all(
            r["stop"] == [] for r in server.requests
        )
    scored = assert_lighteval_equals_mathif(data, results, out, tmp_path)
    overall = scored["mathif_1_0_0_all"]
    assert 0 < overall["correctness"] < 1 and 0 < overall["hacc"] < 1


@pytest.mark.vllm
def test_lighteval_against_the_tiny_model(tmp_path, tiny_model, monkeypatch):
    require_vllm()
    server = ApiServer(tiny_model, tmp_path / "api_server.log")
    try:
        server.wait_ready()
        data, results, out = run_lighteval(tmp_path, server.base_url, 16, monkeypatch)
    finally:
        server.stop()
    assert_lighteval_equals_mathif(data, results, out, tmp_path)
    assert os.path.getsize(next(out.rglob("details_mathif_1_0_0_all|0_*.parquet"))) > 0
