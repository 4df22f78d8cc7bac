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


def compose(
    k: int,
    question: str,
    families: Sequence[Family],
    overrides_for: Mapping[str, Mapping[str, Override]],
    registry: Registry,
    rng: random.Random,
    answer: str = "",
    scopes: Sequence[str] | None = None,
) -> Composition:
    """Draw a satisfiable set of ``k`` constraints for ``question``.

    ``answer`` is the gold answer (some families fit only some answers);
    ``scopes`` gives each position's scope (default: all "answer").
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
        chosen = rng.sample(list(families), k)
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
