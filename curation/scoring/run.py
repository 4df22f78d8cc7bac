"""``mathif score`` as a function: read, align, score, write (I/O at this edge only)."""

from __future__ import annotations

from pathlib import Path

from curation.core import InputError, Progress, no_progress, read_items, read_jsonl, write_jsonl
from curation.scoring.score import outputs_of, score_item
from curation.scoring.summary import ScoreSettings, ScoreSummary, summarize


def run_score(
    data: Path,
    generations: Path,
    out: Path,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    with_correctness: bool = True,
    progress: Progress = no_progress,
    scope_override: str | None = None,
) -> ScoreSummary:
    """Score, write ``out/items.jsonl`` and ``out/summary.json``, return the summary.
    ``scope_override`` checks every constraint in that scope (see ``curation.scoring``)."""
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a folder")
    items = read_items(data)
    gens = list(read_jsonl(generations, surrogates="replace"))  # model text: U+FFFD, not an error
    if len(gens) > len(items):
        raise InputError(
            generations,
            gens[len(items)][0],
            f"generation line without an item ({len(gens)} lines for {len(items)} items in {data})",
        )
    if len(gens) < len(items):
        raise InputError(
            data,
            items[len(gens)].line,
            f"no generation line for this item ({len(gens)} lines in {generations} for {len(items)} items)",
        )
    outputs = [outputs_of(obj, generations, n) for n, obj in gens]
    scores = []
    for index, (item, outs) in enumerate(zip(items, outputs, strict=True)):
        scores.append(score_item(index, item, outs, think_mode, fix_quirks, with_correctness, scope_override))
        progress(index + 1, len(items))
    summary = ScoreSummary(
        summarize(scores),
        ScoreSettings(
            think_mode=think_mode,
            fix_quirks=fix_quirks,
            scope_override=scope_override,
            correctness_graded=with_correctness,
            data=str(data),
            generations=str(generations),
        ),
    )
    write_jsonl(out / "items.jsonl", (s.to_row() for s in scores))
    summary.write(out / "summary.json")
    return summary
