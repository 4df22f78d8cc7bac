"""Build recipes: everything a dataset version depends on, in one TOML file.

A recipe (``release/<version>/recipe.toml``) names the seed, the splits (each
a set of sources with a quota per number of constraints), how to stratify,
which problems to keep (filters on source metadata), which constraint
families may be drawn (recipe-wide or per split), how often (weights), with
which argument overrides, and the prompt template.  Parsing is strict: an
unknown key or a bad value is one error naming the file, the line and the key.
Every key is documented in docs/recipes.md.

``families`` is "mathif" (MathIF's 15), "all" (the 35 families the tool
shipped when v2.0.0 was made, frozen: a newer shipped family and plugins are
named by id, so a recipe means the same wherever and whenever it is built) or a list of those set names and ids, e.g. ``["mathif",
"custom:rhyme"]``.  ``weights`` (keys: ids or set names) make a family drawn
more or less often; without weights every draw is as it always was.
``scopes`` (recipe-wide or per split) weighs where constraints are checked,
e.g. ``{ answer = 0.8, both = 0.1, reasoning = 0.1 }``; without it every
constraint is checked on the answer and no random draw is spent on scopes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import Registry, UnknownFamilyError, default_registry
from constraints.base import DEFAULT_SCOPE, SCOPES
from constraints.registry import ALL_IDS, MATHIF_IDS
from curation.core import (
    DEFAULT_TEMPLATE,
    InputError,
    KeyPath,
    key_lines,
    line_of,
    parse_toml,
    sha256_bytes,
    toml_text,
)

TIERS = {1: "single", 2: "double", 3: "triple"}
VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,63}")  # also a folder name: no '/', no '..'
MAX_QUOTA = 100_000  # items of one split and tier
MAX_WEIGHT = 1_000_000.0
MAX_FILTER_VALUES = 1_000
TIER_BY_NAME = {v: k for k, v in TIERS.items()}
# Family sets a recipe may name in `families` and `weights`.
FAMILY_SETS: Mapping[str, tuple[str, ...]] = {"mathif": MATHIF_IDS, "all": ALL_IDS}
RECIPE_KEYS = frozenset(
    {
        "version",
        "seed",
        "prompt_template",
        "families",
        "weights",
        "overrides",
        "splits",
        "reuse_across_tiers",
        "near_duplicate_threshold",
        "description",
        "scopes",
    }
)
SPLIT_KEYS = frozenset(
    {"name", "sources", "quota", "stratify", "filter", "families", "weights", "overrides", "scopes"}
)


Scalar = str | int | float | bool


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

    def values(self) -> tuple[Any, ...]:
        """The values a draw can give at the edges (what a check tries)."""
        if self.choices:
            return self.choices
        if self.minimum is not None and self.maximum is not None:
            return (self.minimum, self.maximum)
        return (self.value,)

    def describe(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(repr, self.choices))
        if self.minimum is not None:
            return f"{self.minimum}..{self.maximum}"
        return repr(self.value)


def _same(a: Any, b: Any) -> bool:
    """Equal, and a boolean only equals a boolean (True is not 1 here)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


@dataclass(frozen=True)
class MetadataFilter:
    """Which problems of a split's sources are kept, by one metadata field.

    A problem is kept when the field is present and its value is one of ``values``
    (when given), none of ``exclude``, and numeric within ``minimum``..``maximum``
    (when given).  A problem without the field is left out."""

    field: str
    values: tuple[Scalar, ...] = ()
    exclude: tuple[Scalar, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    def accepts(self, metadata: Mapping[str, Any]) -> bool:
        if self.field not in metadata:
            return False
        v = metadata[self.field]
        if self.values and not any(_same(v, x) for x in self.values):
            return False
        if any(_same(v, x) for x in self.exclude):
            return False
        if self.minimum is not None or self.maximum is not None:
            if not _number(v) or (isinstance(v, float) and math.isnan(v)):
                return False
            if self.minimum is not None and v < self.minimum:
                return False
            if self.maximum is not None and v > self.maximum:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.values:
            parts.append(
                f"{self.field} = {self.values[0]!r}"
                if len(self.values) == 1
                else f"{self.field} in [{', '.join(map(repr, self.values))}]"
            )
        if self.exclude:
            parts.append(f"{self.field} not in [{', '.join(map(repr, self.exclude))}]")
        if self.minimum is not None:
            parts.append(f"{self.field} >= {self.minimum:g}")
        if self.maximum is not None:
            parts.append(f"{self.field} <= {self.maximum:g}")
        return " and ".join(parts)


Overrides = Mapping[str, Mapping[str, Override]]  # family id -> argument -> override
ScopeWeights = Mapping[str, float]  # scope -> weight
FamilyWeights = Mapping[str, float]  # family id or set name -> weight


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


def resolve_weights(families: tuple[str, ...], *layers: FamilyWeights) -> tuple[float, ...] | None:
    """Each family's weight (default 1): in each layer, set names first, then ids on top.
    None when every weight is the same (the draw is then the unweighted one, unchanged)."""
    weight = dict.fromkeys(families, 1.0)
    for layer in layers:
        for key, w in layer.items():
            for fid in FAMILY_SETS.get(key, ()):
                if fid in weight:
                    weight[fid] = w
        for key, w in layer.items():
            if key not in FAMILY_SETS and key in weight:
                weight[key] = w
    values = tuple(weight[f] for f in families)
    return None if len(set(values)) <= 1 else values


@dataclass(frozen=True)
class SplitSpec:
    name: str
    sources: tuple[str, ...]
    quota: Mapping[int, int]  # number of constraints -> items
    stratify: tuple[str, ...] = ()
    overrides: Overrides = field(default_factory=dict)
    scopes: ScopeWeights | None = None
    families: tuple[str, ...] | None = None  # None: the recipe's
    weights: FamilyWeights = field(default_factory=dict)  # on top of the recipe's
    filters: tuple[MetadataFilter, ...] = ()
    index: int = 0  # its place in the recipe's [[splits]] (for error lines)

    def keeps(self, metadata: Mapping[str, Any]) -> bool:
        return all(f.accepts(metadata) for f in self.filters)


@dataclass(frozen=True)
class Recipe:
    version: str
    seed: int
    splits: tuple[SplitSpec, ...]
    families: tuple[str, ...]  # every family some split may draw (recipe-wide ones first)
    overrides: Overrides
    prompt_template: str = DEFAULT_TEMPLATE
    description: str = ""  # the version's one-paragraph description (the dataset card's)
    reuse_across_tiers: bool = False
    near_duplicate_threshold: float = 90.0
    path: str = ""
    sha256: str = ""
    scopes: ScopeWeights | None = None
    default_families: tuple[str, ...] = ()  # the recipe-wide `families` (empty: same as families)
    weights: FamilyWeights = field(default_factory=dict)
    lines: Mapping[KeyPath, int] = field(default_factory=dict, compare=False, repr=False)

    def scopes_for(self, split: SplitSpec) -> ScopeWeights | None:
        """The split's scope weights, else the recipe's; None: every constraint on the answer."""
        return split.scopes if split.scopes is not None else self.scopes

    def families_for(self, split: SplitSpec) -> tuple[str, ...]:
        """The ids a split draws from, in draw order."""
        if split.families is not None:
            return split.families
        return self.default_families or self.families

    def weights_for(self, split: SplitSpec) -> tuple[float, ...] | None:
        """The weight of each of ``families_for(split)``; None: all the same (unweighted draw)."""
        return resolve_weights(self.families_for(split), self.weights, split.weights)

    def overrides_for(self, split: SplitSpec, family_id: str) -> dict[str, Override]:
        """Recipe-wide overrides, then the split's own on top."""
        merged = dict(self.overrides.get(family_id, {}))
        merged.update(split.overrides.get(family_id, {}))
        return merged

    def override_path(self, split: SplitSpec, family_id: str, arg: str) -> KeyPath:
        """Where the override of ``arg`` that ``split`` uses is written: its own, else the recipe's."""
        if arg in split.overrides.get(family_id, {}):
            return ("splits", split.index, "overrides", family_id, arg)
        return ("overrides", family_id, arg)

    def line_of(self, *path: str | int) -> int | None:
        """The recipe file's line of a key (or of its nearest parent), for error lines."""
        return line_of(self.lines, tuple(path))

    def error(self, problem: str, *path: str | int) -> InputError:
        """One error naming the recipe file, the key's line and the problem."""
        return InputError(self.path, self.line_of(*path) if path else None, problem)

    @property
    def sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for split in self.splits:
            for s in split.sources:
                seen[s] = None
        return tuple(seen)


def show_path(path: KeyPath) -> str:
    """``splits[1].quota.single``"""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


class _Reader:
    def __init__(self, path: Path, lines: Mapping[KeyPath, int], registry: Registry):
        self.path = path
        self.lines = lines
        self.registry = registry

    def fail(self, path: KeyPath, problem: str) -> InputError:
        return InputError(self.path, line_of(self.lines, path), f"{show_path(path)}: {problem}")

    def check_keys(
        self, table: Mapping[str, Any], where: KeyPath, allowed: set[str] | frozenset[str]
    ) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail((*where, key), f"unknown key (expected one of {', '.join(sorted(allowed))})")

    def override(self, path: KeyPath, raw: Any) -> Override:
        if isinstance(raw, Mapping):
            self.check_keys(raw, path, {"min", "max", "choices", "value"})
            if "choices" in raw:
                if not isinstance(raw["choices"], list) or not raw["choices"]:
                    raise self.fail(path, "choices must be a non-empty list")
                return Override(choices=tuple(raw["choices"]))
            if "min" in raw or "max" in raw:
                lo, hi = raw.get("min"), raw.get("max")
                if (
                    not (isinstance(lo, int) and isinstance(hi, int))
                    or bool in (type(lo), type(hi))
                    or lo > hi
                ):
                    raise self.fail(path, "a range needs integers min <= max")
                return Override(minimum=lo, maximum=hi)
            if "value" in raw:
                return Override(value=raw["value"])
            raise self.fail(path, "give value, choices or min/max")
        return Override(value=raw)

    def scopes(self, raw: Any, path: KeyPath) -> dict[str, float]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(path, "must be a table of weights such as { answer = 0.8, both = 0.2 }")
        self.check_keys(raw, path, set(SCOPES))
        for scope, w in raw.items():
            if not _number(w) or not 0 <= w <= MAX_WEIGHT:
                raise self.fail((*path, scope), f"must be a non-negative number (at most {MAX_WEIGHT:g})")
        if sum(raw.values()) <= 0:
            raise self.fail(path, "weights must not all be zero")
        return {s: float(raw[s]) for s in SCOPES if s in raw}

    def family(self, fid: Any, path: KeyPath) -> str:
        if not isinstance(fid, str):
            raise self.fail(path, f"expected a family id or a set name, got {fid!r:.40}")
        if fid not in self.registry:
            raise self.fail(path, str(UnknownFamilyError(fid, self.registry.broken)))
        return fid

    def families(self, raw: Any, path: KeyPath) -> tuple[str, ...]:
        """ "mathif", "all", or a list of set names and ids, expanded in order, each id once."""
        if isinstance(raw, str) and raw in FAMILY_SETS:
            return FAMILY_SETS[raw]
        if not isinstance(raw, list) or not raw:
            raise self.fail(
                path,
                'must be "mathif", "all" or a list of set names and constraint ids, e.g. ["mathif", "custom:x"]',
            )
        out: dict[str, None] = {}
        for n, item in enumerate(raw):
            if isinstance(item, str) and item in FAMILY_SETS:
                out.update(dict.fromkeys(FAMILY_SETS[item]))
            else:
                out[self.family(item, (*path, n))] = None
        return tuple(out)

    def weights(self, raw: Any, path: KeyPath, drawn: tuple[str, ...]) -> dict[str, float]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(path, 'must be a table such as { mathif = 2, "custom:x" = 0.5 }')
        out: dict[str, float] = {}
        for key, w in raw.items():
            where = (*path, key)
            if key not in FAMILY_SETS:
                self.family(key, where)
                if key not in drawn:
                    raise self.fail(
                        where, "a weight for a family that is not drawn here (add it to families)"
                    )
            if not _number(w) or not 0 < w <= MAX_WEIGHT:
                raise self.fail(
                    where, f"must be a number in (0, {MAX_WEIGHT:g}]; leave a family out to never draw it"
                )
            out[key] = float(w)
        return out

    def overrides(self, raw: Any, path: KeyPath) -> dict[str, dict[str, Override]]:
        if not isinstance(raw, Mapping):
            raise self.fail(path, "must be a table of constraint ids")
        out: dict[str, dict[str, Override]] = {}
        for fid, params in raw.items():
            self.family(fid, (*path, fid))
            names = {p.name for p in self.registry.get(fid).params}
            if not isinstance(params, Mapping):
                raise self.fail((*path, fid), "must be a table of arguments")
            for pname in params:
                if pname not in names:
                    known = ", ".join(sorted(names)) or "none"
                    raise self.fail((*path, fid, pname), f"not an argument of {fid} (its arguments: {known})")
            out[fid] = {p: self.override((*path, fid, p), v) for p, v in params.items()}
        return out

    def filters(self, raw: Any, path: KeyPath) -> tuple[MetadataFilter, ...]:
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(path, 'must be a table such as { level = { min = 4 }, subject = ["Algebra"] }')
        return tuple(self.filter(str(k), v, (*path, k)) for k, v in raw.items())

    def scalars(self, raw: Any, path: KeyPath) -> tuple[Scalar, ...]:
        if not isinstance(raw, list) or not raw or len(raw) > MAX_FILTER_VALUES:
            raise self.fail(path, f"must be a non-empty list of at most {MAX_FILTER_VALUES} values")
        for v in raw:
            if not isinstance(v, (str, int, float, bool)):
                raise self.fail(path, f"values are strings, numbers or booleans, got {v!r:.40}")
        return tuple(raw)

    def filter(self, name: str, raw: Any, path: KeyPath) -> MetadataFilter:
        if isinstance(raw, (str, int, float, bool)):
            return MetadataFilter(name, values=(raw,))
        if isinstance(raw, list):
            return MetadataFilter(name, values=self.scalars(raw, path))
        if not isinstance(raw, Mapping) or not raw:
            raise self.fail(
                path, "give a value, a list of values, or a table of min, max, value, choices, exclude"
            )
        self.check_keys(raw, path, {"min", "max", "value", "choices", "exclude"})
        values: tuple[Scalar, ...] = ()
        if "value" in raw:
            values = self.scalars([raw["value"]], (*path, "value"))
        if "choices" in raw:
            if values:
                raise self.fail(path, "give value or choices, not both")
            values = self.scalars(raw["choices"], (*path, "choices"))
        exclude = self.scalars(raw["exclude"], (*path, "exclude")) if "exclude" in raw else ()
        bounds = []
        for key in ("min", "max"):
            v = raw.get(key)
            if v is not None and (not _number(v) or not math.isfinite(v)):
                raise self.fail((*path, key), f"must be a number, got {v!r:.40}")
            bounds.append(v)
        lo, hi = bounds
        if lo is not None and hi is not None and lo > hi:
            raise self.fail(path, f"min {lo} is above max {hi}")
        return MetadataFilter(name, values=values, exclude=exclude, minimum=lo, maximum=hi)


def load_recipe(path: str | Path, registry: Registry | None = None) -> Recipe:
    p = Path(path)
    reg = registry or default_registry()
    if not p.is_file():
        raise InputError(p, None, "no such recipe file")
    data = p.read_bytes()
    text = toml_text(data, str(p))
    raw = parse_toml(text, str(p))
    lines = key_lines(text)
    r = _Reader(p, lines, reg)
    r.check_keys(raw, (), RECIPE_KEYS)
    for key in ("version", "seed", "splits"):
        if key not in raw:
            raise r.fail((key,), "missing")
    if not isinstance(raw["version"], str) or not VERSION.fullmatch(raw["version"]) or ".." in raw["version"]:
        raise r.fail(
            ("version",),
            f"must be a version such as 1.0.0 (letters, digits, '.', '_', '+', '-'; at most 64), "
            f"got {raw['version']!r:.80}",
        )
    if not isinstance(raw["seed"], int) or isinstance(raw["seed"], bool) or not 0 <= raw["seed"] < 2**63:
        raise r.fail(("seed",), f"must be an integer in [0, 2^63), got {raw['seed']!r:.40}")
    default_families = r.families(raw.get("families", "mathif"), ("families",))
    template = raw.get("prompt_template", DEFAULT_TEMPLATE)
    if not isinstance(template, str) or "{question}" not in template or "{constraints}" not in template:
        raise r.fail(("prompt_template",), "must contain {question} and {constraints}")
    if not isinstance(raw["splits"], list) or not raw["splits"]:
        raise r.fail(("splits",), "must be a non-empty array of tables ([[splits]])")
    splits = [_split(r, n, s, default_families) for n, s in enumerate(raw["splits"])]
    names = [s.name for s in splits]
    for n, name in enumerate(names):
        if name in names[:n]:
            raise r.fail(("splits", n, "name"), f"split names must be unique ({name!r} is used twice)")
    if not any(sum(s.quota.values()) for s in splits):
        raise r.fail(("splits",), "every quota is 0: the version would hold no item")
    drawn: dict[str, None] = {}
    for s in splits:
        drawn.update(dict.fromkeys(s.families if s.families is not None else default_families))
    weights = r.weights(raw["weights"], ("weights",), tuple(drawn)) if "weights" in raw else {}
    threshold = raw.get("near_duplicate_threshold", 90.0)
    if not _number(threshold) or not 0 < threshold <= 100:
        raise r.fail(("near_duplicate_threshold",), "must be a score in (0, 100]")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise r.fail(("description",), "must be a string")
    reuse = raw.get("reuse_across_tiers", False)
    if not isinstance(reuse, bool):
        raise r.fail(("reuse_across_tiers",), "must be true or false")
    return Recipe(
        version=raw["version"],
        seed=raw["seed"],
        splits=tuple(splits),
        families=tuple(drawn),
        overrides=r.overrides(raw.get("overrides", {}), ("overrides",)),
        prompt_template=template,
        description=description,
        reuse_across_tiers=reuse,
        near_duplicate_threshold=float(threshold),
        path=str(p),
        sha256=sha256_bytes(data),
        scopes=r.scopes(raw["scopes"], ("scopes",)) if "scopes" in raw else None,
        default_families=default_families,
        weights=weights,
        lines=lines,
    )


def _split(r: _Reader, n: int, s: Any, default_families: tuple[str, ...]) -> SplitSpec:
    where: KeyPath = ("splits", n)
    if not isinstance(s, Mapping):
        raise r.fail(where, "must be a table ([[splits]])")
    r.check_keys(s, where, SPLIT_KEYS)
    name = s.get("name")
    if not isinstance(name, str) or not name.isidentifier() or not name.isascii():
        raise r.fail((*where, "name"), "must be a simple name (letters, digits, _)")
    sources = s.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(x, str) for x in sources):
        raise r.fail((*where, "sources"), "must be a non-empty list of source names")
    quota_raw = s.get("quota")
    if not isinstance(quota_raw, Mapping) or not quota_raw:
        raise r.fail((*where, "quota"), "must be a table such as {single = 30, double = 30}")
    quota = {}
    for tier, count in quota_raw.items():
        if tier not in TIER_BY_NAME:
            raise r.fail((*where, "quota", tier), "tiers are single, double and triple")
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_QUOTA:
            raise r.fail(
                (*where, "quota", tier), f"must be an integer in [0, {MAX_QUOTA}], got {count!r:.40}"
            )
        quota[TIER_BY_NAME[tier]] = count
    stratify = s.get("stratify", [])
    if not isinstance(stratify, list) or not all(isinstance(x, str) for x in stratify):
        raise r.fail((*where, "stratify"), "must be a list of metadata field names")
    families = r.families(s["families"], (*where, "families")) if "families" in s else None
    drawn = families if families is not None else default_families
    return SplitSpec(
        name=name,
        sources=tuple(sources),
        quota=dict(sorted(quota.items())),
        stratify=tuple(stratify),
        overrides=r.overrides(s.get("overrides", {}), (*where, "overrides")),
        scopes=r.scopes(s["scopes"], (*where, "scopes")) if "scopes" in s else None,
        families=families,
        weights=r.weights(s["weights"], (*where, "weights"), drawn) if "weights" in s else {},
        filters=r.filters(s["filter"], (*where, "filter")) if "filter" in s else (),
        index=n,
    )
