"""Small helpers the family modules share (regex arguments, candidate picking)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .base import ConstraintArgError


def compile_keyword(family_id: str, arg: str, pattern: str) -> re.Pattern[str]:
    """MathIF matches keywords as regular expressions: they must compile and
    must not match the empty string (that would make every count >= 1)."""
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConstraintArgError(family_id, arg, f"is not a valid pattern ({exc})") from None
    if rx.fullmatch(""):
        raise ConstraintArgError(family_id, arg, f"{pattern!r} matches the empty string")
    return rx


def first_that(candidates: Iterable[str], accept: Callable[[str], bool]) -> str:
    """The first candidate ``accept`` agrees with, else the last candidate."""
    last = ""
    for text in candidates:
        last = text
        if accept(text):
            return text
    return last


def strip_matches(text: str, pattern: str, flags: int = re.IGNORECASE, rounds: int = 8) -> str:
    """``text`` with every match of ``pattern`` removed (repeated, removals can create matches)."""
    for _ in range(rounds):
        new = re.sub(pattern, " ", text, flags=flags)
        if new == text:
            break
        text = new
    return text
