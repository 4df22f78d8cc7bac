"""Where constraints are checked: the answer, the reasoning, or both.

An instance's ``scope`` (``constraints.base.SCOPES``) says which part of a
model's output it is checked on.  The answer is checked against the
instances scoped "answer" or "both", the reasoning against those scoped
"reasoning" or "both"; the two texts are independent.  So conflicts and
satisfiability are questions about each part: an item is satisfiable when
each part's instances have a joint witness, and two instances can only
conflict when they are checked on a common part.

With every scope "answer" (MathIF's case) the answer part holds every
instance and the reasoning part none: the same conflict checks and the same
joint witness as before scopes existed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from .base import DEFAULT_SCOPE, SCOPES, Instance
from .conflicts import instance_conflicts
from .joint import joint_witness
from .registry import Registry

PARTS = ("answer", "reasoning")


def checked_on(scope: str) -> tuple[str, ...]:
    """The parts of the output a scope checks: ("answer",), ("reasoning",) or both."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    return PARTS if scope == "both" else (scope,)


def part_instances(instances: Sequence[Instance], part: str) -> list[Instance]:
    """The instances checked on ``part`` ("answer" or "reasoning"), in item order."""
    return [i for i in instances if part in checked_on(i.scope)]


def with_scopes(instances: Sequence[Instance], scopes: Sequence[str] | None) -> list[Instance]:
    """The instances with the given scopes (None: keep each instance's own)."""
    if scopes is None:
        return list(instances)
    return [Instance(i.family, i.args, s) for i, s in zip(instances, scopes, strict=True)]


def all_default(instances: Sequence[Instance]) -> bool:
    return all(i.scope == DEFAULT_SCOPE for i in instances)


def scoped_type_conflict(instances: Sequence[Instance], registry: Registry) -> bool:
    """A type-level conflict between two instances checked on a common part."""
    for a, b in itertools.combinations(instances, 2):
        if set(checked_on(a.scope)) & set(checked_on(b.scope)) and registry.type_conflict(a.id, b.id):
            return True
    return False


def scoped_conflicts(instances: Sequence[Instance]) -> list[str]:
    """Argument-level conflicts within each part (each reason once)."""
    out: list[str] = []
    for part in PARTS:
        group = part_instances(instances, part)
        for reason in instance_conflicts(group):
            if reason not in out:
                out.append(reason)
    return out


@dataclass(frozen=True)
class ScopedWitness:
    """Texts meeting every instance of each part (None where the part has none)."""

    answer: str | None
    reasoning: str | None


def scoped_witness(instances: Sequence[Instance], seed: int = 0) -> ScopedWitness | None:
    """A joint witness per part, or None if one part has none."""
    texts: dict[str, str | None] = {}
    for part in PARTS:
        group = part_instances(instances, part)
        if not group:
            texts[part] = None
            continue
        text = joint_witness(group, seed=seed)
        if text is None:
            return None
        texts[part] = text
    return ScopedWitness(texts["answer"], texts["reasoning"])
