"""``mathif score``: generations made elsewhere, scored and reported as ``mathif eval`` does.

The dataset is any form :func:`curation.core.open_dataset` reads.  A generations file is
JSON Lines, one object per line, in one of two layouts:

- keyed (any dataset): ``key`` is the item key ``mathif eval`` uses (``gsm8k_single.jsonl:3``,
  the split file's name and line); ``output`` (or ``response``/``responses``) a string or a
  list of samples; optional ``run`` (``constraints``, the default, or ``plain``: the prompt
  without its constraints), ``sample`` (with a string output: its index; samples of an item
  given one per line), ``finish_reason`` and ``completion_tokens``.  A run folder's
  ``generations.jsonl`` is such a file.
- aligned (a dataset of one split file): no ``key``; line n holds the samples of the n-th
  item (blank lines skipped in both files), as MathIF's harness writes them.

Every item needs its generations in the run with constraints; the run without them is
scored when it is given for every item.  The output folder gets what ``mathif eval`` writes
there: ``items.jsonl``, ``samples.jsonl``, ``summary.json``, ``report.md`` and ``plots/``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from curation.core import (
    InputError,
    Note,
    Progress,
    check_output_folder,
    jsonl_line,
    no_note,
    no_progress,
    open_dataset,
    raw_lines,
)
from curation.evaluation.config import RUNS
from curation.evaluation.data import EvalItem, eval_items, fingerprint
from curation.evaluation.run import SUMMARY, recorded_semantics, semantics_change, write_results
from curation.evaluation.store import Generation, GenKey
from curation.evaluation.summary import EvalSummary, RunDescription
from curation.scoring import outputs_of

Ref = tuple[int, int, int, int]
"""Where one sample is: (byte offset of its line, line length, line number, its place in the
line's list of outputs)."""


def _generation(
    obj: Mapping[str, Any], key: str, run: str, sample: int, output: str, where: tuple[Path, int]
) -> Generation:
    try:
        return Generation(key, run, sample, output, obj.get("finish_reason"), obj.get("completion_tokens"))
    except ValueError as exc:
        raise InputError(where[0], where[1], str(exc)) from None


def _object(path: Path, number: int, raw: bytes) -> dict[str, Any] | None:
    """The JSON object of one line (None: a blank line); model text keeps no lone surrogate."""
    line = jsonl_line(number, raw, surrogates="replace")  # model text: U+FFFD, not an error
    if line is None:
        return None
    if line.error is not None:
        raise InputError(path, number, line.error)
    if not isinstance(line.value, dict):
        raise InputError(path, number, "expected a JSON object")
    return line.value


@dataclass
class FileGenerations:
    """The generations of a file, found by :func:`index_generations` and read again line by
    line when an item is scored (each process opens the file for itself)."""

    path: Path
    refs: dict[tuple[str, str], list[Ref]]
    _fh: IO[bytes] | None = field(default=None, repr=False)
    _pid: int = field(default=0, repr=False)

    def samples(self) -> dict[tuple[str, str], int]:
        return {k: len(v) for k, v in self.refs.items()}

    def _file(self) -> IO[bytes]:
        if self._fh is None or self._pid != os.getpid():  # a forked worker reads on its own
            self._fh, self._pid = self.path.open("rb"), os.getpid()
        return self._fh

    def close(self) -> None:
        if self._fh is not None and self._pid == os.getpid():
            self._fh.close()
        self._fh = None

    def of(self, key: str, run: str) -> list[Generation]:
        fh = self._file()
        out = []
        for sample, (offset, length, number, position) in enumerate(self.refs[(key, run)]):
            fh.seek(offset)
            raw = fh.read(length)
            obj = _object(self.path, number, raw)
            if obj is None or len(raw) != length:
                raise InputError(self.path, number, "changed while it was being scored")
            output = outputs_of(obj, self.path, number)[position]
            out.append(_generation(obj, key, run, sample, output, (self.path, number)))
        return out


def index_generations(path: Path, items: Sequence[EvalItem], single_file: bool) -> FileGenerations:
    """Check every line of the generations file and note where each sample is (nothing of
    the texts is kept): keyed as ``mathif eval`` keys them, samples numbered 0..n-1."""
    keys = {e.key for e in items}
    found: dict[GenKey, Ref] = {}
    keyed: bool | None = None
    position = 0  # aligned layout: the item of the next line
    for offset, number, raw in raw_lines(path):
        obj = _object(path, number, raw)
        if obj is None:
            continue
        where = (path, number)
        has_key = "key" in obj
        if keyed is None:
            keyed = has_key
            if not keyed and not single_file:
                raise InputError(
                    *where,
                    "no 'key' field: lines can be aligned with items only for a dataset of one "
                    'split file; give each line the item key (e.g. "gsm8k_single.jsonl:3")',
                )
        elif has_key != keyed:
            raise InputError(where[0], where[1], "mixes lines with and without 'key'; use one layout")
        outputs = outputs_of(obj, path, number)
        if keyed:
            key, run = obj["key"], obj.get("run", RUNS[0])
            if not isinstance(key, str) or key not in keys:
                shown = key if isinstance(key, str) else type(key).__name__
                raise InputError(where[0], where[1], f"no item with key {shown!r:.120} in the dataset")
            if run not in RUNS:
                raise InputError(
                    where[0], where[1], f"field 'run' must be one of {', '.join(RUNS)}, got {run!r:.40}"
                )
        else:
            if position >= len(items):
                raise InputError(where[0], where[1], f"generation line without an item ({len(items)} items)")
            key, run = items[position].key, RUNS[0]
            position += 1
        first = obj.get("sample", 0)
        if "sample" in obj and (len(outputs) > 1 or not isinstance(first, int) or isinstance(first, bool)):
            raise InputError(
                where[0], where[1], "field 'sample' goes with one output string, as an integer >= 0"
            )
        for place, output in enumerate(outputs):
            gen = _generation(obj, key, run, first + place, output, where)  # checks every field
            if gen.id in found:
                raise InputError(
                    where[0], where[1], f"a second generation for {key} run {run} sample {gen.sample}"
                )
            found[gen.id] = (offset, len(raw), number, place)
    if keyed is None:
        raise InputError(path, None, "holds no generations (the file is empty or blank)")
    refs: dict[tuple[str, str], list[Ref]] = {}
    for (key, run, sample), ref in sorted(found.items()):
        refs.setdefault((key, run), []).append(ref)
        if len(refs[(key, run)]) != sample + 1:
            n = sum(1 for k, r, _ in found if (k, r) == (key, run))
            raise InputError(path, None, f"{key} run {run}: samples must be numbered 0 to {n - 1}")
    return FileGenerations(path, refs)


def _check_runs(
    counts: Mapping[tuple[str, str], int], items: Sequence[EvalItem], path: Path
) -> tuple[str, ...]:
    """The runs scored: every item needs the run with constraints, and the run without them
    for every item or none."""
    missing = [e for e in items if (e.key, RUNS[0]) not in counts]
    if missing:
        first = missing[0].item
        raise InputError(
            first.path,
            first.line,
            f"no generation for this item (key {missing[0].key}) in {path}: {len(missing)} of "
            f"{len(items)} items have none; every item of the dataset needs one",
        )
    plain = [e.key for e in items if (e.key, "plain") in counts]
    if plain and len(plain) < len(items):
        lacking = next(e.key for e in items if (e.key, "plain") not in counts)
        raise InputError(
            path, None, f"run plain is given for {len(plain)} of {len(items)} items (not {lacking})"
        )
    return RUNS if plain else RUNS[:1]


def score_generations(
    data: str | Path,
    generations: Path,
    out: Path,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    with_correctness: bool = True,
    trace_scope: str = "answer",
    model: str = "",
    progress: Progress = no_progress,
    jobs: int = 1,
    plots: bool = True,
    note: Note = no_note,
) -> EvalSummary:
    """Check, score and write the eval results of outside generations (see above): the file
    is read once to check it and find each sample, then item by item as it is scored, in
    ``jobs`` worker processes; memory does not grow with the file.  ``note`` is told when
    ``out`` holds a summary scored under other checker semantics (it is replaced)."""
    check_output_folder(out)
    dataset = open_dataset(data)
    items = eval_items(dataset)
    gens = index_generations(generations, items, single_file=len(dataset.files) == 1)
    runs = _check_runs(gens.samples(), items, generations)
    run = RunDescription(
        model=model or f"generations {generations.name}",
        backend="outside generations",
        dataset=dataset.describe(),
        runs=list(runs),
        sampling={},
        think_mode=think_mode,
        fix_quirks=fix_quirks,
        trace_scope=trace_scope,
        correctness_graded=with_correctness,
        items_sha256=fingerprint(items),
    )
    if change := semantics_change(out / SUMMARY, recorded_semantics(out)):
        note(change)
    try:
        return write_results(out, items, runs, gens, run, with_correctness, progress, jobs, plots)
    finally:
        gens.close()
