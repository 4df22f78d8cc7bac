"""What a build reads of the pulled raw sources: problems, the lock's hash, source labels."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .errors import InputError
from .problems import Problem
from .raw_pull import PULL_HINT, RawPaths
from .raw_pull import load_problems as _load_problems
from .sources import load_registry


def load_problems(sources: Sequence[str] | None = None, paths: RawPaths | None = None) -> list[Problem]:
    return _load_problems(sources, paths=paths)


def lock_sha256(paths: RawPaths | None = None) -> str:
    """sha256 of ``raw/lock.json``: the raw data a version was built from."""
    p = (paths or RawPaths.default()).lock
    if not p.is_file():
        raise InputError(p, None, f"no raw lock; {PULL_HINT}")
    return hashlib.sha256(p.read_bytes()).hexdigest()


def source_labels(paths: RawPaths | None = None) -> dict[str, str]:
    """Source name -> Hub dataset id, which fills MathIF's ``source`` field."""
    reg = load_registry((paths or RawPaths.default()).registry)
    return {name: spec.hub_id for name, spec in reg.items()}
