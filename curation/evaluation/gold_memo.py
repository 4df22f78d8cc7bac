"""Gradability verdicts remembered between runs: ``<MATHIF_HOME>/cache/gradable.json``.

Whether a gold answer can be graded (``is_gradable``) takes math-verify several parses and
verifications; scoring a dataset judges each of its golds once.  The verdicts math-verify had
to reach are kept here, keyed by the sha256 of the gold and valid only for the fingerprint of
the grading rules and the parser's versions (``grader_fingerprint``): a later run against the
same golds takes them instead of judging again.  The verdicts are those of a pure function of
the gold, so results are the same with or without this file.  A missing, unreadable or
foreign file is no memo (nothing fails); it is written through a temporary file and a rename,
and a write that fails is skipped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from curation.core import InputError, home_dir, write_atomic
from curation.scoring import gradability_judged, gradability_known, grader_fingerprint

MEMO = Path("cache") / "gradable.json"
MAX_ENTRIES = 100_000  # a file with more is not read (and is rewritten with this run's verdicts)


def memo_path() -> Path | None:
    try:
        return home_dir() / MEMO
    except InputError:  # no home folder: no memo
        return None


def _key(gold: str) -> str:
    return hashlib.sha256(gold.encode("utf-8", "surrogatepass")).hexdigest()


def _read(path: Path, fingerprint: str) -> dict[str, bool]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("fingerprint") != fingerprint:
        return {}
    verdicts = doc.get("gradable")
    if not isinstance(verdicts, dict) or len(verdicts) > MAX_ENTRIES:
        return {}
    return {k: v for k, v in verdicts.items() if isinstance(k, str) and len(k) == 64 and isinstance(v, bool)}


def recall(golds: Iterable[str], path: Path | None = None) -> None:
    """Give the grader the remembered verdicts of ``golds``."""
    path = path or memo_path()
    if path is None:
        return
    known = _read(path, grader_fingerprint())
    if known:
        gradability_known({g: known[k] for g in dict.fromkeys(golds) if (k := _key(g)) in known})


def remember(golds: Iterable[str], path: Path | None = None) -> None:
    """Add this process's verdicts on ``golds`` to the memo (where there are new ones)."""
    path = path or memo_path()
    if path is None:
        return
    fingerprint = grader_fingerprint()
    judged: Mapping[str, bool] = gradability_judged(golds)
    known = _read(path, fingerprint)
    new = {_key(g): ok for g, ok in judged.items() if _key(g) not in known}
    if not new:
        return
    merged = dict(sorted((known | new).items())[:MAX_ENTRIES])
    doc = {"fingerprint": fingerprint, "gradable": merged}
    try:
        write_atomic(path, json.dumps(doc, indent=0, sort_keys=True) + "\n")
    except InputError:  # a read-only home: the memo is only a speed-up
        pass
