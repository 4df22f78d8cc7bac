"""The openai backend checks each server once before any sample (``GET /models``), and a
server that refuses a request too long for its context stops the run at once: each with
one line that says what to fix, and no sample sent where none could succeed."""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core import forget_secrets
from curation.evaluation.backends import GenRequest
from curation.evaluation.backends.openai_backend import (
    MAX_LISTING_BYTES,
    MAX_MODEL_NAMES,
    OpenAIBackend,
    check_listing,
    length_refusal,
    served_models,
    unreachable_reason,
)
from curation.evaluation.config import OpenAIOptions, Sampling
from curation.evaluation.store import Generation
from tests.support.eval_support import FakeOpenAI, Models, Reply, openai_eval_args, reference_slice

runner = CliRunner()

# vLLM's refusal of a request whose prompt and max_tokens exceed --max-model-len (before 0.10)
VLLM_400 = (
    "This model's maximum context length is 4096 tokens. However, you requested 16500 tokens "
    "(116 in the messages, 16384 in the completion). Please reduce the length of the messages or "
    "completion."
)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eval_args(tmp_path: Path, url: str, *extra: str) -> list[str]:
    data = reference_slice(tmp_path / "d", per_file=3)  # 6 items, 12 prompts
    return openai_eval_args(data, tmp_path / "run", url, *extra)


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# a server that cannot be reached -------------------------------------------------------------------


def test_a_dead_url_fails_at_once_with_one_line_and_no_request(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/v1"
    started = time.monotonic()
    # the run file's backoff would be 0 s; the default's 1 s, 2 s, ... for 8 retries is what
    # the check spares: keep it, so that a regression shows as a slow test too
    data = reference_slice(tmp_path / "d", per_file=3)
    args = ["eval", str(data), "--model", "served", "--backend", "openai", "--out", str(tmp_path / "r")]
    result = runner.invoke(app, [*args, "--base-url", url])
    assert result.exit_code == 2, result.output
    assert one_error_line(result) == (
        f"error: cannot reach the server at {url} (connection refused); is it running? check --base-url"
    )
    assert time.monotonic() - started < 20  # not 12 samples x 9 attempts with backoff


def test_a_second_url_that_is_dead_stops_the_run_before_the_first_gets_a_sample(tmp_path):
    dead = f"http://127.0.0.1:{closed_port()}/v1"
    with FakeOpenAI() as server:
        result = runner.invoke(app, [*eval_args(tmp_path, server.base_url), "--base-url", dead])
    assert result.exit_code == 2, result.output
    assert f"cannot reach the server at {dead} (connection refused)" in one_error_line(result)
    assert not server.requests


def test_a_server_that_does_not_answer_the_check_in_time_is_unreachable(tmp_path):
    with FakeOpenAI(models=Models(delay=3.0)) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url, "--timeout", "0.5"))
    assert result.exit_code == 2, result.output
    assert one_error_line(result) == (
        f"error: cannot reach the server at {server.base_url} (no reply within 0.5 s); is it running? "
        "check --base-url"
    )
    assert not server.requests


def test_credentials_in_a_dead_url_are_not_printed(tmp_path):
    url = f"http://user:pw-s3cret@127.0.0.1:{closed_port()}/v1?token=tok-s3cret"
    result = runner.invoke(app, eval_args(tmp_path, url))
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert "cannot reach the server at http://127.0.0.1:" in line
    assert "s3cret" not in result.output


@pytest.mark.parametrize(
    "exc, reason",
    [
        (ConnectionRefusedError(111, "Connect call failed"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "unknown host"),
        (TimeoutError(), "no reply within 30 s"),
        (ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS error"),
        (OSError("Network is unreachable"), "Network is unreachable"),
    ],
)
def test_the_reason_a_server_cannot_be_reached_is_found_among_the_causes(exc, reason):
    outer = RuntimeError("Connection error.")
    middle = RuntimeError("All connection attempts failed")
    middle.__cause__ = exc
    outer.__cause__ = middle
    assert unreachable_reason(outer, 30.0).startswith(reason)


# the model list -----------------------------------------------------------------------------------


def test_a_model_the_server_does_not_serve_is_one_line_naming_what_it_serves(tmp_path):
    with FakeOpenAI(models=Models(names=("Qwen/Qwen3-8B", "lora-a"))) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url))
    assert result.exit_code == 2, result.output
    assert one_error_line(result) == (
        f"error: {server.base_url} does not serve the model 'served'; it serves 'Qwen/Qwen3-8B', "
        "'lora-a'; check --model"
    )
    assert not server.requests and len(server.listings) == 1


def test_a_long_model_list_is_shown_in_part():
    models = [(f"model-{i}", None) for i in range(12)]
    line = check_listing("http://h/v1", models, True, "mine", 100)
    assert line == (
        "http://h/v1 does not serve the model 'mine'; it serves 'model-0', 'model-1', 'model-2', "
        "'model-3', 'model-4' and 7 more; check --model"
    )


def test_the_check_sends_the_key_and_never_prints_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CHECK_TEST_KEY", "sk-check-4c1d2e3f5a")
    try:
        with FakeOpenAI(models=Models(names=("other",))) as server:
            result = runner.invoke(
                app, eval_args(tmp_path, server.base_url, "--api-key-env", "CHECK_TEST_KEY")
            )
    finally:
        forget_secrets()
    assert server.listings == ["Bearer sk-check-4c1d2e3f5a"]
    assert result.exit_code == 2 and "sk-check" not in result.output


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_one_line_before_any_sample(tmp_path, monkeypatch, status):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with FakeOpenAI(models=Models(status=status)) as server:
        unset = runner.invoke(app, eval_args(tmp_path, server.base_url))
        monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong-0a1b2c3d4e")
        try:
            wrong = runner.invoke(app, eval_args(tmp_path, server.base_url))
        finally:
            forget_secrets()
    assert unset.exit_code == wrong.exit_code == 2
    assert one_error_line(unset) == (
        f"error: {server.base_url}: the server wants an API key (HTTP {status}) and OPENAI_API_KEY is "
        "not set; set it, or name the variable that holds the key with --api-key-env"
    )
    assert one_error_line(wrong) == (
        f"error: {server.base_url}: the server refused the API key in OPENAI_API_KEY (HTTP {status}); "
        "check the key"
    )
    assert not server.requests and "sk-wrong" not in wrong.output


@pytest.mark.parametrize(
    "models",
    [
        Models(status=404),  # no such endpoint
        Models(status=500),  # a server that will not say
        Models(status=405),
        Models(raw=b"<html><body>It works!</body></html>"),
        Models(raw=b'{"models": ["served"]}'),  # some other shape
        Models(raw=b'{"data": [{"name": "x"}]}'),
        Models(names=()),  # an empty list proves nothing
    ],
    ids=["404", "500", "405", "html", "other shape", "no ids", "empty list"],
)
def test_a_server_without_a_model_list_is_used_unchecked(tmp_path, models):
    with FakeOpenAI(models=models) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url, "--no-constraint-run"))
    assert result.exit_code == 0, result.output
    assert len(server.listings) == 1 and len(server.requests) == 6


def test_a_model_list_is_read_within_bounds():
    big = b'{"data": [' + b",".join(b'{"id": "m%d"}' % i for i in range(MAX_MODEL_NAMES + 5)) + b"]}"
    models = served_models(big)
    assert models is not None and len(models) == MAX_MODEL_NAMES
    # not among the names read, in a list longer than that: nothing is concluded
    assert check_listing("http://h/v1", models, False, "zzz", 100) is None
    assert served_models(b"[" * 100_000) is None and served_models(b"\xff") is None
    assert MAX_LISTING_BYTES <= 1 << 24


def test_a_listing_longer_than_the_bound_is_not_read_and_the_run_goes_on(tmp_path):
    raw = b'{"data": [{"id": "' + b"x" * (MAX_LISTING_BYTES + 10) + b'"}]}'
    with FakeOpenAI(models=Models(raw=raw)) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url, "--no-constraint-run"))
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 6


# a context too short for --max-tokens ---------------------------------------------------------------


def test_a_listed_max_model_len_below_max_tokens_stops_the_run_before_any_sample(tmp_path):
    with FakeOpenAI(models=Models(max_model_len=4096)) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url))
        fits = runner.invoke(app, eval_args(tmp_path, server.base_url, "--max-tokens", "1000"))
    assert result.exit_code == 2, result.output
    assert one_error_line(result) == (
        f"error: {server.base_url}: the server cannot take --max-tokens 16384: its context for 'served' "
        "is 4096 tokens, for the prompt and the new tokens together; lower --max-tokens (now 16384) or "
        "raise the server's --max-model-len"
    )
    assert fits.exit_code == 0, fits.output  # and the folder the refused run made is taken over
    assert "takes the folder over (max_tokens 16384 -> 1000)" in fits.stderr
    assert len(server.requests) == 12 and {r["max_tokens"] for r in server.requests} == {1000}


def test_a_400_for_a_context_too_short_stops_the_run_after_a_handful_of_requests(tmp_path):
    def refuse(n, body):
        return Reply(400, error=VLLM_400)

    with FakeOpenAI(refuse) as server:  # a server whose listing says nothing of its context
        result = runner.invoke(app, eval_args(tmp_path, server.base_url, "--concurrency", "3"))
    assert result.exit_code == 2, result.output
    assert one_error_line(result) == (
        f"error: {server.base_url}: the server cannot take --max-tokens 16384: its context is 4096 "
        "tokens, for the prompt and the new tokens together; lower --max-tokens (now 16384) or raise "
        "the server's --max-model-len"
    )
    assert 1 <= len(server.requests) <= 3  # those in flight when the first refusal came, no more
    assert not (tmp_path / "run" / "generations.jsonl").read_bytes()


def test_other_400s_still_fail_only_their_sample(tmp_path):
    def refuse_one(n, body):
        prompt = body["messages"][-1]["content"]
        if prompt.startswith("Jordan"):
            return Reply(
                400,
                error="This model's maximum context length is 4096 tokens. However, "
                "your prompt contains 5000 input tokens, which exceeds this limit even "
                "without any output tokens.",
            )
        return Reply()

    with FakeOpenAI(refuse_one) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url, "--no-constraint-run"))
    assert result.exit_code == 1, result.output
    assert "1 of 6 samples could not be generated" in " ".join(result.output.split())
    assert len(server.requests) == 6


@pytest.mark.parametrize(
    "message, said",
    [
        (VLLM_400, "its context is 4096 tokens"),
        (
            "'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum context "
            "length is 4096 tokens and your request has 116 input tokens (16384 > 4096 - 116).",
            "its context is 4096 tokens",
        ),
        (
            "max_tokens=16384 cannot be greater than max_model_len=4096. Please request fewer output "
            "tokens. (parameter=max_tokens, value=16384)",
            "its context is 4096 tokens",
        ),
        (
            "Requested token count exceeds the model's maximum context length of 8192 tokens. You "
            "requested a total of 16500 tokens: 116 tokens from the input messages and 16384 tokens "
            "for the completion.",
            "its context is 8192 tokens",
        ),
        (
            "max_tokens is too large: 16384. This model supports at most 4096 completion tokens, "
            "whereas you provided 16384.",
            "it allows at most 4096 new tokens",
        ),
        ("the request exceeds the context window", "do not fit in its context"),
    ],
)
def test_the_wordings_of_a_context_too_short_are_read(message, said):
    got = length_refusal(f"Error code: 400 - {{'error': {{'message': {message!r}}}}}")
    assert got is not None and said in got


@pytest.mark.parametrize(
    "message",
    [
        "scripted 400",
        "Invalid 'messages': expected an array",
        "This model's maximum context length is 4096 tokens. However, your prompt contains 5000 "
        "input tokens, which exceeds this limit even without any output tokens.",
        "Input length (5000) exceeds model's maximum context length (4096).",
        "temperature must be in [0, 2]",
    ],
)
def test_other_refusals_are_not_read_as_a_context_too_short(message):
    assert length_refusal(message) is None


def test_the_check_is_one_request_per_server_and_not_per_sample():
    with FakeOpenAI() as a, FakeOpenAI() as b:
        backend = OpenAIBackend("served", OpenAIOptions(base_urls=(a.base_url, b.base_url)))
        reqs = [GenRequest(f"f:{i}", "plain", f"p{i}", (0,), i) for i in range(6)]
        got: list[Generation] = []
        backend.generate(reqs, Sampling(max_tokens=8), got.append)
    assert len(got) == 6 and len(a.listings) == len(b.listings) == 1
    assert len(a.requests) + len(b.requests) == 6 == backend.attempts  # attempts: chat requests
