"""The named gold-answer rules (curation.raw.answer_rules), one block per rule, awkward cases included."""

from __future__ import annotations

import pytest

from curation.raw.answer_rules import (
    RULES,
    AnswerRuleError,
    after_hashes,
    integer,
    joined_list,
    last_boxed,
    number,
    verbatim,
)


def test_every_rule_is_registered_under_its_name():
    assert RULES == {fn.__name__: fn for fn in RULES.values()}
    assert set(RULES) == {"verbatim", "after_hashes", "last_boxed", "joined_list", "integer", "number"}


# GSM8K: text after "####" ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("solution", "gold"),
    [
        ("3 * 12 = 36\n#### 36", "36"),
        ("#### 29,000", "29000"),
        ("#### 1,234,567", "1234567"),
        ("4 - 14 = -10\n####  -10 ", "-10"),
        ("#### not yet\n#### 7", "7"),  # the last marker wins
        ("#### 2.5", "2.5"),
        ("#### 1,5", "1,5"),  # not a thousands separator: left alone
        ("#### 12,3456", "12,3456"),
    ],
)
def test_after_hashes(solution, gold):
    assert after_hashes(solution) == gold


@pytest.mark.parametrize("bad", ["36", "the answer is ####   ", 36, None])
def test_after_hashes_rejects(bad):
    with pytest.raises(AnswerRuleError):
        after_hashes(bad)


# MATH-500: the answer field ------------------------------------------------------------------


def test_verbatim_keeps_latex_and_strips_outer_space():
    assert verbatim(" \\left( 3, \\frac{\\pi}{2} \\right) ") == "\\left( 3, \\frac{\\pi}{2} \\right)"


@pytest.mark.parametrize("bad", ["", "   ", 5, None])
def test_verbatim_rejects(bad):
    with pytest.raises(AnswerRuleError):
        verbatim(bad)


# Minerva: last \boxed{...}, nested braces -----------------------------------------------------


@pytest.mark.parametrize(
    ("solution", "gold"),
    [
        ("so $x=\\boxed{4}$.", "4"),
        ("\\boxed{1} then \\boxed{2}", "2"),
        ("\\[ r = \\boxed{\\frac{1}{\\sqrt{2}}} \\mathrm{~m} \\]", "\\frac{1}{\\sqrt{2}}"),
        ("$\\boxed{\\{1, 2\\}}$", "\\{1, 2\\}"),  # escaped braces do not close the box
        ("\\boxed {4.5e3} per second", "4.5e3"),
        ("\\boxed{3} and \\fbox{5}", "5"),
        ("\\boxed{\\left[P_{0}^{2 / 5}\\right]^{5 / 2}}=P", "\\left[P_{0}^{2 / 5}\\right]^{5 / 2}"),
        ("\\boxedfoo{1} and \\boxed{2}", "2"),
    ],
)
def test_last_boxed(solution, gold):
    assert last_boxed(solution) == gold


@pytest.mark.parametrize(
    ("solution", "reason"),
    [
        ("no box here", "no \\\\boxed"),
        ("\\boxed{\\frac{1}{2}", "unbalanced"),
        ("\\boxed{  }", "empty"),
        ("\\boxed 5", "no \\\\boxed"),
    ],
)
def test_last_boxed_rejects(solution, reason):
    with pytest.raises(AnswerRuleError, match=reason):
        last_boxed(solution)


# OlympiadBench: the final_answer list ------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "gold"),
    [
        (["$\\frac{1}{2}$"], "$\\frac{1}{2}$"),
        (["$\\sqrt{2}-1$,$\\frac{3-\\sqrt{2}}{7}$"], "$\\sqrt{2}-1$,$\\frac{3-\\sqrt{2}}{7}$"),
        (["$2$", "$3$", "$5$"], "$2$, $3$, $5$"),
        (["$(-\\infty, 0) \\cup\\{1\\}$."], "$(-\\infty, 0) \\cup\\{1\\}$."),
        ("4.2", "4.2"),  # a bare string is a one-element list
    ],
)
def test_joined_list(answers, gold):
    assert joined_list(answers) == gold


@pytest.mark.parametrize("bad", [[], ["$1$", " "], [1], None, {"a": 1}])
def test_joined_list_rejects(bad):
    with pytest.raises(AnswerRuleError):
        joined_list(bad)


# AIME: an integer ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "gold"), [("025", "25"), ("70", "70"), (" 0 ", "0"), (204, "204"), (7.0, "7"), ("000", "0")]
)
def test_integer(value, gold):
    assert integer(value) == gold


@pytest.mark.parametrize("bad", ["2.5", 2.5, "twelve", "", True, None, "nan", float("inf")])
def test_integer_rejects(bad):
    with pytest.raises(AnswerRuleError):
        integer(bad)


# AMC: a number stored as a float -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "gold"),
    [(27.0, "27"), (-1.0, "-1"), (0.5, "0.5"), (3159.0, "3159"), ("27.0", "27"), (12, "12"), ("$8$", "8")],
)
def test_number(value, gold):
    assert number(value) == gold


@pytest.mark.parametrize("bad", ["", "x", None, False, float("nan"), [27.0]])
def test_number_rejects(bad):
    with pytest.raises(AnswerRuleError):
        number(bad)
