"""``mathif verify``: is every item of a dataset file well formed and checkable?

For each line: the schema, known constraint ids and valid arguments; that the
stored descriptions are those of the arguments; argument-level conflicts;
satisfiability (a joint witness, or a proof that none exists); and a gold
answer that is machine-gradable (math-verify reads it, and a response giving it
verbatim in ``\\boxed{}`` grades as correct: ``curation.grading.is_gradable``).  Type-level conflicts are noted, not failed:
MathIF's own release combines types its table calls conflicting, and those
items can still be satisfied.

Items with ``constraint_scope`` are checked per part of the output: a stored
description must include the scope sentence, conflicts count between
constraints checked on a common part, and each part needs a joint witness
(``constraints.scope``).  Without it, every constraint is on the answer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import Registry, default_registry
from constraints.scope import checked_on, scoped_conflicts, scoped_witness
from curation.core import InputError, item_from_dict, jsonl_lines
from curation.scoring import is_gradable


@dataclass(frozen=True)
class Verdict:
    file: str
    index: int  # position among the file's items (blank lines skipped)
    line: int
    id: str | None
    satisfiable: bool
    problems: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    gradable: bool | None = None  # the gold is machine-gradable (grading.is_gradable); None: unread

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_report(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "index": self.index,
            "line": self.line,
            "id": self.id,
            "satisfiable": self.satisfiable,
            "gradable": self.gradable,
            "problems": list(self.problems),
            "notes": list(self.notes),
        }


def verify_object(obj: Any, file: str, index: int, line: int, registry: Registry) -> Verdict:
    raw_id = obj.get("id") if isinstance(obj, dict) else None
    if not isinstance(obj, dict):
        return Verdict(file, index, line, None, False, ("expected a JSON object",))
    try:
        item = item_from_dict(obj, file, line, registry)
    except InputError as err:
        return Verdict(file, index, line, None if raw_id is None else str(raw_id), False, (err.problem,))
    problems: list[str] = []
    notes: list[str] = []
    for k, (inst, desc) in enumerate(zip(item.constraints, item.descriptions, strict=True), start=1):
        if inst.describe() != desc:
            problems.append(f"constraint {k} ({inst.id}): stored description differs from its arguments'")
    for x, y in itertools.combinations(item.constraints, 2):
        if registry.type_conflict(x.id, y.id) and set(checked_on(x.scope)) & set(checked_on(y.scope)):
            notes.append(f"type-level conflict {x.id} / {y.id} (the registry's table)")
    conflicts = scoped_conflicts(item.constraints)
    problems.extend(f"conflict: {c}" for c in conflicts)
    witness = scoped_witness(item.constraints)
    satisfiable = witness is not None
    if not satisfiable and not conflicts:
        problems.append("no response meeting every constraint could be built (satisfiability unproven)")
    gradable = is_gradable(item.answer)
    if not gradable:
        problems.append(f"gold answer {item.answer!r} is not machine-gradable")
    return Verdict(file, index, line, item.id, satisfiable, tuple(problems), tuple(notes), gradable)


def verify_file(path: str | Path, registry: Registry | None = None) -> list[Verdict]:
    """A verdict for every non-blank line of a JSON Lines file (a bad line is a failing verdict)."""
    reg = registry or default_registry()
    p = Path(path)
    out = []
    for index, line in enumerate(jsonl_lines(p)):
        if line.error is not None:
            out.append(Verdict(str(p), index, line.number, None, False, (line.error,)))
            continue
        out.append(verify_object(line.value, str(p), index, line.number, reg))
    if not out:
        raise InputError(p, None, "holds no items (the file is empty or blank)")
    return out
