"""The openai backend against a scripted OpenAI-compatible server on 127.0.0.1 (no vLLM):
retries and backoff, timeouts, refusals, bounded concurrency, several base URLs, reasoning
returned apart, and the API key never written anywhere."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation.backends import GenRequest
from curation.evaluation.backends.openai_backend import OpenAIBackend
from curation.evaluation.config import ChatOptions, OpenAIOptions, Sampling
from tests.support.eval_support import FakeOpenAI, Reply, Sleeps, reference_slice

runner = CliRunner()
SAMPLING = Sampling(temperature=0.7, top_p=0.9, max_tokens=33, samples=1, seed=5)


def requests(n: int, samples: tuple[int, ...] = (0,)) -> list[GenRequest]:
    return [GenRequest(f"f.jsonl:{i + 1}", "constraints", f"prompt {i}", samples, 100 + i) for i in range(n)]


def backend(urls: list[str], sleeps: Sleeps | None = None, **options) -> OpenAIBackend:
    opts = OpenAIOptions(
        base_urls=tuple(urls), **({"retry_base_delay": 0.5, "retry_max_delay": 8.0} | options)
    )
    return OpenAIBackend("served-model", opts, sleep=sleeps or Sleeps())


def run(b: OpenAIBackend, reqs: list[GenRequest]):
    got = []
    report = b.generate(reqs, SAMPLING, got.append)
    return got, report


def test_requests_carry_the_sampling_settings_one_sample_each():
    with FakeOpenAI() as server:
        got, report = run(backend([server.base_url]), requests(2, samples=(0, 1, 2)))
    assert not report.failures and len(got) == 6
    bodies = sorted(server.requests, key=lambda b: (b["messages"][0]["content"], b["seed"]))
    assert [b["seed"] for b in bodies] == [100, 101, 102, 101, 102, 103]
    assert {(b["model"], b["temperature"], b["top_p"], b["max_tokens"], b["n"]) for b in bodies} == {
        ("served-model", 0.7, 0.9, 33, 1)
    }
    assert bodies[0]["messages"] == [{"role": "user", "content": "prompt 0"}]
    assert sorted((g.key, g.sample) for g in got) == [(f"f.jsonl:{i}", s) for i in (1, 2) for s in (0, 1, 2)]
    assert {(g.finish_reason, g.completion_tokens) for g in got} == {("stop", 7)}


def test_a_system_prompt_and_chat_template_arguments_are_sent_when_set():
    chat = ChatOptions("You are careful.", {"enable_thinking": True})
    with FakeOpenAI() as server:
        b = OpenAIBackend(
            "served-model", OpenAIOptions(base_urls=(server.base_url,)), sleep=Sleeps(), chat=chat
        )
        got, report = run(b, requests(1))
        plain, _ = run(backend([server.base_url]), requests(1))
    assert not report.failures and len(got) == len(plain) == 1
    with_chat, without = server.requests
    assert with_chat["messages"] == [
        {"role": "system", "content": "You are careful."},
        {"role": "user", "content": "prompt 0"},
    ]
    assert with_chat["chat_template_kwargs"] == {"enable_thinking": True}
    assert without["messages"] == [{"role": "user", "content": "prompt 0"}]
    assert "chat_template_kwargs" not in without  # never sent to servers that may not know it


def test_429_and_5xx_are_retried_with_growing_backoff_and_retry_after():
    script = {0: Reply(429, headers={"retry-after": "3"}), 1: Reply(500), 2: Reply(503)}
    sleeps = Sleeps()
    with FakeOpenAI(lambda n, body: script.get(n, Reply())) as server:
        b = backend([server.base_url], sleeps)
        got, report = run(b, requests(1))
    assert len(got) == 1 and not report.failures and b.attempts == 4 == len(server.requests)
    first, second, third = sleeps.delays
    assert first >= 3.0  # Retry-After honoured (base delay 0.5 would give at most 0.5)
    assert 0.5 <= second <= 1.0 and 1.0 <= third <= 2.0  # 0.5 * 2**k, jitter in [50 %, 100 %]


def test_backoff_is_capped():
    sleeps = Sleeps()
    with FakeOpenAI(lambda n, body: Reply(502, headers={"retry-after": "999"})) as server:
        b = backend([server.base_url], sleeps, max_retries=6)
        got, report = run(b, requests(1))
    assert not got and b.attempts == 7 and len(sleeps.delays) == 6 and max(sleeps.delays) <= 8.0
    assert "gave up after 7 attempts (HTTP 502)" in report.failures[0].error


def test_a_request_that_times_out_is_retried():
    with FakeOpenAI(lambda n, body: Reply(delay=3.0) if n == 0 else Reply()) as server:
        b = backend([server.base_url], timeout=1.0)
        got, report = run(b, requests(1))
    assert len(got) == 1 and not report.failures and b.attempts == 2


def test_other_refusals_fail_that_sample_only():
    with FakeOpenAI(
        lambda n, body: Reply(400) if body["messages"][0]["content"] == "prompt 1" else Reply()
    ) as server:
        b = backend([server.base_url])
        got, report = run(b, requests(3))
    assert sorted(g.key for g in got) == ["f.jsonl:1", "f.jsonl:3"]
    assert [f.request.key for f in report.failures] == ["f.jsonl:2"] and "HTTP 400" in report.failures[
        0
    ].error
    assert b.attempts == 3  # no retry on 400


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refused_key_or_model_stops_the_run_at_once(status):
    with FakeOpenAI(lambda n, body: Reply(status)) as server:
        b = backend([server.base_url], concurrency=1)
        with pytest.raises(InputError, match=f"HTTP {status}"):
            run(b, requests(20))
    assert len(server.requests) == 1


def test_concurrency_is_bounded():
    with FakeOpenAI(lambda n, body: Reply(delay=0.2)) as server:
        got, _ = run(backend([server.base_url], concurrency=3), requests(12))
    assert len(got) == 12 and server.max_inflight == 3


def test_requests_are_spread_over_the_base_urls():
    with FakeOpenAI() as a, FakeOpenAI() as b:
        got, _ = run(backend([a.base_url, b.base_url], concurrency=2), requests(10))
    assert len(got) == 10 and len(a.requests) == 5 and len(b.requests) == 5


def test_a_retry_goes_to_the_next_server():
    with FakeOpenAI(lambda n, body: Reply(503)) as down, FakeOpenAI() as up:
        got, report = run(backend([down.base_url, up.base_url], concurrency=1), requests(3))
    assert len(got) == 3 and not report.failures and len(up.requests) == 3


def test_reasoning_returned_apart_is_put_back_in_think_tags():
    with FakeOpenAI(lambda n, body: Reply(content="final \\boxed{1}", reasoning="let me see")) as server:
        got, _ = run(backend([server.base_url]), requests(1))
    assert got[0].output == "<think>let me see</think>final \\boxed{1}"


def test_eval_cli_against_a_server_never_writes_the_key(tmp_path, monkeypatch):
    canary = "sk-canary-5f1e0c7d9a"
    monkeypatch.setenv("MY_PROVIDER_KEY", canary)
    data = reference_slice(tmp_path / "d", per_file=2)
    out = tmp_path / "run"
    with FakeOpenAI() as server:
        result = runner.invoke(
            app,
            [
                "eval",
                str(data),
                "--model",
                "served-model",
                "--backend",
                "openai",
                "--out",
                str(out),
                "--base-url",
                server.base_url,
                "--api-key-env",
                "MY_PROVIDER_KEY",
                "--samples",
                "2",
            ],
        )
    assert result.exit_code == 0, result.output
    assert set(server.auth) == {f"Bearer {canary}"}  # sent to the server...
    assert len(server.requests) == 4 * 2 * 2
    for path in out.rglob("*"):  # ...and nowhere else
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
    assert canary not in result.output
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_json["info"]["settings"]["openai"]["api_key_env"] == "MY_PROVIDER_KEY"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["samples"] == 8 and summary["run"]["backend"] == "openai"


def test_credentials_in_a_base_url_are_not_written(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=1)
    with FakeOpenAI() as server:
        url = server.base_url.replace("http://", "http://user:s3cr3t-pw@") + "?token=abc123"
        result = runner.invoke(
            app,
            [
                "eval",
                str(data),
                "--model",
                "m",
                "--backend",
                "openai",
                "--out",
                str(tmp_path / "r"),
                "--base-url",
                url,
            ],
        )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "r" / "run.json").read_text(encoding="utf-8")
    assert "s3cr3t-pw" not in text and "abc123" not in text and f"127.0.0.1:{server.port}/v1" in text


def test_a_run_with_failures_exits_1_and_the_rerun_asks_only_for_those(tmp_path):
    data = reference_slice(tmp_path / "d", per_file=3)
    args = [
        "eval",
        str(data),
        "--model",
        "m",
        "--backend",
        "openai",
        "--out",
        str(tmp_path / "r"),
        "--no-constraint-run",
    ]
    bad = "gsm8k_single"

    def flaky(n, body):
        return Reply(400) if body["messages"][0]["content"].startswith("Jordan") else Reply()

    with FakeOpenAI(flaky) as server:
        first = runner.invoke(app, [*args, "--base-url", server.base_url])
    assert first.exit_code == 1 and "1 of 6 samples could not be generated" in first.output, first.output
    assert bad in first.output
    with FakeOpenAI() as server:
        second = runner.invoke(app, [*args, "--base-url", server.base_url])
    assert second.exit_code == 0, second.output
    assert [b["messages"][0]["content"][:6] for b in server.requests] == ["Jordan"]
