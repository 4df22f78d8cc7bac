"""The exact fast path of grading: plain numbers compared with ``fractions.Fraction``, no sympy.

It gives math-verify's own verdict for the forms it reads, and declines (``None``) everything
else, so the caller falls back to math-verify. The forms (after stripping whitespace):

- integers ``42``, ``-7``, ``0`` (no leading zeros, no ``+``) and with thousands commas
  ``1,234`` / ``-12,345,678`` (math-verify reads ``1,234`` as 1234; ``1,23`` is a set: declined);
- decimals ``3.14``, ``-0.25``, ``1.000`` (an integer part without leading zeros);
- fractions ``a/b`` and ``-a/b``, ``\\frac{a}{b}``, ``\\dfrac{a}{b}``, ``\\tfrac{a}{b}`` (also with
  ``-`` in front or on the numerator) and ``\\frac12`` (two single digits), with integer ``a`` and
  a non-zero integer ``b``;
- any of these after a dollar sign ``\\$`` (math-verify drops it).

What math-verify makes of them, and so what the fast path must agree with: integers and
fractions are exact sympy Rationals; a decimal is a sympy ``Float`` (binary, its precision
set by its digits) except ``0.5`` written exactly so (latex2sympy2 rewrites it to
``\\frac{1}{2}``). Two Rationals are equal only when exactly equal. When a Float is involved,
math-verify also calls two numbers equal when they agree after rounding to 6 decimal places
(``3.1415926`` = ``3.1415927``; ``0.333333`` = ``1/3``), so:

- no Float: equal exactly -> ``True``, else ``False``;
- a Float: the same value as written -> ``True``; values more than ``2e-6`` apart (they
  cannot round to the same 6-decimal number) -> ``False``; closer than that but not equal
  -> ``None`` (math-verify's rounding decides). Magnitudes of :data:`FLOAT_LIMIT` or more,
  and decimals with more than :data:`MAX_FLOAT_DIGITS` significant digits, are declined
  whenever a Float is involved (binary precision could then matter).

Percentages, scientific notation (``1e5`` is ``1*e*5`` for math-verify), leading zeros,
``.5``, spaces inside numbers, ``\\$``, units and everything else are declined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["FLOAT_LIMIT", "MAX_FLOAT_DIGITS", "Exact", "exact_value", "exact_verdict"]

FLOAT_LIMIT = 10**9
"""Float comparisons involving a magnitude this large or larger are left to math-verify."""
MAX_FLOAT_DIGITS = 15
"""Decimals with more significant digits than this are left to math-verify."""
_FLOAT_GAP = Fraction(2, 10**6)


@dataclass(frozen=True)
class Exact:
    """A number the fast path reads: its exact value and whether math-verify reads a Float."""

    value: Fraction
    is_float: bool
    digits: int = 0  # significant digits of a decimal (0 for integers and fractions)


_INT = r"(?:0|[1-9]\d*)"
_INTEGER = re.compile(rf"(?P<neg>-)?(?P<int>{_INT}|[1-9]\d{{0,2}}(?:,\d{{3}})+)")
_DECIMAL = re.compile(rf"(?P<neg>-)?(?P<int>{_INT})\.(?P<frac>\d+)")
_SLASH = re.compile(rf"(?P<neg>-)?(?P<num>{_INT})/(?P<den>[1-9]\d*)")
_FRAC = re.compile(
    rf"(?P<neg>-)?\\[dt]?frac(?:\{{(?P<inner>-)?(?P<num>{_INT})\}}\{{(?P<den>[1-9]\d*)\}}|(?P<n1>\d)(?P<d1>[1-9]))"
)


def _signed(value: Fraction, negative: bool) -> Fraction:
    return -value if negative else value


def exact_value(text: str) -> Exact | None:
    """The number ``text`` is in one of the fast forms, or ``None`` (decline). Never raises."""
    text = text.strip()
    if len(text) > 2_000:
        return None
    if text.startswith("\\$"):  # a dollar sign: math-verify drops it (before reading "0.5")
        text = text[2:]
    if match := _INTEGER.fullmatch(text):
        return Exact(_signed(Fraction(int(match["int"].replace(",", ""))), bool(match["neg"])), False)
    if match := _DECIMAL.fullmatch(text):
        if text == "0.5":  # latex2sympy2 rewrites exactly this decimal to \frac{1}{2}
            return Exact(Fraction(1, 2), False)
        digits = (match["int"] + match["frac"]).lstrip("0") or "0"
        value = Fraction(int(match["int"] + match["frac"]), 10 ** len(match["frac"]))
        return Exact(_signed(value, bool(match["neg"])), True, len(digits))
    if match := _SLASH.fullmatch(text):
        return Exact(_signed(Fraction(int(match["num"]), int(match["den"])), bool(match["neg"])), False)
    if match := _FRAC.fullmatch(text):
        if match["n1"] is not None:
            value = Fraction(int(match["n1"]), int(match["d1"]))
        else:
            if match["neg"] and match["inner"]:
                return None
            value = Fraction(int(match["num"]), int(match["den"]))
        return Exact(_signed(value, bool(match["neg"] or match["inner"])), False)
    return None


def exact_verdict(gold: Exact, answer: Exact) -> bool | None:
    """math-verify's verdict on ``answer`` against ``gold``, or ``None`` when it is not certain."""
    if not (gold.is_float or answer.is_float):
        return gold.value == answer.value
    if (
        max(abs(gold.value), abs(answer.value)) >= FLOAT_LIMIT
        or max(gold.digits, answer.digits) > MAX_FLOAT_DIGITS
    ):
        return None
    if gold.value == answer.value:
        return True
    if abs(gold.value - answer.value) > _FLOAT_GAP:
        return False
    return None
