"""How groups are named for a reader: sources as MathIF's paper names them, in its order."""

from __future__ import annotations

import re

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")

# (a word the source id holds, lower case) -> MathIF's name; the first that matches wins
_SOURCES = (
    ("gsm8k", "GSM8K"),
    ("math-500", "MATH-500"),
    ("math500", "MATH-500"),
    ("minerva", "Minerva"),
    ("olympiad", "OlympiadBench"),
    ("aime", "AIME"),
)


def _mathif_name(source: str) -> str | None:
    low = source.lower()
    return next((name for word, name in _SOURCES if word in low), None)


def source_label(source: str) -> str:
    """``HuggingFaceH4/MATH-500`` or ``math500`` -> ``MATH-500``; a year in the id stays
    (``HuggingFaceH4/aime_2024`` -> ``AIME 2024``: two AIME sources stay apart); an unknown
    source as it is."""
    name = _mathif_name(source)
    if name is None:
        return source
    year = _YEAR.search(source)
    return f"{name} {year.group(1)}" if year else name


def split_label(split: str) -> str:
    """``gsm8k_single`` -> ``GSM8K single``; an unknown split as it is."""
    head, _, tail = split.rpartition("_")
    if head and tail in ("single", "double", "triple"):
        return f"{source_label(head)} {tail}"
    return split


_ORDER = ("GSM8K", "MATH-500", "Minerva", "OlympiadBench", "AIME")  # MathIF's tables
_TIERS = {"single": 1, "double": 2, "triple": 3}


def group_order(name: str) -> tuple[int, str, int]:
    """Sort key of a source or a split in MathIF's order (GSM8K, MATH-500, Minerva,
    OlympiadBench, AIME; single, double, triple); anything else after them, by name."""
    head, _, tail = name.rpartition("_")
    tier = _TIERS.get(tail, 0) if head else 0
    source = head if tier else name
    base = _mathif_name(source)
    if base in _ORDER:
        return _ORDER.index(base), source_label(source), tier
    return len(_ORDER), name, 0
