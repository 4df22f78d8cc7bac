"""What ``mathif constraints list`` and ``show`` print: plain records about families."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from .base import Context, Family, Instance, Param
from .registry import MATHIF_IDS, SHIPPED_IDS, Registry

EXAMPLE_CONTEXT = Context(
    question="Natalia sold 48 clips in April and half as many in May. How many clips did she sell?",
)


def origin(family_id: str) -> str:
    """The origin of a family: "mathif" (MathIF's 15), "extended" (shipped beyond MathIF) or "plugin"."""
    if family_id in MATHIF_IDS:
        return "mathif"
    return "extended" if family_id in SHIPPED_IDS else "plugin"


def example(family: Family, seed: int = 0) -> Instance | None:
    """An instance drawn with a fixed seed (None if the sampler refuses the example context)."""
    try:
        return Instance(family, family.validate(family.sample(random.Random(seed), EXAMPLE_CONTEXT)))
    except Exception:  # noqa: BLE001 - a plugin's sampler must not stop the listing
        return None


def param_text(p: Param) -> str:
    if p.kind == "choice":
        shown = ", ".join(p.choices[:8]) + (", ..." if len(p.choices) > 8 else "")
        rng = f"one of {shown}"
    elif p.kind == "int":
        lo = "" if p.minimum is None else f">= {p.minimum}"
        hi = "" if p.maximum is None else f"<= {p.maximum}"
        rng = "integer " + " and ".join(x for x in (lo, hi) if x) if (lo or hi) else "integer"
    elif p.kind == "str_list":
        rng = f"list of {p.min_items} to {p.max_items} string(s) of at most {p.max_length} characters"
    else:
        rng = f"string of at most {p.max_length} characters"
    return f"{p.name}: {rng}" + (f" -- {p.doc}" if p.doc else "")


@dataclass(frozen=True)
class FamilySummary:
    id: str
    category: str
    origin: str
    example: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FamilyDetails:
    id: str
    category: str
    origin: str
    source: str
    doc: str
    params: tuple[str, ...]
    conflicts: tuple[str, ...]  # type-level, itself left out
    examples: tuple[str, ...]  # descriptions drawn with seeds 0, 1, 2 (distinct ones)
    example_args: dict[str, Any] | None
    witness: str | None
    counterexample: str | None
    answer_only: bool = False

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["params"] = list(self.params)
        out["conflicts"] = list(self.conflicts)
        out["examples"] = list(self.examples)
        return out


def summary(family: Family) -> FamilySummary:
    inst = example(family)
    text = inst.describe() if inst is not None else "(no example: the sampler needs another context)"
    return FamilySummary(family.id, family.category, origin(family.id), text, family.source)


def details(family: Family, registry: Registry) -> FamilyDetails:
    examples: list[str] = []
    for seed in range(3):
        inst = example(family, seed)
        if inst is not None and inst.describe() not in examples:
            examples.append(inst.describe())
    first = example(family)
    witness = counter = None
    if first is not None:
        witness = family.witness(first.args, random.Random(0))
        counter = family.counterexample(first.args, random.Random(0))
    return FamilyDetails(
        id=family.id,
        category=family.category,
        origin=origin(family.id),
        source=family.source,
        doc=family.doc,
        params=tuple(param_text(p) for p in family.params),
        conflicts=tuple(sorted(registry.conflicts(family.id) - {family.id})),
        examples=tuple(examples),
        example_args=None if first is None else first.args_json(),
        witness=witness,
        counterexample=counter,
        answer_only=family.answer_only,
    )
