"""The registry of constraint families.

Built-in families come from ``constraints.families`` (one module per
category); third-party packages add theirs through the entry-point group
``mathif.constraints``.  An entry point may name a ``Family``, an iterable of
families, or a module with a ``FAMILIES`` tuple::

    [project.entry-points."mathif.constraints"]
    my_family = "my_package.my_module:FAMILY"

``BUILTIN`` holds MathIF's 15 families (``MATHIF_IDS``, what ``families =
"mathif"`` means in a recipe); ``EXTENDED`` the families beyond MathIF that
ship with the tool (IFEval's left-out ones, newer sets', maths-specific ones);
``SHIPPED`` both, what ``families = "all"`` means.  Plugins come after them;
``MATHIF_PLUGINS`` (comma-separated entry-point names, empty for none) limits which.
The order of ``SHIPPED`` is the order families are listed and drawn in, so a
new family goes at the end of ``EXTENDED``.

The type-level conflict table is MathIF's, made symmetric, plus what each
family declares in its ``conflicts`` field, plus ``EXTENDED_CONFLICTS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib.metadata import entry_points
from types import MappingProxyType, ModuleType

from .base import Family, UnknownConstraintError
from .families import MODULES, affix, format, length, lexical, maths

ENTRY_POINT_GROUP = "mathif.constraints"
# Unset: every installed plugin.  Set: only the entry points it names (comma-separated;
# empty = none), e.g. to build or test without a stray plugin of the environment.
PLUGINS_ENV = "MATHIF_PLUGINS"

# MathIF's 15: lexical, length, format, affix (MathIF's order).
BUILTIN: tuple[Family, ...] = tuple(f for module in MODULES for f in module.MATHIF_FAMILIES)

MATHIF_IDS: tuple[str, ...] = tuple(f.id for f in BUILTIN)

# In the order they were added, which is not by category.
EXTENDED: tuple[Family, ...] = (
    # IFEval's sentences and paragraphs, IFBench's range of words
    length.NUMBER_SENTENCES,
    length.NUMBER_PARAGRAPHS,
    length.NTH_PARAGRAPH_FIRST_WORD,
    length.COUNT_WORD_RANGE,
    # IFEval's title, JSON, placeholders and postscript, IFBench's sub-bullets
    format.TITLE,
    format.JSON_FORMAT,
    format.PLACEHOLDERS,
    affix.POSTSCRIPT,
    format.SUB_BULLETS,
    # IFEval's letter frequency, Tülu 3's word families
    lexical.LETTER_FREQUENCY,
    lexical.WORD_ONCE,
    affix.FIRST_WORD,
    affix.LAST_WORD,
    affix.START_END,
    # maths-specific
    maths.SINGLE_BOXED,
    maths.ANSWER_FIRST,
    maths.ANSWER_IN_WORDS,
    maths.MAX_DISPLAY_EQUATIONS,
    maths.VARIABLE_NAME,
    maths.REDUCED_FRACTION,
)

SHIPPED: tuple[Family, ...] = (*BUILTIN, *EXTENDED)
SHIPPED_IDS: tuple[str, ...] = tuple(f.id for f in SHIPPED)


def _check_shipped() -> None:
    """Every extended family of the category modules is listed in EXTENDED, once."""
    listed = [f.id for f in EXTENDED]
    defined = [f.id for module in MODULES for f in module.EXTENDED_FAMILIES]
    if sorted(listed) != sorted(defined):
        raise RuntimeError(
            "constraints.registry.EXTENDED must list each family of the modules' EXTENDED_FAMILIES "
            f"once: listed {sorted(listed)}, defined {sorted(defined)}"
        )


_check_shipped()

# IFEval: JSON output combines with nothing but the keyword lists.
EXTENDED_CONFLICTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "detectable_format:json_format": frozenset(SHIPPED_IDS)
        - {"keywords:existence", "keywords:forbidden_words"},
    }
)

# MathIF's INSTRUCTION_CONFLICTS, before symmetrisation.
_ALL_BUT_REPEAT_FRIENDS = frozenset(MATHIF_IDS) - {"keywords:existence", "punctuation:no_comma"}
MATHIF_CONFLICTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "keywords:existence": frozenset({"keywords:existence"}),
        "keywords:frequency": frozenset({"keywords:frequency"}),
        "keywords:forbidden_words": frozenset({"keywords:forbidden_words"}),
        "language:response_language": frozenset(
            {
                "language:response_language",
                "detectable_format:multiple_sections",
                "keywords:existence",
                "keywords:frequency",
                "keywords:forbidden_words",
                "startend:end_checker",
                "change_case:english_capital",
                "change_case:english_lowercase",
            }
        ),
        "length_constraint_checkers:number_words": frozenset({"length_constraint_checkers:number_words"}),
        "detectable_format:number_bullet_lists": frozenset({"detectable_format:number_bullet_lists"}),
        "detectable_format:number_highlighted_sections": frozenset(
            {"detectable_format:number_highlighted_sections"}
        ),
        "detectable_format:multiple_sections": frozenset(
            {
                "detectable_format:multiple_sections",
                "language:response_language",
                "detectable_format:number_highlighted_sections",
            }
        ),
        "combination:repeat_prompt": _ALL_BUT_REPEAT_FRIENDS,
        "startend:end_checker": frozenset({"startend:end_checker"}),
        "change_case:capital_word_frequency": frozenset(
            {
                "change_case:capital_word_frequency",
                "change_case:english_lowercase",
                "change_case:english_capital",
            }
        ),
        "change_case:english_capital": frozenset({"change_case:english_capital"}),
        "change_case:english_lowercase": frozenset(
            {"change_case:english_lowercase", "change_case:english_capital"}
        ),
        "punctuation:no_comma": frozenset({"punctuation:no_comma"}),
        "startend:quotation": frozenset({"startend:quotation"}),
    }
)


def _families_from(obj: object) -> list[Family]:
    if isinstance(obj, Family):
        return [obj]
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "FAMILIES", ())
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes)):
        found = list(obj)
        if all(isinstance(f, Family) for f in found):
            return found
    raise TypeError(f"entry point gave {obj!r}, not a Family, a list of them or a module")


def _plugin_families() -> list[Family]:
    found: list[Family] = []
    allowed = os.environ.get(PLUGINS_ENV)
    names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if names is not None and ep.name not in names:
            continue
        try:
            found.extend(_families_from(ep.load()))
        except Exception as exc:  # noqa: BLE001 - a broken plugin must name itself
            raise RuntimeError(f"constraint plugin {ep.name!r} ({ep.value}) failed: {exc}") from exc
    return found


class Registry:
    """An immutable set of families with a symmetric type-level conflict table."""

    def __init__(self, families: Iterable[Family]):
        by_id: dict[str, Family] = {}
        for fam in families:
            if fam.id in by_id:
                raise ValueError(f"constraint id {fam.id!r} is registered twice")
            by_id[fam.id] = fam
        self._by_id = MappingProxyType(by_id)
        table: dict[str, set[str]] = {fid: {fid} for fid in by_id}
        declared = {
            fid: set(MATHIF_CONFLICTS.get(fid, ())) | set(EXTENDED_CONFLICTS.get(fid, ())) | set(f.conflicts)
            for fid, f in by_id.items()
        }
        for fid, others in declared.items():
            for other in others:
                if other in table:
                    table[fid].add(other)
                    table[other].add(fid)
        self._conflicts = MappingProxyType({k: frozenset(v) for k, v in table.items()})

    def __contains__(self, family_id: object) -> bool:
        return family_id in self._by_id

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def get(self, family_id: str) -> Family:
        try:
            return self._by_id[family_id]
        except KeyError:
            raise UnknownConstraintError(family_id) from None

    def conflicts(self, family_id: str) -> frozenset[str]:
        """Ids that ``family_id`` must never be combined with (itself included)."""
        self.get(family_id)
        return self._conflicts[family_id]

    def type_conflict(self, a: str, b: str) -> bool:
        return b in self.conflicts(a)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The shipped families plus every installed plugin (loaded once)."""
    return Registry([*SHIPPED, *_plugin_families()])


def get(family_id: str) -> Family:
    return default_registry().get(family_id)


def families() -> tuple[Family, ...]:
    return tuple(default_registry())
