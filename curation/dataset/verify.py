"""``mathif verify``: is every item of a dataset file well formed and checkable?

For each line: the schema, known constraint ids and valid arguments; that the
stored descriptions are those of the arguments; argument-level conflicts;
satisfiability (a joint witness, or a proof that none exists); and a gold
answer that is machine-gradable (math-verify reads it, and a response giving it
verbatim in ``\\boxed{}`` grades as correct: ``curation.scoring.is_gradable``).
Type-level conflicts are noted, not failed: MathIF's own release combines types
its table calls conflicting, and those items can still be satisfied.

Items with ``constraint_scope`` are checked per part of the output: a stored
description must include the scope sentence, conflicts count between
constraints checked on a common part, and each part needs a joint witness
(``constraints.scope``).  Without it, every constraint is on the answer.

Every verdict has a ``status`` (``STATUSES``); when several apply, the first of
this list wins, and every problem is listed (the one that decided first):

- ``schema_error``: the line is not JSON or not an object, a field is missing
  or of the wrong type, an argument is missing, unknown or out of range, or a
  stored description differs from the one its arguments give;
- ``unknown_family``: a constraint id no registered family has; the problem
  names the plugins that failed to load, and (given the manifest's ``plugins``)
  the plugin the version was built with;
- ``unsatisfiable``: proven impossible: an argument-level conflict
  (``constraints.conflicts``) between two constraints checked on a common part,
  or of one constraint with itself;
- ``unproven``: no joint witness could be built, and no conflict proves that
  none exists;
- ``not_gradable``: the gold answer is not machine-gradable;
- ``ok``: none of these.

``satisfiable`` is True (a joint witness), False (proven impossible) or None
(not known: the item could not be read, a family is unknown, or unproven);
``gradable`` is None when the item could not be read.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import ConstraintArgError, Family, Instance, Registry, default_registry
from constraints.conflicts import self_conflicts
from constraints.registry import UnknownFamilyError
from constraints.scope import checked_on, scoped_conflicts, scoped_witness
from curation.core import Dataset, DatasetFile, InputError, PluginRecord, item_from_dict
from curation.scoring import is_gradable

OK, SCHEMA_ERROR, UNKNOWN_FAMILY, UNSATISFIABLE, UNPROVEN, NOT_GRADABLE = STATUSES = (
    "ok",
    "schema_error",
    "unknown_family",
    "unsatisfiable",
    "unproven",
    "not_gradable",
)
"""Every status a verdict can have; past ``ok``, in order of precedence (the first that
applies is the item's status)."""

STATUS_LABELS: Mapping[str, str] = {
    OK: "ok",
    SCHEMA_ERROR: "schema error",
    UNKNOWN_FAMILY: "unknown family",
    UNSATISFIABLE: "unsatisfiable (proven)",
    UNPROVEN: "unproven",
    NOT_GRADABLE: "gold not gradable",
}
"""How a status reads in a sentence ("3 unsatisfiable (proven)")."""


@dataclass(frozen=True)
class Verdict:
    file: str
    index: int  # position among the file's items (blank lines skipped)
    line: int
    id: str | None
    status: str  # one of STATUSES
    satisfiable: bool | None  # True: a joint witness; False: proven impossible; None: not known
    problems: tuple[str, ...]  # every problem found, the one that decided the status first
    notes: tuple[str, ...] = field(default_factory=tuple)
    gradable: bool | None = None  # the gold is machine-gradable (scoring.is_gradable); None: unread

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {self.status!r}")
        if (self.status == OK) != (not self.problems):
            raise ValueError("a verdict is ok exactly when it lists no problem")

    @classmethod
    def unreadable(cls, file: str, index: int, line: int, problem: str) -> Verdict:
        """The verdict of a line that is no item at all (not UTF-8, not JSON, ...)."""
        return cls(file, index, line, None, SCHEMA_ERROR, None, (problem,))

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_report(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "index": self.index,
            "line": self.line,
            "id": self.id,
            "status": self.status,
            "satisfiable": self.satisfiable,
            "gradable": self.gradable,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


class _Unregistered(Family):
    """Stands in for an unknown family while the rest of an item is read: takes any
    arguments object (or none), is never described, checked or composed."""

    def validate(self, args: Mapping[str, Any] | None) -> dict[str, Any]:
        if args is None:
            return {}
        if not isinstance(args, Mapping):
            raise ConstraintArgError(self.id, "*", f"arguments must be an object or null, got {args!r:.80}")
        return dict(args)


def _stand_in(family_id: str) -> Family:
    def never(*_: Any) -> Any:
        raise AssertionError(f"{family_id!r} is not registered")

    return _Unregistered(
        id=family_id,
        category="unknown",
        params=(),
        sample=never,
        describe=never,
        check=never,
        witness=never,
        counterexample=never,
    )


def _unknown_ids(obj: Mapping[str, Any], registry: Registry) -> list[tuple[int, str]]:
    names = obj.get("constraint_name")
    if not isinstance(names, list):
        return []
    return [
        (pos, name)
        for pos, name in enumerate(names, start=1)
        if isinstance(name, str) and name not in registry
    ]


def _built_with(family_id: str, plugins: Sequence[PluginRecord], registry: Registry) -> str:
    """What the manifest says about an unknown family, and why it is not here."""
    for rec in plugins:
        if family_id not in rec.families:
            continue
        text = f"this version was built with plugin {rec.entry_point!r} from {rec.distribution} {rec.version}"
        loaded = [p for p in registry.plugins if rec.entry_point == p.entry_point]
        if any(b.entry_point == rec.entry_point for b in registry.broken):
            return text  # the broken plugin is named already
        if loaded:
            return text + f"; the installed {loaded[0].distribution} {loaded[0].version} does not provide it"
        if rec.entry_point in registry.left_out:
            return text + ", which MATHIF_PLUGINS leaves out"
        return text + ", which is not installed"
    return ""


def unknown_family_problem(
    pos: int, family_id: str, registry: Registry, plugins: Sequence[PluginRecord] = ()
) -> str:
    """``constraint 1: unknown constraint id 'acme:rhyme' (plugin 'acme' from acme-constraints
    1.2 failed to load: ...); this version was built with plugin 'acme' from ...``."""
    text = f"constraint {pos}: {UnknownFamilyError(family_id, registry.broken)}"
    built = _built_with(family_id, plugins, registry)
    return f"{text}; {built}" if built else text


def verify_object(
    obj: Any,
    file: str,
    index: int,
    line: int,
    registry: Registry,
    plugins: Sequence[PluginRecord] = (),
) -> Verdict:
    """The verdict on one item.  ``plugins``: the manifest's plugin records of the version
    the item comes from, if known, to say which plugin an unknown family came from."""
    if not isinstance(obj, dict):
        return Verdict(file, index, line, None, SCHEMA_ERROR, None, ("expected a JSON object",))
    raw_id = obj.get("id")
    found: list[tuple[str, str]] = []  # (status, problem)
    unknown = _unknown_ids(obj, registry)
    found.extend(
        (UNKNOWN_FAMILY, unknown_family_problem(pos, fid, registry, plugins)) for pos, fid in unknown
    )
    reader = registry
    if unknown:  # read the rest of the item as if they were known, to find every other problem
        stand_ins = {fid: _stand_in(fid) for _, fid in unknown}
        reader = Registry([*registry, *stand_ins.values()], registry.plugins, registry.broken)
    try:
        item = item_from_dict(obj, file, line, reader)
    except InputError as err:
        found.append((SCHEMA_ERROR, err.problem))
        return _verdict(file, index, line, None if raw_id is None else str(raw_id), found, None, (), None)
    known = [inst for inst in item.constraints if inst.id in registry]
    notes: list[str] = []
    for k, (inst, desc) in enumerate(zip(item.constraints, item.descriptions, strict=True), start=1):
        if inst.id in registry and inst.describe() != desc:
            found.append(
                (SCHEMA_ERROR, f"constraint {k} ({inst.id}): stored description differs from its arguments'")
            )
    for x, y in itertools.combinations(known, 2):
        if registry.type_conflict(x.id, y.id) and set(checked_on(x.scope)) & set(checked_on(y.scope)):
            notes.append(f"type-level conflict {x.id} / {y.id} (the registry's table)")
    conflicts = _proven_conflicts(known)
    found.extend((UNSATISFIABLE, f"conflict: {c}") for c in conflicts)
    satisfiable: bool | None
    if conflicts:
        satisfiable = False
    elif unknown:
        satisfiable = None  # the unknown families cannot be composed
    else:
        satisfiable = scoped_witness(item.constraints) is not None
        if not satisfiable:
            found.append(
                (UNPROVEN, "no response meeting every constraint could be built (satisfiability unproven)")
            )
            satisfiable = None
    gradable = is_gradable(item.answer)
    if not gradable:
        found.append((NOT_GRADABLE, f"gold answer {item.answer!r} is not machine-gradable"))
    return _verdict(file, index, line, item.id, found, satisfiable, notes, gradable)


def _proven_conflicts(instances: Sequence[Instance]) -> list[str]:
    """Argument-level conflicts within each part of the output, then any constraint that
    conflicts with itself (each reason once)."""
    out = scoped_conflicts(instances)
    for inst in instances:
        out.extend(r for r in self_conflicts(inst) if r not in out)
    return out


def _verdict(
    file: str,
    index: int,
    line: int,
    item_id: str | None,
    found: Sequence[tuple[str, str]],
    satisfiable: bool | None,
    notes: Sequence[str],
    gradable: bool | None,
) -> Verdict:
    ordered = sorted(found, key=lambda f: STATUSES.index(f[0]))  # stable: found order within a status
    status = ordered[0][0] if ordered else OK
    problems = tuple(p for _, p in ordered)
    return Verdict(file, index, line, item_id, status, satisfiable, problems, tuple(notes), gradable)


def verify_split(
    split: DatasetFile, registry: Registry | None = None, plugins: Sequence[PluginRecord] = ()
) -> list[Verdict]:
    """A verdict for every row of one split (a bad line is a failing verdict); ``plugins``:
    the manifest's plugin records, if known (see ``verify_object``)."""
    reg = registry or default_registry()
    out = []
    for index, (path, line) in enumerate(split.lines()):
        if line.error is not None:
            out.append(Verdict.unreadable(str(path), index, line.number, line.error))
            continue
        out.append(verify_object(line.value, str(path), index, line.number, reg, plugins))
    if not out:
        raise InputError(split.paths[0], None, "holds no items (the file is empty or blank)")
    return out


def verify_file(
    path: str | Path, registry: Registry | None = None, plugins: Sequence[PluginRecord] = ()
) -> list[Verdict]:
    """:func:`verify_split` of one JSON Lines file."""
    p = Path(path)
    return verify_split(DatasetFile(p.name, (p,), "jsonl"), registry, plugins)


def verify_dataset(dataset: Dataset, registry: Registry | None = None) -> list[Verdict]:
    """Every split of a dataset in any form; a build's manifest names the plugins it used."""
    plugins = dataset.manifest.plugins if dataset.manifest is not None else ()
    return [v for split in dataset.files for v in verify_split(split, registry, plugins)]
