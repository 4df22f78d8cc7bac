"""Seeded stratified sampling with near duplicates kept apart."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from curation.core.problems import Problem
from curation.dataset.sampling import allocate, derive_seed, eligible, stratified_sample


def problems(n, levels=(1, 2, 3)):
    return [
        Problem(
            f"toy/{i:03d}",
            "toy",
            f"q{i}",
            str(i),
            gradable=i % 10 != 9,
            metadata={"level": levels[i % len(levels)]},
        )
        for i in range(n)
    ]


def test_derive_seed_is_stable():
    assert derive_seed(1, "a", 2) == derive_seed(1, "a", 2)
    assert derive_seed(1, "a", 2) != derive_seed(1, "a", 3)
    assert derive_seed(5, "x") == 5264356733623464590  # fixed across machines and runs


def test_allocation_is_proportional_and_exact():
    alloc = allocate({("1",): 50, ("2",): 30, ("3",): 20}, 10)
    assert alloc == {("1",): 5, ("2",): 3, ("3",): 2}
    alloc = allocate({("a",): 1, ("b",): 1, ("c",): 1}, 2)
    assert sum(alloc.values()) == 2 and max(alloc.values()) == 1
    with pytest.raises(ValueError):
        allocate({("a",): 1}, 2)


def test_eligible_drops_ungradable_used_and_duplicate_groups():
    pool = problems(20)
    group_of = {"toy/001": 0, "toy/002": 0, "toy/003": 1}
    got = eligible(pool, group_of, used={"group:1", "id:toy/004"})
    ids = [p.id for p in got]
    assert "toy/001" in ids and "toy/002" not in ids  # one per group, smallest id
    assert "toy/003" not in ids and "toy/004" not in ids
    assert "toy/009" not in ids and "toy/019" not in ids  # not gradable


def test_stratified_sample_is_seeded_and_stratified():
    pool = problems(90)
    a = stratified_sample(pool, 30, ["level"], random.Random(3))
    b = stratified_sample(list(reversed(pool)), 30, ["level"], random.Random(3))
    assert [p.id for p in a] == [p.id for p in b]  # input order does not matter
    assert len({p.id for p in a}) == 30
    assert Counter(p.metadata["level"] for p in a) == {1: 10, 2: 10, 3: 10}
    c = stratified_sample(pool, 30, ["level"], random.Random(4))
    assert [p.id for p in a] != [p.id for p in c]
