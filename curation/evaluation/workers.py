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
import multiprocessing.connection as mp_connection
import os
import pickle
import shutil
import signal
import struct
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from constraints import warm_up
from curation.core import Progress, WorkerFailure, no_progress
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
_POLL_SECONDS = 1.0  # the longest wait between looks at the workers, should a notice be missed


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class _Job:
    items: Sequence[EvalItem]
    gens: Generations
    settings: ScoreSettings
    bounds: Sequence[tuple[int, int]]
    parts: Path
    next_chunk: Any  # a multiprocessing.Value("q"): the next chunk a worker takes
    notices: int  # the write end of a pipe: a worker writes a finished chunk's number to it


_JOB: _Job | None = None  # set in the parent before the workers fork; they inherit it


def _paths(parts: Path, k: int) -> tuple[Path, Path, Path]:
    """Chunk ``k``'s samples lines, its results (pickled) and, if it failed, its error."""
    return parts / f"{k:06d}.samples", parts / f"{k:06d}.results", parts / f"{k:06d}.error"


def _score_chunk(job: _Job, k: int) -> None:
    """Score chunk ``k``: its samples lines to one part file, its results and items lines to
    another, made under a temporary name and renamed, so that it exists only when whole."""
    start, stop = job.bounds[k]
    samples, results_path, _ = _paths(job.parts, k)
    results: list[Packed] = []
    item_lines: list[bytes] = []
    with samples.open("wb") as fh:
        for index in range(start, stop):
            scored = score_one(index, job.items[index], job.gens, job.settings)
            results.append(pack(scored.result))
            item_lines.append(scored.item_line)
            fh.write(scored.sample_lines)
    tmp = results_path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps((results, b"".join(item_lines)), protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, results_path)


def _take(job: _Job) -> int:
    with job.next_chunk.get_lock():
        k = int(job.next_chunk.value)
        job.next_chunk.value = k + 1
    return k


def _worker() -> None:
    """A forked worker: take the next chunk until none is left; an error is pickled to the
    chunk's error file and ends the worker with exit status 1."""
    job = _JOB
    assert job is not None, "a worker runs only after score_items has set the job"
    # a handler the parent installed (a server's, a test runner's) must not keep a worker
    # alive when the parent ends it; ^C goes to the parent, which ends the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    k = _take(job)
    while k < len(job.bounds):
        try:
            _score_chunk(job, k)
        except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
            _paths(job.parts, k)[2].write_bytes(_pickled_error(err))
            sys.exit(1)  # the parent sees the exit status, then reads the error
        os.write(job.notices, struct.pack("<i", k))  # 4 bytes: one write the pipe keeps whole
        k = _take(job)


def _pickled_error(err: BaseException) -> bytes:
    try:
        data = pickle.dumps(err)
        pickle.loads(data)  # an exception whose class cannot be rebuilt is sent as text
        return data
    except Exception:  # noqa: BLE001
        return pickle.dumps(RuntimeError(f"{type(err).__name__}: {err}"))


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


class _Pool:
    """The parent's side: started workers, and the chunks they have reported finished.

    Workers and parent share no queue, lock or thread that a dead or stuck process could
    hold: a finished chunk is a pair of files, announced by its number on a pipe, and the
    parent waits on that pipe and on the workers' process sentinels together, so a worker
    that fails or dies (killed, out of memory) is seen at once, never waited for forever."""

    def __init__(self, job: _Job, read_end: int, procs: list[Any]) -> None:
        self.job, self.read_end, self.procs = job, read_end, procs
        self.finished: set[int] = set()

    def wait_for(self, k: int) -> None:
        while k not in self.finished:
            self._check_workers(k)
            ready = mp_connection.wait([self.read_end, *(p.sentinel for p in self.procs)], _POLL_SECONDS)
            if self.read_end in ready:
                data = os.read(self.read_end, 1 << 16)
                self.finished.update(k for (k,) in struct.iter_unpack("<i", data))

    def _check_workers(self, k: int) -> None:
        for p in self.procs:
            if p.exitcode not in (None, 0):
                self._raise_failure(p)
        if all(p.exitcode == 0 for p in self.procs) and k not in self.finished:
            self.finished.update(int(path.stem) for path in self.job.parts.glob("*.results"))
            if k not in self.finished:
                raise WorkerFailure(f"the scoring workers ended without scoring items {self.job.bounds[k]}")

    def _raise_failure(self, p: Any) -> None:
        errors = sorted(self.job.parts.glob("*.error"))
        if errors:
            raise pickle.loads(errors[0].read_bytes())
        how = f"killed by signal {-p.exitcode}" if p.exitcode < 0 else f"exit status {p.exitcode}"
        hint = " (out of memory? try fewer --jobs)" if p.exitcode == -signal.SIGKILL else ""
        raise WorkerFailure(f"a scoring worker (pid {p.pid}) ended: {how}{hint}; nothing was written")

    def stop(self) -> None:
        """End every worker still running (a failure, ^C) and reap them all."""
        for p in self.procs:
            if p.exitcode is None:
                p.kill()
        for p in self.procs:
            p.join()
        os.close(self.read_end)


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
    ctx = multiprocessing.get_context("fork")
    parts = Path(tempfile.mkdtemp(prefix=".scoring-", dir=scratch))
    bounds = chunks(len(items), jobs)
    read_end, write_end = os.pipe()
    _JOB = _Job(items, gens, settings, bounds, parts, ctx.Value("q", 0), write_end)
    pool = _Pool(_JOB, read_end, [])
    try:
        for _ in range(jobs):
            p = ctx.Process(target=_worker, daemon=True)
            p.start()
            pool.procs.append(p)
        os.close(write_end)
        write_end = -1
        done = 0
        for k in range(len(bounds)):
            pool.wait_for(k)
            samples, results_path, _ = _paths(parts, k)
            results, item_lines = pickle.loads(results_path.read_bytes())
            results_path.unlink()
            items_out.write(item_lines)
            _append(samples, samples_out)
            yield from (unpack(r, items[r[0]]) for r in results)
            done += len(results)
            progress(done, len(items))
    finally:
        _JOB = None
        if write_end >= 0:
            os.close(write_end)
        pool.stop()
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
