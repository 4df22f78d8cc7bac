"""Replies of unexpected shape from an OpenAI-compatible server (no vLLM): validated before
anything is written, odd but sound shapes accepted, anything else a failed attempt that is
retried; the run folder always reads back, and the run never crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curation.cli import app
from curation.core.errors import InputError
from curation.evaluation.backends import GenRequest
from curation.evaluation.backends.openai_backend import OpenAIBackend
from curation.evaluation.backends.reply import BadReply, decode_reply, generation_of_reply, read_reply
from curation.evaluation.config import OpenAIOptions, Sampling
from curation.evaluation.store import Generation, RunFolder, generation_from_row
from tests.support.eval_support import (
    FakeOpenAI,
    PerPrompt,
    Reply,
    Sleeps,
    openai_eval_args,
    reference_slice,
    run_record,
)

runner = CliRunner()
SAMPLING = Sampling(max_tokens=16)


def msg(content: Any, **extra: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content, **extra}


def reply(message: Any = None, finish: Any = "stop", usage: Any = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "choices": [{"index": 0, "message": message or msg("ok"), "finish_reason": finish}]
    }
    if usage is not None:
        doc["usage"] = usage
    return doc | top


# the validator, a pure function ------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc, output, finish, tokens",
    [
        (reply(msg("plain"), usage={"completion_tokens": 4}), "plain", "stop", 4),
        (
            reply(msg([{"type": "text", "text": "<think>a</think>"}, "B ", {"type": "text", "text": "C"}])),
            "<think>a</think>B C",
            "stop",
            None,
        ),
        (reply(msg([])), "", "stop", None),
        (reply(msg("x"), finish=None), "x", None, None),
        (reply(msg("x"), usage={"completion_tokens": -3}), "x", "stop", None),
        (reply(msg("x"), usage={"completion_tokens": True}), "x", "stop", None),
        (reply(msg("x"), usage={"completion_tokens": 2.5}), "x", "stop", None),
        (reply(msg("x"), usage="lots"), "x", "stop", None),
        (reply(msg("a\ud800b\udfff")), "a\ufffdb\ufffd", "stop", None),
        (reply(msg("x"), finish="st\ud800p"), "x", "st\ufffdp", None),
        (reply(msg("ans", reasoning_content="think")), "<think>think</think>ans", "stop", None),
        (
            reply(msg(None, reasoning_content="only thinking"), finish="length"),
            "<think>only thinking</think>",
            "length",
            None,
        ),
        (
            reply(msg("ans", reasoning_content="", reasoning=[{"type": "text", "text": "r"}])),
            "<think>r</think>ans",
            "stop",
            None,
        ),
        (
            reply(msg("<think>own</think>ans", reasoning_content="apart")),
            "<think>own</think>ans",
            "stop",
            None,
        ),
    ],
)
def test_sound_replies_of_every_shape_become_a_checked_generation(doc, output, finish, tokens):
    gen = generation_of_reply(doc, "f.jsonl:1", "constraints", 2)
    assert gen == Generation("f.jsonl:1", "constraints", 2, output, finish, tokens)


@pytest.mark.parametrize(
    "doc, reason",
    [
        ([1, 2], "is a list, not a JSON object"),
        ("text", "is a string, not a JSON object"),
        ({"id": "x"}, "without choices"),
        ({"choices": []}, "without choices"),
        ({"choices": "many"}, "without choices"),
        ({"choices": [5]}, "the first choice is a number, not an object"),
        ({"choices": [{"message": "hi"}]}, "no message object"),
        (reply(msg(5)), "message.content is a number, not text"),
        (reply(msg(True)), "message.content is a boolean, not text"),
        (reply(msg({"text": "x"})), "message.content is an object, not text"),
        (reply(msg(None)), "has no content"),
        (reply({"role": "assistant"}), "has no content"),
        (reply(msg([{"type": "image_url", "image_url": {}}])), "message.content[0] is of type 'image_url'"),
        (reply(msg(["a", 3])), "message.content[1] is a number"),
        (reply(msg([{"type": "text", "text": 3}])), "message.content[0] is of type 'text', not a text part"),
        (reply(msg("x", reasoning_content=7)), "message.reasoning_content is a number"),
        (reply(msg("x"), finish=5), "finish_reason is a number, not a string or null"),
        (reply(msg("x"), finish=["stop"]), "finish_reason is a list"),
    ],
)
def test_replies_of_any_other_shape_are_a_reason_not_an_exception(doc, reason):
    got = generation_of_reply(doc, "f.jsonl:1", "plain", 0)
    assert isinstance(got, BadReply) and reason in got.reason


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "not JSON (8 bytes)"),
        (b'{"choices": [{"index": 0, "mess', "not JSON"),
        (b"<html><body>502 Bad Gateway</body></html>", "not JSON"),
        (b"", "not JSON (0 bytes)"),
        (b'{"choices": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"n": ' + b"9" * 5000 + b"}", "not JSON"),
    ],
)
def test_bodies_that_are_not_json_are_a_reason(body, reason):
    got = decode_reply(body)
    assert isinstance(got, BadReply) and reason in got.reason
    assert read_reply(body, "k", "plain", 0) == got


def test_a_lone_escaped_surrogate_in_a_body_is_replaced_and_the_line_reads_back(tmp_path):
    body = b'{"choices": [{"message": {"role": "assistant", "content": "x \\ud800 y \\udc00"}, "finish_reason": "stop"}]}'
    gen = read_reply(body, "f.jsonl:1", "constraints", 0)
    assert isinstance(gen, Generation) and gen.output == "x \ufffd y \ufffd"
    with RunFolder(tmp_path / "r", run_record()) as folder:
        folder.append(gen)
    with RunFolder(tmp_path / "r", run_record()) as folder:
        assert folder.done[gen.id] == gen


# the record itself refuses what the reader would refuse --------------------------------------------


@pytest.mark.parametrize(
    "fields, problem",
    [
        (("", "constraints", 0, "x"), "field 'key'"),
        (("k", "other", 0, "x"), "field 'run'"),
        (("k", "plain", -1, "x"), "field 'sample'"),
        (("k", "plain", True, "x"), "field 'sample'"),
        (("k", "plain", 0, 5), "field 'output' must be a string"),
        (("k", "plain", 0, ["a"]), "field 'output' must be a string"),
        (("k", "plain", 0, "a\ud800"), "field 'output' holds a lone surrogate"),
        (("k", "plain", 0, "x", 5), "field 'finish_reason'"),
        (("k", "plain", 0, "x", "stop", -3), "field 'completion_tokens'"),
        (("k", "plain", 0, "x", "stop", True), "field 'completion_tokens'"),
        (("k", "plain", 0, "x", "stop", 1.5), "field 'completion_tokens'"),
    ],
)
def test_a_generation_refuses_what_the_folder_could_not_read_back(tmp_path, fields, problem):
    with pytest.raises(ValueError, match=problem):
        Generation(*fields)
    names = ("key", "run", "sample", "output", "finish_reason", "completion_tokens")
    with pytest.raises(InputError, match=f"g.jsonl:3: {problem}"):
        generation_from_row(dict(zip(names, fields, strict=False)), Path("g.jsonl"), 3)


# the backend: a bad reply is a failed attempt, retried -----------------------------------------------

BAD: dict[str, Reply] = {
    "content number": Reply(message=msg(5)),
    "content object": Reply(message=msg({"text": "x"})),
    "content null": Reply(message=msg(None)),
    "content image part": Reply(message=msg([{"type": "image_url", "image_url": {"url": "x"}}])),
    "reasoning number": Reply(message=msg("x", reasoning_content=3)),
    "finish_reason 5": Reply(finish_reason=5),
    "no choices": Reply(raw=b'{"id": "x", "choices": []}'),
    "a list": Reply(raw=b"[1, 2, 3]"),
    "not json": Reply(raw=b"not json"),
    "truncated json": Reply(raw=b'{"id": "cmpl-1", "choices": [{"index": 0, "mess'),
    "html 200": Reply(raw=b"<html><body>Bad Gateway</body></html>", content_type="text/html"),
    "html sent as json": Reply(raw=b"<!doctype html><html></html>"),
    "not utf-8": Reply(raw=b'{"choices": "\xff\xfe"}'),
    "body cut short": Reply(raw=b'{"id": "cmpl-1", "choi', length=400),
}
# sound replies of odd shape: (reply, what is written)
ODD: dict[str, tuple[Reply, str]] = {
    "content parts": (
        Reply(
            message=msg([{"type": "text", "text": "<think>t</think>"}, "SO ", {"type": "text", "text": "5"}])
        ),
        "<think>t</think>SO 5",
    ),
    "lone surrogate": (Reply(content="a\ud800b"), "a\ufffdb"),
    "negative tokens": (Reply(content="neg", usage={"completion_tokens": -3}), "neg"),
    "bool tokens": (Reply(content="bool", usage={"completion_tokens": True}), "bool"),
    "null finish_reason": (Reply(content="nf", finish_reason=None), "nf"),
}


def backend(url: str, **options: Any) -> OpenAIBackend:
    opts = OpenAIOptions(base_urls=(url,), **({"retry_base_delay": 0.0, "retry_max_delay": 0.0} | options))
    return OpenAIBackend("served", opts, sleep=Sleeps())


ONE = [GenRequest("f.jsonl:1", "constraints", "prompt", (0,), 1)]


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_reply_is_retried_and_the_retry_is_written(name):
    with FakeOpenAI(lambda n, body: BAD[name] if n == 0 else Reply(content="fine")) as server:
        b = backend(server.base_url)
        got: list[Generation] = []
        report = b.generate(ONE, SAMPLING, got.append)
    assert not report.failures and b.attempts == 2
    assert [(g.output, g.finish_reason) for g in got] == [("fine", "stop")]


@pytest.mark.parametrize("name", list(BAD))
def test_a_reply_that_stays_bad_fails_that_sample_with_its_reason(name):
    with FakeOpenAI(lambda n, body: BAD[name]) as server:
        b = backend(server.base_url, max_retries=2)
        got: list[Generation] = []
        report = b.generate(ONE, SAMPLING, got.append)
    assert not got and b.attempts == 3 and len(report.failures) == 1
    error = report.failures[0].error
    assert error.startswith("gave up after 3 attempts (")
    assert server.base_url in error or "connection error" in error  # a body cut short: the connection broke
    assert "Traceback" not in error and len(error) < 400


@pytest.mark.parametrize("name", list(ODD))
def test_odd_but_sound_replies_are_written_as_their_text(name):
    sent, written = ODD[name]
    with FakeOpenAI(lambda n, body: sent) as server:
        got: list[Generation] = []
        report = backend(server.base_url).generate(ONE, SAMPLING, got.append)
    assert not report.failures and [g.output for g in got] == [written]


# the whole command against a server that mixes every bad shape with good replies -------------------


class Mixed(PerPrompt):
    """The first attempt of the i-th prompt seen gets the i-th shape of ``shapes`` (bad or odd);
    later attempts get ``after`` (None: a good reply)."""

    def __init__(self, shapes: list[Reply], after: Reply | None = None):
        super().__init__()
        self.shapes, self.after = shapes, after

    def __call__(self, n: int, body: dict[str, Any]) -> Reply:
        index, attempt = self.count(body)
        if attempt == 1 and index < len(self.shapes):
            return self.shapes[index]
        return self.after or Reply()

    def prompts_given(self, names: set[str], table: dict[str, Any]) -> set[str]:
        wanted = {i for i, name in enumerate(table) if name in names}
        return {p for p, i in self.seen.items() if i in wanted}


def eval_args(tmp_path: Path, url: str, *extra: str) -> list[str]:
    data = reference_slice(tmp_path / "d", per_file=10)  # 20 items, 40 prompts
    return openai_eval_args(data, tmp_path / "run", url, "--concurrency", "4", *extra)


def lines(path: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_bytes().decode("utf-8").splitlines()]
    for number, row in enumerate(rows, start=1):
        generation_from_row(row, path, number)  # every line is one the folder reads back
    return rows


def test_a_run_against_a_server_mixing_every_bad_shape_finishes_with_retries(tmp_path):
    shapes = [*BAD.values(), *(r for r, _ in ODD.values())]
    script = Mixed(shapes)
    with FakeOpenAI(script) as server:
        result = runner.invoke(app, eval_args(tmp_path, server.base_url))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and result.exception is None
    assert len(server.requests) == 40 + len(BAD)  # each bad reply once more, the odd ones never
    rows = lines(tmp_path / "run" / "generations.jsonl")
    assert len(rows) == 40
    outputs = {r["output"] for r in rows}
    assert {written for _, written in ODD.values()} <= outputs
    assert {r["completion_tokens"] for r in rows if r["output"] in ("neg", "bool")} == {None}
    # the folder reads back: the same command again reuses everything and asks for nothing
    with FakeOpenAI(lambda n, body: Reply(500)) as idle:
        again = runner.invoke(app, eval_args(tmp_path, idle.base_url))
    assert again.exit_code == 0, again.output
    assert not idle.requests and "0 samples generated, 40 reused" in " ".join(again.output.split())


def test_bad_replies_without_retries_are_failed_samples_and_the_rerun_makes_only_those(tmp_path):
    script = Mixed(list(BAD.values()))
    with FakeOpenAI(script) as server:
        first = runner.invoke(app, eval_args(tmp_path, server.base_url, "--max-retries", "0"))
    assert first.exit_code == 1, first.output
    assert f"{len(BAD)} of 40 samples could not be generated" in " ".join(first.output.split())
    assert "Traceback" not in first.output and len(first.stderr.strip().splitlines()) == 1
    assert len(lines(tmp_path / "run" / "generations.jsonl")) == 40 - len(BAD)
    failed = script.prompts_given(set(BAD), BAD)
    with FakeOpenAI() as healthy:
        second = runner.invoke(app, eval_args(tmp_path, healthy.base_url, "--max-retries", "0"))
    assert second.exit_code == 0, second.output
    assert {b["messages"][-1]["content"] for b in healthy.requests} == failed
    assert len(healthy.requests) == len(BAD)
    assert len(lines(tmp_path / "run" / "generations.jsonl")) == 40
