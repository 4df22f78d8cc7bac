"""Seeded, stratified sampling of problems, keeping near duplicates apart.

Pure: problems in, problems out; the random generator is explicit and every
ordering is sorted first, so the same seed and pool give the same draw on
any machine.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence

from curation.core import Problem, sha256_int


def derive_seed(seed: int, *parts: object) -> int:
    """A stable 64-bit seed for one step of a build (independent of PYTHONHASHSEED)."""
    text = ":".join([str(seed), *map(str, parts)])
    return sha256_int(text, 8)


def dup_key(problem: Problem, group_of: Mapping[str, int]) -> str:
    """Problems in one near-duplicate group share a key; others are their own group."""
    group = group_of.get(problem.id)
    return f"group:{group}" if group is not None else f"id:{problem.id}"


def eligible(pool: Sequence[Problem], group_of: Mapping[str, int], used: Collection[str]) -> list[Problem]:
    """Gradable problems whose near-duplicate group is unused, one per group (smallest id)."""
    chosen: dict[str, Problem] = {}
    for p in sorted(pool, key=lambda p: p.id):
        key = dup_key(p, group_of)
        if p.gradable and key not in used and key not in chosen:
            chosen[key] = p
    return sorted(chosen.values(), key=lambda p: p.id)


def stratum_of(problem: Problem, keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(problem.metadata.get(k)) for k in keys)


def allocate(sizes: Mapping[tuple[str, ...], int], total: int) -> dict[tuple[str, ...], int]:
    """Proportional allocation of ``total`` over strata, largest remainder first, capped by size."""
    n = sum(sizes.values())
    if total > n:
        raise ValueError(f"asked for {total} of {n}")
    strata = sorted(sizes)
    exact = {s: total * sizes[s] / n for s in strata}
    alloc = {s: min(int(exact[s]), sizes[s]) for s in strata}
    left = total - sum(alloc.values())
    by_remainder = sorted(strata, key=lambda s: (-(exact[s] - int(exact[s])), s))
    while left:
        for s in by_remainder:
            if left and alloc[s] < sizes[s]:
                alloc[s] += 1
                left -= 1
    return alloc


def stratified_sample(
    pool: Sequence[Problem], k: int, keys: Sequence[str], rng: random.Random
) -> list[Problem]:
    """``k`` problems from ``pool``, each stratum in proportion to its size."""
    strata: dict[tuple[str, ...], list[Problem]] = {}
    for p in sorted(pool, key=lambda p: p.id):
        strata.setdefault(stratum_of(p, keys), []).append(p)
    alloc = allocate({s: len(v) for s, v in strata.items()}, k)
    picked: list[Problem] = []
    for s in sorted(strata):
        picked.extend(rng.sample(strata[s], alloc[s]))
    rng.shuffle(picked)
    return picked
