"""``mathif compare`` as a function: several eval run folders side by side.

Each run is fingerprinted by what was evaluated (the sha256 of its items' keys and prompts,
recorded in summary.json since mathif 0.2) and how it was sampled.  Runs over different
items are refused unless the caller allows it: their rates are not comparable, whatever
the table would suggest.  Runs over the same items are compared item by item with the
first run named (the reference): the paired difference of HAcc and of correctness, its 95%
interval (paired bootstrap over items) and the p-value of a sign-flip permutation test
(:func:`curation.scoring.paired_difference`), read from each folder's ``items.jsonl``.

Each row also names the run's intervention on the reasoning (``mathif eval --intervention``;
``none`` for a plain run) and its mean reasoning length: ``compare.md`` and
``compare_length.png`` put the scores against it, as MathIF's analysis of budget forcing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core import InputError, read_jsonl, write_atomic, write_json
from curation.evaluation.report.markdown import render_compare
from curation.evaluation.report.plots import (
    COMPARE_LENGTH_PLOT,
    COMPARE_PLOT,
    reasoning_mean,
    reasoning_unit,
    write_compare_length_plot,
    write_compare_plot,
)
from curation.evaluation.run import ITEMS, SUMMARY
from curation.evaluation.summary import EvalSummary
from curation.scoring import paired_difference

UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class ItemVerdicts:
    """What one run scored on each item (``items.jsonl``): HAcc, SAcc and correctness
    (None: the gold cannot be graded, or correctness was not graded)."""

    hard: dict[str, float]
    correct: dict[str, float | None]


def read_summary(folder: Path) -> EvalSummary:
    path = folder / SUMMARY
    if not path.is_file():
        raise InputError(path, None, "no such file; run mathif eval into this folder first")
    return EvalSummary.read(path)


def _rate(row: Mapping[str, Any], key: str, path: Path, line: int, nullable: bool = False) -> float | None:
    value = row.get(key)
    if value is None and nullable:
        return None
    if isinstance(value, bool):  # one sample per prompt: its verdict
        return float(value)
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InputError(path, line, f"field {key!r} must be a number from 0 to 1, got {value!r}")
    return float(value)


def read_verdicts(folder: Path, items: int) -> ItemVerdicts:
    """The per-item verdicts of a run folder, checked (at most ``items`` lines, unique keys)."""
    path = folder / ITEMS
    if not path.is_file():
        raise InputError(path, None, "no such file; score this run again (mathif score or mathif eval)")
    hard: dict[str, float] = {}
    correct: dict[str, float | None] = {}
    for line, row in read_jsonl(path):
        key = row.get("key")
        if not isinstance(key, str) or not key:
            raise InputError(path, line, "field 'key' must be a non-empty string")
        if key in hard:
            raise InputError(path, line, f"item {key!r} appears twice")
        if len(hard) >= items:
            raise InputError(path, line, f"more lines than the {items} items its summary.json counts")
        hard[key] = _rate(row, "hard", path, line) or 0.0
        correct[key] = _rate(row, "correct", path, line, nullable=True)
    return ItemVerdicts(hard, correct)


def what_was_evaluated(s: EvalSummary) -> str:
    """A short fingerprint of the items, the sampling and the intervention of a run (a run
    without an intervention keeps the fingerprint it had before interventions existed;
    ``unrecorded`` for a summary written before the items' sha256 was recorded)."""
    if s.run.items_sha256 is None:
        return UNRECORDED
    what: list[Any] = [s.run.items_sha256, s.run.sampling]
    if s.run.intervention is not None:
        what.append(s.run.intervention)
    doc = json.dumps(what, sort_keys=True)
    return hashlib.sha256(doc.encode("utf-8")).hexdigest()[:8]


def check_same_items(named: Sequence[tuple[str, EvalSummary]], allow_different: bool) -> bool:
    """Whether every run was evaluated on the same items; refuses (InputError) when not,
    unless ``allow_different``."""
    first_name, first = named[0]
    for name, s in named[1:]:
        a, b = first.run.items_sha256, s.run.items_sha256
        if a is not None and a == b:
            continue
        if allow_different:
            return False
        why = (
            "records no fingerprint of its items (scored before mathif recorded one; run mathif score on it again)"
            if a is None or b is None
            else f"was evaluated on other items ({first.items} items {a[:8]} vs {s.items} items {b[:8]})"
        )
        culprit = name if b is None or a is not None else first_name
        raise InputError(
            None,
            None,
            f"mathif compare: {culprit} {why}: the runs' scores are not comparable; "
            "pass --allow-different-items to show them side by side anyway",
        )
    return True


def _paired(ref: ItemVerdicts, run: ItemVerdicts, ref_name: str) -> dict[str, Any]:
    """This run minus the reference, item by item: HAcc, and correctness over the items
    both graded."""
    keys = [k for k in ref.hard if k in run.hard]
    hacc = paired_difference([run.hard[k] for k in keys], [ref.hard[k] for k in keys])
    graded = [k for k in keys if ref.correct[k] is not None and run.correct.get(k) is not None]
    correct = paired_difference(
        [run.correct[k] or 0.0 for k in graded], [ref.correct[k] or 0.0 for k in graded]
    )
    return {
        "reference": ref_name,
        "hacc": hacc.to_dict() if hacc is not None else None,
        "correctness": correct.to_dict() if correct is not None else None,
    }


def row_of(name: str, s: EvalSummary) -> dict[str, Any]:
    """One run's row of ``compare.json``: its rates with their 95% intervals ([low, high] or
    None) and n, how it was checked, what was evaluated, its intervention (its kind,
    ``none`` for a plain run), its mean reasoning length (``{"tokens", "characters",
    "samples"}``, None in a summary written before it was recorded) and what its
    intervention did (None: none ran)."""
    o = s.overall
    iv = s.run.intervention
    length, effects = s.reasoning_length, s.intervention_effects

    def ci(interval: Any) -> list[float] | None:
        return None if interval is None else [interval.low, interval.high]

    return {
        "name": name,
        "model": s.run.model,
        "items": s.items,
        "graded": o.graded,
        "hacc": o.hacc,
        "hacc_ci": ci(o.hacc_ci),
        "sacc": o.sacc,
        "sacc_ci": ci(o.sacc_ci),
        "correctness": o.correctness,
        "correctness_ci": ci(o.correctness_ci),
        "correctness_without_constraints": o.correctness_without_constraints,
        "correctness_without_constraints_ci": ci(o.correctness_without_constraints_ci),
        "checker_semantics": s.run.checker_semantics,
        "fix_quirks": s.run.fix_quirks,
        "dataset": s.run.dataset,
        "items_sha256": s.run.items_sha256,
        "sampling": s.run.sampling,
        "evaluated": what_was_evaluated(s),
        "intervention": str(iv.get("kind", "?")) if iv is not None else "none",
        "intervention_settings": iv,
        "reasoning_length": length.to_dict() if length is not None else None,
        "intervention_effects": effects.to_dict() if effects is not None else None,
    }


def unique_names(folders: Sequence[Path]) -> list[str]:
    """Each run's name: its folder's name, else its path, numbered when still repeated."""
    names = [f.name or str(f) for f in folders]
    if len(set(names)) < len(names):  # same folder names under different parents
        names = [str(f) for f in folders]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def run_compare(
    folders: Sequence[Path], out: Path | None, allow_different_items: bool = False
) -> list[dict[str, Any]]:
    """The rows of ``mathif compare``, sorted by HAcc as MathIF's leaderboard (then
    correctness, then name), and ``compare.md``, ``compare.json``, ``compare.png`` and
    (when some run records its reasoning length) ``compare_length.png`` in ``out`` when
    given.  The first folder is the reference of the paired comparisons.  Each row also gets
    the unit its runs' reasoning lengths are compared in (``reasoning_unit``: thinking tokens
    when every run counts them, else characters) and its mean in it (``reasoning_mean``,
    None: not recorded)."""
    if not folders:
        raise InputError(None, None, "mathif compare: name at least one run folder")
    names = unique_names(folders)
    summaries = [read_summary(f) for f in folders]
    named = list(zip(names, summaries, strict=True))
    same = check_same_items(named, allow_different_items)
    rows = [row_of(n, s) for n, s in named]
    unit = reasoning_unit(rows)  # thinking tokens when every run counts them, else characters
    for row in rows:
        row["reference"] = len(rows) > 1 and row["name"] == names[0]
        row["paired"] = None
        row["reasoning_unit"] = unit
        row["reasoning_mean"] = reasoning_mean(row, unit)
    if same and len(folders) > 1:
        verdicts = [read_verdicts(f, s.items) for f, s in zip(folders, summaries, strict=True)]
        for row, v in zip(rows[1:], verdicts[1:], strict=True):
            row["paired"] = _paired(verdicts[0], v, names[0])
    rows.sort(key=lambda r: (-r["hacc"], -r["correctness"], r["name"]))
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(out, None, "exists and is not a folder")
        write_compare_plot(rows, out / COMPARE_PLOT)
        length_plot = write_compare_length_plot(rows, out / COMPARE_LENGTH_PLOT) is not None
        write_json(out / "compare.json", rows)
        md = render_compare(rows, with_plot=True, same_items=same, length_plot=length_plot)
        write_atomic(out / "compare.md", md)
    return rows
