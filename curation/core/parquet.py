"""The Hub's parquet files: every config of a version in one explicit schema.

The build's own parquet files follow each source's shape (GSM8K has no
``metadata``, the other sources' metadata structs have different fields, the
argument structs differ per split), so they cannot be read together as the
``all`` config.  The published files are written from the built JSONL rows with
one schema for every config:

- the item's fields keep their names, order and types, except that
- ``split`` is published as ``subset`` (:data:`PUBLISHED_NAMES`), so that it
  does not clash with the Hub's own split (``test``) in a viewer or a
  ``datasets`` column (the built JSONL files keep ``split``; a file written
  before the rename, with a ``split`` column, still decodes);
- ``constraint_args`` is a list of JSON texts, one per constraint (``"null"``
  for a family without arguments);
- ``metadata`` is one JSON text (an object; ``{}`` for a source without any);
- ``constraint_scope`` (answer / reasoning / both per constraint) is the last
  column, null for items without one (versions built without scopes).

:func:`decode_record` turns a published row back into the JSONL item exactly
(names, values and the JSONL field order).  The bytes depend only on the rows
and the pyarrow version.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from curation.core.errors import InputError
from curation.core.jsonio import read_jsonl

# field -> kind, in the built rows' order
FIELDS: dict[str, str] = {
    "source": "str",
    "id": "str",
    "question": "str",
    "answer": "str",
    "constraint_desc": "str_list",
    "constraint_name": "str_list",
    "constraint_args": "args_list",
    "version": "str",
    "problem_id": "str",
    "split": "str",
    "num_constraints": "int",
    "prompt": "str",
    "metadata": "object",
}
JSON_FIELDS = ("constraint_args", "metadata")
# fields only some items have: a null where an item has none (decoded back to absent)
OPTIONAL_FIELDS: dict[str, str] = {"constraint_scope": "str_list"}
# built field -> published column, where the two differ
PUBLISHED_NAMES: dict[str, str] = {"split": "subset"}
# where an optional field sits in a built row: right after this field
_OPTIONAL_AFTER: dict[str, str] = {"constraint_scope": "constraint_args"}


def column(field: str) -> str:
    """The published column of a built field."""
    return PUBLISHED_NAMES.get(field, field)


def hub_schema():
    import pyarrow as pa

    kinds = {
        "str": pa.string(),
        "int": pa.int64(),
        "str_list": pa.list_(pa.string()),
        "args_list": pa.list_(pa.string()),
        "object": pa.string(),
    }
    fields = [pa.field(column(name), kinds[kind], nullable=False) for name, kind in FIELDS.items()]
    fields += [pa.field(column(name), kinds[kind], nullable=True) for name, kind in OPTIONAL_FIELDS.items()]
    return pa.schema(fields)


def _problem(row: Mapping[str, Any]) -> str | None:
    """What is wrong with a built row, or None."""
    missing = [k for k in FIELDS if k not in row]
    if missing:
        return f"item lacks field(s) {', '.join(missing)}"
    extra = [k for k in row if k not in FIELDS and k not in OPTIONAL_FIELDS]
    if extra:
        return f"item has unexpected field(s) {', '.join(extra)}"
    for name, kind in (FIELDS | OPTIONAL_FIELDS).items():
        if name not in row:
            continue
        value = row[name]
        ok = {
            "str": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "str_list": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "args_list": isinstance(value, list) and all(v is None or isinstance(v, dict) for v in value),
            "object": isinstance(value, dict),
        }[kind]
        if not ok:
            return f"field {name!r} has the wrong type ({type(value).__name__})"
    n = len(row["constraint_name"])
    if len(row["constraint_desc"]) != n or len(row["constraint_args"]) != n:
        return "constraint_name, constraint_desc and constraint_args differ in length"
    if "constraint_scope" in row and len(row["constraint_scope"]) != n:
        return "constraint_scope and constraint_name differ in length"
    return None


def read_split_rows(path: str | Path) -> list[dict[str, Any]]:
    """A built split file's rows, each checked against :data:`FIELDS` (errors name file and line)."""
    rows = []
    for number, row in read_jsonl(path):
        problem = _problem(row)
        if problem:
            raise InputError(path, number, problem)
        rows.append(row)
    return rows


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def hub_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A built row as a published row (see the module docstring), keyed by published column."""
    out = {column(name): row[name] for name in FIELDS}
    out["constraint_args"] = [_json(a) for a in row["constraint_args"]]
    out["metadata"] = _json(row["metadata"])
    out |= {column(name): row.get(name) for name in OPTIONAL_FIELDS}
    return out


def decode_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A published row back as the built JSONL item: built field names, JSON decoded, an
    optional field present only where the row has it, in the built rows' field order."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        out[name] = record[column(name)] if column(name) in record else record[name]
        for optional, after in _OPTIONAL_AFTER.items():
            if after == name and record.get(column(optional)) is not None:
                out[optional] = record[column(optional)]
    out["constraint_args"] = [json.loads(a) for a in record["constraint_args"]]
    out["metadata"] = json.loads(record["metadata"])
    return out


def hub_parquet_bytes(rows: Iterable[Mapping[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist([hub_record(r) for r in rows], schema=hub_schema())
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=False)
    return buf.getvalue()


def schema_lines() -> Sequence[tuple[str, str]]:
    """(column, type as the card shows it) for every published column."""
    shown = {
        "str": "string",
        "int": "int64",
        "str_list": "list of strings",
        "args_list": "list of strings (JSON text per constraint)",
        "object": "string (JSON object)",
    }
    return [(column(name), shown[kind]) for name, kind in FIELDS.items()] + [
        (column(name), shown[kind] + ", or null") for name, kind in OPTIONAL_FIELDS.items()
    ]
