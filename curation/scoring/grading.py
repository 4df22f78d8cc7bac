"""Grade model answers against gold answers with math-verify, without evaluating any text.

No-eval rule: model output (and, to be safe, gold text) is untrusted. Nothing in this module
may call ``eval``/``exec``, ``sympy.sympify`` on a string or ``sympy.parsing.parse_expr``
(which is ``eval`` underneath). math_verify's ``ExprExtractionConfig`` feeds matched text to
``parse_expr``, and its *default* extraction config includes it, so every ``math_verify.parse``
call here passes an explicit ``[LatexExtractionConfig(...)]``: latex2sympy2 builds sympy
objects from an ANTLR grammar. The plain-number fallback extracts digits with a regex and
re-parses them as LaTeX, never through ``parse_expr``.

One leak remains inside latex2sympy2 itself: it turns number tokens into sympy objects with
``sympy.Number(text)``, and ``Number`` on a ``str`` calls ``sympify`` -> ``parse_expr`` ->
``eval``. The tokens are lexer-validated digits, so this is not exploitable, but to keep the
rule absolute, importing this module replaces ``_Latex2Sympy.parse_number`` and
``convert_number`` in ``latex2sympy2_extended.latex2sympy2`` with equivalents that build
``sympy.Integer``/``sympy.Float`` directly from a regex-validated string (no ``eval``) and
reject anything else. This is a process-wide patch (idempotent, results unchanged).

Other choices:

* ``fallback_mode="no_fallback"``: only successfully parsed sympy objects are returned, never
  math_verify's raw-string fallback (otherwise unparseable garbage would count as gradable and
  could "match" by string equality).
* Timeouts: math_verify implements timeouts with ``signal.alarm``, which only works in the
  main thread. Off the main thread we pass ``parsing_timeout=None``/``timeout_seconds=None``
  (no timeout) so the call works instead of failing; callers running many workers should
  bound the time themselves (e.g. run in worker processes with a wall-clock limit).
* Pathological inputs: huge responses are cut to their last ``MAX_RESPONSE_CHARS``
  characters before extraction, and text whose bracket nesting (``(``, ``[``, ``{`` combined)
  exceeds ``MAX_NESTING`` is not parsed at all: the latex2sympy2 ANTLR parser is exponential in
  nesting depth (``${{{{...1}}}}$`` with 18 braces takes > 20 s), which matters most off the
  main thread where there is no timeout.
* Every public function is total: it catches all errors (including math_verify's
  ``TimeoutException``, a ``BaseException``) and returns ``[]``/``False``.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

import sympy
from latex2sympy2_extended import latex2sympy2 as _l2s
from math_verify import LatexExtractionConfig, parse, verify
from math_verify.errors import TimeoutException

__all__ = [
    "MAX_GOLD_CHARS",
    "MAX_NESTING",
    "MAX_RESPONSE_CHARS",
    "grade",
    "GOLD_ROUND_TRIPS",
    "is_gradable",
    "parse_answer",
    "parse_gold",
]

logger = logging.getLogger(__name__)

MAX_RESPONSE_CHARS = 4_000
"""Only the last this-many characters of a response are searched for the answer."""
MAX_GOLD_CHARS = 1_000
"""Gold answers longer than this are not gradable."""
MAX_NESTING = 12
"""Texts whose combined ``([{`` nesting depth exceeds this are not parsed (parser blow-up)."""
_TIMEOUT_SECONDS = 5

# One shared config instance: math_verify caches compiled regexes per config with
# lru_cache(maxsize=1), so alternating configs would recompile the regexes on every call.
_LATEX_CONFIG = LatexExtractionConfig(boxed_match_priority=0)

_INT = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_NUMBER_RE = re.compile(
    r"(?<![\w.])"  # not glued to a word, another number or a decimal point
    r"(?P<sign>-\s?)?"
    rf"(?:(?P<fnum>\d+)\s*/\s*(?P<fden>\d+)|(?P<num>{_INT}(?:\.\d+)?|\.\d+))"
    r"(?![\d.,]?\d)"  # no trailing digits (e.g. a malformed 1,2345)
)


# A sign followed by a leading zero ("-0111") is rejected, exactly like sympify rejects it.
_SAFE_INT_RE = re.compile(r"[0-9]+|[+-](?:0|[1-9][0-9]*)")
_SAFE_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")


MAX_EXTRACTED_CHARS = 1000  # the extracted answer as the per-sample log shows it


def _safe_number(text: str) -> sympy.Number:
    """``sympy.Number(text)`` for a plain numeric literal, without ``sympify``/``eval``."""
    text = text.strip()
    if _SAFE_INT_RE.fullmatch(text):
        return sympy.Integer(text)
    if _SAFE_FLOAT_RE.fullmatch(text):
        return sympy.Float(text)
    raise ValueError(f"not a plain number: {text[:50]!r}")


def _safe_parse_number(self: Any, text: str) -> sympy.Number:
    """Eval-free replacement for ``latex2sympy2._Latex2Sympy.parse_number``."""
    return _safe_number(text.replace(",", ""))


def _safe_convert_number(number: str) -> sympy.Number:
    """Eval-free replacement for ``latex2sympy2.convert_number`` (``"1,234"`` -> 1234)."""
    if "," in number and number.startswith("0"):
        number = number.replace(",", ".")
    integer = number.translate(str.maketrans("", "", ", ")).lstrip("0")
    return _safe_number(integer or "0")


def _install_safe_number_parsing() -> None:
    """Patch latex2sympy2 so number tokens never go through ``sympify`` (idempotent)."""
    _l2s._Latex2Sympy.parse_number = _safe_parse_number
    _l2s.convert_number = _safe_convert_number


_install_safe_number_parsing()


def _timeout() -> int | None:
    """Signal-based timeouts only work in the main thread; elsewhere disable them."""
    return _TIMEOUT_SECONDS if threading.current_thread() is threading.main_thread() else None


def _nesting_depth(text: str) -> int:
    """Maximum combined nesting depth of ``(``, ``[`` and ``{`` in ``text``."""
    depth = deepest = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}" and depth:
            depth -= 1
    return deepest


def _latex_parse(text: str) -> list[Any]:
    """``math_verify.parse`` restricted to LaTeX extraction (never ``parse_expr``)."""
    try:
        return parse(
            text,
            extraction_config=[_LATEX_CONFIG],
            fallback_mode="no_fallback",
            parsing_timeout=_timeout(),
        )
    except (Exception, TimeoutException):
        logger.debug("math_verify.parse failed", exc_info=True)
        return []


def _last_number_latex(text: str) -> str | None:
    """Return the last plain number in ``text`` as a LaTeX string, or ``None``.

    Handles integers, decimals, thousands separators (``1,234`` -> ``1234``), a leading minus
    sign and simple fractions ``a/b`` (-> ``\\frac{a}{b}``).
    """
    match = None
    for match in _NUMBER_RE.finditer(text):  # noqa: B007 - we want the last match
        pass
    if match is None:
        return None
    sign = "-" if match.group("sign") else ""
    if match.group("fnum") is not None:
        return f"{sign}\\frac{{{match.group('fnum')}}}{{{match.group('fden')}}}"
    number = match.group("num").replace(",", "")
    if number.startswith("."):
        number = "0" + number
    return sign + number


def _number_fallback(text: str) -> list[Any]:
    """Parse the last plain number in ``text`` (regex + LaTeX parser), or ``[]``."""
    latex = _last_number_latex(text)
    if latex is None:
        return []
    return _latex_parse(f"${latex}$")


def parse_answer(text: str) -> list[Any]:
    """Parse a model's answer text into math_verify objects (``[]`` if nothing usable).

    Only the last :data:`MAX_RESPONSE_CHARS` characters are considered, and ``[]`` is returned
    if they nest brackets deeper than :data:`MAX_NESTING`. LaTeX extraction is tried first with
    ``\\boxed{...}`` at top priority (the last boxed expression wins); if it yields nothing,
    the last plain number in the text is used. Never raises.
    """
    try:
        tail = text[-MAX_RESPONSE_CHARS:]
        if _nesting_depth(tail) > MAX_NESTING:
            return []
        return _latex_parse(tail) or _number_fallback(tail)
    except (Exception, TimeoutException):
        logger.debug("parse_answer failed", exc_info=True)
        return []


def _parse_gold(answer: str) -> tuple[list[Any], bool]:
    """The parsed gold and whether it stands for the whole gold (a LaTeX parse, or a gold
    that is one plain number) rather than a number picked out of text the parser could not
    read.  ``([], False)`` if nothing parses or the guards refuse it."""
    answer = answer.strip()
    if not answer or len(answer) > MAX_GOLD_CHARS or _nesting_depth(answer) > MAX_NESTING:
        return [], False
    parsed = _latex_parse(f"${answer}$") or _latex_parse(f"\\boxed{{{answer}}}")
    if parsed:
        return parsed, True
    return _number_fallback(answer), _NUMBER_RE.fullmatch(answer) is not None


def parse_gold(answer: str) -> list[Any]:
    """Parse a bare gold answer string (e.g. ``"168"``, ``"\\frac{3}{4}"``, ``"(1,2)"``).

    Tries ``$answer$``, then ``\\boxed{answer}``, then the last plain number in it. Returns
    ``[]`` if nothing parses, the answer is longer than :data:`MAX_GOLD_CHARS` or it nests
    brackets deeper than :data:`MAX_NESTING`. Never raises.
    """
    try:
        return _parse_gold(answer)[0]
    except (Exception, TimeoutException):
        logger.debug("parse_gold failed", exc_info=True)
        return []


GOLD_ROUND_TRIPS = (
    "\\boxed{{{answer}}}",
    "The final answer is $\\boxed{{{answer}}}$.",
    "So the answer is \\boxed{{{answer}}}.",
)
"""Responses that give a gold verbatim as asked; each must grade as correct against it."""


_MATH_DELIMITER = re.compile(r"(?<!\\)\$")
_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|textit|mathrm|mbox|operatorname)\s*\{[^{}]*\}")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_TWO_WORDS = re.compile(r"\b[a-zA-Z]{2,}\s+[a-zA-Z]{2,}\b")


def _unwrapped(answer: str) -> str:
    """A gold as a model would box it: without its ``$`` delimiters and a closing full stop."""
    return _MATH_DELIMITER.sub("", answer.strip().removesuffix(".")).strip()


def _is_prose(answer: str) -> bool:
    """Whether the gold has running words outside ``\\text{}`` (a sentence around formulas)."""
    return _TWO_WORDS.search(_COMMAND.sub(" ", _TEXT_COMMAND.sub(" ", answer))) is not None


def is_gradable(answer: str) -> bool:
    """Whether the gold ``answer`` is machine-gradable:

    - the LaTeX parser reads it (or it is one plain number): a gold the parser cannot read,
      such as ``np.arcsin(10/13)`` or ``$m_{\\max }=n^{2}-n-1$``, is not graded by the
      stray number :func:`parse_gold` would fall back to;
    - responses that give it verbatim as asked (:data:`GOLD_ROUND_TRIPS`, ``\\boxed{answer}``
      alone and inside a sentence) grade as correct against it; this catches golds read as
      something other than what they say (a formula the parser reads only part of, and
      differently depending on the text around it; several formulas wrapped in prose).

    A gold written as a sentence (running words outside ``\\text{}``) is not gradable either:
    the parser reads one of its formulas, not the answer.  On such items a correct response
    could be marked wrong. Never raises.
    """
    try:
        parsed, whole = _parse_gold(answer)
        if not (parsed and whole) or _is_prose(answer):
            return False
        for template in GOLD_ROUND_TRIPS:
            response = parse_answer(template.format(answer=_unwrapped(answer)))
            if not (response and verify(parsed, response, timeout_seconds=_timeout())):
                return False
        return True
    except (Exception, TimeoutException):
        logger.debug("is_gradable failed", exc_info=True)
        return False


def grade(response_answer: str, gold: str) -> bool:
    """Whether ``response_answer`` is mathematically equivalent to ``gold`` (math_verify).

    ``False`` if either side parses to nothing or on any error. Never raises.
    """
    return grade_detail(response_answer, gold)[0]


def _shown(parsed: list[Any]) -> str | None:
    """What math-verify extracted, as text: its string form (the last element), else the object."""
    if not parsed:
        return None
    text = parsed[-1] if isinstance(parsed[-1], str) else str(parsed[0])
    return text[:MAX_EXTRACTED_CHARS]


def grade_detail(response_answer: str, gold: str) -> tuple[bool, str | None]:
    """:func:`grade`, and the answer math-verify extracted from the response (None: nothing
    usable), for the per-sample log.  Never raises."""
    try:
        answer_parsed = parse_answer(response_answer)
        extracted = _shown(answer_parsed)
        if not answer_parsed:
            return False, None
        gold_parsed = parse_gold(gold)
        if not gold_parsed:
            return False, extracted
        return bool(verify(gold_parsed, answer_parsed, timeout_seconds=_timeout())), extracted
    except (Exception, TimeoutException):
        logger.debug("grade failed", exc_info=True)
        return False, None
