"""``mathif recipe check``: everything wrong with a recipe, and its plan, before a build.

Pure: a recipe, the pulled problems and the registry in; a ``RecipeCheck`` out.
Parsing (``load_recipe``) already refused unknown keys, bad values and unknown
families; this adds what needs the problems and the families: sources with no
problems, filter and stratify fields that no problem has, filters that keep
nothing, quotas the eligible problems cannot meet, tiers with more constraints
than families, and overrides whose values a family refuses.  Each error names
the recipe's file and line.  The plan is the build's own (``make_plan``): the
pools, the strata and the expected family mix of every split.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from constraints import ConstraintArgError, Context, Registry
from curation.core import InputError, Problem
from curation.dataset.compose import inclusion
from curation.dataset.plan import Plan, make_plan
from curation.dataset.recipe import Recipe, SplitSpec

PROBE = Context(question="Tom has 3 apples and buys 4 more. How many apples does he have?", answer="7")


@dataclass(frozen=True)
class FamilyMix:
    """A split's families, their weights and the constraints each is expected to get."""

    split: str
    families: tuple[str, ...]
    weights: tuple[float, ...]  # 1.0 each when unweighted
    expected: dict[str, float]  # id -> constraints, before conflict redraws
    constraints: int  # the split's constraints in all


@dataclass
class RecipeCheck:
    recipe: Recipe
    plan: Plan
    mix: list[FamilyMix]
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def items(self) -> int:
        return sum(sum(s.quota.values()) for s in self.recipe.splits)


def family_mix(recipe: Recipe, split: SplitSpec) -> FamilyMix:
    families = recipe.families_for(split)
    weights = recipe.weights_for(split) or (1.0,) * len(families)
    expected = dict.fromkeys(families, 0.0)
    for tier, quota in split.quota.items():
        if quota and tier <= len(families):
            for fid, chance in zip(families, inclusion(weights, tier), strict=True):
                expected[fid] += quota * chance
    constraints = sum(t * q for t, q in split.quota.items())
    return FamilyMix(split.name, families, weights, expected, constraints)


def override_errors(recipe: Recipe, registry: Registry) -> tuple[list[InputError], list[str]]:
    """Override values a family refuses (each value of a list, both ends of a range), and
    recipe-wide overrides of families that no split draws."""
    errors: list[InputError] = []
    warnings = [
        f"overrides.{fid}: no split draws {fid}, so this override is never used"
        for fid in recipe.overrides
        if fid not in recipe.families
    ]
    seen: set[tuple[str | int, ...]] = set()  # a recipe-wide override is tried once
    for split in recipe.splits:
        for fid in recipe.families_for(split):
            for arg, override in recipe.overrides_for(split, fid).items():
                path = recipe.override_path(split, fid, arg)
                if path in seen:
                    continue
                seen.add(path)
                problem = _refused(registry, fid, arg, override.values())
                if problem:
                    errors.append(recipe.error(f"override {problem}", *path))
    return errors, warnings


def _refused(registry: Registry, fid: str, arg: str, values: Sequence[object]) -> str | None:
    family = registry.get(fid)
    for value in values:
        try:
            args = dict(family.sample(random.Random(0), PROBE))
        except ConstraintArgError:
            continue  # the probe question does not fit the family; the build will tell
        args[arg] = value
        try:
            family.validate(args)
        except ConstraintArgError as exc:
            if exc.arg == arg:
                return str(exc)
    return None


def source_error(recipe: Recipe, known: Collection[str]) -> InputError | None:
    """The first source a split names that the source registry does not have, at its line."""
    for split in recipe.splits:
        for source in split.sources:
            if source not in known:
                return recipe.error(
                    f"split {split.name!r}: unknown source {source!r} (known: {', '.join(known)})",
                    "splits",
                    split.index,
                    "sources",
                )
    return None


def check_recipe(recipe: Recipe, problems: Sequence[Problem], registry: Registry) -> RecipeCheck:
    plan = make_plan(recipe, problems, strict=False)
    errors, warnings = override_errors(recipe, registry)
    mix = [family_mix(recipe, s) for s in recipe.splits]
    return RecipeCheck(recipe, plan, mix, [*plan.errors, *errors], [*plan.warnings, *warnings])
