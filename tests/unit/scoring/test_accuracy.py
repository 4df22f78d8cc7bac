"""The grader on a small hand-written corpus of answers whose truth is known.

Each case: an answer text, a gold, the verdict a careful human gives (``None``: the gold
cannot be graded), and the source of the final answer. The corpus covers the failures of the
grader before issue 14 (a box more than 4,000 characters before the end, a later plain answer
after LaTeX, a last-number guess on truncated prose, ungradable golds graded anyway) and the
usual forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from curation.scoring import lazy_grading
from curation.scoring.grading import GradeResult, grade, grade_detail, grade_result

_FILLER = "We check the case $n = 17$ against the bound, and the sum 12 + 5 once more. " * 400


@dataclass(frozen=True)
class Case:
    name: str
    answer: str
    gold: str
    correct: bool | None
    source: str


CORPUS = [
    # the box far from the end
    Case("box early in a 30k answer", r"So $\boxed{42}$." + "\n" + _FILLER, "42", True, "boxed"),
    Case("wrong box early in a 30k answer", r"So $\boxed{41}$." + "\n" + _FILLER, "42", False, "boxed"),
    Case(
        "fraction boxed early, long check", r"Hence $\boxed{\frac{3}{4}}$. " + _FILLER, "0.75", True, "boxed"
    ),
    # a later plain answer beats earlier LaTeX
    Case(
        "plain answer after LaTeX", r"Then $x = 7$, so $xy = 32195$. The answer is 9.", "9", True, "statement"
    ),
    Case(
        "plain answer after LaTeX, wrong",
        r"$xy = 9$ since $x = 1$. The answer is 8.",
        "9",
        False,
        "statement",
    ),
    Case("corrected after a box", r"$\boxed{5}$. Wait, I erred. The answer is 7.", "7", True, "statement"),
    Case("box after a statement", r"The answer is 5. Rechecking: $\boxed{7}$", "7", True, "boxed"),
    # no last-number guess on prose
    Case(
        "truncated prose",
        "Start with 1 apple, add 2 more. I could not finish the computation in time.",
        "1",
        False,
        "none",
    ),
    Case("truncated prose ending in the gold", "Let me see, the sum so far is 3 + 4 = 7", "7", False, "none"),
    Case("empty answer", "", "7", False, "none"),
    Case("answer that states nothing", "The answer is not obvious; more work is needed.", "2", False, "none"),
    # the usual forms
    Case("boxed fraction vs decimal gold", r"Thus $\boxed{\frac{1}{2}}$.", "0.5", True, "boxed"),
    Case("boxed decimal vs fraction gold", r"\boxed{0.5}", r"\frac{1}{2}", True, "boxed"),
    Case("nested braces", r"$\boxed{\frac{\sqrt{3}}{2}}$", r"\frac{\sqrt{3}}{2}", True, "boxed"),
    Case("nested braces, wrong", r"$\boxed{\frac{\sqrt{2}}{2}}$", r"\frac{\sqrt{3}}{2}", False, "boxed"),
    Case("answer tag", "<answer>42</answer>", "42", True, "statement"),
    Case("answer tag with maths", "<answer>$\\frac{2}{3}$</answer>", r"\frac{2}{3}", True, "statement"),
    Case("gsm8k hashes", "Adding up 20 + 22.\n#### 42", "42", True, "statement"),
    Case("gsm8k hashes, wrong", "Adding up 20 + 21.\n#### 41", "42", False, "statement"),
    Case("thousands commas", "The answer is 1,234.", "1234", True, "statement"),
    Case("thousands commas in the gold", r"\boxed{1234}", "1,234", True, "boxed"),
    Case("final answer line", "**Final Answer:** 12", "12", True, "statement"),
    Case("units after the number", "The answer is 18 dollars.", "18", True, "statement"),
    Case("dollar sign", r"$\boxed{\$18}$", "18", True, "boxed"),
    Case("bare number", "42", "42", True, "bare"),
    Case("bare maths", r"$\frac{1}{3}$", r"\frac13", True, "bare"),
    Case("bare expression", "x^2+1", "x^2+1", True, "bare"),
    Case("a tuple", r"\boxed{(1, 2)}", "(1,2)", True, "boxed"),
    Case("an interval, wrong bracket", r"\boxed{[0,1]}", "[0, 1)", False, "boxed"),
    Case("a root", r"\boxed{\sqrt{18}}", r"3\sqrt{2}", True, "boxed"),
    Case("several boxes as a list", r"$\boxed{2}$ and $\boxed{3}$", "2, 3", True, "boxed"),
    Case("negative fraction", "the answer is -3/4", r"-\frac{3}{4}", True, "statement"),
    Case("float tolerance", r"\boxed{3.1415927}", "3.1415926", True, "boxed"),
    Case("float beyond tolerance", r"\boxed{3.1416}", "3.14159", False, "boxed"),
    Case("text answer", r"\boxed{\text{(C)}}", r"\text{(C)}", True, "boxed"),
    # ungradable golds: unknown, whatever the answer
    Case("gold read through a stray number", r"\boxed{0.6435}", "np.arcsin(3/5)", None, "boxed"),
    Case("gold written as a sentence", r"\boxed{2x}", "$g(x)=2x$, where $c$ is any integer", None, "boxed"),
    Case("empty gold", r"\boxed{7}", "", None, "boxed"),
    Case("ungradable gold, no answer", "I give up.", "np.arcsin(3/5)", None, "none"),
]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus(case: Case) -> None:
    result = grade_result(case.answer, case.gold)
    assert (result.correct, result.source) == (case.correct, case.source), result
    assert grade(case.answer, case.gold) is (case.correct is True)
    assert grade_detail(case.answer, case.gold) == (case.correct is True, result.extracted)
    if case.correct is None:
        assert result.how == "not-gradable"
    elif case.source == "none":
        assert (result.how, result.extracted) == ("no-answer", None)
    else:
        assert result.how in {"exact", "verbatim", "math-verify"} and result.extracted


def test_corpus_accuracy() -> None:
    """Every case graded as the truth says (the grader before issue 14 got 10 of them wrong)."""
    right = sum(grade_result(c.answer, c.gold).correct is c.correct for c in CORPUS)
    assert right == len(CORPUS)


def test_grade_result_shape_and_forwarders() -> None:
    result = grade_result(r"So $\boxed{42}$.", "42")
    assert result == GradeResult(True, "42", "exact", "boxed")
    with pytest.raises(AttributeError):
        result.correct = False  # type: ignore[misc]  # frozen
    assert lazy_grading.grade_result(r"So $\boxed{42}$.", "42") == result
    assert lazy_grading.GradeResult is GradeResult


def test_extracted_is_cut_to_1000_characters() -> None:
    box = "+".join(["x"] * 800)  # 1,599 characters
    result = grade_result(rf"\boxed{{{box}}}", "x")
    assert result.extracted == box[:1000] and result.correct is False


def test_the_golds_own_text_is_correct_without_math_verify(monkeypatch):
    """A gold judged gradable was proven, by math-verify, to grade its own boxed text correct;
    grading that text again needs no math-verify and gives the same verdict."""
    from curation.scoring import grading

    golds = ["\\frac{\\sqrt{3}}{2}", "(1, 2)", "x \\in [-2,7]", "\\sqrt{4 \\pi G \\rho_{0} r_{0}^{2}}"]
    for gold in golds:
        assert grading.is_gradable(gold)
        by_math_verify = grading._math_verify_verdict(gold, grading._verbatim(grading._gold(gold)))
        assert by_math_verify is True
    monkeypatch.setattr(grading, "_math_verify_verdict", lambda *a: pytest.fail("math-verify called"))
    for gold in golds:
        result = grading.grade_result(f"So the answer is $\\boxed{{{gold}}}$.", gold)
        assert (result.correct, result.how) == (True, "verbatim")
