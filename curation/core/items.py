"""Benchmark items: MathIF's seven-field format, read into typed records.

MathIF's format (``source``, ``id``, ``question``, ``answer``,
``constraint_desc``, ``constraint_name``, ``constraint_args``) is the common
ground: the tool's own files carry those seven fields with the same meanings,
plus fields of its own, which are kept in ``extra``.  Ids are not unique in
the published release, so an item is identified by its file and line.

One of the tool's fields changes how an item is read: ``constraint_scope``, a
list parallel to ``constraint_name`` of "answer", "reasoning" or "both"
(where each constraint is checked; absent means all "answer", as in MathIF).
Each instance carries its scope, and its description includes the scope
sentence (``constraints.base.scoped_description``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from constraints import ConstraintArgError, Instance, Registry, UnknownConstraintError
from constraints import default_registry as _default_registry
from constraints.base import DEFAULT_SCOPE, SCOPES
from curation.core.errors import InputError
from curation.core.jsonio import read_jsonl

MATHIF_FIELDS = (
    "source",
    "id",
    "question",
    "answer",
    "constraint_desc",
    "constraint_name",
    "constraint_args",
)


@dataclass(frozen=True)
class Item:
    source: str
    id: str
    question: str
    answer: str
    constraints: tuple[Instance, ...]
    descriptions: tuple[str, ...]
    path: str = ""
    line: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def constraint_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.constraints)

    @property
    def scopes(self) -> tuple[str, ...]:
        """Where each constraint is checked ("answer", "reasoning" or "both")."""
        return tuple(c.scope for c in self.constraints)

    def to_mathif(self) -> dict[str, Any]:
        """The seven MathIF fields, in MathIF's order."""
        return {
            "source": self.source,
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "constraint_desc": list(self.descriptions),
            "constraint_name": list(self.constraint_ids),
            "constraint_args": [c.args_json() for c in self.constraints],
        }


def item_from_dict(
    obj: Mapping[str, Any], path: str | Path = "", line: int = 0, registry: Registry | None = None
) -> Item:
    """Validate one MathIF-format object; errors are InputError with file and line."""
    reg = registry or _default_registry()

    def fail(problem: str) -> InputError:
        return InputError(path or None, line or None, problem)

    missing = [f for f in MATHIF_FIELDS if f not in obj]
    if missing:
        raise fail(f"missing field(s) {', '.join(missing)}")
    for key in ("source", "id", "question", "answer"):
        if not isinstance(obj[key], (str, int)) or isinstance(obj[key], bool):
            raise fail(f"field {key!r} must be a string")
    names, args, descs = obj["constraint_name"], obj["constraint_args"], obj["constraint_desc"]
    for key, value in (("constraint_name", names), ("constraint_args", args), ("constraint_desc", descs)):
        if not isinstance(value, list):
            raise fail(f"field {key!r} must be a list")
    if not (len(names) == len(args) == len(descs)):
        raise fail(
            f"constraint_name, constraint_args and constraint_desc differ in length "
            f"({len(names)}, {len(args)}, {len(descs)})"
        )
    if not names:
        raise fail("an item needs at least one constraint")
    scopes = _scopes(obj.get("constraint_scope"), len(names), fail)
    instances = []
    for pos, (name, arg, scope) in enumerate(zip(names, args, scopes, strict=True), start=1):
        if not isinstance(name, str):
            raise fail(f"constraint {pos}: constraint_name must be a string, got {name!r}")
        if isinstance(arg, Mapping):  # parquet rows carry every family's keys, unused ones null
            arg = {k: v for k, v in arg.items() if v is not None}
        try:
            family = reg.get(name)
            instances.append(Instance(family, family.validate(arg), scope))
        except UnknownConstraintError as exc:
            raise fail(f"constraint {pos}: {exc}") from None
        except ConstraintArgError as exc:
            raise fail(f"constraint {pos}: {exc}") from None
    for pos, d in enumerate(descs, start=1):
        if not isinstance(d, str):
            raise fail(f"constraint {pos}: constraint_desc must be a string")
    extra = {k: v for k, v in obj.items() if k not in MATHIF_FIELDS}
    return Item(
        source=str(obj["source"]),
        id=str(obj["id"]),
        question=str(obj["question"]),
        answer=str(obj["answer"]),
        constraints=tuple(instances),
        descriptions=tuple(descs),
        path=str(path),
        line=line,
        extra=extra,
    )


def _scopes(raw: Any, n: int, fail) -> list[str]:
    if raw is None:
        return [DEFAULT_SCOPE] * n
    if not isinstance(raw, list) or len(raw) != n:
        raise fail(f"field 'constraint_scope' must be a list of {n} scope(s), parallel to constraint_name")
    for pos, scope in enumerate(raw, start=1):
        if scope not in SCOPES:
            raise fail(f"constraint {pos}: scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    return list(raw)


def read_items(path: str | Path, registry: Registry | None = None) -> list[Item]:
    """All items of a JSONL file, in line order (blank lines skipped); a file without any
    item is an InputError (scoring nothing would report 0% as a result)."""
    items = [item_from_dict(obj, path, n, registry) for n, obj in read_jsonl(path)]
    if not items:
        raise InputError(path, None, "holds no items (the file is empty or blank)")
    return items


def dataset_files(path: str | Path) -> list[Path]:
    """A JSONL file, or every ``*.jsonl`` in a folder (sorted)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.jsonl"))
        if not files:
            raise InputError(p, None, "folder holds no .jsonl files")
        return files
    if not p.exists():
        raise InputError(p, None, "no such file or folder")
    return [p]
