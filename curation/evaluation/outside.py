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

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from curation.core import InputError, Progress, jsonl_lines, no_progress, open_dataset
from curation.evaluation.config import RUNS
from curation.evaluation.data import EvalItem, eval_items
from curation.evaluation.run import write_results
from curation.evaluation.store import Generation, GenKey
from curation.evaluation.summary import EvalSummary, RunDescription
from curation.scoring import outputs_of

_OPTIONAL = ("finish_reason", "completion_tokens")


def _generation(
    obj: Mapping[str, Any], key: str, run: str, sample: int, output: str, where: tuple[Path, int]
) -> Generation:
    try:
        return Generation(key, run, sample, output, obj.get("finish_reason"), obj.get("completion_tokens"))
    except ValueError as exc:
        raise InputError(where[0], where[1], str(exc)) from None


def read_generations(path: Path, items: Sequence[EvalItem], single_file: bool) -> dict[GenKey, Generation]:
    """Every sample of the generations file, keyed as ``mathif eval`` keys them."""
    keys = {e.key for e in items}
    done: dict[GenKey, Generation] = {}
    keyed: bool | None = None
    position = 0  # aligned layout: the item of the next line
    for line in jsonl_lines(path, surrogates="replace"):  # model text: U+FFFD, not an error
        where = (path, line.number)
        if line.error is not None:
            raise InputError(where[0], where[1], line.error)
        obj = line.value
        if not isinstance(obj, dict):
            raise InputError(where[0], where[1], "expected a JSON object")
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
        outputs = outputs_of(obj, path, line.number)
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
        for offset, output in enumerate(outputs):
            gen = _generation(obj, key, run, first + offset, output, where)
            if gen.id in done:
                raise InputError(
                    where[0], where[1], f"a second generation for {key} run {run} sample {gen.sample}"
                )
            done[gen.id] = gen
    if keyed is None:
        raise InputError(path, None, "holds no generations (the file is empty or blank)")
    return done


def _sample_counts(
    done: Mapping[GenKey, Generation], items: Sequence[EvalItem], path: Path
) -> tuple[tuple[str, ...], dict[tuple[str, str], int]]:
    """(runs scored, samples per (key, run)); every item needs the run with constraints,
    and the run without them for every item or none; samples numbered 0..n-1."""
    counts: Counter[tuple[str, str]] = Counter((k, r) for k, r, _ in done)
    for (key, run), n in counts.items():
        if any((key, run, s) not in done for s in range(n)):
            raise InputError(path, None, f"{key} run {run}: samples must be numbered 0 to {n - 1}")
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
    runs = RUNS if plain else RUNS[:1]
    return runs, dict(counts)


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
) -> EvalSummary:
    """Read, check, score and write the eval results of outside generations (see above)."""
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a folder")
    dataset = open_dataset(data)
    items = eval_items(dataset)
    done = read_generations(generations, items, single_file=len(dataset.files) == 1)
    runs, samples = _sample_counts(done, items, generations)
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
    )
    return write_results(out, items, runs, done, samples, run, with_correctness, progress)
