"""Gold-answer rules: small named pure functions from a row's answer field to the gold answer.

The registry (``raw/sources.toml``) names one rule per source (``answer_rule``) and the row
field it reads (``answer_field``). A rule takes that field's value and returns the gold answer
as a string, or raises :class:`AnswerRuleError` with a short reason; the caller adds the file
and line. Adding a source that needs a new way of reading its gold answer means adding one
function here and one entry in :data:`RULES`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from constraints.latex import boxed_spans

__all__ = [
    "RULES",
    "AnswerRuleError",
    "after_hashes",
    "integer",
    "joined_list",
    "last_boxed",
    "number",
    "verbatim",
]


class AnswerRuleError(ValueError):
    """The answer field does not hold what the rule expects (message names the problem)."""


# A comma between digits followed by exactly three digits: 1,234,567 -> 1234567 (not 1,23 or 3,5).
_THOUSANDS_SEP = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_INTEGER = re.compile(r"[+-]?\d+")


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise AnswerRuleError(f"expected {what} as a string, got {type(value).__name__}")
    return value


def _non_empty(text: str, what: str) -> str:
    text = text.strip()
    if not text:
        raise AnswerRuleError(f"{what} is empty")
    return text


def verbatim(value: Any) -> str:
    """The field itself (MATH-500's ``answer``), surrounding whitespace removed."""
    return _non_empty(_text(value, "the answer"), "the answer")


def after_hashes(value: Any) -> str:
    """GSM8K: the text after the last ``####``, thousands separators removed (``1,234`` -> ``1234``)."""
    text = _text(value, "the solution")
    if "####" not in text:
        raise AnswerRuleError("no '####' before the final answer")
    answer = _non_empty(text.rsplit("####", 1)[1], "the text after '####'")
    return _THOUSANDS_SEP.sub("", answer)


def _boxed_contents(text: str) -> list[str]:
    """Contents of every ``\\boxed{...}`` / ``\\fbox{...}`` in order (nested braces balanced)."""
    found = boxed_spans(text, fbox=True)
    for at, span in enumerate(found):
        if span is None:
            raise AnswerRuleError(f"unbalanced braces after box {at + 1} of {len(found)}")
    return [span.content for span in found if span is not None]


def last_boxed(value: Any) -> str:
    """Minerva: the contents of the last ``\\boxed{...}`` of the solution (nested braces kept)."""
    boxes = _boxed_contents(_text(value, "the solution"))
    if not boxes:
        raise AnswerRuleError("no \\boxed{...} in the solution")
    return _non_empty(boxes[-1], "the last \\boxed{...}")


def joined_list(value: Any) -> str:
    """OlympiadBench: the ``final_answer`` list; several answers are joined with ``", "``.

    Each element is kept as upstream wrote it (``$...$`` included), so a one-element list gives
    exactly its element, as the published MathIF release has it.
    """
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise AnswerRuleError("expected a non-empty list of answers")
    parts = [_non_empty(_text(v, "each answer"), "an answer in the list") for v in value]
    return ", ".join(parts)


def _plain_number(value: Any, what: str) -> int | float:
    if isinstance(value, bool):
        raise AnswerRuleError(f"expected {what}, got a boolean")
    if isinstance(value, int | float):
        number: int | float = value
    elif isinstance(value, str):
        text = value.strip().replace("$", "").strip()
        try:
            number = int(text) if _INTEGER.fullmatch(text) else float(text)
        except ValueError:
            raise AnswerRuleError(f"expected {what}, got {value!r}") from None
    else:
        raise AnswerRuleError(f"expected {what}, got {type(value).__name__}")
    if isinstance(number, float) and not math.isfinite(number):
        raise AnswerRuleError(f"expected {what}, got {value!r}")
    return number


def integer(value: Any) -> str:
    """AIME: an integer (``"025"`` -> ``"25"``, ``7.0`` -> ``"7"``); anything else is an error."""
    number = _plain_number(value, "an integer")
    if isinstance(number, float):
        if not number.is_integer():
            raise AnswerRuleError(f"expected an integer, got {value!r}")
        number = int(number)
    return str(number)


def number(value: Any) -> str:
    """AMC: a number stored as a float; integral values lose the ``.0`` (``27.0`` -> ``"27"``)."""
    parsed = _plain_number(value, "a number")
    if isinstance(parsed, float) and parsed.is_integer():
        return str(int(parsed))
    return str(parsed)


RULES: dict[str, Callable[[Any], str]] = {
    "verbatim": verbatim,
    "after_hashes": after_hashes,
    "last_boxed": last_boxed,
    "joined_list": joined_list,
    "integer": integer,
    "number": number,
}
"""Rule name (as written in ``raw/sources.toml``) -> rule."""
