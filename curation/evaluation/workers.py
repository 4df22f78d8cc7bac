"""Scoring a run's items in worker processes, with the output of one process byte for byte.

The items are cut into contiguous chunks.  A worker scores a chunk with
:func:`curation.evaluation.score.score_one` and writes the chunk's lines of
``samples.jsonl`` (the long ones: each holds a response) to a part file of its own; it
hands back the chunk's lines of ``items.jsonl`` and the slim per-item results.  The parent
takes the chunks in item order, appends each part to ``samples.jsonl`` and removes it, so
the files and the summary are the same whatever the number of workers, and neither the
parent nor a worker ever holds more than one chunk's texts.

Workers are forked (they inherit the items, the settings and whatever the parent loaded,
such as the language profiles) where the platform forks; elsewhere the items are scored
in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from constraints import warm_up
from curation.core import Progress, no_progress
from curation.evaluation.data import EvalItem
from curation.evaluation.gold_memo import recall, remember
from curation.evaluation.score import (
    EvalScores,
    Generations,
    ItemResult,
    Packed,
    ScoreSettings,
    collect,
    pack,
    score_one,
    unpack,
)
from curation.scoring import prepare_golds

CHUNKS_PER_WORKER = 8  # more chunks than workers: an uneven chunk does not leave the others idle


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class _Job:
    items: Sequence[EvalItem]
    gens: Generations
    settings: ScoreSettings
    parts: Path


_JOB: _Job | None = None  # set in the parent before the workers fork; they inherit it


def _score_chunk(bounds: tuple[int, int]) -> tuple[list[Packed], bytes, str]:
    """In a worker: score items ``start`` to ``stop``; the samples' lines go to a part file."""
    job = _JOB
    assert job is not None, "a worker runs only after score_items has set the job"
    start, stop = bounds
    results, item_lines = [], []
    part = job.parts / f"{start:09d}.jsonl"
    with part.open("wb") as fh:
        for index in range(start, stop):
            scored = score_one(index, job.items[index], job.gens, job.settings)
            results.append(pack(scored.result))
            item_lines.append(scored.item_line)
            fh.write(scored.sample_lines)
    return results, b"".join(item_lines), str(part)


def chunks(n: int, jobs: int) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges covering ``range(n)`` in order, about CHUNKS_PER_WORKER per job."""
    if n == 0:
        return []
    size = max(1, -(-n // (jobs * CHUNKS_PER_WORKER)))
    return [(start, min(n, start + size)) for start in range(0, n, size)]


def _in_process(
    items: Sequence[EvalItem],
    gens: Generations,
    settings: ScoreSettings,
    items_out: BinaryIO,
    samples_out: BinaryIO,
    progress: Progress,
) -> Iterator[ItemResult]:
    for index, e in enumerate(items):
        scored = score_one(index, e, gens, settings)
        items_out.write(scored.item_line)
        samples_out.write(scored.sample_lines)
        yield scored.result
        progress(index + 1, len(items))


def _append(part: Path, out: BinaryIO) -> None:
    """Append the file ``part`` to ``out`` and remove it: in the kernel where it can
    (``copy_file_range``), through a buffer elsewhere."""
    with part.open("rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        left = size
        out.flush()
        try:
            while left > 0:
                done = os.copy_file_range(fh.fileno(), out.fileno(), left)
                if done == 0:
                    raise OSError("copy_file_range copied nothing")
                left -= done
            out.seek(0, os.SEEK_END)  # the buffered writer learns where the file now ends
        except (AttributeError, OSError):  # no copy_file_range here: copy through a buffer
            out.seek(0, os.SEEK_END)
            fh.seek(size - left)
            shutil.copyfileobj(fh, out, 1 << 20)
    part.unlink()


def _in_workers(
    items: Sequence[EvalItem],
    gens: Generations,
    settings: ScoreSettings,
    items_out: BinaryIO,
    samples_out: BinaryIO,
    progress: Progress,
    jobs: int,
    scratch: Path,
) -> Iterator[ItemResult]:
    global _JOB
    warm_up()  # the checkers' shared tables, loaded once here rather than in every worker
    parts = Path(tempfile.mkdtemp(prefix=".scoring-", dir=scratch))
    _JOB = _Job(items, gens, settings, parts)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            done = 0
            for results, item_lines, part in pool.imap(_score_chunk, chunks(len(items), jobs)):
                items_out.write(item_lines)
                _append(Path(part), samples_out)
                yield from (unpack(r, items[r[0]]) for r in results)
                done += len(results)
                progress(done, len(items))
    finally:
        _JOB = None
        shutil.rmtree(parts, ignore_errors=True)


def score_items(
    items: Sequence[EvalItem],
    gens: Generations,
    settings: ScoreSettings,
    items_out: BinaryIO,
    samples_out: BinaryIO,
    jobs: int = 1,
    scratch: Path | None = None,
    progress: Progress = no_progress,
) -> EvalScores:
    """Score every item, writing its lines to ``items_out`` and ``samples_out`` in item order,
    with ``jobs`` worker processes (1: in this process); part files go to a temporary folder
    in ``scratch`` (the output folder: the same disk).  ``progress(done, total)`` as items
    finish."""
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    jobs = min(jobs, max(1, len(items)))
    if settings.with_correctness:
        # every gold judged here first, whatever the number of workers (the same verdicts),
        # and once, not once per worker (math-verify's parser warms up slowly); verdicts
        # reached before (gold_memo) are not reached again
        golds = [e.item.answer for e in items]
        recall(golds)
        prepare_golds(golds)
        remember(golds)
    if jobs == 1 or not can_fork():
        results = list(_in_process(items, gens, settings, items_out, samples_out, progress))
    else:
        where = scratch if scratch is not None else Path(tempfile.gettempdir())
        results = list(_in_workers(items, gens, settings, items_out, samples_out, progress, jobs, where))
    return collect(items, results, settings)
