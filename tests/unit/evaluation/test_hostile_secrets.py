"""A server that echoes the request (its Authorization header) back: the API key never
reaches the terminal, a message or any file of the run folder, not even cut in half."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core import forget_secrets, register_secret
from curation.evaluation.backends import BackendReport, Failure, GenRequest
from curation.evaluation.config import Sampling, make_config
from curation.evaluation.run import EvalIncomplete, run_eval
from curation.evaluation.store import Generation
from tests.support.eval_support import FakeOpenAI, PerPrompt, Reply, openai_eval_args, reference_slice

runner = CliRunner()
KEY = "sk-canary-5f1e0c7d9a31"
ENV = "HOSTILE_TEST_KEY"
# "Error code: 400 - " (18) + padding + " for Bearer " (12) puts the key at character 190 of
# the SDK's message: a message cut at 200 characters before masking would show its start
PAD = "x" * 160


@pytest.fixture(autouse=True)
def _secrets(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv(ENV, KEY)
    yield
    forget_secrets()


def leaks(text: str) -> bool:
    return KEY in text or KEY[:9] in text  # the whole key, or the part a cut would leave


def files_with_the_key(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and KEY[:9].encode() in p.read_bytes()]


class Echo(PerPrompt):
    """Per prompt: first a 500 echoing the request (retried); then, by the prompt's order, a 400
    echoing it (that sample fails), or a 200 whose answer quotes the Authorization header."""

    def __init__(self, server_auth: list[str]):
        super().__init__()
        self.auth = server_auth

    def __call__(self, n: int, body: dict[str, Any]) -> Reply:
        index, attempt = self.count(body)
        auth = self.auth[n]
        if attempt == 1:
            return Reply(500, echo=True, error=PAD)
        if index % 2:
            return Reply(400, echo=True, error=PAD)
        return Reply(content=f"you sent {auth} \\boxed{{5}}")


def eval_args(tmp_path: Path, url: str) -> list[str]:
    data = reference_slice(tmp_path / "d", per_file=2)
    return openai_eval_args(data, tmp_path / "run", url, "--api-key-env", ENV)


def test_a_server_echoing_the_key_in_errors_and_answers_never_gets_it_printed_or_written(tmp_path):
    with FakeOpenAI() as server:
        server.script = Echo(server.auth)
        result = runner.invoke(app, eval_args(tmp_path, server.base_url))
    assert set(server.auth) == {f"Bearer {KEY}"}  # the key was sent...
    assert result.exit_code == 1, result.output  # the 400s are failed samples
    assert "samples could not be generated" in result.stderr and "HTTP 400" in result.stderr
    assert "***" in result.stderr  # the echo was there, masked
    assert not leaks(result.output) and not leaks(result.stderr) and not leaks(result.stdout)
    assert not files_with_the_key(tmp_path / "run")  # ...and is nowhere in the folder
    gens = (tmp_path / "run" / "generations.jsonl").read_text(encoding="utf-8")
    assert "you sent Bearer ***" in gens  # an answer quoting the key is written masked


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_echoing_the_key_stops_the_run_with_one_masked_line(tmp_path, status):
    with FakeOpenAI(lambda n, body: Reply(status, echo=True, error=PAD)) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"HTTP {status}" in lines[0] and "***" in lines[0]
    assert not leaks(result.output) and not files_with_the_key(tmp_path / "run")


class LeakyBackend:
    """A backend whose failure messages and outputs carry the key."""

    def generate(self, requests: Sequence[GenRequest], sampling: Sampling, emit) -> BackendReport:
        report = BackendReport()
        for r in requests:
            if r.key.endswith(":1"):
                report.failures.append(Failure(r, f"the server said: key {KEY} is fine"))
            else:
                emit(Generation(r.key, r.run, 0, f"echo {KEY}", f"stop-{KEY}", 3))
        return report

    def close(self) -> None:
        pass


def test_failures_notes_and_generations_of_any_backend_are_masked(tmp_path):
    register_secret(KEY)
    assert Failure(GenRequest("k", "plain", "p", (0,), 0), f"x {KEY} y").error == "x *** y"
    data = reference_slice(tmp_path / "d", per_file=2)
    out = tmp_path / f"run-{KEY}"  # even a path naming the key is masked in messages
    config = make_config({"dataset": data, "model": "m", "out": out, "backend": "openai"})
    notes: list[str] = []
    with pytest.raises(EvalIncomplete) as err:
        run_eval(config, backend_factory=lambda _c: LeakyBackend(), note=notes.append)
    assert "key *** is fine" in str(err.value) and not leaks(str(err.value))
    gens = (out / "generations.jsonl").read_text(encoding="utf-8")
    assert "echo ***" in gens and "stop-***" in gens and KEY not in gens
    with (out / "generations.jsonl").open("ab") as fh:  # a torn line: the next run notes it
        fh.write(b'{"key": ')
    with pytest.raises(EvalIncomplete):
        run_eval(config, backend_factory=lambda _c: LeakyBackend(), note=notes.append)
    assert notes and all("***" in n and not leaks(n) for n in notes)
