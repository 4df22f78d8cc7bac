"""Helpers for the families' word and keyword arguments: validating a keyword
regex or a one-word argument, and removing a pattern's matches from a text.

Keywords are regular expressions (a MathIF quirk) read from data files, and the
responses they are matched against are model output: both are untrusted.  A
pattern is only accepted when matching it is linear in the response's length
with a small constant (``regex_problem`` says why one is refused):

1. it is short (a keyword argument is at most ``KEYWORD_LENGTH`` characters;
   the pattern built from it at most ``MAX_PATTERN_LENGTH``), compiles, and does
   not match the empty string;
2. it has no backreference, no lookahead or lookbehind and no conditional;
3. a repeat of more than one iteration (``*``, ``+``, ``{m,n}`` with n > 1)
   applies to one character (a literal, ``.``, a class such as ``[a-z]`` or
   ``\\d``), never to a group: no nested quantifiers;
4. a repeat of more than ``MAX_REPEAT`` iterations (unbounded ones included)
   must end the pattern (of its alternative), where nothing can fail after it
   and make the engine backtrack into it: ``\\d+`` and ``colou?r`` pass,
   ``\\d+%`` and ``a.*b`` do not; counts are at most ``MAX_REPEAT`` otherwise;
5. its cost, the ways it can match at one position (alternatives add up, a
   sequence multiplies, a repeat of m to n iterations counts n - m + 1) times
   the characters one attempt can read, is at most ``KEYWORD_BUDGET``; so is
   the sum over a list of keywords, each of which is searched for in turn.  A
   plain word costs its length.

At the budget a search takes a few seconds on 5 MB of text built against the
pattern (a second or less for a plain word).  Every keyword of the published
release and of every build is a plain word of at most 13 letters.
"""

from __future__ import annotations

import re
import re._constants as sre_c  # type: ignore[import-not-found]  # the parser's node kinds (stdlib sre_constants)
import re._parser as sre_p  # type: ignore[import-not-found]  # Python's regex parser (stdlib sre_parse)
from collections.abc import Callable, Iterable
from typing import Any

from .base import Args, ConstraintArgError

KEYWORD_LENGTH = 64  # the max_length of every keyword argument (MathIF's longest: 13)
MAX_PATTERN_LENGTH = 80  # a keyword with the family's additions (forbidden words: \b...\b)
MAX_REPEAT = 16
KEYWORD_BUDGET = 256

_ONE_CHARACTER = {sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN}
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT}
_REFUSED = {
    sre_c.GROUPREF: "a backreference",
    sre_c.GROUPREF_EXISTS: "a conditional group",
    sre_c.ASSERT: "a lookahead or lookbehind",
    sre_c.ASSERT_NOT: "a negative lookahead or lookbehind",
}
_CAP = 1 << 20  # costs are capped here (any cap above the budget will do)


class _Unsafe(Exception):
    pass


def _one_character(item: Any) -> bool:
    """A node that always consumes exactly one character, with a single way to do it."""
    while len(item) == 1 and item[0][0] in (sre_c.SUBPATTERN, sre_c.ATOMIC_GROUP):
        op, av = item[0]
        item = av[-1] if op == sre_c.SUBPATTERN else av
    return len(item) == 1 and item[0][0] in _ONE_CHARACTER


def _measure(seq: Any, tail: bool) -> tuple[int, int]:
    """(ways ``seq`` can match at one position, characters one attempt can read),
    both capped; raises _Unsafe.  ``tail``: nothing follows ``seq`` in the pattern,
    so the engine never backtracks into its last node."""
    paths, width = 1, 0
    items = list(seq)
    for k, (op, av) in enumerate(items):
        last = tail and k == len(items) - 1
        if op in _REFUSED:
            raise _Unsafe(f"uses {_REFUSED[op]}")
        if op == sre_c.BRANCH:
            measured = [_measure(alt, last) for alt in av[1]]
            n, w = sum(m[0] for m in measured), max(m[1] for m in measured)
        elif op == sre_c.SUBPATTERN:
            n, w = _measure(av[-1], last)
        elif op == sre_c.ATOMIC_GROUP:
            n, w = _measure(av, last)
        elif op in _REPEATS:
            low, high, item = av
            if low > MAX_REPEAT:
                raise _Unsafe(f"repeats something at least {low} times (at most {MAX_REPEAT} allowed)")
            if high <= 1:
                n, w = _measure(item, last)
                n += 1 if low == 0 else 0
            elif not _one_character(item):
                raise _Unsafe("repeats a group (nested or grouped quantifiers are refused)")
            elif last:
                n, w = 1, low + 1  # it fails within low + 1 characters, or the match is found
            elif high == sre_c.MAXREPEAT or high > MAX_REPEAT:
                raise _Unsafe(
                    "has an unbounded repeat (or one of more than "
                    f"{MAX_REPEAT} iterations) that does not end the pattern"
                )
            else:
                n, w = high - low + 1, high
        elif op == sre_c.AT:  # an anchor or a word boundary reads nothing
            n, w = 1, 0
        else:  # one character
            n, w = 1, 1
        paths, width = min(paths * n, _CAP), min(width + w, _CAP)
    return paths, width


def _analyse(pattern: str, flags: int = re.IGNORECASE) -> tuple[int, str | None]:
    """(cost, why it is refused or None)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return 0, f"is {len(pattern)} characters long (at most {MAX_PATTERN_LENGTH} allowed)"
    try:
        parsed = sre_p.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError) as exc:
        return 0, f"is not a valid pattern ({exc})"
    try:
        paths, width = _measure(parsed, tail=True)
    except _Unsafe as exc:
        return 0, str(exc)
    cost = min(paths * max(width, 1), _CAP)
    if cost > KEYWORD_BUDGET:
        return cost, (
            f"costs {cost if cost < _CAP else 'too much'} (at most {KEYWORD_BUDGET}: its ways to match "
            "at one position, alternatives times repeat counts, times the characters it reads)"
        )
    return cost, None


def regex_problem(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Why matching ``pattern`` could take more than linear time, or too long a
    time per character (None: it cannot)."""
    return _analyse(pattern, flags)[1]


def keyword_cost(pattern: str) -> int:
    """What searching for ``pattern`` costs per character at worst (see the module docstring)."""
    return _analyse(pattern)[0]


def compile_keyword(family_id: str, arg: str, pattern: str) -> re.Pattern[str]:
    """MathIF matches keywords as regular expressions: they must compile, must
    not match the empty string (that would make every count >= 1) and must be
    safe to match against any response (see the module's docstring)."""
    problem = regex_problem(pattern)
    if problem is not None:
        shown = pattern if len(pattern) <= 120 else pattern[:117] + "..."
        raise ConstraintArgError(family_id, arg, f"{shown!r} is refused as a keyword pattern: it {problem}")
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConstraintArgError(family_id, arg, f"is not a valid pattern ({exc})") from None
    if rx.fullmatch(""):
        raise ConstraintArgError(family_id, arg, f"{pattern!r} matches the empty string")
    return rx


def compile_keywords(family_id: str, arg: str, patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """``compile_keyword`` for each of a list, whose costs must also add up to at most
    KEYWORD_BUDGET (a check searches for every one of them)."""
    patterns = list(patterns)
    compiled = [compile_keyword(family_id, arg, p) for p in patterns]
    total = sum(keyword_cost(p) for p in patterns)
    if total > KEYWORD_BUDGET:
        raise ConstraintArgError(
            family_id,
            arg,
            f"holds {len(patterns)} patterns costing {total} together (at most {KEYWORD_BUDGET}; "
            "a plain word costs its length): use fewer or simpler keywords",
        )
    return compiled


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
