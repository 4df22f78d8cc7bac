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
``SHIPPED`` both; ``families = "all"`` means ``ALL_IDS``, the first 35 of them, frozen.  Plugins come after them;
``MATHIF_PLUGINS`` (comma-separated entry-point names, empty for none) limits which.
The registry knows where each plugin family comes from (``Registry.origin``,
``plugin_origin``: entry point, distribution, version).  A plugin that fails to
load (its import raises, it gives something other than families, or one of its
ids is already registered) is left out and remembered (``Registry.broken``,
``broken_plugins``): the other families work, and asking for an id that is not
registered raises ``UnknownFamilyError``, whose message names the broken plugins.
The order of ``SHIPPED`` is the order families are listed and drawn in, so a
new family goes at the end of ``EXTENDED``.

The type-level conflict table is MathIF's, made symmetric, plus what each
family declares in its ``conflicts`` field, plus ``EXTENDED_CONFLICTS``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
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

# What `families = "all"` means in a recipe: the 35 families shipped when v2.0.0 was made
# (mathif 0.2), frozen, so a recipe that says "all" draws the same when a family is added
# (appended to EXTENDED).  A recipe names a newer shipped family by its id:
# `families = ["all", "group:new_family"]`.
ALL_SET_SIZE = 35
ALL_IDS: tuple[str, ...] = SHIPPED_IDS[:ALL_SET_SIZE]


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
        found = [obj]
    else:
        if isinstance(obj, ModuleType):
            obj = getattr(obj, "FAMILIES", ())
        if not isinstance(obj, Iterable) or isinstance(obj, (str, bytes, Mapping)):
            raise TypeError(f"entry point gave {_shown(obj)}, not a Family, a list of them or a module")
        found = list(obj)
        if not all(isinstance(f, Family) for f in found):
            raise TypeError(f"entry point gave {_shown(obj)}, not a Family, a list of them or a module")
    for f in found:
        if not isinstance(f.id, str) or not f.id:
            raise TypeError(f"a family's id must be a non-empty string, got {_shown(f.id)}")
        conflicts = f.conflicts
        if not isinstance(conflicts, Iterable) or isinstance(conflicts, (str, bytes)):
            raise TypeError(f"{f.id}: conflicts must be a set of family ids, got {_shown(conflicts)}")
        if not all(isinstance(c, str) for c in conflicts):
            raise TypeError(f"{f.id}: conflicts must be a set of family ids, got {_shown(f.conflicts)}")
    return found


def _shown(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one line: ``ModuleNotFoundError: No module named 'foo'``."""
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class PluginOrigin:
    """A plugin that loaded: its entry point and the installed distribution that provides it."""

    entry_point: str  # the name in the ``mathif.constraints`` group
    value: str  # what it points at, e.g. "my_package.my_module:FAMILY"
    distribution: str  # e.g. "mathif-plugin-demo" (UNKNOWN_DIST without package metadata)
    version: str  # the distribution's version
    families: tuple[str, ...]  # every family id it registered

    @property
    def label(self) -> str:
        """``plugin 'acme' from acme-constraints 1.2``."""
        return f"plugin {self.entry_point!r} from {self.distribution} {self.version}"


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that failed to load; its families are not registered, the rest still are."""

    entry_point: str
    value: str
    distribution: str
    version: str
    error: str  # one line, e.g. "ModuleNotFoundError: No module named 'foo'"

    @property
    def label(self) -> str:
        return f"plugin {self.entry_point!r} from {self.distribution} {self.version}"

    def __str__(self) -> str:
        """``plugin 'acme' from acme-constraints 1.2 failed to load: ModuleNotFoundError: ...``."""
        return f"{self.label} failed to load: {self.error}"


UNKNOWN_DIST = "an unknown distribution"


@dataclass(frozen=True)
class PluginLoad:
    """What loading the allowed plugins gave: their families (in entry-point order), where
    each plugin family comes from, and the plugins that failed."""

    families: tuple[Family, ...]
    origins: tuple[PluginOrigin, ...]
    broken: tuple[BrokenPlugin, ...]
    left_out: tuple[str, ...] = ()  # installed entry points that MATHIF_PLUGINS does not allow


def _distribution(ep: EntryPoint) -> tuple[str, str]:
    try:
        dist = ep.dist
        if dist is None:
            return UNKNOWN_DIST, "(no version)"
        name = dist.name or dist.metadata["Name"]
        version = dist.version
        return str(name or UNKNOWN_DIST), str(version or "(no version)")
    except Exception:  # noqa: BLE001 - broken package metadata must not stop the tool
        return UNKNOWN_DIST, "(no version)"


def allowed_plugins() -> frozenset[str] | None:
    """The entry points ``MATHIF_PLUGINS`` allows (None: every installed one)."""
    allowed = os.environ.get(PLUGINS_ENV)
    return None if allowed is None else frozenset(n.strip() for n in allowed.split(",") if n.strip())


def load_plugins(taken: Iterable[str] = SHIPPED_IDS) -> PluginLoad:
    """Load every allowed plugin of the entry-point group, in entry-point name order.

    Never raises for a plugin's fault: a plugin whose import fails, that gives something
    other than families, or whose family ids are already registered (``taken``, or an
    earlier plugin's) is recorded as broken, with none of its families registered."""
    names = allowed_plugins()
    owner = {fid: "a shipped family" for fid in taken}
    families: list[Family] = []
    origins: list[PluginOrigin] = []
    broken: list[BrokenPlugin] = []
    left_out: list[str] = []
    try:
        eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    except Exception as exc:  # noqa: BLE001 - unreadable package metadata
        broken.append(BrokenPlugin("*", "", UNKNOWN_DIST, "(no version)", one_line(exc)))
        return PluginLoad((), (), tuple(broken))
    for ep in eps:
        if names is not None and ep.name not in names:
            left_out.append(ep.name)
            continue
        dist, version = _distribution(ep)
        try:
            found = _families_from(ep.load())
            ids = [f.id for f in found]
            for k, fid in enumerate(ids):
                if fid in ids[:k]:
                    raise ValueError(f"it gives family id {fid!r} twice")
                if fid in owner:
                    raise ValueError(f"family id {fid!r} is already registered by {owner[fid]}")
        except Exception as exc:  # noqa: BLE001 - a broken plugin names itself, the rest load
            broken.append(BrokenPlugin(ep.name, ep.value, dist, version, one_line(exc)))
            continue
        origin = PluginOrigin(ep.name, ep.value, dist, version, tuple(ids))
        owner.update((fid, origin.label) for fid in ids)
        families.extend(found)
        origins.append(origin)
    return PluginLoad(tuple(families), tuple(origins), tuple(broken), tuple(left_out))


def _plugin_families() -> list[Family]:
    """The families of the plugins that load (the broken ones left out)."""
    return list(load_plugins().families)


def broken_hint(broken: Iterable[BrokenPlugin]) -> str:
    """``plugin 'acme' from acme-constraints 1.2 failed to load: ...`` for each broken plugin
    (joined by "; "), or "" when none is broken."""
    return "; ".join(str(b) for b in broken)


class UnknownFamilyError(UnknownConstraintError):
    """An id no registered family has; names the plugins that failed to load, if any
    (one of them may be the one that would have provided it)."""

    def __init__(self, family_id: str, broken: Iterable[BrokenPlugin] = ()):
        super().__init__(family_id)
        self.broken = tuple(broken)

    def __str__(self) -> str:
        hint = broken_hint(self.broken)
        return super().__str__() + (f" ({hint})" if hint else "")


class Registry:
    """An immutable set of families with a symmetric type-level conflict table."""

    def __init__(
        self,
        families: Iterable[Family],
        plugins: Iterable[PluginOrigin] = (),
        broken: Iterable[BrokenPlugin] = (),
        left_out: Iterable[str] = (),
    ):
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
        self._plugins = tuple(sorted(plugins, key=lambda p: p.entry_point))
        origin_of: dict[str, PluginOrigin] = {}
        for plugin in self._plugins:
            for fid in plugin.families:
                if fid not in by_id:
                    raise ValueError(f"{plugin.label} names family {fid!r}, which is not registered")
                origin_of.setdefault(fid, plugin)
        self._origin_of = MappingProxyType(origin_of)
        self._broken = tuple(broken)
        self._left_out = tuple(left_out)

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
            raise UnknownFamilyError(family_id, self._broken) from None

    def origin(self, family_id: str) -> PluginOrigin | None:
        """The plugin that provided ``family_id`` (None for a shipped or unknown family)."""
        return self._origin_of.get(family_id)

    @property
    def plugins(self) -> tuple[PluginOrigin, ...]:
        """The plugins that loaded, by entry point name."""
        return self._plugins

    @property
    def broken(self) -> tuple[BrokenPlugin, ...]:
        """The plugins that failed to load (their families are not registered)."""
        return self._broken

    @property
    def left_out(self) -> tuple[str, ...]:
        """Installed plugin entry points that ``MATHIF_PLUGINS`` did not allow."""
        return self._left_out

    def used_plugins(self, family_ids: Iterable[str]) -> tuple[PluginOrigin, ...]:
        """The plugins that provided any of ``family_ids``, by entry point name, each with
        ``families`` narrowed to the ids used (sorted)."""
        used = set(family_ids)
        out = []
        for plugin in self._plugins:
            mine = sorted(fid for fid in used if self._origin_of.get(fid) is plugin)
            if mine:
                out.append(replace(plugin, families=tuple(mine)))
        return tuple(out)

    def conflicts(self, family_id: str) -> frozenset[str]:
        """Ids that ``family_id`` must never be combined with (itself included)."""
        self.get(family_id)
        return self._conflicts[family_id]

    def type_conflict(self, a: str, b: str) -> bool:
        return b in self.conflicts(a)


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The shipped families plus every allowed installed plugin that loads (loaded once);
    the plugins that fail are remembered (``Registry.broken``), never raised."""
    load = load_plugins()
    return Registry([*SHIPPED, *load.families], load.origins, load.broken, load.left_out)


def get(family_id: str) -> Family:
    return default_registry().get(family_id)


def families() -> tuple[Family, ...]:
    return tuple(default_registry())


def plugin_origin(family_id: str) -> PluginOrigin | None:
    """Which plugin (entry point, distribution, version) provided ``family_id``; None for a
    shipped family or an unknown id."""
    return default_registry().origin(family_id)


def broken_plugins() -> tuple[BrokenPlugin, ...]:
    """The allowed installed plugins that failed to load."""
    return default_registry().broken
