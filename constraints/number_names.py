"""English names of integers ("forty-two", "one thousand two hundred five"), and
finding them in a text whatever the hyphens, commas, case and "and"s.

Short scale (a billion is 10**9), integers with fewer than 16 digits.
"""

from __future__ import annotations

import re

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
LIMIT = 10**15
_LETTERS = re.compile(r"[a-z]+")
NEGATIVE = ("minus", "negative")
NUMBER_WORDS = frozenset([*_ONES, *_TENS[2:], "hundred", *(name for _, name in _SCALES)])


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    if n >= 100:
        words += [_ONES[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        words.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n or not words:
        words.append(_ONES[n])
    return words


def number_name(n: int) -> str:
    """``42`` -> ``"forty-two"``; ``-5`` -> ``"minus five"``.  |n| < LIMIT."""
    if abs(n) >= LIMIT:
        raise ValueError(f"{n} is too large to name")
    if n < 0:
        return "minus " + number_name(-n)
    if n < 1000:
        return " ".join(_below_thousand(n))
    words: list[str] = []
    for scale, name in _SCALES:
        if n >= scale:
            words += [*_below_thousand(n // scale), name]
            n %= scale
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def _tokens(text: str) -> list[str]:
    return [t for t in _LETTERS.findall(text.lower()) if t != "and"]


def names_number(text: str, n: int) -> bool:
    """Whether ``text`` writes ``n`` out in words ("Forty two", "forty-two" and
    "one hundred and five" all count; a negative needs "minus" or "negative").
    The words must stand alone: "twelve" in "two hundred twelve" is not 12."""
    if abs(n) >= LIMIT:
        return False
    want = _tokens(number_name(abs(n)))
    have = _tokens(text)
    size = len(want)
    for i in range(len(have) - size + 1):
        if have[i : i + size] != want:
            continue
        before = have[i - 1] if i > 0 else ""
        after = have[i + size] if i + size < len(have) else ""
        if after in NUMBER_WORDS:
            continue
        if n < 0 and before in NEGATIVE:
            return True
        if n >= 0 and before not in NUMBER_WORDS and before not in NEGATIVE:
            return True
    return False
