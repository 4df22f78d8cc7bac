"""What ``mathif eval`` evaluates: items, their unique keys and the prompts of each run.

DATASET is any form :func:`curation.core.open_dataset` reads: a built version folder
(``build/<version>/``), a published tree or Hub snapshot, a Hub id ``ORG/NAME@v1.0.0``,
one JSONL or parquet split file, or MathIF's published files.  An item is keyed by its
split file's name and line (``gsm8k_single.jsonl:3``; a parquet row n is line n), the
same in every form, because MathIF's ids repeat.  The prompt with
constraints is the row's own ``prompt`` (the tool's files) or MathIF's prompt
(question, chain-of-thought instruction, constraint descriptions); the prompt
without constraints is the same text with the descriptions left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from curation.core import DEFAULT_TEMPLATE, Dataset, InputError, Item, open_dataset, render_prompt


@dataclass(frozen=True)
class EvalItem:
    key: str  # file name + line, unique within a dataset
    item: Item
    prompt: str  # with the constraints
    plain_prompt: str  # without them

    @property
    def split(self) -> str:
        return split_of(self.key)

    def prompt_for(self, run: str) -> str:
        return self.prompt if run == "constraints" else self.plain_prompt


def split_of(key: str) -> str:
    """The split an item key names: its file's name without ``.jsonl``
    (``gsm8k_single.jsonl:3`` -> ``gsm8k_single``)."""
    return key.rsplit(":", 1)[0].removesuffix(".jsonl")


def prompts_of(item: Item) -> tuple[str, str]:
    """(prompt with constraints, prompt without) for one item."""
    plain = render_prompt(DEFAULT_TEMPLATE, item.question, [])
    given = item.extra.get("prompt")
    if given is None:
        return render_prompt(DEFAULT_TEMPLATE, item.question, list(item.descriptions)), plain
    if not isinstance(given, str) or not given.strip():
        raise InputError(item.path, item.line, "field 'prompt' must be a non-empty string")
    constraints = " ".join(d.strip() for d in item.descriptions)
    if given == render_prompt(DEFAULT_TEMPLATE, item.question, list(item.descriptions)):
        return given, plain
    if constraints and given.count(constraints) == 1:  # another template: cut the descriptions out
        head, tail = given.split(constraints)
        joined = head.rstrip() + (" " if head.strip() and tail.strip() else "") + tail.lstrip()
        return given, joined.strip()
    raise InputError(
        item.path,
        item.line,
        "field 'prompt' does not contain the constraint descriptions; cannot make the prompt without them",
    )


def eval_items(dataset: Dataset, limit: int | None = None) -> list[EvalItem]:
    """Every item of the dataset (the first ``limit`` of each split), in split and line order."""
    out: list[EvalItem] = []
    for f in dataset.files:
        items = f.items()
        for item in items[:limit] if limit else items:
            with_c, without = prompts_of(item)
            out.append(EvalItem(f"{f.name}:{item.line}", item, with_c, without))
    return out


def load_dataset(spec: str | Path, limit: int | None = None) -> list[EvalItem]:
    """:func:`eval_items` of the dataset ``spec`` names (any form)."""
    return eval_items(open_dataset(spec), limit)


def fingerprint(items: Sequence[EvalItem]) -> str:
    """sha256 over what the model is shown: every key and its prompts (answers excluded)."""
    h = hashlib.sha256()
    for e in items:
        h.update(json.dumps([e.key, e.prompt, e.plain_prompt], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
