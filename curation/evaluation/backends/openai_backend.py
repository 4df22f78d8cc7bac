"""Any OpenAI-compatible chat completions server (``vllm serve``, a hosted API).

Each server is checked once before any sample is asked for (``GET /models``,
bounded in time and size, see :func:`check_listing`): one that cannot be
reached, refuses the key, does not serve ``--model`` or lists a context too
short for ``--max-tokens`` (vLLM lists its ``max_model_len``) stops the run at
once with one line, rather than after every sample has failed and been
retried; a server without that endpoint, or whose reply is not a model list,
is used unchecked (hosted APIs differ).

Then one request per sample (``n=1``, the sample's own seed), spread round-robin
over the base URLs, at most ``concurrency`` in flight.  429, 5xx, 408/409 and
timeouts or broken connections are retried with exponential backoff and
jitter (``Retry-After`` honoured, capped); 401/403/404 stop the run at once
(a wrong key or model name would fail every request), and so does a refusal
that says the prompt and ``max_tokens`` do not fit in the server's context
(:func:`length_refusal`: every other sample would be refused alike); any other
refusal marks that sample failed and the run goes on.  A reply that is not a
sound completion (not JSON, truncated, HTML, a message of an unexpected shape:
see ``reply.py``), or any other exception while reading it, is retried like a
5xx.  Requests are made one sample at a time from the plan, never all at once.
The API key is read from the environment variable named by ``api_key_env``,
registered as a secret (masked in every message) and never written anywhere.
A system prompt, if set, comes before the prompt; chat-template arguments go in
the request body as ``chat_template_kwargs`` (vLLM's and SGLang's extension).
A server that returns the reasoning apart from the answer
(``reasoning_content``/``reasoning``) gets it put back as ``<think>...</think>``.

Under an intervention (``--intervention``, see ``intervention.py``) each sample is made
in segments through the raw completions endpoint (``POST /completions``: a chat endpoint
cannot continue the assistant's message), driving the sample's
:class:`~curation.evaluation.intervention.SampleState`: the chat is rendered here with the
model's tokenizer (``tokens.py``), each segment's prompt is the token ids of that text and
the output so far (:func:`segment_request` has the exact fields, the same settings as the
vllm backend's segments), and its reply is read by ``reply.py``.  A sample's segments go
one after another, to one server while it answers (its prefix cache holds the sample),
to the next one on a retry; at most ``concurrency`` samples are in flight.  Each segment
is retried and refused as a chat request is; a segment that fails for good fails its
sample.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from curation.core import InputError, redact, register_secret
from curation.evaluation.backends.base import BackendReport, Emit, Failure, GenRequest, chat_messages
from curation.evaluation.backends.reply import BadReply, piece_of_completion, read_reply
from curation.evaluation.config import NO_CHAT_OPTIONS, ChatOptions, Intervention, OpenAIOptions, Sampling
from curation.evaluation.intervention import Ask, Piece, start
from curation.evaluation.store import Generation

if TYPE_CHECKING:
    from curation.evaluation.backends.tokens import Tokens

FATAL = (401, 403, 404)
RETRY = (408, 409, 425, 429)
KEY_REFUSED = (401, 403)
LENGTH_STATUSES = (400, 413, 422)  # how servers refuse a request too long for their context

CHECK_TIMEOUT = 30.0  # seconds at most for the check of one server (or --timeout, if shorter)
MAX_LISTING_BYTES = 1 << 20  # a /models reply longer than this is not read (the server is untrusted)
MAX_MODEL_NAMES = 10_000  # model names read from a listing at most
SHOWN_MODELS = 5  # model names a message shows at most

NO_INTERVENTION = Intervention()  # a plain run: one chat request per sample

T = TypeVar("T")
Pick = Callable[[int], tuple[Any, str]]  # attempt number -> (client, base URL) to send it to


def single_samples(requests: Sequence[GenRequest]) -> Iterator[GenRequest]:
    """One request per sample, each with its own seed, made as the workers take them."""
    for r in requests:
        for pos, s in enumerate(r.samples):
            yield GenRequest(r.key, r.run, r.prompt, (s,), r.seed + pos, r.constraints)


def _short(text: str, limit: int = 200) -> str:
    """One line of at most ``limit`` characters, secrets masked first (a cut must not leave
    part of a key)."""
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown_url(url: str) -> str:
    """A base URL for a message: no credentials, no query (a token may sit in either)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


# a request too long for the server's context ---------------------------------------------------

# The refusals of servers whose context cannot hold the prompt and max_tokens; e.g. vLLM:
#   "This model's maximum context length is 4096 tokens. However, you requested 16500 tokens
#    (116 in the messages, 16384 in the completion). ..."                            (< 0.10)
#   "'max_tokens' or 'max_completion_tokens' is too large: 16384. This model's maximum context
#    length is 4096 tokens and your request has 116 input tokens (16384 > 4096 - 116)."
#   "max_tokens=16384 cannot be greater than max_model_len=4096. Please request fewer output
#    tokens."                                                                        (newer)
# SGLang: "Requested token count exceeds the model's maximum context length of 4096 tokens.
# ..."; OpenAI: "max_tokens is too large: 16384. This model supports at most 4096 completion
# tokens, ...".
_LENGTH = re.compile(
    r"context length|context window|max_model_len|maximum model length"
    r"|max_(?:completion_)?tokens\W[^.]{0,40}too large|at most \d+ (?:completion|output) tokens",
    re.IGNORECASE,
)
# ... but a prompt too long by itself is that sample's failure: lowering --max-tokens cannot help
_PROMPT_ALONE = re.compile(
    r"without any output tokens|your prompt contains|prompt \(length \d+\) is longer"
    r"|input length \(\d+\) exceeds",
    re.IGNORECASE,
)
_CONTEXT_LIMIT = re.compile(
    r"maximum context length (?:is |of )?(\d+)|max_model_len\s*(?:=|is|\()?\s*(\d+)"
    r"|context (?:length|window) (?:is |of )?\(?(\d+)",
    re.IGNORECASE,
)
_COMPLETION_LIMIT = re.compile(r"at most (\d+) (?:completion|output) tokens", re.IGNORECASE)
_SEARCHED = 8000  # characters of a refusal searched (a server may echo a long request)


def length_refusal(message: str) -> str | None:
    """What a server's refusal says about a request too long for its context ("its context is
    4096 tokens, ..."), or None: the refusal is about something else, or about a prompt too
    long by itself."""
    text = message[:_SEARCHED]
    if not _LENGTH.search(text) or _PROMPT_ALONE.search(text):
        return None
    if m := _CONTEXT_LIMIT.search(text):
        limit = next(g for g in m.groups() if g)
        return f"its context is {limit} tokens, for the prompt and the new tokens together"
    if m := _COMPLETION_LIMIT.search(text):
        return f"it allows at most {m.group(1)} new tokens"
    return "the prompt and the new tokens do not fit in its context"


def length_advice(where: str, why: str, max_tokens: int) -> str:
    """The one line of a server whose context is too short for ``--max-tokens``."""
    return (
        f"{where}: the server cannot take --max-tokens {max_tokens}: {why}; lower --max-tokens "
        f"(now {max_tokens}) or raise the server's --max-model-len"
    )


# the segments of an intervention run -------------------------------------------------------------


def segment_request(model: str, sampling: Sampling, ask: Ask, tokens: Tokens, prompt: str) -> dict[str, Any]:
    """The arguments of ``completions.create`` for one segment of a sample of ``prompt``: the
    token ids of the rendered chat and the output so far, the segment's budget and seed, at
    least ``ask.min_tokens`` tokens; a segment of the thinking stops at the end-of-thinking
    marker (its id when it is one token, else the string).  No ``chat_template_kwargs``: the
    template is rendered here."""
    extra: dict[str, Any] = {"min_tokens": ask.min_tokens}
    args: dict[str, Any] = {
        "model": model,
        "prompt": tokens.ids(tokens.prefix(prompt) + ask.text),
        "max_tokens": ask.max_tokens,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "seed": ask.seed,
        "n": 1,
    }
    if ask.thinking and tokens.stop_strings is not None:
        args["stop"] = tokens.stop_strings
    if ask.thinking and tokens.stop_token_ids is not None:
        extra["stop_token_ids"] = tokens.stop_token_ids
    return args | {"extra_body": extra}


# the check of a server before any sample ---------------------------------------------------------


def served_models(body: bytes) -> list[tuple[str, int | None]] | None:
    """``(name, max_model_len or None)`` of the first :data:`MAX_MODEL_NAMES` models of a
    ``/models`` reply (OpenAI's ``{"data": [{"id": ...}, ...]}``; vLLM adds
    ``max_model_len``), or None: the reply is not a model list."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        return None
    models: list[tuple[str, int | None]] = []
    for entry in data[:MAX_MODEL_NAMES]:
        name = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            return None  # not a model list after all
        limit = entry.get("max_model_len")
        sound = isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
        models.append((name, limit if sound else None))
    return models


def check_listing(
    where: str, models: list[tuple[str, int | None]], complete: bool, model: str, max_tokens: int
) -> str | None:
    """The one line that stops the run before any sample, given the models a server lists
    (``complete``: the whole list was read), or None: the run may go on."""
    if not models:
        return None  # an empty list proves nothing (a key that sees no model, say)
    limits = dict(models)
    if model not in limits:
        if not complete:
            return None  # it may be further down the list
        names = ", ".join(repr(_short(name, 80)) for name, _ in models[:SHOWN_MODELS])
        more = f" and {len(models) - SHOWN_MODELS} more" if len(models) > SHOWN_MODELS else ""
        return f"{where} does not serve the model {model!r}; it serves {names}{more}; check --model"
    limit = limits[model]
    if limit is not None and max_tokens >= limit:  # no room is left for even one prompt token
        why = f"its context for {model!r} is {limit} tokens, for the prompt and the new tokens together"
        return length_advice(where, why, max_tokens)
    return None


def unreachable_reason(exc: BaseException, timeout: float) -> str:
    """Why a server could not be reached, in a few words, from an exception and its causes."""
    seen: BaseException | None = exc
    innermost = exc
    for _ in range(10):  # the causes of a connection error: SDK -> httpx -> OSError (bounded: a cycle)
        if seen is None:
            break
        if isinstance(seen, TimeoutError) or "Timeout" in type(seen).__name__:
            return f"no reply within {timeout:g} s"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, socket.gaierror):
            return "unknown host"
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {_short(str(seen), 120)}"
        innermost = seen
        seen = seen.__cause__ or seen.__context__
    return _short(str(innermost) or type(innermost).__name__, 120)


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
        intervention: Intervention = NO_INTERVENTION,
        tokenizer: str | None = None,
        trust_remote_code: bool = False,
    ):
        self.model = model
        self.options = options
        self.chat = chat
        self.intervention = intervention
        self.tokenizer = tokenizer
        self.trust_remote_code = trust_remote_code
        self._sleep = sleep
        self._key = os.environ.get(options.api_key_env) or None
        register_secret(self._key)  # a server that echoes the request never gets it printed
        self.attempts = 0  # every request sent, retries and segments included (for tests and logs)
        self._tokens: Tokens | None = None

    def close(self) -> None:
        pass

    @property
    def _extra(self) -> dict[str, Any]:
        """vLLM's (and SGLang's) extension for template arguments, sent only when set."""
        kwargs = self.chat.chat_template_kwargs
        return {"extra_body": {"chat_template_kwargs": kwargs}} if kwargs else {}

    def segment_tokens(self) -> Tokens:
        """The tokenizer of an intervention run, with its chat options and marker (loaded once)."""
        if self._tokens is None:
            from curation.evaluation.backends.tokens import Tokens, load_tokenizer, resolve_marker

            tokenizer = load_tokenizer(self.tokenizer or self.model, self.trust_remote_code)
            marker = self.intervention.think_end
            if marker is None:
                marker = resolve_marker(tokenizer, None)
            self._tokens = Tokens(tokenizer, marker, self.chat)
        return self._tokens

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
        tokens = self.segment_tokens() if self.intervention.active else None
        total = sum(r.n for r in requests)
        return asyncio.run(self._run(single_samples(requests), total, sampling, emit, tokens))

    async def _run(
        self,
        requests: Iterator[GenRequest],
        total: int,
        sampling: Sampling,
        emit: Emit,
        tokens: Tokens | None = None,
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
                if tokens is None:
                    await self._one(request, sampling, emit, next_client, report, fatal)
                else:
                    await self._sample(request, sampling, emit, tokens, next_client, report, fatal)

        try:
            await self._check_servers(clients, sampling.max_tokens)
            await asyncio.gather(*(worker() for _ in range(min(self.options.concurrency, total))))
        finally:
            for client in clients:
                await client.close()
        if fatal:
            raise InputError(None, None, redact(fatal[0]))
        return report

    async def _check_servers(self, clients: Sequence[Any], max_tokens: int) -> None:
        """Check every server at once before any sample; the first problem, in the order of
        the base URLs, is raised (a server that cannot be reached is worth one line now, not
        retries with backoff on every sample)."""
        problems = await asyncio.gather(
            *(
                self._check_server(client, url, max_tokens)
                for client, url in zip(clients, self.options.base_urls, strict=True)
            )
        )
        for problem in problems:
            if problem is not None:
                raise InputError(None, None, redact(problem))

    async def _check_server(self, client: Any, url: str, max_tokens: int) -> str | None:
        """``GET {url}/models``, bounded in time and size: the line that stops the run, or None."""
        import openai

        where = shown_url(url)
        timeout = min(self.options.timeout, CHECK_TIMEOUT)
        try:
            body = await asyncio.wait_for(self._listing(client, timeout), timeout + 1.0)
        except openai.APIStatusError as exc:
            if exc.status_code in KEY_REFUSED:
                return self._key_refused(where, exc.status_code)
            return None  # no such endpoint, or a server that will not say: go on unchecked
        except (openai.APIConnectionError, TimeoutError) as exc:
            why = unreachable_reason(exc, timeout)
            return f"cannot reach the server at {where} ({why}); is it running? check --base-url"
        if body is None:
            return None
        models = served_models(body)
        if models is None:
            return None  # not a model list: hosted APIs differ
        complete = len(models) < MAX_MODEL_NAMES
        return check_listing(where, models, complete, self.model, max_tokens)

    @staticmethod
    async def _listing(client: Any, timeout: float) -> bytes | None:
        """The body of ``GET /models`` (None: longer than :data:`MAX_LISTING_BYTES`, or broken
        off: a reply that cannot be read is no model list)."""
        async with client.models.with_streaming_response.list(timeout=timeout) as response:
            chunks: list[bytes] = []
            size = 0
            try:
                async for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_LISTING_BYTES:
                        return None
                    chunks.append(chunk)
            except Exception:  # a body cut short or malformed: the headers came, so the server is up
                return None
            return b"".join(chunks)

    def _key_refused(self, where: str, status: int) -> str:
        env = self.options.api_key_env
        if self._key is None:
            return (
                f"{where}: the server wants an API key (HTTP {status}) and {env} is not set; set it, "
                "or name the variable that holds the key with --api-key-env"
            )
        return f"{where}: the server refused the API key in {env} (HTTP {status}); check the key"

    async def _one(
        self,
        request: GenRequest,
        sampling: Sampling,
        emit: Emit,
        next_client: Callable[[], tuple[Any, str]],
        report: BackendReport,
        fatal: list[str],
    ) -> None:
        """One sample through the chat endpoint, each attempt to the next server."""

        async def send(client: Any) -> bytes:
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
            return raw.content  # parsed by reply.py: the SDK's parser trusts the server

        def read(body: bytes) -> Generation | BadReply:
            return read_reply(body, request.key, request.run, request.samples[0])

        outcome = await self._attempts(
            request, send, read, lambda attempt: next_client(), sampling.max_tokens, report, fatal
        )
        if outcome is not None:
            emit(outcome)

    async def _sample(
        self,
        request: GenRequest,
        sampling: Sampling,
        emit: Emit,
        tokens: Tokens,
        next_client: Callable[[], tuple[Any, str]],
        report: BackendReport,
        fatal: list[str],
    ) -> None:
        """One sample under the intervention, segment after segment through the completions
        endpoint; its segments stay with one server until an attempt fails there."""
        state = start(
            self.intervention, tokens.marker, sampling.max_tokens, request.seed, request.constraints
        )
        home = next_client()

        def pick(attempt: int) -> tuple[Any, str]:
            nonlocal home
            if attempt > 0:
                home = next_client()
            return home

        def read(body: bytes) -> Piece | BadReply:
            return piece_of_completion(body, tokens.count)

        while (ask := state.ask()) is not None:
            if fatal:
                return
            args = segment_request(self.model, sampling, ask, tokens, request.prompt)

            async def send(client: Any, args: dict[str, Any] = args) -> bytes:
                raw = await client.completions.with_raw_response.create(**args)
                return raw.content

            piece = await self._attempts(
                request, send, read, pick, sampling.max_tokens, report, fatal, f"segment {ask.step + 1}: "
            )
            if piece is None:
                return
            state.take(piece)
        try:
            generation = state.generation(request.key, request.run, request.samples[0])
        except ValueError as exc:  # cannot happen with a request's own key, run and sample
            report.failures.append(Failure(request, str(exc)))
            return
        emit(generation)

    async def _attempts(
        self,
        request: GenRequest,
        send: Callable[[Any], Awaitable[bytes]],
        read: Callable[[bytes], T | BadReply],
        pick: Pick,
        max_tokens: int,
        report: BackendReport,
        fatal: list[str],
        label: str = "",
    ) -> T | None:
        """``send`` (one request to a client, its reply body) until ``read`` makes something of
        the reply, under the retry policy (see the module's doc); None: the request failed for
        good (in ``report``, or in ``fatal``: the run stops)."""
        import openai

        last = ""
        for attempt in range(self.options.max_retries + 1):
            if fatal:
                return None
            client, base_url = pick(attempt)
            url = shown_url(base_url)  # for messages: no credentials, no query
            self.attempts += 1
            outcome: T | BadReply
            try:
                body = await send(client)
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status in FATAL:
                    fatal.append(f"{url}: the server refused with HTTP {status} ({_short(str(exc))})")
                    return None
                too_long = length_refusal(str(exc)) if status in LENGTH_STATUSES else None
                if too_long is not None:  # every other sample would be refused alike
                    fatal.append(length_advice(url, too_long, max_tokens))
                    return None
                if status in RETRY or status >= 500:
                    last = f"HTTP {status}"
                    if attempt < self.options.max_retries:
                        await self._sleep(self.delay(attempt, exc))
                    continue
                report.failures.append(Failure(request, f"{label}{url}: HTTP {status} ({_short(str(exc))})"))
                return None
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
                outcome = read(body)
            if isinstance(outcome, BadReply):
                last = f"{url}: {outcome.reason}"
                if attempt < self.options.max_retries:
                    await self._sleep(self.delay(attempt))
                continue
            return outcome
        report.failures.append(
            Failure(request, f"{label}gave up after {self.options.max_retries + 1} attempts ({last})")
        )
        return None
