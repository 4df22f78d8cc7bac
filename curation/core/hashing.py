"""sha256 digests: of bytes, of text (UTF-8), of a file (read in blocks), and as an integer seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def sha256_int(text: str, nbytes: int) -> int:
    """The first ``nbytes`` of the digest of ``text`` as a big-endian integer (a stable seed,
    independent of PYTHONHASHSEED)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:nbytes], "big")
