"""Reading and writing JSON Lines with line-numbered errors and atomic writes."""

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


def dumps_line(obj: Any) -> str:
    """One canonical JSON line: sorted keys would reorder MathIF's fields, so keep order."""
    return json.dumps(obj, ensure_ascii=False) + "\n"


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    except OSError as exc:
        raise InputError(p.parent, None, f"cannot write here ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
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
