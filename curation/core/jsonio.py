"""Reading and writing JSON and JSON Lines: line-numbered errors, atomic writes (the only copy)."""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import orjson as _orjson  # faster JSON, used only where it gives json's exact result

from curation.core.errors import InputError

Surrogates = Literal["refuse", "replace"]
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 64  # no file the tool reads nests deeper; deeper input is refused, never recursed into


@dataclass(frozen=True)
class JsonlLine:
    """One non-blank line of a JSON Lines file: its value, or why it has none."""

    number: int
    value: Any
    error: str | None = None


def jsonl_lines(path: str | Path, surrogates: Surrogates = "refuse") -> Iterator[JsonlLine]:
    """Every non-blank line of a JSON Lines file in order, parsed or with its problem.

    The one JSONL reader of the tool: lines end at ``\\n`` alone (a ``\\r`` before it is
    dropped), so U+2028, U+0085 and other separators inside a line are text, as JSON says.
    A line that is not UTF-8, not JSON, nested too deeply, or holds a string with a lone
    surrogate (``"\\ud800"``: JSON, but no text) has an ``error``; with
    ``surrogates="replace"`` such strings get U+FFFD instead (model output).  A missing,
    unreadable or folder path is an InputError.
    """
    for _offset, number, raw in raw_lines(path):
        line = jsonl_line(number, raw, surrogates)
        if line is not None:
            yield line


def raw_lines(path: str | Path) -> Iterator[tuple[int, int, bytes]]:
    """``(byte offset, line number, bytes)`` of every line of a file, as read, ``\\n`` kept.
    A missing, unreadable or folder path is an InputError."""
    p = Path(path)
    try:
        fh = p.open("rb")
    except FileNotFoundError:
        raise InputError(p, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(p, None, "is a folder, expected a .jsonl file") from None
    except (OSError, ValueError) as exc:  # permissions, a NUL byte in the name, ...
        raise InputError(p, None, f"cannot read ({_reason(exc)})") from None
    with fh:
        offset = 0
        for number, raw in enumerate(fh, start=1):
            yield offset, number, raw
            offset += len(raw)


def jsonl_line(number: int, raw: bytes, surrogates: Surrogates = "refuse") -> JsonlLine | None:
    """One line of a JSON Lines file (its bytes, with or without the ``\\n``) parsed as
    :func:`jsonl_lines` parses every line; None for a blank line."""
    line = raw[:-1] if raw.endswith(b"\n") else raw
    if line.endswith(b"\r"):
        line = line[:-1]
    if not line.strip():
        return None
    value = _fast_loads(line)
    if value is not _SLOW:
        return JsonlLine(number, value)
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return JsonlLine(number, None, f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        return JsonlLine(number, None, f"malformed JSON ({exc.msg}, column {exc.colno})")
    except ValueError as exc:  # NaN, Infinity; an integer of more than 4,300 digits
        return JsonlLine(number, None, f"malformed JSON ({exc})")
    except RecursionError:
        return JsonlLine(number, None, "malformed JSON (nested too deeply)")
    if not shallow(value):
        return JsonlLine(number, None, f"JSON nested more than {MAX_DEPTH} levels deep")
    if has_lone_surrogate(value):
        if surrogates == "refuse":
            return JsonlLine(
                number, None, 'a string holds a lone surrogate (e.g. "\\ud800"), which is not text'
            )
        try:
            value = replace_lone_surrogates(value)
        except RecursionError:
            return JsonlLine(number, None, "malformed JSON (nested too deeply)")
    return JsonlLine(number, value)


_SLOW = object()


def _fast_loads(line: bytes) -> Any:
    """The value of ``line`` through orjson where that is exactly what the ``json`` path gives,
    else ``_SLOW``.  orjson checks UTF-8 and refuses lone surrogates, NaN and Infinity, so a
    value it returns needs none of those checks; it reads integers past 64 bits as floats, so
    a value holding any float is read again by ``json`` (floats are rare in the files the tool
    reads).  Any orjson error goes to the ``json`` path, which names the problem."""
    try:
        value = _orjson.loads(line)
    except Exception:  # noqa: BLE001 - orjson.JSONDecodeError and its recursion limit
        return _SLOW
    stack = [value]
    budget = 10_000  # a line with more values than this is checked by the json path
    while stack:
        v = stack.pop()
        budget -= 1
        if isinstance(v, float) or budget < 0:
            return _SLOW
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return value if shallow(value) else _SLOW


def read_jsonl(path: str | Path, surrogates: Surrogates = "refuse") -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for every non-blank line; blank lines are skipped.
    The first bad line is an InputError naming the file and the line."""
    for line in jsonl_lines(path, surrogates):
        if line.error is not None:
            raise InputError(path, line.number, line.error)
        if not isinstance(line.value, dict):
            raise InputError(path, line.number, "expected a JSON object")
        yield line.number, line.value


def _no_constant(name: str) -> Any:
    """NaN and Infinity are Python's extension of JSON, not JSON: no number the tool reads."""
    raise ValueError(f"{name} is not a JSON number")


def shallow(value: Any, limit: int | None = None) -> bool:
    """Whether ``value`` nests lists and objects at most ``limit`` (MAX_DEPTH) levels deep;
    checked without recursion, so that no later step recurses past Python's limit."""
    limit = MAX_DEPTH if limit is None else limit
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict):
            children: Iterable[Any] = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if depth >= limit:
            return False
        stack.extend((c, depth + 1) for c in children)
    return True


def _walk_strings(value: Any) -> Iterator[str]:
    """Every string (keys too) in a parsed JSON value, without recursion."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def is_text(s: str) -> bool:
    """Whether ``s`` can be written as UTF-8 (it holds no lone surrogate)."""
    if s.isascii():  # constant time in CPython: most model text
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def clean_text(s: str) -> str:
    """``s`` with every lone surrogate (a ``\\ud800`` escape JSON may carry) replaced by U+FFFD."""
    return s if is_text(s) else _SURROGATE.sub("\ufffd", s)


def has_lone_surrogate(value: Any) -> bool:
    return not all(is_text(s) for s in _walk_strings(value))


def replace_lone_surrogates(value: Any) -> Any:
    """``value`` with each lone surrogate of its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {replace_lone_surrogates(k): replace_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_lone_surrogates(v) for v in value]
    return value


def dumps_line(obj: Any, sort_keys: bool = False) -> str:
    """One JSON line, UTF-8 as it is.  Items keep their field order (sorting would reorder
    MathIF's fields); ``sort_keys`` for records whose canonical form is sorted."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False) + "\n"


def dumps_line_bytes(row: dict[str, Any]) -> bytes:
    """``dumps_line(row).encode()``, faster: strings go through orjson, whose escaping of text
    is json's (``ensure_ascii=False``) character for character, and small values (booleans,
    null, integers, finite floats, lists and objects of them) are written as ``json.dumps``
    writes them; anything else goes through ``json`` itself."""
    return _dumps_fast(row).encode("utf-8") + b"\n"


_ATOMS: dict[Any, str] = {True: "true", False: "false", None: "null"}


def _dumps_fast(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False)``, the same characters."""
    kind = type(value)
    if kind is str:
        return _orjson.dumps(value).decode("utf-8") if is_text(value) else _json_dumps(value)
    if kind is bool or value is None:
        return _ATOMS[value]
    if kind is int:
        return int.__repr__(value)
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if kind is list:
        return "[" + ", ".join([_dumps_fast(v) for v in value]) + "]"
    if kind is dict and all(type(k) is str for k in value):
        return "{" + ", ".join([_dumps_fast(k) + ": " + _dumps_fast(v) for k, v in value.items()]) + "}"
    return _json_dumps(value)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def json_text(obj: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """A JSON document as the tool writes it: UTF-8 as it is (no ``\\u`` escapes), a final newline."""
    return json.dumps(obj, indent=indent, ensure_ascii=False, sort_keys=sort_keys, allow_nan=False) + "\n"


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """The document in ``path``; a missing file, malformed JSON or bad UTF-8 is one InputError."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(p, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(p, None, f"is a folder, expected a {what}") from None
    except UnicodeDecodeError as exc:
        raise InputError(p, None, f"not UTF-8 text ({exc.reason})") from None
    except (OSError, ValueError) as exc:  # permissions, a NUL byte in the name, ...
        raise InputError(p, None, f"cannot read ({_reason(exc)})") from None
    return parse_json(text, p)


def parse_json(text: str, where: str | Path | None = None) -> Any:
    """One JSON document checked as every reader of the tool checks it: well formed, at most
    MAX_DEPTH levels deep, no lone surrogate; else one InputError blaming ``where``."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(where, exc.lineno, f"malformed JSON ({exc.msg})") from None
    except ValueError as exc:  # NaN, Infinity
        raise InputError(where, None, f"malformed JSON ({exc})") from None
    except RecursionError:
        raise InputError(where, None, "malformed JSON (nested too deeply)") from None
    if not shallow(value):
        raise InputError(where, None, f"JSON nested more than {MAX_DEPTH} levels deep")
    if has_lone_surrogate(value):
        raise InputError(where, None, 'a string holds a lone surrogate (e.g. "\\ud800"), which is not text')
    return value


def write_json(path: str | Path, obj: Any, indent: int | None = 2, sort_keys: bool = False) -> None:
    write_atomic(path, json_text(obj, indent, sort_keys))


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8 with ``\\n`` line ends, or bytes) to ``path`` through a
    temporary file in the same folder and a rename: a reader sees the old file or the new one."""
    with atomic_file(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, piece by piece: a temporary file in the same
    folder, renamed over ``path`` when the block ends without an error and removed when it
    ends with one, so a reader sees the old file or the whole new one, and nothing is held
    in memory.  Folder and disk problems are one InputError naming the path."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    except (OSError, ValueError) as exc:  # not a folder, permissions, a NUL byte in the name, ...
        raise InputError(p.parent, None, f"cannot write here ({_reason(exc)})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files
        os.replace(tmp, p)
    except OSError as exc:  # a full disk, the target is a folder, ...
        Path(tmp).unlink(missing_ok=True)
        raise InputError(p, None, f"cannot write ({_reason(exc)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output_folder(path: str | Path) -> None:
    """Refuse, before any work, a folder the tool could not write into: one that is a file,
    lies under a file, or whose nearest existing folder is not writable.  Creates nothing."""
    p = Path(path)
    try:
        if p.exists() and not p.is_dir():
            raise InputError(p, None, "exists and is not a folder")
        existing = next(a for a in (p, *p.parents) if a.exists())
    except (OSError, ValueError) as exc:
        raise InputError(p, None, f"cannot write here ({_reason(exc)})") from None
    if not existing.is_dir():
        raise InputError(p, None, f"cannot write here ({existing} is not a folder)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(p, None, f"cannot write here ({existing} is not writable)")


def _reason(exc: OSError | ValueError) -> str:
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    """One line per row, streamed (atomic, see :func:`atomic_file`)."""
    with atomic_file(path) as fh:
        for r in rows:
            fh.write(dumps_line(r).encode("utf-8"))
