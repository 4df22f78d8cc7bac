"""Shared helpers of the eval tests: small datasets and a fake OpenAI-compatible server.

The fake server (``FakeOpenAI``) listens on 127.0.0.1 on a free port, answers
``POST /v1/chat/completions`` with a scripted behaviour per request (status,
delay, body), records every request (and the in-flight maximum) and is shut
down by the tests.  ``POST /v1/completions`` (the raw endpoint of an intervention
run's segments) is scripted and recorded the same way, apart (its own script,
request numbers and list).  ``GET /v1/models`` answers as its :class:`Models` say
(by default a list of the model names the tests ask for), counted apart.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from curation.evaluation.records import GenerationSettings, RunInfo, RunRecord
from tests.support.paths import REFERENCE


def reference_slice(
    dest: Path, per_file: int, files: tuple[str, ...] = ("gsm8k_single.jsonl", "math500_double.jsonl")
) -> Path:
    """A folder with the first ``per_file`` lines of some files of MathIF's release."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in files:
        lines = (REFERENCE / name).read_text(encoding="utf-8").splitlines()[:per_file]
        (dest / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def copy_reference(dest: Path, name: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REFERENCE / name, dest / name)
    return dest / name


class Sleeps:
    """An OpenAI backend's ``sleep`` that records the backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


def run_record(model: str = "m", **generation: Any) -> RunRecord:
    """A run.json record for opening a ``RunFolder`` directly (settings as given, else fixed)."""
    settings = {
        "model": model,
        "backend": "openai",
        "temperature": 1.0,
        "top_p": 0.95,
        "max_tokens": 16384,
        "samples": 1,
        "seed": 0,
        "dataset_sha256": "0" * 64,
        "model_files_sha256": None,
        "chat_template_sha256": None,
        "system_prompt": None,
        "chat_template_kwargs": None,
        "dtype": None,
        "max_model_len": None,
    } | generation
    info = RunInfo(mathif_version="test", dataset="d", items=1, runs=["constraints"], settings={})
    return RunRecord(GenerationSettings(**settings), info)


USAGE = {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0
    content: str | None = None  # None: an answer made from the prompt (completions: the text)
    reasoning: str | None = None  # returned apart, as vLLM's reasoning parsers do
    headers: dict[str, str] = field(default_factory=dict)
    # hostile replies: any JSON value in place of the message, finish_reason or usage
    message: Any = None  # the whole message object (None: made from content and reasoning)
    choice: Any = None  # completions: the whole first choice (None: made from content)
    finish_reason: Any = "stop"
    usage: Any = field(default_factory=lambda: dict(USAGE))
    raw: bytes | None = None  # the body exactly (no JSON made), sent with content_type
    content_type: str = "application/json"
    length: int | None = None  # a content-length other than the body's (a truncated body)
    error: str | None = None  # the message of an error body (None: "scripted <status>")
    echo: bool = False  # an error body that repeats the request's Authorization header and body


Script = Callable[[int, dict[str, Any]], Reply]  # (request number from 0, body) -> reply

SERVED = ("served", "served-model", "m")  # the model names the tests ask a fake server for


@dataclass
class Models:
    """What ``GET /v1/models`` answers: the listed names (vLLM's ``max_model_len`` with each
    if set), or a status other than 200, a body exactly (``raw``), after ``delay`` seconds."""

    names: tuple[str, ...] = SERVED
    max_model_len: int | None = None
    status: int = 200
    raw: bytes | None = None
    delay: float = 0.0

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.status != 200:
            return json.dumps({"error": {"message": f"scripted {self.status}", "type": "x"}}).encode()
        cards = [
            {"id": name, "object": "model", "owned_by": "fake"}
            | ({"max_model_len": self.max_model_len} if self.max_model_len is not None else {})
            for name in self.names
        ]
        return json.dumps({"object": "list", "data": cards}).encode()


def default_answer(body: dict[str, Any]) -> str:
    prompt = body["messages"][-1]["content"]
    return f"<think>the prompt has {len(prompt)} characters</think>THE ANSWER IS \\boxed{{42}}"


def default_completion(n: int) -> str:
    return f"segment {n} of the completions"


class FakeOpenAI:
    def __init__(
        self, script: Script | None = None, models: Models | None = None, completions: Script | None = None
    ):
        self.script = script or (lambda n, body: Reply())
        self.completions = completions or (lambda n, body: Reply())
        self.models = models or Models()
        self.requests: list[dict[str, Any]] = []  # chat requests only
        self.auth: list[str] = []
        self.completion_requests: list[dict[str, Any]] = []  # POST /v1/completions, in order of arrival
        self.completion_auth: list[str] = []
        self.listings: list[str] = []  # the Authorization header of each GET /v1/models
        self.inflight = 0
        self.max_inflight = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers

            def setup(self) -> None:
                super().setup()  # headers and body go out in two writes: no Nagle delay between them
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                models = outer.models
                if self.path.rstrip("/") != "/v1/models":
                    status, data = 404, b'{"detail": "Not Found"}'
                else:
                    with outer._lock:
                        outer.listings.append(self.headers.get("authorization", ""))
                    if models.delay:
                        time.sleep(models.delay)
                    status, data = models.status, models.body()
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                raw_route = self.path.rstrip("/") == "/v1/completions"
                with outer._lock:
                    bodies, auth = (
                        (outer.completion_requests, outer.completion_auth)
                        if raw_route
                        else (outer.requests, outer.auth)
                    )
                    n = len(bodies)
                    bodies.append(body)
                    auth.append(self.headers.get("authorization", ""))
                    outer.inflight += 1
                    outer.max_inflight = max(outer.max_inflight, outer.inflight)
                try:
                    reply = (outer.completions if raw_route else outer.script)(n, body)
                    if reply.delay:
                        time.sleep(reply.delay)
                    if reply.raw is not None:
                        data = reply.raw
                    elif reply.status != 200:
                        said = reply.error if reply.error is not None else f"scripted {reply.status}"
                        if reply.echo:
                            said += f" for {self.headers.get('authorization', '')} asking {json.dumps(body)}"
                        data = json.dumps({"error": {"message": said, "type": "x"}}).encode()
                    else:
                        if raw_route:
                            kind, choice = "text_completion", reply.choice
                            if choice is None:
                                text = reply.content if reply.content is not None else default_completion(n)
                                choice = {"index": 0, "text": text, "finish_reason": reply.finish_reason}
                        else:
                            message: Any = reply.message
                            if message is None:
                                message = {
                                    "role": "assistant",
                                    "content": reply.content
                                    if reply.content is not None
                                    else default_answer(body),
                                }
                                if reply.reasoning is not None:
                                    message["reasoning_content"] = reply.reasoning
                            kind = "chat.completion"
                            choice = {"index": 0, "message": message, "finish_reason": reply.finish_reason}
                        data = json.dumps(
                            {
                                "id": f"cmpl-{n}",
                                "object": kind,
                                "created": 0,
                                "model": body.get("model", "?"),
                                "choices": [choice],
                                "usage": reply.usage,
                            }
                        ).encode()
                    try:
                        self.send_response(reply.status)
                        self.send_header("content-type", reply.content_type)
                        length = reply.length if reply.length is not None else len(data)
                        self.send_header("content-length", str(length))
                        for k, v in reply.headers.items():
                            self.send_header(k, v)
                        self.end_headers()
                        self.wfile.write(data)
                        if length != len(data):  # a body cut short: the connection ends mid-body
                            self.close_connection = True
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client timed out and left
                finally:
                    with outer._lock:
                        outer.inflight -= 1

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default backlog (5) drops connections opened at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PerPrompt:
    """A script for :class:`FakeOpenAI` that knows, for each request, the order in which its
    prompt was first seen and how many times it has been asked (threads share it)."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.lock = threading.Lock()

    def count(self, body: dict[str, Any]) -> tuple[int, int]:
        """(the prompt's index in order of first sight, this request's attempt number from 1)."""
        prompt = body["messages"][-1]["content"]
        with self.lock:
            index = self.seen.setdefault(prompt, len(self.seen))
            attempt = self.attempts[prompt] = self.attempts.get(prompt, 0) + 1
        return index, attempt


def openai_eval_args(data: Path, out: Path, url: str, *extra: str) -> list[str]:
    """``mathif eval`` with the openai backend against ``url``, retrying without waiting."""
    run_file = out.parent / f"{out.name}-fast.toml"
    run_file.write_text("retry-base-delay = 0.0\nretry-max-delay = 0.0\n", encoding="utf-8")
    return [
        "eval",
        str(data),
        "--model",
        "served",
        "--backend",
        "openai",
        "--out",
        str(out),
        "--base-url",
        url,
        "--config",
        str(run_file),
        *extra,
    ]
