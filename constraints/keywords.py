"""Helpers for the families' word and keyword arguments: validating a keyword
regex or a one-word argument, and removing a pattern's matches from a text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .base import Args, ConstraintArgError


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


def one_word_validator(family_id: str, arg: str) -> Callable[[Args], None]:
    """A ``validate_extra`` that refuses ``args[arg]`` unless it is one ``\\w+`` word."""

    def validate(args: Args) -> None:
        if not re.fullmatch(r"\w+", args[arg]):
            raise ConstraintArgError(
                family_id, arg, f"must be one word (letters, digits, _), got {args[arg]!r}"
            )

    return validate


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
