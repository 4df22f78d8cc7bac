r"""Fuzzy question matching: near-duplicate problems and mapping dataset questions to sources.

Texts are compared as :func:`match_key`: control characters that a JSON escape made out of a
LaTeX command repaired (``\x0c`` + ``rac`` -> ``\frac``), LaTeX spacing (``\,`` ``\;``
``\!`` ``\ `` ``~`` ``\quad``), ``\left``/``\right`` and ``$`` removed, known prompt suffixes
(``Let's think step by step ...``) cut off, lower-cased, and reduced to its runs of letters and
digits (each run its own word) joined by single spaces (so ``3\times9`` and ``3 \times 9`` compare equal).

* Near duplicates: ``fuzz.ratio`` on the keys, every pair at once with ``process.cdist``
  (blocks of rows against the upper triangle, all cores), pairs at or above a threshold,
  grouped into connected components.
* Matching: the mean of ``fuzz.ratio`` and ``fuzz.token_set_ratio`` on the keys, again with
  ``process.cdist``. ``ratio`` alone cannot find the AIME 2025 questions that MathIF reworded
  (scores ~55, below wrong candidates); ``token_set_ratio`` alone ties short questions with any
  longer one that contains their words; the mean ranks all 420 reference items right.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from curation.core import Problem

__all__ = [
    "DEFAULT_DUP_THRESHOLD",
    "DEFAULT_MATCH_CUTOFF",
    "INSTRUCTION_SUFFIXES",
    "Match",
    "NearDupGroup",
    "NearDupPair",
    "NearDuplicates",
    "find_near_duplicates",
    "match_key",
    "match_questions",
    "repair_escapes",
]

DEFAULT_DUP_THRESHOLD = 90.0
"""Two problems whose keys score at least this are near duplicates."""
DEFAULT_MATCH_CUTOFF = 70.0
"""A question matches a problem only if the best score reaches this."""

INSTRUCTION_SUFFIXES = (
    'let\'s think step by step and output the final answer after "####".',
    "let's think step by step and output the final answer within \\boxed{}.",
    "please reason step by step, and put your final answer within \\boxed{}.",
)
"""Prompt suffixes that benchmark files add to upstream questions (matched case-insensitively)."""

# "\frac" written into JSON without escaping the backslash reads back as form feed + "rac";
# likewise "\t" (\times, \triangle), "\b" (\binom) and "\r" (\right, \rho).
_BROKEN_ESCAPES = re.compile(r"([\x0c\t\x08\r])(?=[a-z])")
_ESCAPE_LETTER = {"\x0c": "f", "\t": "t", "\x08": "b", "\r": "r"}
_SPACING = re.compile(r"\\[,;:! ]|~|\\q?quad\b|\\(?:left|right)\b(?=\W)")
_WORDS = re.compile(r"[^\W\d_]+|\d+")
_ROWS_PER_BLOCK = 256


def repair_escapes(text: str) -> str:
    r"""Undo JSON escapes that ate a LaTeX command's backslash (form feed + ``rac`` -> ``\frac``)."""
    return _BROKEN_ESCAPES.sub(lambda m: "\\" + _ESCAPE_LETTER[m.group(1)], text)


def _words(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def match_key(text: str) -> str:
    """The form of ``text`` that fuzzy matching compares (see the module docstring)."""
    key = _words(_SPACING.sub(" ", repair_escapes(text)).replace("$", " "))
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIX_KEYS:
            if key.endswith(" " + suffix):
                key = key[: -len(suffix) - 1]
                stripped = True
    return key


_SUFFIX_KEYS = tuple(_words(s) for s in INSTRUCTION_SUFFIXES)


@dataclass(frozen=True)
class NearDupPair:
    a: str
    b: str
    score: float


@dataclass(frozen=True)
class NearDupGroup:
    """Problems linked by near-duplicate pairs (connected components), ids sorted."""

    ids: tuple[str, ...]
    max_score: float

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({i.split("/", 1)[0] for i in self.ids}))

    @property
    def cross_source(self) -> bool:
        return len(self.sources) > 1


@dataclass(frozen=True)
class NearDuplicates:
    threshold: float
    pairs: tuple[NearDupPair, ...]
    groups: tuple[NearDupGroup, ...]

    def group_of(self) -> dict[str, int]:
        """Problem id -> index of its group in :attr:`groups` (problems in no group are absent)."""
        return {pid: n for n, group in enumerate(self.groups) for pid in group.ids}


def _similar_pairs(keys: Sequence[str], threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, score) with i < j and score >= threshold; blocks of rows against the rest."""
    import numpy as np  # here, not at the top: importing the stage stays light
    from rapidfuzz import fuzz, process

    found: list[tuple[int, int, float]] = []
    n = len(keys)
    for start in range(0, n, _ROWS_PER_BLOCK):
        stop = min(start + _ROWS_PER_BLOCK, n)
        # Compare rows start..stop only with columns start..n: the upper triangle (and the block).
        scores = process.cdist(
            keys[start:stop],
            keys[start:],
            scorer=fuzz.ratio,
            score_cutoff=threshold,
            dtype=np.float32,
            workers=-1,
        )
        rows, cols = np.nonzero(scores)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            i, j = start + r, start + c
            if i < j:
                found.append((i, j, float(scores[r, c])))
    return found


def _components(n: int, edges: Sequence[tuple[int, int, float]]) -> list[list[int]]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j, _ in edges:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[int]] = {}
    for i, _, _ in edges:
        members.setdefault(root(i), [])
    for x in range(n):
        r = root(x)
        if r in members:
            members[r].append(x)
    return [m for m in members.values() if len(m) > 1]


def find_near_duplicates(
    problems: Sequence[Problem], threshold: float = DEFAULT_DUP_THRESHOLD
) -> NearDuplicates:
    """Near-duplicate pairs and groups among ``problems``, within and across sources.

    Deterministic: pairs sorted by (a, b) ids, groups by their first id.
    """
    keys = [match_key(p.question) for p in problems]
    edges = _similar_pairs(keys, threshold)
    ids = [p.id for p in problems]
    pairs = sorted(
        (NearDupPair(min(ids[i], ids[j]), max(ids[i], ids[j]), round(s, 2)) for i, j, s in edges),
        key=lambda p: (p.a, p.b),
    )
    groups = []
    for component in _components(len(problems), edges):
        members = {i for i in component}
        best = max(s for i, j, s in edges if i in members)
        groups.append(NearDupGroup(ids=tuple(sorted(ids[i] for i in component)), max_score=round(best, 2)))
    groups.sort(key=lambda g: g.ids)
    return NearDuplicates(threshold=threshold, pairs=tuple(pairs), groups=tuple(groups))


@dataclass(frozen=True)
class Match:
    """The best source problem for one question (``problem`` is None below the cutoff)."""

    problem: Problem | None
    score: float


def match_questions(
    questions: Sequence[str], problems: Sequence[Problem], cutoff: float = DEFAULT_MATCH_CUTOFF
) -> list[Match]:
    """For every question, the most similar problem (ties: the earlier problem) and the score."""
    import numpy as np  # here, not at the top: importing the stage stays light
    from rapidfuzz import fuzz, process

    if not questions:
        return []
    if not problems:
        return [Match(None, 0.0) for _ in questions]
    choice_keys = [match_key(p.question) for p in problems]
    query_keys = [match_key(q) for q in questions]
    out: list[Match] = []
    for start in range(0, len(query_keys), _ROWS_PER_BLOCK):
        block = query_keys[start : start + _ROWS_PER_BLOCK]
        scores = process.cdist(block, choice_keys, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
        scores += process.cdist(block, choice_keys, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1)
        scores /= 2
        best = scores.argmax(axis=1)
        for row, col in enumerate(best.tolist()):
            score = round(float(scores[row, col]), 2)
            out.append(Match(problems[col] if score >= cutoff else None, score))
    return out
