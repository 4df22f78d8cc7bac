"""Reading and writing JSON and JSON Lines: line-numbered errors, atomic writes (the only copy)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from curation.core.errors import InputError


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, object)`` for every non-blank line; blank lines are skipped."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, None, "no such file")
    if p.is_dir():
        raise InputError(p, None, "is a folder, expected a .jsonl file")
    try:
        with p.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(p, number, f"malformed JSON ({exc.msg})") from None
                if not isinstance(obj, dict):
                    raise InputError(p, number, "expected a JSON object")
                yield number, obj
    except UnicodeDecodeError as exc:
        raise InputError(p, None, f"not UTF-8 text ({exc.reason})") from None


def dumps_line(obj: Any, sort_keys: bool = False) -> str:
    """One JSON line, UTF-8 as it is.  Items keep their field order (sorting would reorder
    MathIF's fields); ``sort_keys`` for records whose canonical form is sorted."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=sort_keys) + "\n"


def json_text(obj: Any, indent: int | None = 2, sort_keys: bool = False) -> str:
    """A JSON document as the tool writes it: UTF-8 as it is (no ``\\u`` escapes), a final newline."""
    return json.dumps(obj, indent=indent, ensure_ascii=False, sort_keys=sort_keys) + "\n"


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
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(p, exc.lineno, f"malformed JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(p, None, "malformed JSON (nested too deeply)") from None


def write_json(path: str | Path, obj: Any, indent: int | None = 2, sort_keys: bool = False) -> None:
    write_atomic(path, json_text(obj, indent, sort_keys))


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8 with ``\\n`` line ends, or bytes) to ``path`` through a
    temporary file in the same folder and a rename: a reader sees the old file or the new one."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    except OSError as exc:
        raise InputError(p.parent, None, f"cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    write_atomic(path, "".join(dumps_line(r) for r in rows))
