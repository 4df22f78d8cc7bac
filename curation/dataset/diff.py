"""``mathif diff``: what changed between two versions, each in any dataset form.

Items are matched by split and problem id (MathIF-format files without a
problem id fall back to the question text); a problem that stands in a split
more than once is matched occurrence by occurrence (the second with the
second), so no item is lost.  An item is changed when its constraint set (ids
with arguments and scopes, in any order) or its gold answer differs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curation.core import InputError, open_dataset


@dataclass(frozen=True)
class Entry:
    split: str
    key: str
    item_id: str
    constraints: tuple[str, ...]
    answer: str
    occurrence: int = 1  # the n-th item of this problem in its split

    @property
    def problem(self) -> str:
        return self.key if self.occurrence == 1 else f"{self.key} (#{self.occurrence})"


def _constraint_set(obj: dict[str, Any]) -> tuple[str, ...]:
    """Ids with arguments and scope (absent scope = "answer", MathIF's only one)."""
    names = obj.get("constraint_name") or []
    args = obj.get("constraint_args") or [None] * len(names)
    scopes = obj.get("constraint_scope") or ["answer"] * len(names)
    return tuple(
        sorted(
            f"{n} {json.dumps(a, sort_keys=True)} @{s}" for n, a, s in zip(names, args, scopes, strict=False)
        )
    )


def load_version(spec: str | Path) -> dict[tuple[str, str, int], Entry]:
    """Every item of a dataset in any form ``curation.core.open_dataset`` reads (a build
    folder, a published tree or Hub id, MathIF's folder, one file), keyed for matching."""
    entries: dict[tuple[str, str, int], Entry] = {}
    seen: Counter[tuple[str, str]] = Counter()
    for f in open_dataset(spec).files:
        for path, line in f.lines():
            if line.error is not None:
                raise InputError(path, line.number, line.error)
            obj, number = line.value, line.number
            if not isinstance(obj, dict):
                raise InputError(path, number, "expected a JSON object")
            key = str(obj.get("problem_id") or obj.get("question") or "")
            if not key:
                raise InputError(path, number, "item has neither problem_id nor question")
            try:
                constraints = _constraint_set(obj)
            except TypeError:
                raise InputError(
                    path, number, "constraint_name, constraint_args, constraint_scope must be lists"
                ) from None
            seen[(f.split, key)] += 1
            occurrence = seen[(f.split, key)]
            entry = Entry(
                f.split, key, str(obj.get("id", "")), constraints, str(obj.get("answer", "")), occurrence
            )
            entries[(entry.split, entry.key, occurrence)] = entry
    return entries


def diff_versions(old: str | Path, new: str | Path) -> dict[str, Any]:
    a, b = load_version(old), load_version(new)
    added = [b[k] for k in sorted(b.keys() - a.keys())]
    removed = [a[k] for k in sorted(a.keys() - b.keys())]
    changed = [
        (a[k], b[k])
        for k in sorted(a.keys() & b.keys())
        if a[k].constraints != b[k].constraints or a[k].answer != b[k].answer
    ]
    splits = sorted({e.split for e in a.values()} | {e.split for e in b.values()})
    per_split = {
        s: {
            "old": sum(1 for e in a.values() if e.split == s),
            "new": sum(1 for e in b.values() if e.split == s),
            "added": sum(1 for e in added if e.split == s),
            "removed": sum(1 for e in removed if e.split == s),
            "changed": sum(1 for x, _ in changed if x.split == s),
        }
        for s in splits
    }
    return {
        "old": str(old),
        "new": str(new),
        "summary": {
            "old_items": len(a),
            "new_items": len(b),
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": len(a.keys() & b.keys()) - len(changed),
        },
        "splits": per_split,
        "added": [{"split": e.split, "problem": e.problem, "id": e.item_id} for e in added],
        "removed": [{"split": e.split, "problem": e.problem, "id": e.item_id} for e in removed],
        "changed": [
            {
                "split": x.split,
                "problem": x.problem,
                "old_id": x.item_id,
                "new_id": y.item_id,
                "old_constraints": list(x.constraints),
                "new_constraints": list(y.constraints),
                "answer_changed": x.answer != y.answer,
            }
            for x, y in changed
        ],
    }
