"""What a build reads of the pulled raw sources: problems, the lock's hash, source labels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from curation.core import InputError, Problem, read_jsonl, sha256_file
from curation.raw.pull import PULL_HINT, RawPaths, read_lock
from curation.raw.sources import load_registry, select_sources


def load_problems(
    sources: Sequence[str] | None = None,
    paths: RawPaths | None = None,
    asked_by: str | Path | None = None,
) -> list[Problem]:
    """The cached problems of ``sources`` (all registry sources if None), in registry order.

    A missing cache, or one that no longer matches ``raw/lock.json``, is an InputError that
    says to run ``mathif raw pull``.
    """
    paths = paths or RawPaths.default()
    registry = load_registry(paths.registry)
    specs = select_sources(registry, list(sources or []), asked_by)
    lock = read_lock(paths.lock)
    problems: list[Problem] = []
    for spec in specs:
        path = paths.cache_file(spec.name)
        if not path.is_file():
            raise InputError(path, None, f"no cached problems for {spec.name!r}; {PULL_HINT}")
        entry = lock.get(spec.name)
        if entry and sha256_file(path) != entry.content_sha256:
            raise InputError(path, None, f"cache does not match {paths.lock}; {PULL_HINT}")
        for line, obj in read_jsonl(path):
            try:
                problems.append(Problem.from_dict(obj))
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(path, line, f"not a problem record ({type(exc).__name__}: {exc})") from None
    return problems


def lock_sha256(paths: RawPaths | None = None) -> str:
    """sha256 of ``raw/lock.json``: the raw data a version was built from."""
    p = (paths or RawPaths.default()).lock
    if not p.is_file():
        raise InputError(p, None, f"no raw lock; {PULL_HINT}")
    return sha256_file(p)


def source_labels(paths: RawPaths | None = None) -> dict[str, str]:
    """Source name -> Hub dataset id, which fills MathIF's ``source`` field."""
    reg = load_registry((paths or RawPaths.default()).registry)
    return {name: spec.hub_id for name, spec in reg.items()}
