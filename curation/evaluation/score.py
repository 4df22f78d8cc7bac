"""Scoring an eval run with the code of ``mathif score`` (``curation.scoring``), pure.

The run with constraints gives MathIF's three scores (HAcc, SAcc,
correctness); the run without them gives correctness without constraints
(and how often the constraints hold unasked).  ``trace_scope`` adds the
verdicts of the constraints checked on the reasoning trace (as ReasonIF
does) through ``score_split(..., scope_override=...)``: ``reasoning``, or
``both`` (reasoning, and a constraint counted as followed only when the
answer and the reasoning both follow it).  An empty text follows no
constraint, as in MathIF's harness.  The run with constraints keeps each
item's own scopes (MathIF's items: the answer).

One item at a time (:func:`score_one`): each sample is split once, and the same split
gives the verdicts and the lines of ``items.jsonl`` and ``samples.jsonl``.  What the
summary needs of an item is kept (:class:`ItemResult`, without the response texts), so a
run holds per item a few numbers, never the generations.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from curation.core import Progress, dumps_line_bytes, no_progress
from curation.evaluation.data import EvalItem
from curation.evaluation.intervention import scored_output
from curation.evaluation.samples import sample_row
from curation.evaluation.store import Generation, GenKey
from curation.scoring import (
    ItemScore,
    SampleScore,
    SplitResponse,
    majority_index,
    score_split,
    split_response,
)


@dataclass(frozen=True)
class Intervened:
    """What an intervention did to one sample (``mathif eval --intervention``)."""

    thinking_tokens: int  # tokens the model spent thinking
    extensions: int  # times its end of thinking was suppressed ("Wait" appended)
    reminders: int  # times the constraints were put back into its thinking
    budget_closed: bool  # its thinking reached the budget and was closed for it

    @classmethod
    def of(cls, gen: Generation) -> Intervened | None:
        if gen.spans is None:
            return None
        kinds = [kind for kind, _ in gen.spans]
        return cls(
            gen.thinking_tokens or 0, kinds.count("extension"), kinds.count("reminder"), "final" in kinds
        )


@dataclass(frozen=True)
class SampleLength:
    length: int  # completion tokens, or characters when the backend gave no token count
    hard: bool
    soft: float
    correct: bool | None  # None: the gold cannot be graded
    truncated: bool | None = None  # stopped at the token limit (None: no finish reason known)
    reasoning_chars: int = 0  # characters of the reasoning the scorer read (injected text left out)
    intervened: Intervened | None = None  # under an intervention: what it did


@dataclass(frozen=True)
class Generated:
    """How each sample of one item in one run ended: at the token limit or not (None: the
    backend gave no finish reason), and whether its text holds the reasoning delimiter."""

    truncated: tuple[bool | None, ...]
    delimited: tuple[bool, ...]

    @classmethod
    def of(cls, gens: Sequence[Generation]) -> Generated:
        return cls(tuple(truncation(g) for g in gens), tuple(DELIMITER in scored_output(g) for g in gens))


DELIMITER = "</think>"


def truncation(gen: Generation) -> bool | None:
    """Whether a sample stopped at the token limit: finish reason ``length`` (OpenAI's and
    vLLM's word); None when the backend or the file gave no finish reason."""
    if gen.finish_reason is None:
        return None
    return gen.finish_reason == "length"


@dataclass(frozen=True)
class EvalScores:
    items: tuple[EvalItem, ...]
    constraints: tuple[ItemScore, ...]
    plain: tuple[ItemScore, ...] | None
    reasoning: tuple[ItemScore, ...] | None  # constraints checked on the reasoning trace
    both: tuple[ItemScore, ...] | None  # followed in the answer and in the reasoning
    lengths: tuple[SampleLength, ...]
    length_unit: str  # "tokens" or "characters"
    generated: tuple[Generated, ...] = ()  # per item, the run with constraints
    plain_generated: tuple[Generated, ...] | None = None  # per item, the run without
    majority: tuple[bool | None, ...] = ()  # per item: is the majority answer correct


Samples = int | Mapping[tuple[str, str], int]
"""How many samples each (item key, run) has: one number for all (``mathif eval``), or per
key and run (``mathif score`` on outside generations, where items may differ)."""


class Generations(Protocol):
    """Where the generations of a run come from: memory (``mathif eval``) or a file read line
    by line (``mathif score``)."""

    def of(self, key: str, run: str) -> list[Generation]:
        """Samples 0, 1, ... of one item in one run."""
        ...


@dataclass(frozen=True)
class InMemory:
    """Generations held in a mapping (the run folder of ``mathif eval``)."""

    done: Mapping[GenKey, Generation]
    samples: Samples

    def of(self, key: str, run: str) -> list[Generation]:
        n = self.samples if isinstance(self.samples, int) else self.samples[(key, run)]
        return [self.done[(key, run, s)] for s in range(n)]


@dataclass(frozen=True)
class ScoreSettings:
    runs: tuple[str, ...]
    think_mode: str = "mathif"
    fix_quirks: bool = False
    trace_scope: str = "answer"
    with_correctness: bool = True


@dataclass(frozen=True)
class ItemResult:
    """One item's verdicts in every run, and the lengths of its samples in the run with
    constraints (completion tokens where the backend gave them, and characters)."""

    index: int
    constraints: ItemScore
    plain: ItemScore | None
    reasoning: ItemScore | None
    both: ItemScore | None
    tokens: tuple[int | None, ...]
    chars: tuple[int, ...]
    generated: Generated
    plain_generated: Generated | None
    majority: bool | None  # the majority answer of the samples correct (None: ungraded gold)
    intervened: tuple[Intervened | None, ...] = ()  # per sample of the run with constraints

    def slim(self) -> ItemResult:
        """Without what only the per-sample lines show (the extracted answers)."""

        def thin(score: ItemScore | None) -> ItemScore | None:
            if score is None:
                return None
            samples = tuple(dataclasses.replace(s, extracted=None) for s in score.samples)
            return dataclasses.replace(score, samples=samples)

        return dataclasses.replace(
            self,
            constraints=thin(self.constraints),  # type: ignore[arg-type]
            plain=thin(self.plain),
            reasoning=thin(self.reasoning),
            both=thin(self.both),
        )


Packed = tuple[Any, ...]
"""An :class:`ItemResult` without its item (what a worker process sends back)."""


def pack(result: ItemResult) -> Packed:
    def samples(score: ItemScore | None) -> tuple[SampleScore, ...] | None:
        return None if score is None else score.samples

    r = result
    return (
        r.index,
        *(samples(s) for s in (r.constraints, r.plain, r.reasoning, r.both)),
        r.tokens,
        r.chars,
        r.generated,
        r.plain_generated,
        r.majority,
        r.intervened,
    )


def unpack(packed: Packed, e: EvalItem) -> ItemResult:
    """The result :func:`pack` packed, around its item ``e``."""
    (
        index,
        constraints,
        plain,
        reasoning,
        both,
        tokens,
        chars,
        generated,
        plain_generated,
        majority,
        intervened,
    ) = packed

    def score(samples: tuple[SampleScore, ...] | None, scope: str | None) -> ItemScore | None:
        return None if samples is None else ItemScore(index, e.item, samples, scope)

    return ItemResult(
        index,
        ItemScore(index, e.item, constraints, None),
        score(plain, None),
        score(reasoning, "reasoning"),
        score(both, "both"),
        tokens,
        chars,
        generated,
        plain_generated,
        majority,
        intervened,
    )


def majority_correct(score: ItemScore) -> bool | None:
    """Whether the answer most samples gave is correct (majority vote, maj@k); None when the
    gold cannot be graded or correctness was not graded.  No answer at all is not correct."""
    if score.correct is None:
        return None
    pick = majority_index([s.extracted for s in score.samples])
    return pick is not None and score.samples[pick].correct is True


@dataclass(frozen=True)
class ScoredItem:
    result: ItemResult
    item_line: bytes  # its line of items.jsonl
    sample_lines: bytes  # its lines of samples.jsonl


def score_one(index: int, e: EvalItem, gens: Generations, settings: ScoreSettings) -> ScoredItem:
    """Every run of one item: its verdicts, its line of ``items.jsonl`` and its lines of
    ``samples.jsonl`` (each sample split once)."""
    st = settings

    def scored(parts: Sequence[SplitResponse], correctness: bool, scope: str | None = None) -> ItemScore:
        samples = tuple(score_split(e.item, p, st.fix_quirks, correctness, scope) for p in parts)
        return ItemScore(index, e.item, samples, scope)

    outs = gens.of(e.key, "constraints")
    parts = [split_response(scored_output(g), st.think_mode) for g in outs]
    constraints = scored(parts, st.with_correctness)
    reasoning = both = plain = None
    plain_gens: list[Generation] = []
    plain_parts: list[SplitResponse] = []
    if st.trace_scope != "answer":  # the same checks on the reasoning trace (correctness is the answer's)
        reasoning = scored(parts, False, "reasoning")
    if st.trace_scope == "both":
        both = scored(parts, False, "both")
    if "plain" in st.runs:
        plain_gens = gens.of(e.key, "plain")
        plain_parts = [split_response(scored_output(g), st.think_mode) for g in plain_gens]
        plain = scored(plain_parts, st.with_correctness)
    result = ItemResult(
        index,
        constraints,
        plain,
        reasoning,
        both,
        tuple(g.completion_tokens for g in outs),
        tuple(len(g.output) for g in outs),
        Generated.of(outs),
        Generated.of(plain_gens) if plain is not None else None,
        majority_correct(constraints) if st.with_correctness else None,
        tuple(Intervened.of(g) for g in outs),
    )
    lines = [
        dumps_line_bytes(sample_row(e, "constraints", k, g, parts[k], constraints, reasoning, both))
        for k, g in enumerate(outs)
    ]
    if plain is not None:
        lines += [
            dumps_line_bytes(sample_row(e, "plain", k, g, plain_parts[k], plain, None, None))
            for k, g in enumerate(plain_gens)
        ]
    return ScoredItem(result.slim(), dumps_line_bytes(item_row(e, result)), b"".join(lines))


def item_row(e: EvalItem, result: ItemResult) -> dict[str, Any]:
    """items.jsonl: the row of ``mathif score`` for the run with constraints, plus the rest."""
    row = {"key": e.key} | result.constraints.to_row()
    if len(result.constraints.samples) > 1:
        row["majority_correct"] = result.majority
    if result.plain is not None:
        p = result.plain
        row["plain"] = {"correct": p.correct, "hard": p.hard, "soft": p.soft}
    if result.reasoning is not None:
        r = result.reasoning
        row["reasoning"] = {"hard": r.hard, "soft": r.soft, "follow": r.to_row()["follow"]}
    if result.both is not None:
        b = result.both
        row["both"] = {"hard": b.hard, "soft": b.soft}
    return row


def collect(items: Sequence[EvalItem], results: Sequence[ItemResult], settings: ScoreSettings) -> EvalScores:
    """The scores of a whole run from its items' results (in item order)."""
    tokens = [t for r in results for t in r.tokens]
    use_tokens = bool(tokens) and all(t is not None for t in tokens)
    lengths = []
    for r in results:
        cut = r.generated.truncated
        shaped = r.intervened or (None,) * len(r.tokens)
        for s, t, c, x, iv in zip(r.constraints.samples, r.tokens, r.chars, cut, shaped, strict=True):
            length = t if use_tokens and t is not None else c
            lengths.append(SampleLength(length, s.hard, s.soft, s.correct, x, s.reasoning_chars, iv))
    runs, scope = settings.runs, settings.trace_scope

    def column(name: str) -> tuple[ItemScore, ...]:
        return tuple(getattr(r, name) for r in results)

    return EvalScores(
        items=tuple(items),
        constraints=column("constraints"),
        plain=column("plain") if "plain" in runs else None,
        reasoning=column("reasoning") if scope != "answer" else None,
        both=column("both") if scope == "both" else None,
        lengths=tuple(lengths),
        length_unit="tokens" if use_tokens else "characters",
        generated=tuple(r.generated for r in results),
        plain_generated=tuple(r.plain_generated for r in results) if "plain" in runs else None,  # type: ignore[misc]
        majority=tuple(r.majority for r in results),
    )


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
    """Every item's verdicts in every run, in memory; ``progress(done, total)`` after each item."""
    settings = ScoreSettings(tuple(runs), think_mode, fix_quirks, trace_scope, with_correctness)
    gens = InMemory(done, samples)
    results = []
    for index, e in enumerate(items):
        results.append(score_one(index, e, gens, settings).result)
        progress(index + 1, len(items))
    return collect(items, results, settings)
