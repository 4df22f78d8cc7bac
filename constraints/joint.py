"""Proofs about a whole item: one response meeting every constraint at once
(the joint witness), and for each constraint a response that breaks it while
the others hold (a joint counterexample, showing the constraint matters).

The joint witness is built, not searched for blindly: starting from a short
neutral text, each family's ``compose`` step runs in phase order (base text,
additions, removals, affixes, case, trimming, wrapping).  Orders within a
phase, a few base texts and seeded variants are tried; the first candidate on
which every checker agrees is the proof.  Everything is seeded, so the same
item always gets the same witness.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from itertools import permutations

from .base import Instance
from .text import LANGUAGE_SAMPLES, filler

# Base texts, longest first: language detection needs some English to work on.
BASES = (LANGUAGE_SAMPLES["en"], filler(8), filler(3), "ok.")
VARIANTS = 2


def meets_all(text: str, instances: Sequence[Instance]) -> bool:
    """Every checker agrees, and the text survives MathIF's blank-answer rule."""
    return bool(text.strip()) and all(i.check(text) for i in instances)


def _candidates(instances: Sequence[Instance], seed: int, bases: Sequence[str] = BASES) -> Iterator[str]:
    orders = list(permutations(range(len(instances))))
    attempt = 0
    for base in bases:
        for order in orders:
            ranked = sorted(
                order, key=lambda k: (instances[k].family.phase_of(instances[k].args), order.index(k))
            )
            for _ in range(VARIANTS):
                rng = random.Random(seed * 7919 + attempt)
                attempt += 1
                text = base
                for k in ranked:
                    inst = instances[k]
                    text = inst.family.compose_into(text, inst.args, rng)
                yield text


def joint_witness(instances: Sequence[Instance], seed: int = 0) -> str | None:
    """A response meeting every instance, or None if construction found none."""
    if not instances:
        return BASES[0]
    for text in _candidates(instances, seed):
        if meets_all(text, instances):
            return text
    return None


def joint_counterexample(instances: Sequence[Instance], index: int, seed: int = 0) -> str | None:
    """A response that violates ``instances[index]`` while meeting all the others."""
    target = instances[index]
    others = [inst for k, inst in enumerate(instances) if k != index]
    breaker = target.family.counterexample(target.args, random.Random(seed))

    def tries() -> Iterator[str]:
        # the others composed on top of a text that breaks the target ...
        yield from _candidates(others, seed, bases=(breaker,))
        # ... or the others' joint witness with the breaking text put beside it
        base = joint_witness(others, seed)
        if base is not None:
            lines = base.split("\n")
            yield from (base, base + "\n" + breaker, breaker + "\n" + base)
            yield "\n".join([lines[0], breaker, *lines[1:]])

    for text in tries():
        if not target.check(text) and meets_all(text, others):
            return text
    return None
