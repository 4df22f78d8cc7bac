"""Grade a response's answer against a gold answer: the final answer, an exact fast path, math-verify.

:func:`grade_result` is the grader; :func:`grade`, :func:`grade_detail`, :func:`is_gradable`,
:func:`parse_gold` and :func:`parse_answer` keep their earlier signatures. The rules:

1. **The final answer** (:mod:`curation.scoring.answers`, linear time over the whole answer
   text, no length cut): the last final-answer marker by position wins, a balanced
   ``\\boxed{...}``/``\\fbox{...}`` or a final-answer statement (``The answer is 9``,
   ``Final answer: 9``, ``#### 9``, ``<answer>9</answer>``); without one, the text counts only
   if it is itself just a number or expression. Prose is never searched for its last number:
   no final answer means ``correct=False``, ``how="no-answer"``.
2. **Gradable golds only**: a gold :func:`is_gradable` refuses gives ``correct=None`` (unknown),
   never ``True``/``False``.
3. **The exact fast path** (:mod:`curation.scoring.fastgrade`, ``fractions.Fraction``, no
   sympy): when the gold and the final answer are both plain numbers it reads (integers,
   thousands commas, decimals, fractions, ``\\frac``), it gives math-verify's own verdict
   (``how="exact"``), or declines when only math-verify's rounding could tell.
4. **math-verify** otherwise (``how="math-verify"``): the gold's parse is cached (see below)
   and only the short final answer, as ``\\boxed{answer}``, is parsed. A final answer longer
   than :data:`~curation.scoring.answers.MAX_ANSWER_CHARS` or nesting brackets deeper than
   :data:`MAX_NESTING` (the ANTLR parser is exponential in nesting depth) is not parsed:
   ``correct=False``, ``how="no-answer"``.
5. **A time limit** of :data:`GRADE_TIMEOUT_SECONDS` per grade (:mod:`curation.scoring.deadline`:
   ``setitimer`` + ``SIGALRM`` in the main thread; off it, no timer, and math-verify's own
   ``signal.alarm`` timeouts are off everywhere): ``correct=False``, ``how="timeout"``.
6. Never raises: any other error gives ``correct=False``, ``how="error"``.

No-eval rule: model output (and gold text) is untrusted; nothing here calls ``eval``/``exec``,
``sympify`` on a string or ``parse_expr``. The fast path reads digits with regular expressions
and ``int``; math-verify is only ever called with LaTeX extraction, and latex2sympy2's number
tokens are converted without ``sympify`` (:mod:`curation.scoring.safe_math_verify`).

Caches: each distinct gold (up to :data:`GOLD_CACHE_SIZE`) is read once: its fast value,
its math-verify parse and its gradability are kept; math-verify's verdict on a (gold, final
answer) pair is kept too (up to :data:`VERDICT_CACHE_SIZE`: the samples of one item often
give the same answer). Nothing cut short by the time limit is kept: it is tried again.

Imports: this module, :mod:`~curation.scoring.answers` and :mod:`~curation.scoring.fastgrade`
import no maths library. math-verify, latex2sympy2 and sympy are imported (and latex2sympy2
made eval-free: :mod:`curation.scoring.safe_math_verify`) the first time a grade, a gold's
gradability or a parse needs them; a run whose golds and answers all take the fast path never
imports sympy.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from curation.scoring.answers import MAX_ANSWER_CHARS, FinalAnswer, final_answer
from curation.scoring.deadline import DeadlineExceeded, deadline
from curation.scoring.fastgrade import Exact, exact_value, exact_verdict

__all__ = [
    "GOLD_CACHE_SIZE",
    "GOLD_ROUND_TRIPS",
    "GRADE_TIMEOUT_SECONDS",
    "GradeResult",
    "MAX_EXTRACTED_CHARS",
    "MAX_GOLD_CHARS",
    "MAX_NESTING",
    "VERDICT_CACHE_SIZE",
    "grade",
    "grade_detail",
    "grade_result",
    "is_gradable",
    "parse_answer",
    "parse_gold",
    "prepare_golds",
    "GRADING_VERSION",
    "grader_fingerprint",
    "gradability_known",
    "gradability_judged",
]

logger = logging.getLogger(__name__)

GRADE_TIMEOUT_SECONDS: float | None = 5.0
"""Time limit of one grade (and of one :func:`is_gradable`, :func:`parse_gold`,
:func:`parse_answer`) in the main thread; ``None``: no limit."""
MAX_GOLD_CHARS = 1_000
"""Gold answers longer than this are not gradable."""
MAX_NESTING = 12
"""Texts whose combined ``([{`` nesting depth exceeds this are not parsed (parser blow-up)."""
MAX_EXTRACTED_CHARS = 1_000
"""The extracted answer as :class:`GradeResult` (and the per-sample log) shows it."""
GOLD_CACHE_SIZE = 4_096
"""How many distinct golds keep their fast value, parse and gradability."""
VERDICT_CACHE_SIZE = 4_096
"""How many (gold, final answer) pairs keep math-verify's verdict."""

GOLD_ROUND_TRIPS = (
    "\\boxed{{{answer}}}",
    "The final answer is $\\boxed{{{answer}}}$.",
    "So the answer is \\boxed{{{answer}}}.",
)
"""Responses that give a gold verbatim as asked; each must grade as correct against it."""


@dataclass(frozen=True)
class GradeResult:
    """One grade: the verdict, the final answer found, how it was decided and where it came from.

    ``correct``: ``None`` when the gold is not gradable (:func:`is_gradable` is false).
    ``extracted``: the final answer (at most :data:`MAX_EXTRACTED_CHARS` characters), ``None``
    when there is none. ``how``: ``"exact"`` (the fast path), ``"verbatim"`` (the gold's own text,
    which judging the gold proved correct), ``"math-verify"``, ``"no-answer"``,
    ``"not-gradable"``, ``"timeout"`` or ``"error"``. ``source``: ``"boxed"``, ``"statement"``,
    ``"bare"`` or ``"none"`` (:mod:`curation.scoring.answers`).
    """

    correct: bool | None
    extracted: str | None
    how: str
    source: str


# --- math-verify, on first need ----------------------------------------------------------------


def _math_verify() -> ModuleType:
    """:mod:`curation.scoring.safe_math_verify`, imported (with math-verify) on first use."""
    from curation.scoring import safe_math_verify

    return safe_math_verify


def _latex_parse(text: str) -> list[Any]:
    """math-verify's LaTeX parse of ``text`` (``[]``: nothing parsed)."""
    parsed: list[Any] = _math_verify().latex_parse(text)
    return parsed


def _verify(gold: list[Any], answer: list[Any]) -> bool:
    """math-verify's verdict on two parses."""
    return bool(_math_verify().verify_parsed(gold, answer))


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


# --- golds -------------------------------------------------------------------------------------

_INT = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
_NUMBER_RE = re.compile(
    r"(?<![\w.])"  # not glued to a word, another number or a decimal point
    r"(?P<sign>-\s?)?"
    rf"(?:(?P<fnum>\d+)\s*/\s*(?P<fden>\d+)|(?P<num>{_INT}(?:\.\d+)?|\.\d+))"
    r"(?![\d.,]?\d)"  # no trailing digits (e.g. a malformed 1,2345)
)


def _last_number_latex(text: str) -> str | None:
    """The last plain number in ``text`` as LaTeX (``a/b`` -> ``\\frac{a}{b}``), or ``None``."""
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


def _gold_number(gold: str) -> Exact | None:
    """The fast value of a gold: the gold, or what one pair of ``$`` wraps, if a plain number."""
    text = gold.strip()
    if len(text) > MAX_GOLD_CHARS:
        return None  # not gradable: the math-verify route refuses it
    if len(text) > 2 and text[0] == text[-1] == "$" and text[1] != "$" and text[-2] != "$":
        text = text[1:-1]
    return exact_value(text)


class _Gold:
    """What is known of one gold answer (filled in as needed, kept in the gold cache)."""

    __slots__ = ("text", "fast", "parsed", "whole", "gradable", "verbatim")

    def __init__(self, text: str) -> None:
        self.text = text
        self.fast = _gold_number(text)
        self.parsed: list[Any] | None = None  # math-verify's parse (None: not parsed yet)
        self.whole = False  # the parse stands for the whole gold (not a number picked out of it)
        self.gradable: bool | None = None
        self.verbatim: str | None = None  # the final answer of "\boxed{gold}" (None: not found yet)


@functools.lru_cache(maxsize=GOLD_CACHE_SIZE)
def _gold(gold: str) -> _Gold:
    return _Gold(gold)


def _gold_parse(info: _Gold) -> list[Any]:
    """The gold's math-verify parse (cached): ``$gold$``, then ``\\boxed{gold}``, then the last
    plain number in it (then not *whole*); ``[]`` if nothing parses or the guards refuse it."""
    if info.parsed is None:
        answer = info.text.strip()
        whole = False
        if not answer or len(answer) > MAX_GOLD_CHARS or _nesting_depth(answer) > MAX_NESTING:
            parsed: list[Any] = []
        else:
            parsed = _latex_parse(f"${answer}$") or _latex_parse(f"\\boxed{{{answer}}}")
            whole = bool(parsed)
            if not parsed:
                latex = _last_number_latex(answer)
                parsed = _latex_parse(f"${latex}$") if latex is not None else []
                whole = _NUMBER_RE.fullmatch(answer) is not None
        info.parsed, info.whole = parsed, whole
    return info.parsed


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


def _gradable(info: _Gold) -> bool:
    """:func:`is_gradable` of a gold, cached; no time limit of its own."""
    if info.gradable is None:
        if info.fast is not None:
            gradable = True
        elif not (_gold_parse(info) and info.whole) or _is_prose(info.text):
            gradable = False
        else:
            gradable = all(
                _round_trip(info, template.format(answer=_unwrapped(info.text)))
                for template in GOLD_ROUND_TRIPS
            )
        info.gradable = gradable
    return info.gradable


def _round_trip(info: _Gold, response: str) -> bool:
    """Whether ``response`` (a gold given verbatim) grades as correct, and math-verify's own
    reading of the whole response (as grading read answers before it looked for the final
    answer first) matches the gold too: that reading catches golds the parser reads only in
    part (``\\frac{1}{3} E_{1}+\\frac{2}{3} E_{2}`` is read as 2/3 alone in a box, and
    differently in a sentence)."""
    found = final_answer(response)
    if found.text is None or not _compare(info, found.text)[0]:
        return False
    whole = _whole_text_parse(response)
    return bool(whole) and _verify(_gold_parse(info), whole)


def _whole_text_parse(text: str) -> list[Any]:
    """math-verify's reading of a whole text (boxed first, else any LaTeX, else its last plain
    number); ``[]`` if it nests brackets deeper than :data:`MAX_NESTING`."""
    if _nesting_depth(text) > MAX_NESTING:
        return []
    parsed = _latex_parse(text)
    if not parsed and (latex := _last_number_latex(text)) is not None:
        parsed = _latex_parse(f"${latex}$")
    return parsed


# --- answers -----------------------------------------------------------------------------------


def _parse_candidate(candidate: str) -> list[Any]:
    """math-verify's parse of a final answer (``[]`` if the guards refuse it or nothing parses)."""
    if len(candidate) > MAX_ANSWER_CHARS or _nesting_depth(candidate) > MAX_NESTING:
        return []
    return _latex_parse(f"\\boxed{{{candidate}}}")


def _verbatim(info: _Gold) -> str | None:
    """The final answer of the first round trip (``\\boxed{gold}``), found once."""
    if info.verbatim is None:
        info.verbatim = final_answer(GOLD_ROUND_TRIPS[0].format(answer=_unwrapped(info.text))).text or ""
    return info.verbatim or None


def _compare(info: _Gold, candidate: str) -> tuple[bool, str]:
    """Whether the final answer ``candidate`` equals the gold, and how that was decided.

    An answer that is the gold's own text, as the first round trip of :func:`is_gradable`
    finds it in ``\\boxed{gold}``, is correct without math-verify: a gradable gold is one for
    which math-verify said exactly that (``verbatim``)."""
    if info.fast is not None and (number := exact_value(candidate)) is not None:
        verdict = exact_verdict(info.fast, number)
        if verdict is not None:
            return verdict, "exact"
    if info.gradable and candidate == _verbatim(info):
        return True, "verbatim"
    if len(candidate) > MAX_ANSWER_CHARS or _nesting_depth(candidate) > MAX_NESTING:
        return False, "no-answer"
    return _math_verify_verdict(info.text, candidate), "math-verify"


@functools.lru_cache(maxsize=VERDICT_CACHE_SIZE)
def _math_verify_verdict(gold: str, candidate: str) -> bool:
    """math-verify's verdict on a final answer against a gold (cached: the samples of one item
    often give the same answer; a verdict cut short by the time limit is not kept)."""
    parsed_gold = _gold_parse(_gold(gold))
    answer = _parse_candidate(candidate) if parsed_gold else []
    return bool(parsed_gold and answer and _verify(parsed_gold, answer))


def _grade(found: FinalAnswer, gold: str, extracted: str | None) -> GradeResult:
    info = _gold(gold)
    if not _gradable(info):
        return GradeResult(None, extracted, "not-gradable", found.source)
    if found.text is None:
        return GradeResult(False, None, "no-answer", found.source)
    correct, how = _compare(info, found.text)
    return GradeResult(correct, extracted, how, found.source)


GRADING_VERSION = "2"
"""The rules of this module (bumped whenever a verdict can change); with the versions of
math-verify and latex2sympy2 it keys remembered gradability verdicts."""


def grader_fingerprint() -> str:
    """What a gradability verdict depends on: these rules and the parser's versions."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"mathif-grading {GRADING_VERSION}"]
    for dist in ("math-verify", "latex2sympy2_extended", "sympy"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} ?")
    return "; ".join(parts)


def gradability_known(verdicts: Mapping[str, bool]) -> None:
    """Take ``is_gradable`` verdicts of golds judged before (by this fingerprint), so they are
    not judged again; a gold already judged in this process keeps its own verdict."""
    for gold, ok in verdicts.items():
        info = _gold(gold)
        if info.gradable is None and info.fast is None:
            info.gradable = bool(ok)


def gradability_judged(golds: Iterable[str]) -> dict[str, bool]:
    """The verdicts this process holds for ``golds`` that only math-verify could judge (the
    ones worth remembering: a plain number is judged without it)."""
    out = {}
    for gold in dict.fromkeys(golds):
        info = _gold(gold)
        if info.fast is None and info.gradable is not None:
            out[gold] = info.gradable
    return out


def prepare_golds(golds: Iterable[str]) -> None:
    """Judge (and, where the fast path cannot, parse) each distinct gold now, as the first
    grade against it would: worker processes forked afterwards inherit the verdicts, the
    parses and math-verify's warmed-up parser instead of each paying for them.  Never raises."""
    for gold in dict.fromkeys(golds):
        is_gradable(gold)  # cached in the gold's record (a gold cut short is judged again when graded)


def grade_result(response_answer: str, gold: str) -> GradeResult:
    """Grade ``response_answer`` against ``gold`` by the rules of this module. Never raises."""
    found = FinalAnswer(None, "none")
    extracted: str | None = None
    try:
        with deadline(GRADE_TIMEOUT_SECONDS):
            found = final_answer(response_answer)
            extracted = found.text[:MAX_EXTRACTED_CHARS] if found.text is not None else None
            return _grade(found, gold, extracted)
    except DeadlineExceeded:
        logger.debug("grade timed out")
        return GradeResult(False, extracted, "timeout", found.source)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # math-verify's TimeoutException is a BaseException too
        logger.debug("grade failed", exc_info=True)
        return GradeResult(False, extracted, "error", found.source)


def grade(response_answer: str, gold: str) -> bool:
    """Whether ``response_answer`` is correct against ``gold`` (:func:`grade_result`; ``None``,
    an ungradable gold, is ``False``). Never raises."""
    return grade_result(response_answer, gold).correct is True


def grade_detail(response_answer: str, gold: str) -> tuple[bool, str | None]:
    """:func:`grade`, and the final answer found in the response (``None``: none), for the
    per-sample log. Never raises."""
    result = grade_result(response_answer, gold)
    return result.correct is True, result.extracted


def is_gradable(answer: str) -> bool:
    """Whether the gold ``answer`` is machine-gradable:

    - a plain number the fast path reads (:mod:`curation.scoring.fastgrade`, alone or in one
      pair of ``$``) is, without math-verify;
    - otherwise the LaTeX parser must read it (a gold read only through a stray number, such
      as ``np.arcsin(10/13)`` or ``$m_{\\max }=n^{2}-n-1$``, is not gradable), it must not be a
      sentence (running words outside ``\\text{}``: the parser reads one of its formulas, not
      the answer), and responses that give it verbatim as asked (:data:`GOLD_ROUND_TRIPS`)
      must grade as correct against it (this catches golds read as something other than what
      they say, such as a formula the parser reads only part of).

    Cached per gold; limited to :data:`GRADE_TIMEOUT_SECONDS` (``False`` when the limit is hit,
    not cached). Never raises.
    """
    try:
        with deadline(GRADE_TIMEOUT_SECONDS):
            return _gradable(_gold(answer))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        logger.debug("is_gradable failed", exc_info=True)
        return False


def parse_gold(answer: str) -> list[Any]:
    """math-verify's parse of a bare gold answer (``"168"``, ``"\\frac{3}{4}"``, ``"(1,2)"``):
    ``$answer$``, then ``\\boxed{answer}``, then the last plain number in it. ``[]`` if nothing
    parses, the answer is longer than :data:`MAX_GOLD_CHARS` or nests brackets deeper than
    :data:`MAX_NESTING`. Cached per gold. Never raises."""
    try:
        with deadline(GRADE_TIMEOUT_SECONDS):
            return list(_gold_parse(_gold(answer)))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        logger.debug("parse_gold failed", exc_info=True)
        return []


def parse_answer(text: str) -> list[Any]:
    """math-verify's parse of the final answer of ``text`` (found by the rules of
    :mod:`curation.scoring.answers`; only that answer is parsed). ``[]`` if there is none, it is
    refused by the guards or nothing parses. Never raises."""
    try:
        with deadline(GRADE_TIMEOUT_SECONDS):
            found = final_answer(text)
            return [] if found.text is None else _parse_candidate(found.text)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:
        logger.debug("parse_answer failed", exc_info=True)
        return []
