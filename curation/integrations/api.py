"""The Python API: load a version, score one response against one item, score a batch.

Pure functions over typed records; the same code as ``mathif score`` and ``mathif eval``
(:func:`curation.scoring.score_output`), so a verdict here is the verdict there.  The
stable names are re-exported from the top-level package ``mathif``::

    import mathif

    bench = mathif.load("build/1.0.0")          # or "ORG/NAME@v1.0.0", a parquet file, ...
    item = bench.items[0]
    v = mathif.score(item, "<think>...</think>The answer is \\\\boxed{42}")
    v.hard, v.soft, v.correct, [c.followed for c in v.follow]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints.base import SCOPES
from curation.core import InputError, Item, item_from_dict, open_dataset
from curation.evaluation import eval_items, split_of
from curation.scoring import THINK_MODES, score_output, split_response

ItemLike = Any  # an Item, a BenchItem, or a mapping with MathIF's seven fields (see as_item)


@dataclass(frozen=True)
class BenchItem:
    """One item of a loaded version: its key (``gsm8k_single.jsonl:3``, as ``mathif eval``
    keys it), the validated item, and the prompts with and without its constraints."""

    key: str
    item: Item
    prompt: str
    plain_prompt: str

    @property
    def id(self) -> str:
        return self.item.id

    @property
    def split(self) -> str:
        """The split file's name without ``.jsonl`` (``gsm8k_single``)."""
        return split_of(self.key)

    @property
    def question(self) -> str:
        return self.item.question

    @property
    def answer(self) -> str:
        return self.item.answer

    @property
    def constraint_ids(self) -> tuple[str, ...]:
        return self.item.constraint_ids

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.item.scopes

    def to_dict(self) -> dict[str, Any]:
        """The item as a JSON-ready row: MathIF's seven fields, the tool's own, the key and
        both prompts (``as_item`` reads it back)."""
        return (
            self.item.to_mathif()
            | dict(self.item.extra)
            | {"key": self.key, "prompt": self.prompt, "plain_prompt": self.plain_prompt}
        )


@dataclass(frozen=True)
class Benchmark:
    """A loaded version: what was asked for, the form it was read in, and its items in
    split and line order."""

    spec: str
    form: str
    revision: str | None
    items: tuple[BenchItem, ...]

    def __iter__(self) -> Iterator[BenchItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: str) -> BenchItem:
        """The item with this key (``gsm8k_single.jsonl:3``)."""
        for b in self.items:
            if b.key == key:
                return b
        raise KeyError(key)

    @property
    def splits(self) -> dict[str, list[BenchItem]]:
        """Items by split (``gsm8k_single`` -> its items), in order."""
        out: dict[str, list[BenchItem]] = {}
        for b in self.items:
            out.setdefault(b.split, []).append(b)
        return out


def load(
    spec: str | Path,
    limit: int | None = None,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
) -> Benchmark:
    """A version in any form :func:`curation.core.open_dataset` reads: a build folder, a
    published tree or snapshot, ``ORG/NAME@REVISION`` on the Hub, MathIF's folder, one JSONL
    or parquet file.  ``limit``: the first N items of each split.  Bad data raises
    :class:`curation.core.InputError` naming the file and line."""
    dataset = open_dataset(spec, endpoint=endpoint, cache_dir=cache_dir)
    items = tuple(BenchItem(e.key, e.item, e.prompt, e.plain_prompt) for e in eval_items(dataset, limit))
    return Benchmark(str(spec), dataset.form, dataset.revision, items)


@dataclass(frozen=True)
class ConstraintVerdict:
    id: str  # the family id, e.g. punctuation:no_comma
    scope: str  # where it was checked: answer, reasoning or both
    followed: bool


@dataclass(frozen=True)
class Verdict:
    """One response against one item."""

    follow: tuple[ConstraintVerdict, ...]
    correct: bool | None  # math-verify's grade of the answer; None: not graded
    answer: str  # the answer part the constraints (scope answer) and the grader read
    reasoning_chars: int
    extracted: str | None  # what math-verify read from the answer; None: nothing, or not graded

    @property
    def hard(self) -> bool:
        """Every constraint followed."""
        return all(c.followed for c in self.follow)

    @property
    def soft(self) -> float:
        """The share of constraints followed."""
        return sum(c.followed for c in self.follow) / len(self.follow) if self.follow else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "hard": self.hard,
            "soft": self.soft,
            "follow": [c.followed for c in self.follow],
            "constraint_name": [c.id for c in self.follow],
            "constraint_scope": [c.scope for c in self.follow],
            "correct": self.correct,
            "answer": self.answer,
            "reasoning_chars": self.reasoning_chars,
            "extracted_answer": self.extracted,
        }


def as_item(obj: ItemLike) -> Item:
    """An :class:`Item` from an Item, a :class:`BenchItem`, or a mapping with MathIF's seven
    fields: a row of the tool's JSONL files, of MathIF's files, of the published parquet
    files (``constraint_args`` as JSON text), :meth:`BenchItem.to_dict`, or a reward's
    ground truth.  A bad mapping raises :class:`InputError`."""
    if isinstance(obj, Item):
        return obj
    if isinstance(obj, BenchItem):
        return obj.item
    if not isinstance(obj, Mapping):
        raise InputError(
            None, None, f"expected an item (a mapping with MathIF's fields), got {type(obj).__name__}"
        )
    args = obj.get("constraint_args")
    if isinstance(args, list) and any(isinstance(a, str) for a in args):  # published: JSON text
        try:
            obj = dict(obj) | {"constraint_args": [json.loads(a) if isinstance(a, str) else a for a in args]}
        except json.JSONDecodeError as exc:
            raise InputError(None, None, f"constraint_args: not JSON text ({exc.msg})") from None
    if "split" not in obj and "subset" in obj:
        obj = {("split" if k == "subset" else k): v for k, v in obj.items()}
    return item_from_dict(obj)


def _check_options(think_mode: str, scope: str | None) -> None:
    if think_mode not in THINK_MODES:
        raise ValueError(f"think_mode must be one of {', '.join(THINK_MODES)}, got {think_mode!r}")
    if scope is not None and scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)} or None, got {scope!r}")


def score(
    item: ItemLike,
    response: str,
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    scope: str | None = None,
    correctness: bool = True,
) -> Verdict:
    """Score one response against one item, as ``mathif score`` does.

    ``think_mode``: how the answer is split from the reasoning (``mathif``: MathIF's harness,
    the text after the first ``</think>``; ``last``; ``strict``: no ``</think>`` means no
    answer).  ``scope``: check every constraint on ``answer``, ``reasoning`` or ``both``
    instead of where the item says (None).  ``fix_quirks``: the documented fixes of MathIF's
    checker quirks.  ``correctness``: grade the answer with math-verify (False: ``correct`` is
    None, and nothing of sympy or math-verify runs).  A response that is no string raises
    TypeError; every string is scored (total)."""
    if not isinstance(response, str):
        raise TypeError(f"response must be a string, got {type(response).__name__}")
    _check_options(think_mode, scope)
    it = as_item(item)
    s = score_output(it, response, think_mode, fix_quirks, correctness, scope)
    scopes = it.scopes if scope is None else (scope,) * len(it.constraints)
    follow = tuple(
        ConstraintVerdict(c.id, sc, f) for c, sc, f in zip(it.constraints, scopes, s.follow, strict=True)
    )
    answer = split_response(response, think_mode).answer
    return Verdict(follow, s.correct if correctness else None, answer, s.reasoning_chars, s.extracted)


def score_batch(
    items: Iterable[ItemLike],
    responses: Iterable[str],
    think_mode: str = "mathif",
    fix_quirks: bool = False,
    scope: str | None = None,
    correctness: bool = True,
) -> list[Verdict]:
    """:func:`score` for each (item, response) pair; the two must have the same length."""
    items, responses = list(items), list(responses)
    if len(items) != len(responses):
        raise ValueError(f"{len(items)} items but {len(responses)} responses")
    _check_options(think_mode, scope)
    return [
        score(i, r, think_mode, fix_quirks, scope, correctness) for i, r in zip(items, responses, strict=True)
    ]


def mean_scores(verdicts: Sequence[Verdict]) -> dict[str, float | None]:
    """HAcc, SAcc and correctness over verdicts (one per item): MathIF's three scores."""
    if not verdicts:
        raise ValueError("no verdicts")
    graded = [v.correct for v in verdicts if v.correct is not None]
    return {
        "hacc": sum(v.hard for v in verdicts) / len(verdicts),
        "sacc": sum(v.soft for v in verdicts) / len(verdicts),
        "correctness": sum(graded) / len(graded) if graded else None,
    }
