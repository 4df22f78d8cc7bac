"""Tests for curation.scoring.answers: the final answer of a response, found in linear time."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.scoring.answers import (
    MAX_ANSWER_CHARS,
    FinalAnswer,
    final_answer,
    is_expression,
    strip_delimiters,
)
from tests.support.paths import ROOT


@pytest.mark.parametrize(
    ("text", "expected", "source"),
    [
        # boxes: the last one wins, anywhere in the text, braces balanced
        (r"Thus $\boxed{\frac{1}{2}}$.", r"\frac{1}{2}", "boxed"),
        (r"First $\boxed{5}$, corrected: $\boxed{7}$", "7", "boxed"),
        (r"\boxed{7} and then the number 99 appears", "7", "boxed"),
        (r"\boxed{\{1, 2\}}", r"\{1, 2\}", "boxed"),
        (r"\boxed{\frac{\sqrt{3}}{2}}", r"\frac{\sqrt{3}}{2}", "boxed"),
        (r"\fbox{7}", "7", "boxed"),
        (r"\boxed {8}", "8", "boxed"),
        (r"\boxed{\boxed{5}}", "5", "boxed"),
        (r"\boxed{3} is wrong, \boxed{4", "3", "boxed"),  # an unclosed box is no marker
        (r"} } \boxed{6} }", "6", "boxed"),  # stray closing braces are ignored
        # boxes given as a list join; other boxes before the last do not
        (r"$\boxed{3}$ and $\boxed{5}$", "3,5", "boxed"),
        (r"\boxed{3}, \boxed{5}", "3,5", "boxed"),
        (r"\boxed{3} then later \boxed{5}", "5", "boxed"),
        (r"\boxed{2}, \boxed{2}", "2", "boxed"),
        # statements
        ("So the total is 168.\n#### 168", "168", "statement"),
        ("The answer is 1,234.", "1,234", "statement"),
        (r"...$xy = 32195$. The answer is 9.", "9", "statement"),
        ("Final answer: 9", "9", "statement"),
        ("**Final Answer:** 12", "12", "statement"),
        ("final answer is: **9**", "9", "statement"),
        ("The answer is $5$.", "5", "statement"),
        ("The answer is $1$, $2$ and $3$.", "1,2,3", "statement"),
        (r"The answer is \(x^2\).", "x^2", "statement"),
        ("The answer is 9 apples.", "9", "statement"),
        ("The answer is therefore 12.", "12", "statement"),
        ("the answer is -5, which is negative", "-5", "statement"),
        ("the answer is $18 per day.", "18", "statement"),
        ("Answer: (1, 2).", "(1, 2)", "statement"),
        ("answer = x^2 + 1", "x^2 + 1", "statement"),
        ("The answer is 3.14.", "3.14", "statement"),
        ("The answer is 50%.", "50%", "statement"),
        ("<answer>42</answer>", "42", "statement"),
        ("<answer>\n$\\frac{1}{2}$\n</answer>", r"\frac{1}{2}", "statement"),
        ("<answer>42", "42", "statement"),  # an unclosed tag: its content to the end
        ('{"answer": 42}', "42", "statement"),  # JSON
        ('{"reasoning": "6 * 7", "answer": "42"}', "42", "statement"),
        ('"We multiply. The answer is 42."', "42", "statement"),  # wrapped in quotation marks
        ("Final Answer\n\n5\n", "5", "statement"),  # a heading
        ("**Final Answer**\n$\\frac{1}{2}$", r"\frac{1}{2}", "statement"),
        ("THE ANSWER IS 42.", "42", "statement"),
        # the last marker by position wins, box or statement
        (r"\boxed{4}. The answer is 5.", "5", "statement"),
        (r"The answer is 5. Checking: $\boxed{4}$", "4", "boxed"),
        (r"The final answer is $\boxed{5}$. I hope it is correct.", "5", "boxed"),
        (r"\boxed{\text{the answer is 7}}", r"\text{the answer is 7}", "boxed"),
        ("Answer: 4\n\nThe answer is not obvious at first.", "4", "statement"),  # states nothing
        # bare answers: the whole text, just a number or expression
        ("42", "42", "bare"),
        ("  $42$. ", "42", "bare"),
        (r"\(x^2+1\)", "x^2+1", "bare"),
        (r"\[ \frac{1}{2} \]", r"\frac{1}{2}", "bare"),
        ("$$-7$$", "-7", "bare"),
        ("3 and 5", "3 and 5", "bare"),
        ('"42"', "42", "bare"),
        (r"5\text{ cm}", r"5\text{ cm}", "bare"),
    ],
)
def test_final_answer(text: str, expected: str, source: str) -> None:
    found = final_answer(text)
    assert (found.text, found.source) == (expected, source)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "I could not finish the computation in time.",
        "First 1, then 2: I could not finish the computation in time.",  # no last-number guess
        "It costs 1,234 dollars",
        "The answer is not obvious. Let me think.",
        "The answers are 3 and 5",
        r"\boxed{5",  # unclosed
        r"\boxed{}",
        "5 apples",
        "sin(x)",
        "Yes",
        "$$",
        "x" * (MAX_ANSWER_CHARS + 1),
    ],
)
def test_no_final_answer(text: str) -> None:
    assert final_answer(text) == FinalAnswer(None, "none")


def test_a_box_far_from_the_end_is_found() -> None:
    filler = "We check the bound for n = 17 and the sum 12 + 5 again. " * 600  # about 34k characters
    text = "Setting up the problem.\n" + r"So $\boxed{42}$." + "\n" + filler
    assert len(text) > 30_000
    assert final_answer(text) == FinalAnswer("42", "boxed", text.index(r"\boxed"))


def test_a_later_plain_answer_beats_earlier_latex() -> None:
    text = r"Let $x = 7$ and $y = 4599$, so $xy = 32195$. The answer is 9."
    assert final_answer(text).text == "9"


def test_strip_delimiters() -> None:
    assert strip_delimiters(" $5$. ") == "5"
    assert strip_delimiters(r"\(5\)") == "5"
    assert strip_delimiters(r"\[5.\]") == "5"
    assert strip_delimiters("$$5$$") == "5"
    assert strip_delimiters("5$") == "5$"  # not wrapped
    assert strip_delimiters("$") == "$"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", True),
        (r"\frac{\pi}{2}", True),
        ("x^2 + 1", True),
        (r"\text{(C)}", True),
        (r"\text{Evelyn}", True),
        (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", True),
        ("ABC", True),
        ("3 and 5", True),
        ("", False),
        ("()", False),
        ("9 apples", False),
        ("the sum", False),
        (r"\boxed{5", False),
        ("1" * (MAX_ANSWER_CHARS + 1), False),
    ],
)
def test_is_expression(text: str, expected: bool) -> None:
    assert is_expression(text) is expected


def _seconds(text: str) -> float:
    start = time.perf_counter()
    final_answer(text)
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "unit",
    [
        r"\boxed{",  # boxes that never close
        r"\boxed{1}{",  # closed boxes and open braces
        "{" * 5 + "}" * 3,
        "The answer is not clear. ",  # statement markers that state nothing
        "answer: answer: ",
        "<answer>words</answer> ",
        "$1$, $2$, ",
        "#### #### ",
        "word " * 3,
    ],
)
def test_linear_time_on_hostile_text(unit: str) -> None:
    """200,000 characters of any of these take well under two seconds, and four times the text
    takes about four times as long (not sixteen)."""
    small = unit * (50_000 // len(unit))
    large = small * 4
    assert _seconds(large) < 2
    # best of three against noise; quadratic work would give a ratio near 16
    ratio = min(_seconds(large) for _ in range(3)) / max(min(_seconds(small) for _ in range(3)), 1e-4)
    assert ratio < 10, ratio


def test_linear_time_on_nested_boxes() -> None:
    def nested(n: int) -> str:
        return r"\boxed{" * n + "1" + "}" * n

    assert final_answer(nested(3)) == FinalAnswer("1", "boxed", 14)
    assert _seconds(nested(25_000)) < 2
    ratio = min(_seconds(nested(25_000)) for _ in range(3)) / max(
        min(_seconds(nested(6_250)) for _ in range(3)), 1e-4
    )
    assert ratio < 10, ratio


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("\\boxed{}$ answer:is#<>/1234567890.,-\n")), max_size=300))
def test_final_answer_never_raises_and_is_a_substring(text: str) -> None:
    found = final_answer(text)
    assert found.source in {"boxed", "statement", "bare", "none"}
    assert (found.text is None) == (found.source == "none")
    if found.text is not None and found.source != "boxed":
        assert len(found.text) <= MAX_ANSWER_CHARS


def test_no_maths_library_is_imported() -> None:
    """answers, fastgrade and grading import no sympy, math-verify or latex2sympy2, and
    grading plain numbers (the exact fast path) never does."""
    code = """
import json, sys
from curation.scoring import answers, fastgrade, grading
loaded = [m for m in ("sympy", "math_verify", "latex2sympy2_extended") if m in sys.modules]
results = [
    grading.grade_result(r"So $\\boxed{1,234}$.", "1234").how,
    grading.grade_result("The answer is 0.5.", r"\\frac{1}{2}").how,
    grading.grade_result("#### 7", "8").how,
    grading.grade_result("I ran out of time.", "8").how,
    str(grading.is_gradable("$-3/4$")),
]
after = [m for m in ("sympy", "math_verify", "latex2sympy2_extended") if m in sys.modules]
print(json.dumps([loaded, results, after]))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    loaded, results, after = json.loads(done.stdout.splitlines()[-1])
    assert loaded == [] and after == []
    assert results == ["exact", "exact", "exact", "no-answer", "True"]
