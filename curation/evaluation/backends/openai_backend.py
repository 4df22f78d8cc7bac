"""Any OpenAI-compatible chat completions server (``vllm serve``, a hosted API).

One request per sample (``n=1``, the sample's own seed), spread round-robin
over the base URLs, at most ``concurrency`` in flight.  429, 5xx, 408/409 and
timeouts or broken connections are retried with exponential backoff and
jitter (``Retry-After`` honoured, capped); 401/403/404 stop the run at once
(a wrong key or model name would fail every request); any other refusal
marks that sample failed and the run goes on.  The API key is read from the
environment variable named by ``api_key_env`` and is never written anywhere.
A system prompt, if set, comes before the prompt; chat-template arguments go in
the request body as ``chat_template_kwargs`` (vLLM's and SGLang's extension).
A server that returns the reasoning apart from the answer
(``reasoning_content``/``reasoning``) gets it put back as ``<think>...</think>``.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from curation.core import InputError
from curation.evaluation.backends.base import BackendReport, Emit, Failure, GenRequest, chat_messages
from curation.evaluation.config import NO_CHAT_OPTIONS, ChatOptions, OpenAIOptions, Sampling
from curation.evaluation.store import Generation

FATAL = (401, 403, 404)
RETRY = (408, 409, 425, 429)


def single_samples(requests: Sequence[GenRequest]) -> list[GenRequest]:
    """One request per sample, each with its own seed."""
    return [
        GenRequest(r.key, r.run, r.prompt, (s,), r.seed + pos)
        for r in requests
        for pos, s in enumerate(r.samples)
    ]


def output_text(message: Any) -> str:
    content = getattr(message, "content", None) or ""
    reasoning = getattr(message, "reasoning_content", None) or getattr(message, "reasoning", None)
    if isinstance(reasoning, str) and reasoning and "</think>" not in content:
        return f"<think>{reasoning}</think>{content}"
    return content


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
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
        wait = min(o.retry_max_delay, o.retry_base_delay * 2**attempt) * (0.5 + random.random() / 2)
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
        return asyncio.run(self._run(single_samples(requests), sampling, emit))

    async def _run(self, requests: list[GenRequest], sampling: Sampling, emit: Emit) -> BackendReport:
        from openai import AsyncOpenAI

        key = os.environ.get(self.options.api_key_env) or "EMPTY"
        clients = [
            AsyncOpenAI(base_url=url, api_key=key, timeout=self.options.timeout, max_retries=0)
            for url in self.options.base_urls
        ]
        report = BackendReport()
        pending = deque(requests)
        fatal: list[str] = []
        turn = 0

        def next_client() -> tuple[Any, str]:
            nonlocal turn
            i = turn % len(clients)
            turn += 1
            return clients[i], self.options.base_urls[i]

        async def worker() -> None:
            while pending and not fatal:
                request = pending.popleft()
                await self._one(request, sampling, emit, next_client, report, fatal)

        try:
            await asyncio.gather(*(worker() for _ in range(min(self.options.concurrency, len(requests)))))
        finally:
            for client in clients:
                await client.close()
        if fatal:
            raise InputError(None, None, fatal[0])
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
            try:
                response = await client.chat.completions.create(
                    model=self.model,
                    messages=chat_messages(request.prompt, self.chat),
                    temperature=sampling.temperature,
                    top_p=sampling.top_p,
                    max_tokens=sampling.max_tokens,
                    seed=request.seed,
                    n=1,
                    **self._extra,
                )
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
            choices = getattr(response, "choices", None) or []
            if not choices:
                report.failures.append(Failure(request, f"{url}: a response without choices"))
                return
            choice = choices[0]
            usage = getattr(response, "usage", None)
            tokens = getattr(usage, "completion_tokens", None) if usage is not None else None
            emit(
                Generation(
                    key=request.key,
                    run=request.run,
                    sample=request.samples[0],
                    output=output_text(choice.message),
                    finish_reason=getattr(choice, "finish_reason", None),
                    completion_tokens=tokens if isinstance(tokens, int) else None,
                )
            )
            return
        report.failures.append(
            Failure(request, f"gave up after {self.options.max_retries + 1} attempts ({last})")
        )
