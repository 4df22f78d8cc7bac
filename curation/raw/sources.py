"""The raw-source registry: ``raw/sources.toml`` read into typed :class:`SourceSpec` records.

Every entry says where a source lives on the Hugging Face Hub (dataset id, config, split,
pinned revision), its licence, and how a row becomes a problem: the question field, the
answer field and the named gold-answer rule (:mod:`curation.answer_rules`), an optional
upstream id field, metadata fields and constant metadata. ``hub_columns`` renames Hub
columns to the mirror's field names where the two layouts differ, and ``hub_filter`` keeps only
some Hub rows (AMC 2023 from a table of several years).

Mistakes in the file are reported as one :class:`~curation.errors.InputError` naming the file,
the line of the entry's ``[sources.NAME]`` header and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curation.core import InputError, MetaValue, parse_toml
from curation.raw.answer_rules import RULES

__all__ = ["HubFilter", "SourceSpec", "load_registry", "select_sources"]

_NAME = re.compile(r"[a-z0-9][a-z0-9_]*")
_REQUIRED = ("hub_id", "split", "revision", "license", "question_field", "answer_field", "answer_rule")
_OPTIONAL = ("config", "id_field", "metadata", "constants", "hub_columns", "hub_filter", "description")


@dataclass(frozen=True)
class HubFilter:
    """Keep a Hub row only if ``str(row[field])`` contains ``contains``."""

    field: str
    contains: str


@dataclass(frozen=True)
class SourceSpec:
    """One raw source as the registry describes it."""

    name: str
    hub_id: str
    split: str
    revision: str
    license: str
    question_field: str
    answer_field: str
    answer_rule: str
    config: str | None = None
    id_field: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    """problem metadata key -> row field (``level = "level"``, ``subject = "type"``)"""
    constants: Mapping[str, MetaValue] = field(default_factory=dict)
    """metadata that is the same for every problem of the source (``year = 2024``)"""
    hub_columns: Mapping[str, str] = field(default_factory=dict)
    """Hub column -> mirror field, applied to Hub rows only"""
    hub_filter: HubFilter | None = None
    description: str = ""


def _entry_line(text: str, name: str) -> int | None:
    """Line number of the ``[sources.NAME]`` header, for error messages."""
    header = re.compile(rf"^\s*\[\s*sources\s*\.\s*\"?{re.escape(name)}\"?\s*\]")
    for number, line in enumerate(text.splitlines(), start=1):
        if header.match(line):
            return number
    return None


def _string_table(value: Any, key: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise ValueError(f"'{key}' must be a table of non-empty strings")
    return dict(value)


def _spec(name: str, entry: Any) -> SourceSpec:
    """Build one spec; ValueError with a short reason on any mistake."""
    if not _NAME.fullmatch(name):
        raise ValueError("source names are lower-case letters, digits and '_'")
    if not isinstance(entry, dict):
        raise ValueError("expected a table")
    unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(map(repr, unknown))}")
    missing = [k for k in _REQUIRED if k not in entry]
    if missing:
        raise ValueError(f"missing key(s) {', '.join(map(repr, missing))}")
    for key in (*_REQUIRED, "config", "id_field", "description"):
        if key in entry and (not isinstance(entry[key], str) or (key != "description" and not entry[key])):
            raise ValueError(f"'{key}' must be a non-empty string")
    if entry["answer_rule"] not in RULES:
        raise ValueError(f"unknown answer_rule {entry['answer_rule']!r} (known: {', '.join(sorted(RULES))})")
    constants = entry.get("constants", {})
    if not isinstance(constants, dict) or not all(
        isinstance(v, str | int | float | bool) for v in constants.values()
    ):
        raise ValueError("'constants' must be a table of strings, numbers or booleans")
    metadata = _string_table(entry.get("metadata", {}), "metadata")
    clash = sorted(set(metadata) & set(constants))
    if clash:
        raise ValueError(f"metadata key(s) {', '.join(map(repr, clash))} also in 'constants'")
    hub_filter = None
    if "hub_filter" in entry:
        raw = entry["hub_filter"]
        if not isinstance(raw, dict) or set(raw) != {"field", "contains"}:
            raise ValueError("'hub_filter' must be a table with exactly 'field' and 'contains'")
        hub_filter = HubFilter(**_string_table(raw, "hub_filter"))
    return SourceSpec(
        name=name,
        hub_id=entry["hub_id"],
        split=entry["split"],
        revision=entry["revision"],
        license=entry["license"],
        question_field=entry["question_field"],
        answer_field=entry["answer_field"],
        answer_rule=entry["answer_rule"],
        config=entry.get("config"),
        id_field=entry.get("id_field"),
        metadata=metadata,
        constants=dict(constants),
        hub_columns=_string_table(entry.get("hub_columns", {}), "hub_columns"),
        hub_filter=hub_filter,
        description=entry.get("description", ""),
    )


def parse_registry(text: str, path: str | Path) -> dict[str, SourceSpec]:
    """Parse registry text (pure); ``path`` only names the file in errors."""
    doc = parse_toml(text, str(path))
    sources = doc.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise InputError(path, None, "no [sources.NAME] entries")
    specs: dict[str, SourceSpec] = {}
    for name, entry in sources.items():
        try:
            specs[name] = _spec(name, entry)
        except ValueError as exc:
            raise InputError(path, _entry_line(text, name), f"[sources.{name}]: {exc}") from None
    return specs


def load_registry(path: str | Path) -> dict[str, SourceSpec]:
    """Read ``raw/sources.toml``: source name -> spec, in the file's order."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(p, None, "source registry not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(p, None, f"cannot read the source registry ({exc})") from None
    return parse_registry(text, p)


def select_sources(
    registry: Mapping[str, SourceSpec], names: list[str] | None, asked_by: str | Path | None
) -> list[SourceSpec]:
    """The specs for ``names`` (all, in registry order, if none given); an unknown name is an
    error of whoever asked for it (``asked_by``: a recipe; None for a command-line argument)."""
    if not names:
        return list(registry.values())
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise InputError(asked_by, None, f"unknown source {unknown[0]!r} (known: {', '.join(registry)})")
    seen: dict[str, SourceSpec] = {}
    for n in names:
        seen.setdefault(n, registry[n])
    return list(seen.values())
