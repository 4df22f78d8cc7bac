"""Reading TOML (recipes, the source registry, eval run files) as every reader of the tool
should: one InputError with the file and, where TOML gives it, the line."""

from __future__ import annotations

import re
import tomllib
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
