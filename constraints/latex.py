"""Reading a maths answer out of a response, with regexes and ``int`` only.

Model output is untrusted: nothing here evaluates text (no eval, no sympify,
no parse_expr).  Braces are matched in one linear pass, so every function is
total and fast on any string.

- ``boxed_spans`` finds every ``\\boxed{...}`` and its balanced content;
- ``final_answer`` is the content of the last ``\\boxed{}`` if the response has
  one, else the last number in it (``12``, ``-3.5``, ``1,000``, ``3/4``,
  ``\\frac{3}{4}``): what a grader would take as the answer;
- ``parse_integer`` and ``parse_fraction`` read an answer's text as an
  integer or as a fraction of two integers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOX = re.compile(r"\\boxed\s*\{")
_BOX_OR_FBOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_NUMBER = re.compile(
    r"-?\s?\\[dt]?frac\{\s*\d+\s*\}\{\s*\d+\s*\}"  # \frac{3}{4}
    r"|-?\d+\s*/\s*\d+"  # 3/4
    r"|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,000
    r"|-?\d+(?:\.\d+)?"  # 12, -3.5
)
_INTEGER = re.compile(r"[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)")
_FRACTION = (
    re.compile(r"(?P<sign>[-−]?)\\[dt]?frac\{(?P<sign2>-?)(?P<num>\d+)\}\{(?P<den>\d+)\}"),
    re.compile(r"(?P<sign>[-−]?)\\[dt]?frac(?P<sign2>)(?P<num>\d)(?P<den>\d)"),  # \frac34
    re.compile(r"(?P<sign>[-−]?)(?P<sign2>)(?P<num>\d+)/(?P<den>\d+)"),
)
# Spacing and wrapping that do not change an answer's value.
_NOISE = re.compile(r"\s+|\\\$|\$|\\[,;:!]|\\left|\\right|\\displaystyle")
MAX_DIGITS = 60


@dataclass(frozen=True)
class Span:
    start: int  # of "\boxed"
    end: int  # after the closing brace
    content: str


_BRACE_OR_ESCAPE = re.compile(r"\\[\s\S]|[{}]")


def closing_braces(text: str) -> dict[int, int]:
    """Opening-brace position -> its closing brace, in one pass.  A backslash escapes the
    character after it: ``\\{`` and ``\\}`` are no braces, while in ``\\\\}`` (an escaped
    backslash) the brace counts.  Only braces and backslashes are visited."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _BRACE_OR_ESCAPE.finditer(text):
        ch = m.group()
        if ch == "{":
            stack.append(m.start())
        elif ch == "}" and stack:
            pairs[stack.pop()] = m.start()
    return pairs


def boxed_spans(text: str, fbox: bool = False) -> list[Span | None]:
    """Every ``\\boxed{`` (and ``\\fbox{`` with ``fbox``) in order: its span and content, or
    None if never closed."""
    starts = list((_BOX_OR_FBOX if fbox else _BOX).finditer(text))
    if not starts:
        return []
    pairs = closing_braces(text)
    out: list[Span | None] = []
    for m in starts:
        close = pairs.get(m.end() - 1)
        out.append(None if close is None else Span(m.start(), close + 1, text[m.end() : close]))
    return out


def final_answer(text: str) -> str | None:
    """The last ``\\boxed{}``'s content, else the last number; None if neither."""
    spans = boxed_spans(text)
    if spans:
        last = spans[-1]
        return None if last is None else last.content
    last_number = None
    for last_number in _NUMBER.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return None if last_number is None else last_number.group(0)


def _clean(answer: str) -> str:
    return _NOISE.sub("", answer)


def parse_integer(answer: str | None) -> int | None:
    """``"12"``, ``"-7"``, ``"1,000"``, ``"$12$"`` -> the integer; anything else -> None."""
    if answer is None:
        return None
    text = _clean(answer)
    if len(text) > MAX_DIGITS or not _INTEGER.fullmatch(text):
        return None
    return int(text.replace(",", "").replace("−", "-"))


def parse_fraction(answer: str | None) -> tuple[int, int] | None:
    """``"\\frac{3}{4}"``, ``"-\\dfrac{1}{2}"``, ``"3/4"`` -> (numerator with sign, denominator)."""
    if answer is None:
        return None
    text = _clean(answer)
    if len(text) > 2 * MAX_DIGITS + 12:
        return None
    for rx in _FRACTION:
        m = rx.fullmatch(text)
        if m:
            negative = bool(m.group("sign")) != bool(m.group("sign2"))
            num = int(m.group("num"))
            return (-num if negative else num), int(m.group("den"))
    return None
