"""``mathif diff``: what changed between two versions, each in any dataset form.

Items are matched by split (the file's: ``gsm8k_single``) and problem id (MathIF-format
files without a problem id fall back to the question text); a problem that stands in a
split more than once is matched occurrence by occurrence (the second with the second),
so no item is lost.  An item is changed when its constraint set (ids with arguments and
scopes, in any order) or its gold answer differs.

Moves.  A problem that left one tier of a recipe split and came into another tier of
the same recipe split (``gsm8k_single`` -> ``gsm8k_double``) is one *moved* item, not a
removed and an added one.  Of the items left unmatched above, the removed and the added
items of one problem in one recipe split are paired in order (tier, then file split,
then occurrence: the first removed with the first added); what is left is removed or
added.  A move says whether its constraints and its answer changed too (a move to
another tier changes the number of constraints, so its constraints nearly always do).
An item's recipe split and tier are its row's ``split`` and ``num_constraints`` where it
has them, else read from the file split's ``_single``/``_double``/``_triple`` suffix
(MathIF's files; the tier falls back to the number of its constraints); a file split
with neither is its own recipe split, and none of its items can move.

Counts.  The summary counts each item once: old items = removed + moved + changed +
unchanged, new items = added + moved + changed + unchanged.  Per file split a move
counts as ``moved_out`` of the split it left and ``moved_in`` of the split it came to,
so that every row has new = old - removed - moved_out + added + moved_in.  Splits come
in MathIF's order (GSM8K ... AIME), others after them by name, each single, double,
triple; the items in each list in the order of their splits, then by problem.

Mix.  Per version, the number of constraints of each family id and of each scope (an
absent scope is "answer"), the families new or gone, and the counts that changed
(biggest change first).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from constraints.base import SCOPES
from curation.core import InputError, group_order, open_dataset
from curation.dataset.recipe import TIER_BY_NAME


@dataclass(frozen=True)
class Entry:
    split: str  # the file split (gsm8k_single)
    key: str
    item_id: str
    constraints: tuple[str, ...]
    answer: str
    occurrence: int = 1  # the n-th item of this problem in its split
    base: str = ""  # the recipe split (gsm8k); "" = the file split
    tier: int = 0  # number of constraints the tier asks for
    families: tuple[str, ...] = ()  # family id of each constraint, in order
    scopes: tuple[str, ...] = ()  # scope of each constraint, in order

    @property
    def problem(self) -> str:
        return self.key if self.occurrence == 1 else f"{self.key} (#{self.occurrence})"

    @property
    def group(self) -> str:
        return self.base or self.split


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


def _file_split(split: str) -> tuple[str, int]:
    """``gsm8k_double`` -> (``gsm8k``, 2); a file split without a tier suffix -> (itself, 0)."""
    head, _, tail = split.rpartition("_")
    tier = TIER_BY_NAME.get(tail, 0) if head else 0
    return (head if tier else split), tier


def _split_and_tier(split: str, obj: dict[str, Any], n_constraints: int) -> tuple[str, int]:
    """The recipe split and tier: the row's fields where it has them, else the file split's suffix."""
    head, suffix = _file_split(split)
    base = obj.get("split")
    if not isinstance(base, str) or not base:
        base = head
    tier = obj.get("num_constraints")
    if not isinstance(tier, int) or isinstance(tier, bool):
        tier = suffix or n_constraints
    return base, tier


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
                names = [str(n) for n in obj.get("constraint_name") or []]
                given = [str(s) for s in obj.get("constraint_scope") or []]
            except TypeError:
                raise InputError(
                    path, number, "constraint_name, constraint_args, constraint_scope must be lists"
                ) from None
            scopes = tuple(given[i] if i < len(given) else "answer" for i in range(len(names)))
            base, tier = _split_and_tier(f.split, obj, len(names))
            seen[(f.split, key)] += 1
            occurrence = seen[(f.split, key)]
            entries[(f.split, key, occurrence)] = Entry(
                f.split,
                key,
                str(obj.get("id", "")),
                constraints,
                str(obj.get("answer", "")),
                occurrence,
                base,
                tier,
                tuple(names),
                scopes,
            )
    return entries


def _split_order(split: str) -> tuple[int, str, int, str]:
    """MathIF's order of sources (GSM8K ... AIME), others after them by name; then the tiers."""
    base, tier = _file_split(split)
    return group_order(base)[0], base, tier, split


def _key_order(k: tuple[str, str, int]) -> tuple[tuple[int, str, int, str], str, int]:
    return _split_order(k[0]), k[1], k[2]


def _pair_moves(removed: list[Entry], added: list[Entry]) -> list[tuple[Entry, Entry]]:
    """Removed and added items of one problem in one recipe split, paired in order."""

    def order(e: Entry) -> tuple[int, tuple[int, str, int, str], int]:
        return e.tier, _split_order(e.split), e.occurrence

    waiting: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for e in sorted(added, key=order):
        waiting[(e.group, e.key)].append(e)
    moves = []
    for e in sorted(removed, key=order):
        candidates = waiting.get((e.group, e.key))
        if candidates:
            moves.append((e, candidates.pop(0)))
    return sorted(moves, key=lambda m: _key_order((m[0].split, m[0].key, m[0].occurrence)))


def _counts(entries: Iterable[Entry], field: str, first: tuple[str, ...] = ()) -> dict[str, int]:
    """Constraints per family id or per scope of a version: ``first`` in its order (even
    at 0), the rest by name."""
    counts = Counter(v for e in entries for v in getattr(e, field))
    return {k: counts[k] for k in first} | {k: counts[k] for k in sorted(counts) if k not in first}


def _changes(old: Mapping[str, int], new: Mapping[str, int], label: str) -> list[dict[str, Any]]:
    rows = [
        {label: k, "old": old.get(k, 0), "new": new.get(k, 0), "delta": new.get(k, 0) - old.get(k, 0)}
        for k in sorted(old.keys() | new.keys())
    ]
    return sorted((r for r in rows if r["delta"]), key=lambda r: -abs(r["delta"]))


def mix(a: Iterable[Entry], b: Iterable[Entry]) -> dict[str, Any]:
    """The family and the scope mix of two versions, with what changed between them."""
    olds, news = list(a), list(b)
    fam_old, fam_new = _counts(olds, "families"), _counts(news, "families")
    scope_old, scope_new = _counts(olds, "scopes", SCOPES), _counts(news, "scopes", SCOPES)
    return {
        "families": {
            "old": fam_old,
            "new": fam_new,
            "added": sorted(fam_new.keys() - fam_old.keys()),
            "removed": sorted(fam_old.keys() - fam_new.keys()),
            "changed": _changes(fam_old, fam_new, "family"),
        },
        "scopes": {
            "old": scope_old,
            "new": scope_new,
            "changed": _changes(scope_old, scope_new, "scope"),
        },
    }


def _split_rows(
    a: Mapping[Any, Entry],
    b: Mapping[Any, Entry],
    added: list[Entry],
    removed: list[Entry],
    moves: list[tuple[Entry, Entry]],
    changed: list[tuple[Entry, Entry]],
) -> dict[str, dict[str, int]]:
    def per(entries: Iterable[Entry]) -> Counter[str]:
        return Counter(e.split for e in entries)

    counts = {
        "old": per(a.values()),
        "new": per(b.values()),
        "added": per(added),
        "removed": per(removed),
        "moved_in": per(y for _, y in moves),
        "moved_out": per(x for x, _ in moves),
        "changed": per(x for x, _ in changed),
    }
    splits = sorted(counts["old"].keys() | counts["new"].keys(), key=_split_order)
    return {s: {k: c[s] for k, c in counts.items()} for s in splits}


def _moved(x: Entry, y: Entry) -> dict[str, Any]:
    return {
        "split": x.group,
        "problem": x.key,
        "old_split": x.split,
        "new_split": y.split,
        "old_id": x.item_id,
        "new_id": y.item_id,
        "old_tier": x.tier,
        "new_tier": y.tier,
        "constraints_changed": x.constraints != y.constraints,
        "answer_changed": x.answer != y.answer,
        "old_constraints": list(x.constraints),
        "new_constraints": list(y.constraints),
    }


def diff_versions(old: str | Path, new: str | Path) -> dict[str, Any]:
    """The diff of two versions as JSON-ready data (see the module docstring)."""
    a, b = load_version(old), load_version(new)
    moves = _pair_moves([a[k] for k in a.keys() - b.keys()], [b[k] for k in b.keys() - a.keys()])
    paired = {(x.split, x.key, x.occurrence) for x, _ in moves} | {
        (y.split, y.key, y.occurrence) for _, y in moves
    }
    added = [b[k] for k in sorted(b.keys() - a.keys() - paired, key=_key_order)]
    removed = [a[k] for k in sorted(a.keys() - b.keys() - paired, key=_key_order)]
    changed = [
        (a[k], b[k])
        for k in sorted(a.keys() & b.keys(), key=_key_order)
        if a[k].constraints != b[k].constraints or a[k].answer != b[k].answer
    ]
    return {
        "old": str(old),
        "new": str(new),
        "summary": {
            "old_items": len(a),
            "new_items": len(b),
            "added": len(added),
            "removed": len(removed),
            "moved": len(moves),
            "changed": len(changed),
            "unchanged": len(a.keys() & b.keys()) - len(changed),
        },
        "splits": _split_rows(a, b, added, removed, moves, changed),
        **mix(a.values(), b.values()),
        "added": [{"split": e.split, "problem": e.problem, "id": e.item_id} for e in added],
        "removed": [{"split": e.split, "problem": e.problem, "id": e.item_id} for e in removed],
        "moved": [_moved(x, y) for x, y in moves],
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
