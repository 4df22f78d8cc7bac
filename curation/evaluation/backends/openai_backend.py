"""Any OpenAI-compatible chat completions server (``vllm serve``, a hosted API).

One request per sample (``n=1``, the sample's own seed), spread round-robin
over the base URLs, at most ``concurrency`` in flight.  429, 5xx, 408/409 and
timeouts or broken connections are retried with exponential backoff and
jitter (``Retry-After`` honoured, capped); 401/403/404 stop the run at once
(a wrong key or model name would fail every request); any other refusal
marks that sample failed and the run goes on.  A reply that is not a sound
completion (not JSON, truncated, HTML, a message of an unexpected shape: see
``reply.py``), or any other exception while reading it, is retried like a 5xx.
Requests are made one sample at a time from the plan, never all at once.  The
API key is read from the environment variable named by ``api_key_env``,
registered as a secret (masked in every message) and never written anywhere.
A system prompt, if set, comes before the prompt; chat-template arguments go in
the request body as ``chat_template_kwargs`` (vLLM's and SGLang's extension).
A server that returns the reasoning apart from the answer
(``reasoning_content``/``reasoning``) gets it put back as ``<think>...</think>``.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from curation.core import InputError, redact, register_secret
from curation.evaluation.backends.base import BackendReport, Emit, Failure, GenRequest, chat_messages
from curation.evaluation.backends.reply import BadReply, read_reply
from curation.evaluation.config import NO_CHAT_OPTIONS, ChatOptions, OpenAIOptions, Sampling
from curation.evaluation.store import Generation

FATAL = (401, 403, 404)
RETRY = (408, 409, 425, 429)


def single_samples(requests: Sequence[GenRequest]) -> Iterator[GenRequest]:
    """One request per sample, each with its own seed, made as the workers take them."""
    for r in requests:
        for pos, s in enumerate(r.samples):
            yield GenRequest(r.key, r.run, r.prompt, (s,), r.seed + pos)


def _short(text: str, limit: int = 200) -> str:
    """One line of at most ``limit`` characters, secrets masked first (a cut must not leave
    part of a key)."""
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    value = headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class OpenAIBackend:
    def __init__(
        self,
        model: str,
        options: OpenAIOptions,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        *,
        chat: ChatOptions = NO_CHAT_OPTIONS,
    ):
        self.model = model
        self.options = options
        self.chat = chat
        self._sleep = sleep
        self._key = os.environ.get(options.api_key_env) or None
        register_secret(self._key)  # a server that echoes the request never gets it printed
        self.attempts = 0  # every HTTP request sent, retries included (for tests and logs)

    def close(self) -> None:
        pass

    @property
    def _extra(self) -> dict[str, Any]:
        """vLLM's (and SGLang's) extension for template arguments, sent only when set."""
        kwargs = self.chat.chat_template_kwargs
        return {"extra_body": {"chat_template_kwargs": kwargs}} if kwargs else {}

    def delay(self, attempt: int, exc: Exception | None = None) -> float:
        o = self.options
        growth = 2 ** min(attempt, 64)  # max_retries is bounded; a float overflows past 2**1023 anyway
        wait = min(o.retry_max_delay, o.retry_base_delay * growth) * (0.5 + random.random() / 2)
        hinted = _retry_after(exc) if exc is not None else None
        if hinted is not None:
            wait = max(wait, min(hinted, o.retry_max_delay))
        return wait

    def generate(self, requests: Sequence[GenRequest], sampling: Sampling, emit: Emit) -> BackendReport:
        if not requests:
            return BackendReport()
        try:
            import openai  # noqa: F401
        except ImportError:
            raise InputError(
                None, None, "--backend openai needs the openai package: pip install 'mathif[eval]'"
            ) from None
        total = sum(r.n for r in requests)
        return asyncio.run(self._run(single_samples(requests), total, sampling, emit))

    async def _run(
        self, requests: Iterator[GenRequest], total: int, sampling: Sampling, emit: Emit
    ) -> BackendReport:
        from openai import AsyncOpenAI

        clients = [
            AsyncOpenAI(
                base_url=url, api_key=self._key or "EMPTY", timeout=self.options.timeout, max_retries=0
            )
            for url in self.options.base_urls
        ]
        report = BackendReport()
        fatal: list[str] = []
        turn = 0

        def next_client() -> tuple[Any, str]:
            nonlocal turn
            i = turn % len(clients)
            turn += 1
            return clients[i], self.options.base_urls[i]

        async def worker() -> None:
            for request in requests:  # one shared iterator: each worker takes the next sample
                if fatal:
                    return
                await self._one(request, sampling, emit, next_client, report, fatal)

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.options.concurrency, total))))
        finally:
            for client in clients:
                await client.close()
        if fatal:
            raise InputError(None, None, redact(fatal[0]))
        return report

    async def _one(
        self,
        request: GenRequest,
        sampling: Sampling,
        emit: Emit,
        next_client: Callable[[], tuple[Any, str]],
        report: BackendReport,
        fatal: list[str],
    ) -> None:
        import openai

        last = ""
        for attempt in range(self.options.max_retries + 1):
            if fatal:
                return
            client, url = next_client()
            self.attempts += 1
            outcome: Generation | BadReply
            try:
                raw = await client.chat.completions.with_raw_response.create(
                    model=self.model,
                    messages=chat_messages(request.prompt, self.chat),
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_tokens,
                    seed=request.seed,
                    n=1,
                    **self._extra,
                )
                body = raw.content  # parsed here, by reply.py: the SDK's parser trusts the server
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status in FATAL:
                    fatal.append(f"{url}: the server refused with HTTP {status} ({_short(str(exc))})")
                    return
                if status in RETRY or status >= 500:
                    last = f"HTTP {status}"
                    if attempt < self.options.max_retries:
                        await self._sleep(self.delay(attempt, exc))
                    continue
                report.failures.append(Failure(request, f"{url}: HTTP {status} ({_short(str(exc))})"))
                return
            except openai.APIConnectionError as exc:  # timeouts included
                last = (
                    "timeout"
                    if isinstance(exc, openai.APITimeoutError)
                    else f"connection error ({_short(str(exc))})"
                )
                if attempt < self.options.max_retries:
                    await self._sleep(self.delay(attempt))
                continue
            except Exception as exc:  # anything else about a reply (a validation error, a decoder's)
                outcome = BadReply(f"{type(exc).__name__}: {_short(str(exc))}")
            else:
                outcome = read_reply(body, request.key, request.run, request.samples[0])
            if isinstance(outcome, BadReply):
                last = f"{url}: {outcome.reason}"
                if attempt < self.options.max_retries:
                    await self._sleep(self.delay(attempt))
                continue
            emit(outcome)
            return
        report.failures.append(
            Failure(request, f"gave up after {self.options.max_retries + 1} attempts ({last})")
        )
