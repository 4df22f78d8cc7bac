"""The sampling plan of a build: which problems each split and tier draws, before any constraint.

Pure: a recipe and problems in, the plan out.  Each split's pool is the problems
of its sources that its filters keep; each tier draws its quota from the pool's
eligible problems (gradable, one per near-duplicate group, not used by an earlier
tier unless ``reuse_across_tiers``), stratified.  ``build`` composes constraints
on the plan; ``mathif recipe check`` shows it.  With ``strict`` the first problem
is raised (a build); without, every problem is collected in ``Plan.errors`` and
the plan goes on with what there is (a check).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from curation.core import InputError, Problem
from curation.dataset.recipe import TIERS, Recipe, SplitSpec
from curation.dataset.sampling import derive_seed, dup_key, eligible, stratified_sample, stratum_of
from curation.raw import find_near_duplicates

MAX_SHOWN_VALUES = 12  # metadata values named in one message


@dataclass(frozen=True)
class Pool:
    """A split's problems: per source, and those its filters keep."""

    split: SplitSpec
    per_source: dict[str, int]  # problems of each source
    kept: tuple[Problem, ...]  # after the filters


@dataclass(frozen=True)
class Draw:
    """One split and tier: what it asks for, what it can draw from, what it drew."""

    split: SplitSpec
    tier: int
    quota: int
    eligible: int
    chosen: tuple[Problem, ...]
    strata: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)  # -> (eligible, drawn)

    @property
    def name(self) -> str:
        return f"{self.split.name}_{TIERS[self.tier]}"


@dataclass
class Plan:
    pools: list[Pool] = field(default_factory=list)
    draws: list[Draw] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Collector:
    def __init__(self, plan: Plan, strict: bool):
        self.plan, self.strict = plan, strict

    def error(self, err: InputError) -> None:
        if self.strict:
            raise err
        self.plan.errors.append(err)


def _values(problems: Sequence[Problem], key: str) -> str:
    seen = sorted({repr(p.metadata[key]) for p in problems if key in p.metadata})
    more = f", … ({len(seen)} values)" if len(seen) > MAX_SHOWN_VALUES else ""
    return ", ".join(seen[:MAX_SHOWN_VALUES]) + more


def _pool(recipe: Recipe, split: SplitSpec, problems: Sequence[Problem], out: _Collector) -> Pool:
    at = ("splits", split.index)
    per_source = {s: 0 for s in split.sources}
    for p in problems:
        if p.source in per_source:
            per_source[p.source] += 1
    missing = [s for s, n in per_source.items() if n == 0]
    if missing:
        out.error(
            recipe.error(
                f"split {split.name!r}: no problems for source(s) {', '.join(missing)}", *at, "sources"
            )
        )
    pool = [p for p in problems if p.source in per_source]
    fields = {k for p in pool for k in p.metadata}
    known = ", ".join(sorted(fields)) or "none"
    unknown_field = False
    for flt in split.filters:
        where = (*at, "filter", flt.field)
        if flt.field not in fields:
            out.error(
                recipe.error(
                    f"split {split.name!r}: filter field {flt.field!r} is in no problem of "
                    f"{', '.join(split.sources)} (their fields: {known})",
                    *where,
                )
            )
            unknown_field = True
            continue
        for source in split.sources:
            if per_source[source] and not any(flt.field in p.metadata for p in pool if p.source == source):
                out.plan.warnings.append(
                    f"split {split.name!r}: source {source} has no field {flt.field!r}, so the filter "
                    "leaves out all its problems"
                )
    kept = tuple(p for p in pool if split.keeps(p.metadata))
    if pool and split.filters and not unknown_field and not kept and sum(split.quota.values()):
        shown = "; ".join(f"{f.field}: {_values(pool, f.field)}" for f in split.filters if f.field in fields)
        out.error(
            recipe.error(
                f"split {split.name!r}: the filter keeps none of its {len(pool)} problems (values: {shown})",
                *at,
                "filter",
            )
        )
    for key in split.stratify:
        if key not in fields:
            out.error(
                recipe.error(
                    f"split {split.name!r}: stratify field {key!r} is in no problem of "
                    f"{', '.join(split.sources)} (their fields: {known})",
                    *at,
                    "stratify",
                )
            )
            continue
        lacking = Counter(p.source for p in kept if key not in p.metadata)
        if lacking:
            out.plan.warnings.append(
                f"split {split.name!r}: stratify field {key!r} is missing in "
                + ", ".join(f"{n} problems of {s}" for s, n in sorted(lacking.items()))
                + "; they are one stratum ('None')"
            )
    return Pool(split, per_source, kept)


def make_plan(recipe: Recipe, problems: Sequence[Problem], strict: bool = True) -> Plan:
    """The problems every split and tier of ``recipe`` draws, as a build draws them."""
    plan = Plan()
    out = _Collector(plan, strict)
    dups = find_near_duplicates([p for p in problems if p.gradable], recipe.near_duplicate_threshold)
    group_of = dups.group_of()
    used_in_version: set[str] = set()
    for split in recipe.splits:
        pool = _pool(recipe, split, problems, out)
        plan.pools.append(pool)
        families = recipe.families_for(split)
        for tier, quota in split.quota.items():
            name = f"{split.name}_{TIERS[tier]}"
            if quota and tier > len(families):
                where = ("splits", split.index, "families") if split.families is not None else ("families",)
                out.error(
                    recipe.error(
                        f"split {name}: {tier} constraints per item, but the split draws from "
                        f"{len(families)} famil{'y' if len(families) == 1 else 'ies'}",
                        *where,
                    )
                )
            rng = random.Random(derive_seed(recipe.seed, split.name, tier, "sample"))
            candidates = eligible(pool.kept, group_of, used_in_version)
            if len(candidates) < quota:
                out.error(
                    recipe.error(
                        f"split {name}: quota {quota} but only {len(candidates)} eligible problems "
                        "(gradable, kept by the filter, not drawn by an earlier tier, near duplicates apart)",
                        "splits",
                        split.index,
                        "quota",
                        TIERS[tier],
                    )
                )
            chosen = stratified_sample(candidates, min(quota, len(candidates)), split.stratify, rng)
            if not recipe.reuse_across_tiers:
                used_in_version.update(dup_key(p, group_of) for p in chosen)
            sizes = Counter(stratum_of(p, split.stratify) for p in candidates)
            drawn = Counter(stratum_of(p, split.stratify) for p in chosen)
            strata = {s: (sizes[s], drawn[s]) for s in sorted(sizes)}
            plan.draws.append(Draw(split, tier, quota, len(candidates), tuple(chosen), strata))
    return plan
