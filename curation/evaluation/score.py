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

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from curation.evaluation.data import EvalItem
from curation.evaluation.store import Generation, GenKey
from curation.scoring.score import ItemScore, score_block, score_item, summarize

LENGTH_BINS = 6


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


def outputs_of_run(done: Mapping[GenKey, Generation], key: str, run: str, samples: int) -> list[Generation]:
    return [done[(key, run, s)] for s in range(samples)]


def score_eval(
    items: Sequence[EvalItem],
    runs: Sequence[str],
    done: Mapping[GenKey, Generation],
    samples: int,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    trace_scope: str = "answer",
    with_correctness: bool = True,
) -> EvalScores:
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


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def by_constraint_type(
    scores: Sequence[ItemScore], follow: Mapping[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Per constraint type: how often it is followed (``follow``, summarize's ``by_constraint``
    for the same scores) and HAcc/SAcc/correctness of the items that have it."""
    groups: dict[str, dict[int, ItemScore]] = defaultdict(dict)
    for pos, s in enumerate(scores):
        for cid in s.item.constraint_ids:
            groups[cid][pos] = s
    return {cid: follow[cid] | score_block(list(groups[cid].values())) for cid in sorted(groups)}


def length_bins(lengths: Sequence[SampleLength], bins: int = LENGTH_BINS) -> list[dict[str, Any]]:
    """Samples sorted by length in up to ``bins`` groups of (nearly) equal size; samples of
    the same length stay in one group (many outputs stop at the token limit)."""
    ordered = sorted(lengths, key=lambda x: x.length)
    if not ordered:
        return []
    target = -(-len(ordered) // min(bins, len(ordered)))  # ceiling
    chunks: list[list[SampleLength]] = [[]]
    for pos, x in enumerate(ordered):
        chunks[-1].append(x)
        more = pos + 1 < len(ordered)
        if more and len(chunks[-1]) >= target and ordered[pos + 1].length != x.length:
            chunks.append([])
    return [
        {
            "min": chunk[0].length,
            "max": chunk[-1].length,
            "mean": _mean([c.length for c in chunk]),
            "samples": len(chunk),
            "hacc": _mean([float(c.hard) for c in chunk]),
            "sacc": _mean([c.soft for c in chunk]),
            "correctness": _mean([float(c.correct) for c in chunk]),
        }
        for chunk in chunks
    ]


def _grouped(scores: Sequence[ItemScore], key) -> dict[str, list[ItemScore]]:
    groups: dict[str, list[ItemScore]] = defaultdict(list)
    for s in scores:
        groups[key(s)].append(s)
    return groups


def _scope_block(scores: Sequence[ItemScore]) -> dict[str, Any]:
    base = summarize(scores)
    return {
        "hacc": base["hacc"],
        "sacc": base["sacc"],
        "by_constraint": base["by_constraint"],
        "by_source": {k: {"hacc": v["hacc"], "sacc": v["sacc"]} for k, v in base["by_source"].items()},
        "by_num_constraints": {
            k: {"hacc": v["hacc"], "sacc": v["sacc"]} for k, v in base["by_num_constraints"].items()
        },
    }


def summary_of(scores: EvalScores) -> dict[str, Any]:
    """summary.json without the run's settings: the three scores first, then breakdowns."""
    main = summarize(scores.constraints)
    out: dict[str, Any] = {
        "hacc": main["hacc"],
        "sacc": main["sacc"],
        "correctness": main["correctness"],
        "correctness_without_constraints": None,
        "items": main["items"],
        "samples": main["samples"],
    }
    by_source = main["by_source"]
    by_tier = main["by_num_constraints"]
    if scores.plain is not None:
        plain = summarize(scores.plain)
        out["correctness_without_constraints"] = plain["correctness"]
        for groups, key in (
            (by_source, lambda s: s.item.source),
            (by_tier, lambda s: str(len(s.item.constraints))),
        ):
            for name, members in _grouped(scores.plain, key).items():
                groups[name]["correctness_without_constraints"] = _mean([s.correct for s in members])
        out["plain"] = {
            "correctness": plain["correctness"],
            "hacc_unasked": plain["hacc"],
            "sacc_unasked": plain["sacc"],
            "by_constraint_unasked": plain["by_constraint"],
        }
    out["by_constraint"] = by_constraint_type(scores.constraints, main["by_constraint"])
    out["by_source"] = by_source
    out["by_num_constraints"] = by_tier
    out["length_unit"] = scores.length_unit
    out["by_length"] = length_bins(scores.lengths)
    if scores.reasoning is not None:
        out["reasoning_scope"] = _scope_block(scores.reasoning)
    if scores.both is not None:
        out["both_scope"] = _scope_block(scores.both)
    return out


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
