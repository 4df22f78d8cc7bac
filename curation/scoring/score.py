"""Scoring generations against items: instruction following and correctness.

This is MathIF's harness made explicit and pure:
- the answer is split from the reasoning (``curation.response``);
- a blank answer follows no constraint (MathIF's ``response.strip() and ...``);
- hard = every constraint followed, soft = share of constraints followed;
- correct = the answer graded with math-verify against the gold answer,
  without evaluating model text (``curation.grading``).

Scopes: each constraint is checked where its item says (``constraint_scope``;
"answer" by default): "answer" on the answer, "reasoning" on the reasoning,
"both" on each of them separately (followed only if followed on both).  The
blank rule holds per part: a blank reasoning follows no constraint checked on
it.  ``scope_override`` (``score_output``/``score_item``: "answer",
"reasoning" or "both") checks every constraint of the item in that scope
instead, e.g. to ask how far constraints meant for the answer also hold in
the reasoning; ``None`` keeps the item's scopes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints import Instance
from constraints.base import SCOPES
from constraints.scope import checked_on
from curation.core import InputError, Item
from curation.scoring.lazy_grading import grade_result
from curation.scoring.split import SplitResponse, split_response

OUTPUT_KEYS = ("output", "responses", "response")


def outputs_of(obj: Mapping[str, Any], path: str | Path = "", line: int = 0) -> list[str]:
    """The sample(s) of one generation line: ``output`` (string or list) or ``response``."""
    for key in OUTPUT_KEYS:
        if key in obj:
            value = obj[key]
            if isinstance(value, str):
                return [value]
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return list(value)
            raise InputError(path, line, f"field {key!r} must be a string or a non-empty list of strings")
    raise InputError(path, line, "no 'output' or 'response' field")


@dataclass(frozen=True)
class SampleScore:
    follow: tuple[bool, ...]
    correct: bool | None  # None: the gold cannot be graded (left out of correctness)
    answer_chars: int
    reasoning_chars: int
    extracted: str | None = None  # what the grader read from the answer (not in items.jsonl)
    grading: str | None = None  # how the grade was reached (samples.jsonl only)
    answer_source: str | None = None  # where the final answer was found (samples.jsonl only)

    @property
    def hard(self) -> bool:
        return all(self.follow)

    @property
    def soft(self) -> float:
        return sum(self.follow) / len(self.follow) if self.follow else 1.0

    def to_row(self) -> dict[str, Any]:
        return {
            "follow": list(self.follow),
            "hard": self.hard,
            "soft": self.soft,
            "correct": self.correct,
            "answer_chars": self.answer_chars,
            "reasoning_chars": self.reasoning_chars,
        }


@dataclass(frozen=True)
class ItemScore:
    index: int
    item: Item
    samples: tuple[SampleScore, ...]
    scope_override: str | None = None

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scope each constraint was checked in (the override, else the item's)."""
        if self.scope_override is not None:
            return (self.scope_override,) * len(self.item.constraints)
        return self.item.scopes

    def _mean(self, values: Iterable[float]) -> float:
        values = list(values)
        return sum(values) / len(values)

    @property
    def hard(self) -> float:
        return self._mean(float(s.hard) for s in self.samples)

    @property
    def soft(self) -> float:
        return self._mean(s.soft for s in self.samples)

    @property
    def correct(self) -> float | None:
        """Share of the samples graded correct; None when the gold cannot be graded."""
        graded = [float(s.correct) for s in self.samples if s.correct is not None]
        return self._mean(graded) if graded else None

    def to_row(self) -> dict[str, Any]:
        """One line of items.jsonl.  With one sample its verdicts are the top-level
        fields; with several, ``samples`` lists them and the top level holds means
        (``follow`` then gives each constraint's share of samples that followed it)."""
        head = {
            "index": self.index,
            "id": self.item.id,
            "source": self.item.source,
            "constraint_name": list(self.item.constraint_ids),
            "constraint_scope": list(self.scopes),
        }
        if len(self.samples) == 1:
            return head | self.samples[0].to_row()
        n = len(self.samples)
        follow = [sum(s.follow[i] for s in self.samples) / n for i in range(len(self.item.constraints))]
        return head | {
            "follow": follow,
            "hard": self.hard,
            "soft": self.soft,
            "correct": self.correct,
            "samples": [s.to_row() for s in self.samples],
        }


def _check_override(scope_override: str | None) -> None:
    if scope_override is not None and scope_override not in SCOPES:
        raise ValueError(f"scope_override must be one of {', '.join(SCOPES)} or None, got {scope_override!r}")


def follows_in_scope(
    constraint: Instance, parts: SplitResponse, scope: str, fix_quirks: bool = False
) -> bool:
    """The constraint holds on every part ``scope`` checks, none of them blank."""
    texts = [parts.answer if part == "answer" else parts.reasoning for part in checked_on(scope)]
    return all(t.strip() and constraint.check(t, fix_quirks=fix_quirks) for t in texts)


def score_output(
    item: Item,
    output: str,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    with_correctness: bool = True,
    scope_override: str | None = None,
) -> SampleScore:
    """One sample: each constraint checked in its scope (or ``scope_override``), and correctness."""
    return score_split(item, split_response(output, think_mode), fix_quirks, with_correctness, scope_override)


def score_split(
    item: Item,
    parts: SplitResponse,
    fix_quirks: bool = False,
    with_correctness: bool = True,
    scope_override: str | None = None,
) -> SampleScore:
    """:func:`score_output` of a response already split into reasoning and answer."""
    _check_override(scope_override)
    answer = parts.answer
    scopes = item.scopes if scope_override is None else (scope_override,) * len(item.constraints)
    follow = tuple(
        follows_in_scope(c, parts, s, fix_quirks) for c, s in zip(item.constraints, scopes, strict=True)
    )
    if not with_correctness:
        return SampleScore(follow, False, len(answer), len(parts.reasoning))
    g = grade_result(answer, item.answer)
    return SampleScore(follow, g.correct, len(answer), len(parts.reasoning), g.extracted, g.how, g.source)


def score_item(
    index: int,
    item: Item,
    outputs: Sequence[str],
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    with_correctness: bool = True,
    scope_override: str | None = None,
) -> ItemScore:
    """Every sample of one item (see ``score_output`` for ``scope_override``)."""
    samples = tuple(
        score_output(item, o, think_mode, fix_quirks, with_correctness, scope_override) for o in outputs
    )
    return ItemScore(index, item, samples, scope_override)
