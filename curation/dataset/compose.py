"""Composing the constraints of one item: draw, filter conflicts, prove satisfiable.

For an item with k constraints: draw k distinct families from the allowed
ones, drop draws with a type-level conflict, draw arguments (the question is
the context; recipe overrides apply), drop draws with an argument-level
conflict, then build the joint witness.  A draw whose joint witness fails is
redrawn, never emitted.  Each constraint's joint counterexample is looked for
too; where there is none the constraint is reported as not discriminative.

With scopes (one per position: "answer", "reasoning" or "both"), conflicts
and witnesses are looked for per part of the output (``constraints.scope``);
with every scope "answer" that is exactly the check above.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constraints import ConstraintArgError, Context, Family, Instance, Registry
from constraints.joint import joint_counterexample
from constraints.scope import (
    checked_on,
    part_instances,
    scoped_conflicts,
    scoped_type_conflict,
    scoped_witness,
)
from curation.dataset.recipe import Override

MAX_DRAWS = 1000


class CompositionError(RuntimeError):
    """No satisfiable combination found within the draw budget."""


@dataclass(frozen=True)
class Composition:
    instances: tuple[Instance, ...]
    witness: str | None  # a final answer meeting the answer's constraints (None: it has none)
    not_discriminative: tuple[str, ...]  # ids of constraints with no joint counterexample
    draws: int
    reasoning_witness: str | None = None  # the same for the reasoning


def draw_args(family: Family, rng: random.Random, ctx: Context, overrides: Mapping[str, Override]) -> dict:
    args = dict(family.sample(rng, ctx))
    for name in sorted(overrides):
        args[name] = overrides[name].draw(rng)
    return family.validate(args)


def weighted_sample(
    items: Sequence[Family], weights: Sequence[float], k: int, rng: random.Random
) -> list[Family]:
    """``k`` distinct items, drawn one after another, each with a chance in proportion to its
    weight among those not drawn yet (successive sampling without replacement)."""
    if len(weights) != len(items):
        raise ValueError(f"{len(weights)} weights for {len(items)} families")
    left = list(range(len(items)))
    picked: list[Family] = []
    for _ in range(k):
        x = rng.random() * sum(weights[i] for i in left)
        at = len(left) - 1  # rounding can leave x just above the last weight
        for n, i in enumerate(left):
            if x < weights[i]:
                at = n
                break
            x -= weights[i]
        picked.append(items[left.pop(at)])
    return picked


EXACT_INCLUSION_LIMIT = 200_000  # ordered draws summed over; beyond, an approximation


def inclusion(weights: Sequence[float], k: int) -> list[float]:
    """The chance that each family is among the ``k`` that ``weighted_sample`` draws: exact (by
    summing over the ordered draws) while there are at most EXACT_INCLUSION_LIMIT of them (60
    families for k = 3), else ``1 - (1 - w/W)^k`` scaled to sum to k (bounded work for a recipe
    with hundreds of plugin families)."""
    total = sum(weights)
    chance = [0.0] * len(weights)
    if len(weights) ** k > EXACT_INCLUSION_LIMIT:
        rough = [1 - (1 - w / total) ** k for w in weights]
        return [min(1.0, r * k / sum(rough)) for r in rough]

    def walk(taken: tuple[int, ...], p: float, left_weight: float) -> None:
        for i, w in enumerate(weights):
            if i in taken:
                continue
            q = p * w / left_weight
            chance[i] += q
            if len(taken) + 1 < k:
                walk((*taken, i), q, left_weight - w)

    if 0 < k <= len(weights):
        walk((), 1.0, total)
    return chance


def compose(
    k: int,
    question: str,
    families: Sequence[Family],
    overrides_for: Mapping[str, Mapping[str, Override]],
    registry: Registry,
    rng: random.Random,
    answer: str = "",
    scopes: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
) -> Composition:
    """Draw a satisfiable set of ``k`` constraints for ``question``.

    ``answer`` is the gold answer (some families fit only some answers);
    ``scopes`` gives each position's scope (default: all "answer");
    ``weights`` (one per family; None: all equal) how often each is drawn.
    Raises ConstraintArgError when an override makes arguments invalid (a
    recipe error) and CompositionError when nothing fits within MAX_DRAWS.
    """
    if k > len(families):
        raise CompositionError(f"{k} constraints asked for, only {len(families)} families allowed")
    scopes = tuple(scopes) if scopes is not None else ("answer",) * k
    if len(scopes) != k:
        raise ValueError(f"{len(scopes)} scopes for {k} constraints")
    ctx = Context(question=question, answer=answer)
    for draw in range(1, MAX_DRAWS + 1):
        chosen = (
            rng.sample(list(families), k) if weights is None else weighted_sample(families, weights, k, rng)
        )
        if any(f.answer_only and s != "answer" for f, s in zip(chosen, scopes, strict=True)):
            continue
        if scoped_type_conflict([Instance(f, {}, s) for f, s in zip(chosen, scopes, strict=True)], registry):
            continue
        try:
            instances = [
                Instance(f, draw_args(f, rng, ctx, overrides_for.get(f.id, {})), s)
                for f, s in zip(chosen, scopes, strict=True)
            ]
        except ConstraintArgError as exc:
            if exc.arg in overrides_for.get(exc.family_id, {}):
                raise
            continue  # e.g. repeat_prompt on an empty question
        if scoped_conflicts(instances):
            continue
        seed = rng.randrange(2**31)
        witness = scoped_witness(instances, seed=seed)
        if witness is None:
            continue
        weak = tuple(inst.id for n, inst in enumerate(instances) if not _discriminative(instances, n, seed))
        return Composition(tuple(instances), witness.answer, weak, draw, witness.reasoning)
    raise CompositionError(f"no satisfiable set of {k} constraints in {MAX_DRAWS} draws")


def _discriminative(instances: Sequence[Instance], n: int, seed: int) -> bool:
    """Instance ``n`` can be broken, on a part it is checked on, while the rest of that part holds."""
    target = instances[n]
    for part in checked_on(target.scope):
        group = part_instances(instances, part)
        k = next(i for i, inst in enumerate(group) if inst is target)
        if joint_counterexample(group, k, seed=seed) is not None:
            return True
    return False
