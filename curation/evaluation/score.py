"""Scoring an eval run with the code of ``mathif score`` (``curation.scoring``), pure.

The run with constraints gives MathIF's three scores (HAcc, SAcc,
correctness); the run without them gives correctness without constraints
(and how often the constraints hold unasked).  ``trace_scope`` adds the
verdicts of the constraints checked on the reasoning trace (as ReasonIF
does) through ``score_item(..., scope_override=...)``: ``reasoning``, or
``both`` (reasoning, and a constraint counted as followed only when the
answer and the reasoning both follow it).  An empty text follows no
constraint, as in MathIF's harness.  The run with constraints keeps each
item's own scopes (MathIF's items: the answer).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curation.core import Progress, no_progress
from curation.evaluation.data import EvalItem
from curation.evaluation.store import Generation, GenKey
from curation.scoring import ItemScore, score_item


@dataclass(frozen=True)
class SampleLength:
    length: int  # completion tokens, or characters when the backend gave no token count
    hard: bool
    soft: float
    correct: bool


@dataclass(frozen=True)
class EvalScores:
    items: tuple[EvalItem, ...]
    constraints: tuple[ItemScore, ...]
    plain: tuple[ItemScore, ...] | None
    reasoning: tuple[ItemScore, ...] | None  # constraints checked on the reasoning trace
    both: tuple[ItemScore, ...] | None  # followed in the answer and in the reasoning
    lengths: tuple[SampleLength, ...]
    length_unit: str  # "tokens" or "characters"


Samples = int | Mapping[tuple[str, str], int]
"""How many samples each (item key, run) has: one number for all (``mathif eval``), or per
key and run (``mathif score`` on outside generations, where items may differ)."""


def outputs_of_run(
    done: Mapping[GenKey, Generation], key: str, run: str, samples: Samples
) -> list[Generation]:
    n = samples if isinstance(samples, int) else samples[(key, run)]
    return [done[(key, run, s)] for s in range(n)]


def score_eval(
    items: Sequence[EvalItem],
    runs: Sequence[str],
    done: Mapping[GenKey, Generation],
    samples: Samples,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    trace_scope: str = "answer",
    with_correctness: bool = True,
    progress: Progress = no_progress,
) -> EvalScores:
    """Every item's verdicts in every run; ``progress(done, total)`` after each item."""
    constraints, plain, reasoning, both, lengths = [], [], [], [], []
    gens_all: list[Generation] = []
    for index, e in enumerate(items):
        gens = outputs_of_run(done, e.key, "constraints", samples)
        gens_all.extend(gens)
        outs = [g.output for g in gens]
        score = score_item(index, e.item, outs, think_mode, fix_quirks, with_correctness)
        constraints.append(score)
        if trace_scope != "answer":  # the same checks on the reasoning trace (correctness is the answer's)
            reasoning.append(
                score_item(index, e.item, outs, think_mode, fix_quirks, False, scope_override="reasoning")
            )
        if trace_scope == "both":
            both.append(score_item(index, e.item, outs, think_mode, fix_quirks, False, scope_override="both"))
        if "plain" in runs:
            p_outs = [g.output for g in outputs_of_run(done, e.key, "plain", samples)]
            plain.append(score_item(index, e.item, p_outs, think_mode, fix_quirks, with_correctness))
        progress(index + 1, len(items))
    use_tokens = bool(gens_all) and all(g.completion_tokens is not None for g in gens_all)
    pos = 0
    for score in constraints:
        for s in score.samples:
            g = gens_all[pos]
            pos += 1
            length = g.completion_tokens if use_tokens and g.completion_tokens is not None else len(g.output)
            lengths.append(SampleLength(length, s.hard, s.soft, s.correct))
    return EvalScores(
        items=tuple(items),
        constraints=tuple(constraints),
        plain=tuple(plain) if "plain" in runs else None,
        reasoning=tuple(reasoning) if trace_scope != "answer" else None,
        both=tuple(both) if trace_scope == "both" else None,
        lengths=tuple(lengths),
        length_unit="tokens" if use_tokens else "characters",
    )


def item_rows(scores: EvalScores) -> list[dict[str, Any]]:
    """items.jsonl: the row of ``mathif score`` for the run with constraints, plus the rest."""
    rows = []
    for i, e in enumerate(scores.items):
        row = {"key": e.key} | scores.constraints[i].to_row()
        if scores.plain is not None:
            p = scores.plain[i]
            row["plain"] = {"correct": p.correct, "hard": p.hard, "soft": p.soft}
        if scores.reasoning is not None:
            r = scores.reasoning[i]
            row["reasoning"] = {"hard": r.hard, "soft": r.soft, "follow": r.to_row()["follow"]}
        if scores.both is not None:
            b = scores.both[i]
            row["both"] = {"hard": b.hard, "soft": b.soft}
        rows.append(row)
    return rows
