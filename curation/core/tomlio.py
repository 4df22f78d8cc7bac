"""Reading TOML (recipes, the source registry, eval run files) as every reader of the tool
should: one InputError with the file and, where TOML gives it, the line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

from curation.core.errors import InputError
from curation.core.jsonio import MAX_DEPTH, has_lone_surrogate, shallow

_AT = re.compile(r"\s*\(at line (\d+), column \d+\)")


def parse_toml(text: str, where: str | None = None) -> dict[str, Any]:
    """The table in ``text``; malformed, too deeply nested or not text is one InputError."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _AT.search(str(exc))
        raise InputError(
            where, int(match.group(1)) if match else None, f"not valid TOML ({_AT.sub('', str(exc))})"
        ) from None
    except RecursionError:
        raise InputError(where, None, "not valid TOML (nested too deeply)") from None
    if not shallow(doc):
        raise InputError(where, None, f"TOML nested more than {MAX_DEPTH} levels deep")
    if has_lone_surrogate(doc):
        raise InputError(where, None, 'a string holds a lone surrogate (e.g. "\\ud800"), which is not text')
    return doc


def toml_text(data: bytes, where: str | None = None) -> str:
    """``data`` as text, or one InputError."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(where, None, f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})") from None


KeyPath = tuple[str | int, ...]  # ("splits", 1, "quota", "single")

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_MAX_KEYS = 10_000  # keys located per file; a recipe has a few dozen


def _key_parts(text: str) -> tuple[list[str], str] | None:
    """The dotted key at the start of ``text`` (bare or quoted parts) and what follows it."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest[:1] in ('"', "'"):
            quote = rest[0]
            end = rest.find(quote, 1)
            while quote == '"' and end > 0 and rest[end - 1] == "\\":  # an escaped quote
                end = rest.find(quote, end + 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1 :].lstrip()
        else:
            m = _BARE.match(rest)
            if not m:
                return None
            parts.append(m.group())
            rest = rest[m.end() :].lstrip()
        if not rest.startswith("."):
            return parts, rest
        rest = rest[1:].lstrip()


def key_lines(text: str) -> dict[KeyPath, int]:
    """Where each key and table of a TOML document starts (1-based lines), for error lines.

    ``[[splits]]`` tables are numbered (``("splits", 0)``, ``("splits", 1)``, …), and a
    sub-table such as ``[splits.overrides."x"]`` belongs to the last of them.  A key inside
    an inline table is found through its parent (``line_of``).  Only where keys start is
    read: values are never parsed here (``parse_toml`` does that)."""
    lines: dict[KeyPath, int] = {}
    arrays: dict[KeyPath, int] = {}  # array-of-tables path -> its last index
    table: KeyPath = ()
    in_string: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if len(lines) >= _MAX_KEYS:
            break
        if in_string is not None:  # inside a multi-line string
            if line.count(in_string) % 2 == 1:
                in_string = None
            continue
        stripped = line.strip()
        if stripped.startswith("[["):
            parsed = _key_parts(stripped[2:])
            if parsed and parsed[1].startswith("]]"):
                base = _resolve(tuple(parsed[0]), arrays)
                arrays[base] = arrays.get(base, -1) + 1
                table = (*base, arrays[base])
                lines.setdefault(table, number)
            continue
        if stripped.startswith("["):
            parsed = _key_parts(stripped[1:])
            if parsed and parsed[1].startswith("]"):
                table = _resolve(tuple(parsed[0]), arrays)
                lines.setdefault(table, number)
            continue
        parsed = _key_parts(stripped) if stripped and not stripped.startswith("#") else None
        if parsed and parsed[1].startswith("="):
            lines.setdefault((*table, *parsed[0]), number)
            value = parsed[1][1:].lstrip()
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    in_string = quote
    return lines


def _resolve(path: KeyPath, arrays: dict[KeyPath, int]) -> KeyPath:
    """``splits.overrides`` -> ``splits, 3, overrides`` when ``splits`` is an array of tables."""
    out: list[str | int] = []
    for part in path:
        out.append(part)
        index = arrays.get(tuple(out))
        if index is not None and len(out) < len(path):
            out.append(index)
    return tuple(out)


def line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, else of its nearest parent that has one (None: not located)."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
