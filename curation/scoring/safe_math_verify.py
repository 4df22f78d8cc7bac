"""math-verify's parse and verify, made eval-free, with the settings grading uses.

Importing this module imports math-verify, latex2sympy2 and sympy (about a quarter of a
second): :mod:`curation.scoring.grading` imports it only when a grade needs math-verify.

No-eval rule: model output (and, to be safe, gold text) is untrusted. Nothing here may call
``eval``/``exec``, ``sympy.sympify`` on a string or ``sympy.parsing.parse_expr`` (which is
``eval`` underneath). math-verify's ``ExprExtractionConfig`` feeds matched text to
``parse_expr``, and its *default* extraction config includes it, so every ``math_verify.parse``
call here passes an explicit ``[LatexExtractionConfig(...)]``: latex2sympy2 builds sympy objects
from an ANTLR grammar.

One leak remains inside latex2sympy2 itself: it turns number tokens into sympy objects with
``sympy.Number(text)``, and ``Number`` on a ``str`` calls ``sympify`` -> ``parse_expr`` ->
``eval``. The tokens are lexer-validated digits, so this is not exploitable, but to keep the
rule absolute, importing this module replaces ``_Latex2Sympy.parse_number`` and
``convert_number`` in ``latex2sympy2_extended.latex2sympy2`` with equivalents that build
``sympy.Integer``/``sympy.Float`` directly from a regex-validated string (no ``eval``) and
reject anything else. This is a process-wide patch (idempotent, results unchanged).

Other settings: ``fallback_mode="no_fallback"`` (only parsed sympy objects, never
math-verify's raw-string fallback, which would let unparseable garbage "match" by string
equality); ``parsing_timeout=None`` and ``timeout_seconds=None``: math-verify's own
``signal.alarm`` timeouts are off (they fail off the main thread); the caller bounds the time
(:mod:`curation.scoring.deadline`), so math-verify's warning that they are off is silenced.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import math_verify.grader
import math_verify.parser
import sympy
from latex2sympy2_extended import latex2sympy2 as _l2s
from math_verify import LatexExtractionConfig, parse, verify
from math_verify.errors import TimeoutException

__all__ = ["latex_parse", "verify_parsed"]

logger = logging.getLogger(__name__)

# One shared config instance: math_verify caches compiled regexes per config with
# lru_cache(maxsize=1), so alternating configs would recompile the regexes on every call.
_LATEX_CONFIG = LatexExtractionConfig(boxed_match_priority=0)

# A sign followed by a leading zero ("-0111") is rejected, exactly like sympify rejects it.
_SAFE_INT_RE = re.compile(r"[0-9]+|[+-](?:0|[1-9][0-9]*)")
_SAFE_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)")


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
# Our deadline replaces math-verify's timeouts: its "timeout is disabled" warning is noise.
math_verify.parser.TIMEOUT_WARNING_SHOWN = True
math_verify.grader.TIMEOUT_WARNING_SHOWN = True


def latex_parse(text: str) -> list[Any]:
    """``math_verify.parse`` restricted to LaTeX extraction (never ``parse_expr``); ``[]`` on
    failure. A :class:`~curation.scoring.deadline.DeadlineExceeded` passes through."""
    try:
        return list(
            parse(
                text,
                extraction_config=[_LATEX_CONFIG],
                fallback_mode="no_fallback",
                parsing_timeout=None,  # None turns its timeout off
            )
        )
    except (Exception, TimeoutException):
        logger.debug("math_verify.parse failed", exc_info=True)
        return []


def verify_parsed(gold: list[Any], answer: list[Any]) -> bool:
    """``math_verify.verify`` of two parses, ``False`` on any error. A
    :class:`~curation.scoring.deadline.DeadlineExceeded` passes through."""
    try:
        return bool(verify(gold, answer, timeout_seconds=None))
    except (Exception, TimeoutException):
        logger.debug("math_verify.verify failed", exc_info=True)
        return False
