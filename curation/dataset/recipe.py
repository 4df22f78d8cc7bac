"""Build recipes: everything a dataset version depends on, in one TOML file.

A recipe (``release/<version>/recipe.toml``) names the seed, the splits (each
a set of sources with a quota per number of constraints), how to stratify,
which constraint families may be used with which argument overrides, and the
prompt template.  Parsing is strict: an unknown key or a bad value is one
error naming the file and the key.

``families`` is "mathif" (MathIF's 15), "all" (every family shipped with the
tool; plugins are named explicitly, so a recipe means the same wherever it
is built) or a list of ids.  ``scopes`` (recipe-wide or per split) weighs
where constraints are checked, e.g. ``{ answer = 0.8, both = 0.1,
reasoning = 0.1 }``; without it every constraint is checked on the answer
and no random draw is spent on scopes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import Registry, UnknownFamilyError, default_registry
from constraints.base import DEFAULT_SCOPE, SCOPES
from constraints.registry import MATHIF_IDS, SHIPPED_IDS
from curation.core import DEFAULT_TEMPLATE, InputError, parse_toml, sha256_bytes, toml_text

TIERS = {1: "single", 2: "double", 3: "triple"}
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,63}")  # also a folder name: no '/', no '..'
MAX_QUOTA = 100_000  # items of one split and tier
TIER_BY_NAME = {v: k for k, v in TIERS.items()}


@dataclass(frozen=True)
class Override:
    """A fixed value, a list of choices, or an inclusive integer range for one argument."""

    value: Any = None
    choices: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def draw(self, rng) -> Any:
        if self.choices:
            return self.choices[rng.randrange(len(self.choices))]
        if self.minimum is not None and self.maximum is not None:
            return rng.randint(self.minimum, self.maximum)
        return self.value


Overrides = Mapping[str, Mapping[str, Override]]  # family id -> argument -> override
ScopeWeights = Mapping[str, float]  # scope -> weight


def draw_scope(weights: ScopeWeights, rng) -> str:
    """One scope, drawn with the given weights (in SCOPES order)."""
    x = rng.random() * sum(weights.values())
    chosen = DEFAULT_SCOPE
    for scope in SCOPES:
        w = weights.get(scope, 0)
        if w <= 0:
            continue
        chosen = scope
        if x < w:
            break
        x -= w
    return chosen


@dataclass(frozen=True)
class SplitSpec:
    name: str
    sources: tuple[str, ...]
    quota: Mapping[int, int]  # number of constraints -> items
    stratify: tuple[str, ...] = ()
    overrides: Overrides = field(default_factory=dict)
    scopes: ScopeWeights | None = None


@dataclass(frozen=True)
class Recipe:
    version: str
    seed: int
    splits: tuple[SplitSpec, ...]
    families: tuple[str, ...]
    overrides: Overrides
    prompt_template: str = DEFAULT_TEMPLATE
    description: str = ""  # the version's one-paragraph description (the dataset card's)
    reuse_across_tiers: bool = False
    near_duplicate_threshold: float = 90.0
    path: str = ""
    sha256: str = ""
    scopes: ScopeWeights | None = None

    def scopes_for(self, split: SplitSpec) -> ScopeWeights | None:
        """The split's scope weights, else the recipe's; None: every constraint on the answer."""
        return split.scopes if split.scopes is not None else self.scopes

    def overrides_for(self, split: SplitSpec, family_id: str) -> dict[str, Override]:
        """Recipe-wide overrides, then the split's own on top."""
        merged = dict(self.overrides.get(family_id, {}))
        merged.update(split.overrides.get(family_id, {}))
        return merged

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for split in self.splits:
            for s in split.sources:
                seen[s] = None
        return tuple(seen)


class _Reader:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(self.path, None, f"{key}: {problem}")

    def check_keys(self, table: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(
                    f"{where}{key}", f"unknown key (expected one of {', '.join(sorted(allowed))})"
                )

    def override(self, key: str, raw: Any) -> Override:
        if isinstance(raw, Mapping):
            self.check_keys(raw, f"{key}.", {"min", "max", "choices", "value"})
            if "choices" in raw:
                if not isinstance(raw["choices"], list) or not raw["choices"]:
                    raise self.fail(key, "choices must be a non-empty list")
                return Override(choices=tuple(raw["choices"]))
            if "min" in raw or "max" in raw:
                lo, hi = raw.get("min"), raw.get("max")
                if not (isinstance(lo, int) and isinstance(hi, int)) or lo > hi:
                    raise self.fail(key, "a range needs integers min <= max")
                return Override(minimum=lo, maximum=hi)
            if "value" in raw:
                return Override(value=raw["value"])
            raise self.fail(key, "give value, choices or min/max")
        return Override(value=raw)

    def scopes(self, raw: Any, key: str) -> dict[str, float]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(key, "must be a table of weights such as { answer = 0.8, both = 0.2 }")
        self.check_keys(raw, f"{key}.", set(SCOPES))
        for scope, w in raw.items():
            if isinstance(w, bool) or not isinstance(w, (int, float)) or w < 0:
                raise self.fail(f"{key}.{scope}", "must be a non-negative number")
        if sum(raw.values()) <= 0:
            raise self.fail(key, "weights must not all be zero")
        return {s: float(raw[s]) for s in SCOPES if s in raw}

    def overrides(self, raw: Any, where: str, registry: Registry) -> dict[str, dict[str, Override]]:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a table of constraint ids")
        out: dict[str, dict[str, Override]] = {}
        for fid, params in raw.items():
            if fid not in registry:
                raise self.fail(f"{where}.{fid}", str(UnknownFamilyError(fid, registry.broken)))
            names = {p.name for p in registry.get(fid).params}
            if not isinstance(params, Mapping):
                raise self.fail(f"{where}.{fid}", "must be a table of arguments")
            for pname in params:
                if pname not in names:
                    raise self.fail(f"{where}.{fid}.{pname}", f"not an argument of {fid}")
            out[fid] = {p: self.override(f"{where}.{fid}.{p}", v) for p, v in params.items()}
        return out


def load_recipe(path: str | Path, registry: Registry | None = None) -> Recipe:
    p = Path(path)
    reg = registry or default_registry()
    if not p.is_file():
        raise InputError(p, None, "no such recipe file")
    data = p.read_bytes()
    raw = parse_toml(toml_text(data, str(p)), str(p))
    r = _Reader(p)
    r.check_keys(
        raw,
        "",
        {
            "version",
            "seed",
            "prompt_template",
            "families",
            "overrides",
            "splits",
            "reuse_across_tiers",
            "near_duplicate_threshold",
            "description",
            "scopes",
        },
    )
    for key in ("version", "seed", "splits"):
        if key not in raw:
            raise r.fail(key, "missing")
    if not isinstance(raw["version"], str) or not VERSION.fullmatch(raw["version"]) or ".." in raw["version"]:
        raise r.fail(
            "version",
            f"must be a version such as 1.0.0 (letters, digits, '.', '_', '+', '-'; at most 64), "
            f"got {raw['version']!r:.80}",
        )
    if not isinstance(raw["seed"], int) or isinstance(raw["seed"], bool) or not 0 <= raw["seed"] < 2**63:
        raise r.fail("seed", f"must be an integer in [0, 2^63), got {raw['seed']!r:.40}")
    fams = raw.get("families", "mathif")
    if fams == "mathif":
        fams = list(MATHIF_IDS)
    elif fams == "all":
        fams = list(SHIPPED_IDS)
    if not isinstance(fams, list) or not fams:
        raise r.fail("families", 'must be "mathif", "all" or a list of constraint ids')
    for fid in fams:
        if fid not in reg:
            raise r.fail("families", str(UnknownFamilyError(fid, reg.broken)))
    template = raw.get("prompt_template", DEFAULT_TEMPLATE)
    if not isinstance(template, str) or "{question}" not in template or "{constraints}" not in template:
        raise r.fail("prompt_template", "must contain {question} and {constraints}")
    splits = []
    if not isinstance(raw["splits"], list) or not raw["splits"]:
        raise r.fail("splits", "must be a non-empty array of tables ([[splits]])")
    for n, s in enumerate(raw["splits"]):
        where = f"splits[{n}]."
        r.check_keys(s, where, {"name", "sources", "quota", "stratify", "overrides", "scopes"})
        name = s.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            raise r.fail(where + "name", "must be a simple name (letters, digits, _)")
        sources = s.get("sources")
        if not isinstance(sources, list) or not sources or not all(isinstance(x, str) for x in sources):
            raise r.fail(where + "sources", "must be a non-empty list of source names")
        quota_raw = s.get("quota")
        if not isinstance(quota_raw, Mapping) or not quota_raw:
            raise r.fail(where + "quota", "must be a table such as {single = 30, double = 30}")
        quota = {}
        for tier, count in quota_raw.items():
            if tier not in TIER_BY_NAME:
                raise r.fail(where + "quota." + tier, "tiers are single, double and triple")
            if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_QUOTA:
                raise r.fail(
                    where + "quota." + tier, f"must be an integer in [0, {MAX_QUOTA}], got {count!r:.40}"
                )
            quota[TIER_BY_NAME[tier]] = count
        stratify = s.get("stratify", [])
        if not isinstance(stratify, list) or not all(isinstance(x, str) for x in stratify):
            raise r.fail(where + "stratify", "must be a list of metadata field names")
        splits.append(
            SplitSpec(
                name=name,
                sources=tuple(sources),
                quota=dict(sorted(quota.items())),
                stratify=tuple(stratify),
                overrides=r.overrides(s.get("overrides", {}), where + "overrides", reg),
                scopes=r.scopes(s["scopes"], where + "scopes") if "scopes" in s else None,
            )
        )
    if len({s.name for s in splits}) != len(splits):
        raise r.fail("splits", "split names must be unique")
    if not any(sum(s.quota.values()) for s in splits):
        raise r.fail("splits", "every quota is 0: the version would hold no item")
    threshold = raw.get("near_duplicate_threshold", 90.0)
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold <= 100:
        raise r.fail("near_duplicate_threshold", "must be a score in (0, 100]")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise r.fail("description", "must be a string")
    reuse = raw.get("reuse_across_tiers", False)
    if not isinstance(reuse, bool):
        raise r.fail("reuse_across_tiers", "must be true or false")
    return Recipe(
        version=raw["version"],
        seed=raw["seed"],
        splits=tuple(splits),
        families=tuple(fams),
        overrides=r.overrides(raw.get("overrides", {}), "overrides", reg),
        prompt_template=template,
        description=description,
        reuse_across_tiers=reuse,
        near_duplicate_threshold=float(threshold),
        path=str(p),
        sha256=sha256_bytes(data),
        scopes=r.scopes(raw["scopes"], "scopes") if "scopes" in raw else None,
    )
