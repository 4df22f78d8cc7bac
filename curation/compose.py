"""Composing the constraints of one item: draw, filter conflicts, prove satisfiable.

For an item with k constraints: draw k distinct families from the allowed
ones, drop draws with a type-level conflict, draw arguments (the question is
the context; recipe overrides apply), drop draws with an argument-level
conflict, then build the joint witness.  A draw whose joint witness fails is
redrawn, never emitted.  Each constraint's joint counterexample is looked for
too; where there is none the constraint is reported as not discriminative.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constraints import ConstraintArgError, Context, Family, Instance, Registry
from constraints.conflicts import instance_conflicts
from constraints.joint import joint_counterexample, joint_witness

from .recipe import Override

MAX_DRAWS = 1000


class CompositionError(RuntimeError):
    """No satisfiable combination found within the draw budget."""


@dataclass(frozen=True)
class Composition:
    instances: tuple[Instance, ...]
    witness: str
    not_discriminative: tuple[str, ...]  # ids of constraints with no joint counterexample
    draws: int


def draw_args(family: Family, rng: random.Random, ctx: Context, overrides: Mapping[str, Override]) -> dict:
    args = dict(family.sample(rng, ctx))
    for name in sorted(overrides):
        args[name] = overrides[name].draw(rng)
    return family.validate(args)


def compose(
    k: int,
    question: str,
    families: Sequence[Family],
    overrides_for: Mapping[str, Mapping[str, Override]],
    registry: Registry,
    rng: random.Random,
) -> Composition:
    """Draw a satisfiable set of ``k`` constraints for ``question``.

    Raises ConstraintArgError when an override makes arguments invalid (a
    recipe error) and CompositionError when nothing fits within MAX_DRAWS.
    """
    if k > len(families):
        raise CompositionError(f"{k} constraints asked for, only {len(families)} families allowed")
    ctx = Context(question=question)
    for draw in range(1, MAX_DRAWS + 1):
        chosen = rng.sample(list(families), k)
        if any(registry.type_conflict(a.id, b.id) for a, b in itertools.combinations(chosen, 2)):
            continue
        try:
            instances = [Instance(f, draw_args(f, rng, ctx, overrides_for.get(f.id, {}))) for f in chosen]
        except ConstraintArgError as exc:
            if exc.arg in overrides_for.get(exc.family_id, {}):
                raise
            continue  # e.g. repeat_prompt on an empty question
        if instance_conflicts(instances):
            continue
        seed = rng.randrange(2**31)
        witness = joint_witness(instances, seed=seed)
        if witness is None:
            continue
        weak = tuple(
            inst.id
            for n, inst in enumerate(instances)
            if joint_counterexample(instances, n, seed=seed) is None
        )
        return Composition(tuple(instances), witness, weak, draw)
    raise CompositionError(f"no satisfiable set of {k} constraints in {MAX_DRAWS} draws")
