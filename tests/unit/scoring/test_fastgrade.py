"""Tests for curation.scoring.fastgrade: the exact fast path gives math-verify's own verdicts."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from curation.scoring import grading
from curation.scoring.fastgrade import Exact, exact_value, exact_verdict


@pytest.mark.parametrize(
    ("text", "value", "is_float"),
    [
        ("42", Fraction(42), False),
        ("-7", Fraction(-7), False),
        ("0", Fraction(0), False),
        ("-0", Fraction(0), False),
        ("1,234", Fraction(1234), False),
        ("-12,345,678", Fraction(-12345678), False),
        ("123456789012345678901234567890", Fraction(123456789012345678901234567890), False),
        ("3.14", Fraction(314, 100), True),
        ("-0.25", Fraction(-1, 4), True),
        ("1.000", Fraction(1), True),
        ("0.5", Fraction(1, 2), False),  # latex2sympy2 rewrites exactly "0.5" to \frac{1}{2}
        ("-0.5", Fraction(-1, 2), True),
        ("0.50", Fraction(1, 2), True),
        ("3/4", Fraction(3, 4), False),
        ("-3/4", Fraction(-3, 4), False),
        (r"\frac{3}{4}", Fraction(3, 4), False),
        (r"\dfrac{10}{4}", Fraction(5, 2), False),
        (r"\tfrac{1}{3}", Fraction(1, 3), False),
        (r"-\frac{1}{2}", Fraction(-1, 2), False),
        (r"\frac{-1}{2}", Fraction(-1, 2), False),
        (r"\frac12", Fraction(1, 2), False),
        (r"\$18", Fraction(18), False),
        (r"\$0.5", Fraction(1, 2), False),
        (" 42 ", Fraction(42), False),
    ],
)
def test_exact_value(text: str, value: Fraction, is_float: bool) -> None:
    number = exact_value(text)
    assert number is not None
    assert (number.value, number.is_float) == (value, is_float)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "007",  # leading zeros
        ".5",
        "+2",
        "1,23",  # a set for math-verify
        "0,5",
        "1 000",
        "1e5",  # 1*e*5 for math-verify
        r"50\%",
        "50%",
        "1/0",
        r"\frac{1}{0}",
        r"\frac{1.5}{2}",
        r"\frac123",  # \frac{1}{23} for math-verify
        r"-\frac{-1}{2}",
        "1/2/3",
        "2\\frac{1}{2}",  # a mixed number
        "x",
        "5.",
        "1" * 2_001,
    ],
)
def test_exact_value_declines(text: str) -> None:
    assert exact_value(text) is None


def _exact(text: str) -> Exact:
    number = exact_value(text)
    assert number is not None
    return number


@pytest.mark.parametrize(
    ("gold", "answer", "verdict"),
    [
        ("1,000", "1000", True),
        ("1000", "1.000", False),
        ("1.000", "1", True),
        ("0.5", "1/2", True),
        ("0.5", r"\frac12", True),
        ("-0", "0", True),
        ("-0.0", "0", True),
        ("3.14159", "3.1416", False),  # 9e-6 apart: different after rounding to 6 places
        ("3.1415926", "3.1415927", None),  # math-verify's rounding decides
        ("0.333333", "1/3", None),
        ("0.1", r"\frac{1}{10}", True),
        ("2", r"\frac{4}{2}", True),
        ("1/3", "2/6", True),
        ("1/3", "333333/1000000", False),  # no Float: exact
        ("123456789.5", "123456789.5", True),
        ("1234567890.5", "1234567890.5", None),  # a Float of 10 or more digits before the point
        ("0.1234567890123456", "0.1234567890123456", None),  # more than 15 significant digits
        (str(10**40), str(10**40 + 1), False),
    ],
)
def test_exact_verdict(gold: str, answer: str, verdict: bool | None) -> None:
    assert exact_verdict(_exact(gold), _exact(answer)) is verdict


# --- agreement with math-verify -----------------------------------------------------------------

_TRICKY = [
    "0.5", "0.50", "-0.5", "0", "-0", "-0.0", "0.0", "1,000", "1000", "1.000", "1,000.5", "3.14159",
    "3.1416", "3.1415926", "3.1415927", "3.14159265358979", "3.141592653589793", "0.333333", "0.3333333",
    "0.33333", "1/3", "0.6666667", "2/3", "0.1", "1/10", r"\frac{1}{10}", "0.10", "0.1000000000000000001",
    "50", r"50\%", "0.000001", "0.0000005", "0.0000015", "0.0000004", "0.999999", "0.9999995", "1e5",
    "100000", "007", "7", "1,23", "12,345,678", "-12,345,678", "1,234", "1234", "1 234", "+2", "2",
    "123456789012345678901234567890", "123456789012345678901234567891", "999999999.9999999", "1000000000",
    "999999999.5", "2.5", "2.50", "5/2", r"\frac52", r"\frac{5}{2}", "10/4", r"\frac{10}{4}", "0/7",
    r"\frac{0}{3}", "1.5e3", "1500", r"\$18", "18", "18.00", r"\$0.5", r"\$1,000", "5.", "3.0000001", "3",
    "2.9999999", "3.000001", "3.0000005", "2.9999995", "1234567.1234567", "1234567.123457", "0.1234565",
    "0.123456", "0.123457", "$42$", "$0.5$", r"$\frac{1}{2}$", "$-3/4$", r"\$-5",
]  # fmt: skip


def _pool(rng: random.Random) -> list[str]:
    """Numbers in the fast forms, and near them, to pair as golds and answers."""
    ints = [0, 1, 2, 5, 7, 9, 10, 12, 42, 100, 999, 1000, 1234, 10**6, 123456789, 10**12 + 1, 2**70, 3**50]
    out: list[str] = []
    for _ in range(30):
        n = rng.choice([*ints, rng.randint(0, 10 ** rng.randint(1, 12))])
        out += [str(n), f"-{n}", f"{n:,}", f"-{n:,}", f"{n}.0", f"{n}.000", f"{n}.5", f"{n}.25", f"-{n}.75"]
    for _ in range(40):
        a, b = rng.randint(0, 50), rng.randint(1, 50)
        out += [
            f"{a}/{b}",
            f"-{a}/{b}",
            rf"\frac{{{a}}}{{{b}}}",
            rf"\dfrac{{{a}}}{{{b}}}",
            rf"\tfrac{{{a}}}{{{b}}}",
            rf"-\frac{{{a}}}{{{b}}}",
            rf"\frac{{-{a}}}{{{b}}}",
        ]
        if a < 10 and 0 < b < 10:
            out.append(rf"\frac{a}{b}")
        for places in (1, 2, 3, 4, 6, 7, 8, 15, 16, 20):
            q = round(Fraction(a, b) * 10**places)
            text = f"{q // 10**places}.{q % 10**places:0{places}d}"
            out += [text, "-" + text]
    out += [r"\$" + x for x in out[::9]]
    return out + _TRICKY


def _near(value: Fraction, rng: random.Random) -> str:
    """The same value, or one a unit in some decimal place away, written another way."""
    forms = [
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}",
        rf"\frac{{{value.numerator}}}{{{value.denominator}}}",
    ]
    for places in (3, 6, 7, 9, 15):
        q = round(value * 10**places) + rng.choice([-1, 0, 0, 1])
        sign, q = ("-" if q < 0 else ""), abs(q)
        forms.append(f"{sign}{q // 10**places}.{q % 10**places:0{places}d}")
    return rng.choice(forms)


def _pairs(n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pool = _pool(rng)
    pairs: list[tuple[str, str]] = []
    while len(pairs) < n:
        gold = rng.choice(pool)
        draw = rng.random()
        number = grading._gold_number(gold)
        if draw < 0.3:
            answer = grading._unwrapped(gold)  # verbatim
        elif draw < 0.6 or number is None:
            answer = rng.choice(pool)
        else:
            answer = _near(number.value, rng)
        pairs.append((gold, answer))
    return pairs


def _math_verify_verdict(gold: str, answer: str) -> bool:
    """What the grader's math-verify route says, bypassing the fast path."""
    parsed_gold = grading._gold_parse(grading._gold(gold))
    parsed_answer = grading._parse_candidate(answer)
    return bool(parsed_gold and parsed_answer and grading._verify(parsed_gold, parsed_answer))


def test_the_fast_path_agrees_with_math_verify_on_3000_pairs() -> None:
    decided = 0
    mismatches = []
    pairs = _pairs(3_000, seed=14)
    for gold, answer in pairs:
        gold_number, number = grading._gold_number(gold), exact_value(answer)
        if gold_number is None or number is None:
            continue
        verdict = exact_verdict(gold_number, number)
        if verdict is None:
            continue
        decided += 1
        if verdict != _math_verify_verdict(gold, answer):
            mismatches.append((gold, answer, verdict))
    assert mismatches == []
    assert decided >= 1_500, decided  # most pairs take the fast path
    # both verdicts occur, and the tricky cases are in
    verdicts = [
        exact_verdict(g, a)
        for g, a in ((grading._gold_number(g), exact_value(a)) for g, a in pairs)
        if g and a
    ]
    assert verdicts.count(True) > 300 and verdicts.count(False) > 300 and verdicts.count(None) > 50


def test_a_fast_gold_is_gradable_by_the_math_verify_route_too() -> None:
    """is_gradable of a plain-number gold (True without math-verify) is what the full check says."""
    golds = sorted({g for g in _pool(random.Random(3)) if grading._gold_number(g) is not None})
    assert len(golds) > 500
    for gold in random.Random(4).sample(golds, 120):
        slow = grading._Gold(gold)
        slow.fast = None  # force the math-verify route: parse, round trips
        assert grading._gradable(slow), gold
        assert grading.is_gradable(gold)


def test_grading_uses_the_fast_path_and_falls_back() -> None:
    assert grading.grade_result(r"\boxed{1,000}", "1000").how == "exact"
    assert grading.grade_result(r"\boxed{3.1415927}", "3.1415926").how == "math-verify"  # declined
    assert grading.grade_result(r"\boxed{3.1415927}", "3.1415926").correct is True  # rounding to 6 places
    assert (
        grading.grade_result(r"\boxed{2 \cdot 21}", "42").how == "math-verify"
    )  # the answer is no plain number
