"""Tests for curation.scoring.grading (math-verify grading without evaluating untrusted text)."""

from __future__ import annotations

import builtins
import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import math_verify
import math_verify.parser
import pytest
import sympy
import sympy.parsing
import sympy.parsing.sympy_parser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curation.scoring import grading, safe_math_verify
from curation.scoring.grading import GOLD_ROUND_TRIPS, grade, is_gradable, parse_answer, parse_gold

# `sympy.core.sympify` the attribute is the *function*; we need the module.
_sympify_module = importlib.import_module("sympy.core.sympify")


def _importing() -> bool:
    """Whether the current call happens inside the import machinery."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


# sympy code generation that exec()s source built from its own templates (parametrised only by
# the number of polynomial generators), never from input text.
_TRUSTED_EXEC_SITES = {("sympy/polys/monomials.py", "_build")}


def _trusted_caller() -> bool:
    """Whether the trapped function was called directly from a trusted code-generation site."""
    code = sys._getframe(2).f_code
    return any(code.co_filename.endswith(path) and code.co_name == name for path, name in _TRUSTED_EXEC_SITES)


@contextmanager
def trap_eval() -> Iterator[list[str]]:
    """Trap every route to evaluating a string; yield the list of trapped calls.

    math_verify swallows exceptions (e.g. ``extract_expr`` wraps ``parse_expr`` in
    ``except Exception``), so the traps *record* calls as well as raising AssertionError:
    tests must assert the list is empty rather than rely on the exception propagating.
    """
    calls: list[str] = []

    def trap(name: str, real: Callable[..., Any], strings_only: bool = False) -> Callable[..., Any]:
        def _trapped(*args: Any, **kwargs: Any) -> Any:
            # Lazily imported sympy submodules (sympy.physics.units, ...) legitimately exec
            # their own source and sympify constant strings at import time: that is trusted
            # code, not our input, so calls made while importing are let through.
            if (
                _importing()
                or _trusted_caller()
                or (strings_only and not (args and isinstance(args[0], str)))
            ):
                return real(*args, **kwargs)
            calls.append(name)
            raise AssertionError(f"{name} called on untrusted text")

        return _trapped

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(builtins, "eval", trap("eval", builtins.eval))
        mp.setattr(builtins, "exec", trap("exec", builtins.exec))
        mp.setattr(os, "system", trap("os.system", os.system))
        for mod, attr in [
            (sympy.parsing.sympy_parser, "parse_expr"),
            (sympy.parsing.sympy_parser, "eval_expr"),
            (sympy.parsing, "parse_expr"),
            (math_verify.parser, "parse_expr"),
        ]:
            mp.setattr(mod, attr, trap(f"{mod.__name__}.{attr}", getattr(mod, attr)))
        guarded = trap("sympify", _sympify_module.sympify, strings_only=True)
        mp.setattr(_sympify_module, "sympify", guarded)
        mp.setattr(sympy, "sympify", guarded)
        # sympy.Number(str) calls the module-global sympify of sympy.core.numbers.
        mp.setattr(importlib.import_module("sympy.core.numbers"), "sympify", guarded)
        for mod_name in ("latex2sympy2_extended.sets", "latex2sympy2_extended.logic"):
            mp.setattr(importlib.import_module(mod_name), "sympify", guarded)
        # Cached results would hide calls.
        grading._gold.cache_clear()
        grading._math_verify_verdict.cache_clear()
        math_verify.parser.parse_expr_cached.cache_clear()
        math_verify.parser.parse_latex_cached.cache_clear()
        math_verify.parser.extract_latex.cache_clear()
        yield calls


@pytest.fixture
def no_eval() -> Iterator[list[str]]:
    with trap_eval() as calls:
        yield calls


def test_no_eval_fixture_catches_math_verify_expr_path(no_eval: list[str]) -> None:
    """Positive control: the traps really do see math_verify's ExprExtractionConfig route."""
    out = math_verify.parse(
        "The answer is 7/13",  # ExprExtractionConfig only matches numeric expressions
        extraction_config=[math_verify.ExprExtractionConfig()],
        parsing_timeout=None,  # type: ignore[arg-type]
    )
    assert "math_verify.parser.parse_expr" in no_eval
    assert out == [] or all(isinstance(o, str) for o in out)  # the eval never happened
    with pytest.raises(AssertionError):
        sympy.sympify("1+1")
    with pytest.raises(AssertionError):
        sympy.Number("12")  # the route latex2sympy2 uses for number tokens (patched by grading)
    assert "sympify" in no_eval


def test_latex2sympy_number_parsing_is_patched() -> None:
    from latex2sympy2_extended import latex2sympy2 as l2s

    assert l2s._Latex2Sympy.parse_number is safe_math_verify._safe_parse_number
    assert l2s.convert_number is safe_math_verify._safe_convert_number


@settings(max_examples=300)
@given(
    st.from_regex(r"\A[0-9]{1,30}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,3})?\Z")
    | st.from_regex(r"\A\.[0-9]{1,20}\Z")
    | st.from_regex(r"\A[0-9]{1,3}(,[0-9]{3}){1,4}(\.[0-9]{1,5})?\Z")
)
def test_safe_number_matches_sympy_number(token: str) -> None:
    """The eval-free replacement gives exactly what latex2sympy2's sympy.Number(text) gave."""
    text = token.replace(",", "")
    if text.isdigit():
        text = text.lstrip("0") or "0"
    expected = sympy.Number(text)  # reference (uses sympify; fine on our own test input)
    got = safe_math_verify._safe_parse_number(None, token)
    assert type(got) is type(expected)
    assert got == expected
    if isinstance(expected, sympy.Float):
        assert got._prec == expected._prec


@pytest.mark.parametrize("bad", ["1+1", "abc", "__import__('os')", "1e", "", "-0111"])
def test_safe_number_rejects_non_numbers(bad: str) -> None:
    with pytest.raises(ValueError):
        safe_math_verify._safe_number(bad)


# --- correct / incorrect answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("So the total is 168.\n#### 168", "168"),
        (r"Thus $\boxed{\frac{1}{2}}$.", "0.5"),
        (r"Thus $\boxed{\frac{1}{2}}$.", r"\frac12"),
        (r"\boxed{0.5}", r"\frac{1}{2}"),
        ("The answer is 1,234.", "1234"),
        ("The answer is 1234", "1,234"),
        ("#### 27", "27.0"),
        (r"\boxed{27}", "27.0"),
        (r"\boxed{(1,2)}", "(1,2)"),
        (r"\boxed{(1, 2)}", "(1,2)"),
        (r"\boxed{3\sqrt{2}}", r"3\sqrt{2}"),
        (r"\boxed{\sqrt{18}}", r"3\sqrt{2}"),
        (r"\boxed{x^2+1}", "x^2+1"),
        (r"\boxed{[0,1)}", "[0, 1)"),
        (r"\boxed{0.001}", "10^{-3}"),
        (r"\boxed{\text{(C)}}", r"\text{(C)}"),
        ("the answer is -3/4", r"-\frac{3}{4}"),
        (r"First $\boxed{5}$, corrected: $\boxed{7}$", "7"),  # last boxed wins
        (r"\boxed{7} and then the number 99 appears", "7"),  # boxed beats later plain number
    ],
)
def test_grade_correct(response: str, gold: str) -> None:
    assert grade(response, gold) is True


@pytest.mark.parametrize(
    ("response", "gold"),
    [
        ("#### 167", "168"),
        (r"\boxed{\frac{1}{3}}", "0.5"),
        ("1,235", "1234"),
        (r"\boxed{(1,3)}", "(1,2)"),
        (r"\boxed{[0,1]}", "[0, 1)"),
        (r"\boxed{x^2-1}", "x^2+1"),
        ("no number here", "168"),
        ("", "168"),
        ("168", ""),
        (r"$\boxed{5}$, corrected: $\boxed{7}$", "5"),
    ],
)
def test_grade_incorrect(response: str, gold: str) -> None:
    assert grade(response, gold) is False


def test_parse_answer_plain_numbers() -> None:
    assert parse_answer("#### 168") == [168]
    assert parse_answer("The answer is 1,234 dollars") == [1234]
    assert parse_answer("-7") == [-7]
    assert parse_answer("Final answer: 3/4") == [sympy.Rational(3, 4)]
    # prose without a final answer is not searched for its last number
    assert parse_answer("It costs 1,234 dollars") == []
    assert parse_answer("nothing") == []
    assert parse_answer("") == []


@pytest.mark.parametrize(
    "gold",
    [
        "168",
        r"\frac{3}{4}",
        "(1,2)",
        "x^2+1",
        r"\text{(C)}",
        "27.0",
        r"3\sqrt{2}",
        "[0, 1)",
        "10^{-3}",
        "1,234",
        "-5",
    ],
)
def test_gold_forms_are_gradable(gold: str) -> None:
    assert is_gradable(gold)
    assert grade(rf"\boxed{{{gold}}}", gold)


@pytest.mark.parametrize("gold", ["", "   ", "{" * 40 + "1" + "}" * 40, "x" * 5000])
def test_not_gradable(gold: str) -> None:
    assert not is_gradable(gold)
    assert parse_gold(gold) == []


@pytest.mark.parametrize(
    "gold",
    [
        "np.arcsin(3/5)",  # code, not maths: only the stray 3/5 could be read
        r"$k_{\max }=n^{2}+1$",  # the LaTeX parser fails; the last number is 1
        "-2./5",  # read as 5
        "$s(0,2]$",  # read as 2
    ],
)
def test_a_gold_read_only_through_a_stray_number_is_not_gradable(gold: str) -> None:
    assert parse_gold(gold)  # score still falls back to a number, as before
    assert not is_gradable(gold)


@pytest.mark.parametrize(
    "gold",
    [
        r"\frac{2}{5} E_{1}+\frac{3}{5} E_{2}",  # E_{1} defeats the parser: part of it is read
        r"y_{0} \cos (k t)+$ $\dot{y}_{0} \sin (k t) / k",  # stray delimiters: half is read
    ],
)
def test_a_gold_a_verbatim_boxed_answer_does_not_match_is_not_gradable(gold: str) -> None:
    assert parse_gold(gold)
    # some way of giving it verbatim, as the prompt asks, would be graded wrong
    assert not all(grade(t.format(answer=gold), gold) for t in GOLD_ROUND_TRIPS)
    assert not is_gradable(gold)


def test_a_gold_written_as_a_sentence_is_not_gradable() -> None:
    gold = "$g(x)=2x$, where $c$ is any integer"
    assert parse_gold(gold) and not is_gradable(gold)
    assert is_gradable(r"\text{Evelyn}") and is_gradable(r"\text{(C)}")  # words inside \text{} are fine


@pytest.mark.parametrize("gold", [r"$(-\infty, 2) \cup\{5\}$.", r"\$12,\!500", "F_{1},F_{2}"])
def test_delimited_and_escaped_golds_stay_gradable(gold: str) -> None:
    assert is_gradable(gold)


# --- untrusted code is never evaluated ---------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        "__import__('os').system('echo hi')",
        '\\boxed{__import__("os")}',
        "\\boxed{__import__('os').system('echo hi')}",
        "The answer is $__import__('os').system('echo hi')$",
        "answer: (lambda: __import__('os').system('echo hi'))()",
    ],
)
def test_code_in_answer_is_never_evaluated(no_eval: list[str], response: str) -> None:
    assert grade(response, "168") is False
    assert parse_answer(response) == []
    assert no_eval == []


def test_code_in_gold_is_never_evaluated(no_eval: list[str]) -> None:
    assert not is_gradable("__import__('os').system('echo hi')")
    assert no_eval == []


def test_normal_grading_under_no_eval(no_eval: list[str]) -> None:
    """The traps do not break legitimate grading, and legitimate grading never evaluates."""
    assert grade(r"\boxed{\frac{1}{2}}", "0.5")
    assert grade("#### 1,234", "1234")
    assert grade(r"\boxed{(1,2)}", "(1,2)")
    assert not grade(r"\boxed{3}", "4")
    assert no_eval == []


# --- robustness ---------------------------------------------------------------------------------


def test_huge_response_finishes_quickly() -> None:
    response = ("blah (x+1) = 2 " * 20_000)[: 200_000 - 10] + r"\boxed{42}"
    assert len(response) == 200_000
    start = time.monotonic()
    assert grade(response, "42")
    assert not grade(response, "41")
    assert time.monotonic() - start < 20


def test_deeply_nested_response_is_rejected_fast() -> None:
    start = time.monotonic()
    assert parse_answer("$" + "{" * 30 + "1" + "}" * 30 + "$") == []
    assert time.monotonic() - start < 2


def test_grade_works_in_worker_thread() -> None:
    """signal.alarm timeouts only work in the main thread; grading must still work off it."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        good = pool.submit(grade, r"\boxed{\frac{1}{2}}", "0.5")
        bad = pool.submit(grade, r"\boxed{\frac{1}{3}}", "0.5")
        gradable = pool.submit(is_gradable, "168")
        assert good.result(timeout=60) is True
        assert bad.result(timeout=60) is False
        assert gradable.result(timeout=60) is True


def test_never_raises_even_if_math_verify_does(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    grading._gold.cache_clear()  # cached parses and verdicts would not call math-verify
    grading._math_verify_verdict.cache_clear()
    monkeypatch.setattr(safe_math_verify, "verify", boom)
    assert grade(r"\boxed{x+1}", "x+1") is False
    monkeypatch.setattr(safe_math_verify, "parse", boom)
    grading._gold.cache_clear()
    assert parse_answer(r"\boxed{x}") == []
    assert parse_gold("x+1") == []
    assert grade("#### 1", "1") is True  # the exact fast path needs no math-verify


_MATHY = st.lists(
    st.sampled_from(
        [
            "\\boxed{",
            "}",
            "{",
            "$",
            "\\frac",
            "\\sqrt",
            "(",
            ")",
            "[",
            "]",
            ",",
            "-",
            "/",
            "^",
            "1",
            "2",
            "0.5",
            "x",
            " ",
            "\\text{",
            "#### ",
            "\\left(",
            "\\right)",
            "=",
            "\\",
            "%",
        ]
    ),
    max_size=25,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_MATHY, st.text(max_size=200)), st.one_of(_MATHY, st.text(max_size=50)))
def test_grade_never_raises_nor_evaluates(response: str, gold: str) -> None:
    with trap_eval() as calls:
        assert isinstance(grade(response, gold), bool)
        assert isinstance(parse_answer(response), list)
        assert isinstance(is_gradable(gold), bool)
        result = grading.grade_result(response, gold)
    assert calls == []
    assert result.how in {"exact", "verbatim", "math-verify", "no-answer", "not-gradable", "timeout", "error"}
    assert result.source in {"boxed", "statement", "bare", "none"}
    assert (result.correct is None) == (result.how == "not-gradable")
