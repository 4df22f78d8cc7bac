"""``mathif eval`` and ``mathif compare`` as functions: the I/O edge around the pure parts.

generate what is missing (resumable) -> score with ``curation.scoring`` ->
``summary.json``, ``items.jsonl``, ``report.md`` and ``plots/*.png`` in the run folder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from constraints import CHECKER_SEMANTICS
from curation.core import (
    InputError,
    Progress,
    ServiceFailure,
    __version__,
    atomic_file,
    no_progress,
    open_dataset,
    redact,
    write_atomic,
)
from curation.evaluation.backends import Backend, GenRequest, make_backend, prompt_seed
from curation.evaluation.config import EvalConfig, Sampling, describe
from curation.evaluation.data import EvalItem, eval_items, fingerprint
from curation.evaluation.records import GenerationSettings, RunInfo, RunRecord
from curation.evaluation.report.markdown import render_report
from curation.evaluation.report.plots import PLOTS, write_plots
from curation.evaluation.samples import SAMPLES
from curation.evaluation.score import Generations, InMemory, ScoreSettings
from curation.evaluation.store import (
    RUN_JSON,
    Generation,
    GenKey,
    RunFolder,
    model_fingerprint,
    taken_over_note,
)
from curation.evaluation.summary import EvalSummary, RunDescription, summary_of
from curation.evaluation.workers import score_items

SUMMARY = "summary.json"
ITEMS = "items.jsonl"
REPORT = "report.md"
PLOTS_DIR = "plots"


class EvalIncomplete(ServiceFailure):
    """Some samples could not be generated; the folder keeps everything that was."""


@dataclass(frozen=True)
class EvalOutcome:
    summary: EvalSummary
    generated: int  # samples made by this invocation
    reused: int  # samples found in the folder


def plan_requests(
    items: Sequence[EvalItem], runs: Sequence[str], sampling: Sampling, done: Any
) -> Iterator[GenRequest]:
    """What is missing: a whole prompt as one request with n samples, else one per sample."""
    n = sampling.samples
    for e in items:
        for run in runs:
            missing = [s for s in range(n) if (e.key, run, s) not in done]
            if not missing:
                continue
            seed = prompt_seed(sampling.seed, e.key, run)
            asked = e.item.descriptions if run == "constraints" else ()
            if len(missing) == n:
                yield GenRequest(e.key, run, e.prompt_for(run), tuple(range(n)), seed, asked)
            else:
                for s in missing:
                    yield GenRequest(e.key, run, e.prompt_for(run), (s,), seed + s, asked)


def generation_settings(config: EvalConfig, items: Sequence[EvalItem]) -> GenerationSettings:
    """Every setting that changes what the model generates (compared on resume)."""
    local = config.backend == "vllm"
    files_sha, template_sha = model_fingerprint(config.model) if local else (None, None)
    if config.intervention.active:  # the chat template is rendered here, from the tokenizer
        template_sha = model_fingerprint(config.tokenizer or config.model)[1]
    s = config.sampling
    return GenerationSettings(
        model=config.model,
        backend=config.backend,
        temperature=s.temperature,
        top_p=s.top_p,
        max_tokens=s.max_tokens,
        samples=s.samples,
        seed=s.seed,
        dataset_sha256=fingerprint(items),
        model_files_sha256=files_sha,
        chat_template_sha256=template_sha,
        system_prompt=config.chat.system_prompt,
        chat_template_kwargs=config.chat.chat_template_kwargs,
        dtype=config.vllm.dtype if local else None,
        max_model_len=config.vllm.max_model_len if local else None,
        intervention=config.intervention.settings(),
        tokenizer=config.tokenizer if config.intervention.active else None,
    )


def with_marker(config: EvalConfig) -> EvalConfig:
    """The config of an intervention run with its end-of-thinking marker resolved from the
    tokenizer (recorded in run.json, so a resumed run must end its thinking alike)."""
    iv = config.intervention
    if not iv.active:
        return config
    from curation.evaluation.backends.tokens import load_tokenizer, resolve_marker

    tokenizer = load_tokenizer(config.tokenizer or config.model, config.vllm.trust_remote_code)
    marker = resolve_marker(tokenizer, iv.think_end)
    return dataclasses.replace(config, intervention=dataclasses.replace(iv, think_end=marker))


def _safe_url(url: str) -> str:
    """A base URL without credentials or query (never written with a secret in it)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def run_info(config: EvalConfig, items: Sequence[EvalItem]) -> RunInfo:
    settings = describe(config)
    settings["openai"]["base_urls"] = [_safe_url(u) for u in config.openai.base_urls]
    return RunInfo(
        mathif_version=__version__,
        checker_semantics=CHECKER_SEMANTICS,
        dataset=str(config.dataset),
        items=len(items),
        runs=list(config.runs),
        settings=settings,
    )


def semantics_change(path: Path, recorded: str | None) -> str | None:
    """The line that tells the user that the results recorded in ``path`` were scored under
    other checker semantics than this mathif's (None: the same ones, or none recorded).
    Never a refusal: the generations stay valid, only the verdicts are recomputed."""
    if recorded is None or recorded == CHECKER_SEMANTICS:
        return None
    return (
        f"{path}: this run was scored under checker semantics {recorded}; it is rescored now "
        f"under {CHECKER_SEMANTICS} (see the README's changelog of checker semantics)"
    )


def recorded_semantics(out: Path) -> str | None:
    """The checker semantics of the ``summary.json`` already in ``out`` (None: there is
    none, or it cannot be read: it is replaced either way)."""
    path = out / SUMMARY
    if not path.is_file():
        return None
    try:
        return EvalSummary.read(path).run.checker_semantics
    except InputError:
        return None


def run_eval(
    config: EvalConfig,
    on_generation: Callable[[int, int], None] | None = None,
    backend_factory: Callable[[EvalConfig], Backend] = make_backend,
    note: Callable[[str], None] = lambda _msg: None,
) -> EvalOutcome:
    """Generate what is missing, then score and write the report.  ``on_generation(done, total)``
    is called after each sample is written.  Every note and failure message has the registered
    secrets masked.  Nothing is held per wanted sample: only per prompt and per sample made."""

    def say(message: str) -> None:
        note(redact(message))

    dataset = open_dataset(config.dataset)
    items = eval_items(dataset, config.limit)
    config = with_marker(config)
    record = RunRecord(generation_settings(config, items), run_info(config, items))
    with RunFolder(config.out, record) as folder:
        # what the folder was scored under: run.json, else a summary.json left by an older run
        # (one whose rerun stopped before scoring has a run.json of this mathif already)
        recorded = [(folder.root / SUMMARY, recorded_semantics(folder.root))]
        if folder.taken_over:  # its run.json described a run that made nothing
            say(taken_over_note(folder.root / RUN_JSON, folder.taken_over))
        elif folder.recorded is not None:
            recorded.insert(0, (folder.root / RUN_JSON, folder.recorded.info.checker_semantics))
        for path, semantics in recorded:
            if change := semantics_change(path, semantics):
                say(change)  # one line, the first file that differs
                break
        if folder.dropped_tail:
            say(f"{folder.path}: dropped a partial last line (a killed run); that sample is made again")
        keys = {e.key for e in items}
        n = config.sampling.samples

        def wanted(gid: GenKey) -> bool:
            key, run, sample = gid
            return key in keys and run in config.runs and sample < n

        expected = len(items) * len(config.runs) * n
        reused = sum(1 for gid in folder.done if wanted(gid))
        requests = list(plan_requests(items, config.runs, config.sampling, folder.done))  # one per prompt
        total = sum(r.n for r in requests)
        made = 0

        def emit(gen: Generation) -> None:
            nonlocal made
            if not wanted(gen.id) or gen.id in folder.done:
                return
            folder.append(gen)
            made += 1
            if on_generation:
                on_generation(made, total)

        failures = []
        if requests:
            backend = backend_factory(config)
            try:
                failures = backend.generate(requests, config.sampling, emit).failures
            finally:
                backend.close()
        missing = expected - reused - made
        if missing:
            first = failures[0].error if failures else "no output"
            unmade = ((r.key, r.run, s) for r in requests for s in r.samples)
            where = next((_where(g) for g in unmade if g not in folder.done), "a sample")
            raise EvalIncomplete(
                redact(
                    f"{missing} of {expected} samples could not be generated (first: {where}: {first}); "
                    f"{made} new samples were saved in {folder.path}; run the same command again to retry"
                )
            )
        done: dict[GenKey, Generation] = dict(folder.done)
    summary = score_and_report(config, items, done, dataset.describe())
    return EvalOutcome(summary, made, reused)


def _where(key: GenKey) -> str:
    item, run, sample = key
    return f"{item} run {run} sample {sample}"


def score_and_report(
    config: EvalConfig, items: Sequence[EvalItem], done: dict[GenKey, Generation], dataset: str | None = None
) -> EvalSummary:
    run = RunDescription(
        model=config.model,
        backend=config.backend,
        dataset=dataset or str(config.dataset),
        runs=list(config.runs),
        sampling=describe(config)["sampling"],
        think_mode=config.think_mode,
        fix_quirks=config.fix_quirks,
        trace_scope=config.trace_scope,
        items_sha256=fingerprint(items),
        intervention=config.intervention.settings(),
    )
    gens = InMemory(done, config.sampling.samples)
    return write_results(config.out, items, config.runs, gens, run)


def write_results(
    out: Path,
    items: Sequence[EvalItem],
    runs: Sequence[str],
    gens: Generations,
    run: RunDescription,
    with_correctness: bool = True,
    progress: Progress = no_progress,
    jobs: int = 1,
    plots: bool = True,
) -> EvalSummary:
    """Score the generations and write ``items.jsonl``, ``samples.jsonl``, ``summary.json``,
    ``plots/`` (unless ``plots`` is False) and ``report.md`` into ``out`` (``mathif eval``
    and ``mathif score``); the lines are written as each item is scored, in ``jobs``
    processes (see :mod:`curation.evaluation.workers`), and each file appears whole or not
    at all."""
    settings = ScoreSettings(tuple(runs), run.think_mode, run.fix_quirks, run.trace_scope, with_correctness)
    with atomic_file(out / ITEMS) as items_out, atomic_file(out / SAMPLES) as samples_out:
        scores = score_items(items, gens, settings, items_out, samples_out, jobs, out, progress)
    summary = summary_of(scores, run)
    summary.write(out / SUMMARY)
    drawn = write_plots(summary, out / PLOTS_DIR) if plots else []
    if not plots:  # no plot of an earlier run may sit beside this report
        for name in PLOTS.values():
            (out / PLOTS_DIR / name).unlink(missing_ok=True)
    rel = [f"{PLOTS_DIR}/{p.name}" for p in drawn]
    write_atomic(out / REPORT, render_report(summary, rel))
    return summary
