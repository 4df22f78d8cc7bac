"""Keyword arguments are regular expressions (MathIF's quirk) read from data files: a
pattern whose matching could backtrack catastrophically is refused when the item is
validated, with a line naming the family, the argument and the pattern; every keyword
MathIF and the builds use is accepted."""

from __future__ import annotations

import random
import time

import pytest

from constraints import ConstraintArgError, Context, make_instance
from constraints.keywords import KEYWORD_BUDGET, keyword_cost, regex_problem
from constraints.registry import SHIPPED
from constraints.text import MATH_WORDS

KEYWORD_FAMILIES = ("keywords:existence", "keywords:frequency", "keywords:forbidden_words")

ACCEPTED = [
    "because",
    "cause",
    "a.c",  # MathIF: a regular expression
    "colou?r",
    "[Tt]heorem",
    "sum|total|overall",
    r"\bsum(s|med)?\b",
    r"\d+",  # an unbounded repeat at the very end never backtracks
    r"\$\d+",
    r"x\^2",
    "(?i)root",
    "(ab)?c",
    "a{0,15}b",
    "a{16}",
    "a" * 64,
]

REFUSED = {
    "(a+)+$": "repeats a group",
    "(a|a)*b": "repeats a group",
    "(a|aa)+$": "repeats a group",
    "(.*a){20}": "repeats",
    r"(\w+\s?)+$": "repeats a group",
    "^(a?){25}(a){25}$": "repeats",
    r"(a)\1": "backreference",
    "(?P<x>a)(?P=x)": "backreference",
    "(?=a)b": "lookahead or lookbehind",
    "(?<!x)y": "lookahead or lookbehind",
    "(a)?(?(1)b|c)": "conditional",
    r"\d+%": "unbounded repeat",
    "a.*b": "unbounded repeat",
    "a+b": "unbounded repeat",
    "a{17}": "at least 17 times",
    "a{0,16}b": "costs",
    r"\w{0,15}\w{0,3}x": "costs",
    "a" * 81: "characters long",
    "(": "not a valid pattern",
}


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_safe_patterns_are_accepted(pattern):
    assert regex_problem(pattern) is None
    assert make_instance("keywords:existence", {"keywords": [pattern]}).args["keywords"] == [pattern]
    args = {"keyword": pattern, "frequency": 2, "relation": "at least"}
    assert make_instance("keywords:frequency", args).args["keyword"] == pattern


@pytest.mark.parametrize("pattern,why", REFUSED.items(), ids=[repr(p)[:30] for p in REFUSED])
def test_dangerous_patterns_are_refused_with_a_clear_line(pattern, why):
    assert why in (regex_problem(pattern) or "")
    cases = [
        ("keywords:existence", "keywords", {"keywords": ["because", pattern]}),
        ("keywords:frequency", "keyword", {"keyword": pattern, "frequency": 2, "relation": "less than"}),
    ]
    for fid, arg, args in cases:
        if len(pattern) > 64:  # refused by the argument's length bound before it is parsed
            why = "at most 64 characters"
        with pytest.raises(ConstraintArgError) as err:
            make_instance(fid, args)
        line = str(err.value)
        assert line.startswith(f"{fid}: argument {arg!r}") and why in line and "\n" not in line


def test_forbidden_words_are_judged_as_matched_between_word_boundaries():
    for word in ("win", "colou?r", "sum|total"):
        make_instance("keywords:forbidden_words", {"forbidden_words": [word]})
    for word in (r"\d+", "(a+)+", "a.*b"):  # \b after the repeat: it no longer ends the pattern
        with pytest.raises(ConstraintArgError, match="forbidden_words"):
            make_instance("keywords:forbidden_words", {"forbidden_words": [word]})


def test_a_list_of_keywords_shares_one_budget():
    words = sorted(MATH_WORDS) * 3
    k = 1
    while sum(keyword_cost(w) for w in words[: k + 1]) <= KEYWORD_BUDGET:
        k += 1
    assert k >= 20  # about twenty plain words fit
    make_instance("keywords:existence", {"keywords": words[:k]})
    with pytest.raises(ConstraintArgError, match=f"at most {KEYWORD_BUDGET}"):
        make_instance("keywords:existence", {"keywords": words[: k + 1]})


def test_every_keyword_of_the_published_release_is_accepted(reference):
    seen = 0
    for _, _, obj in reference:
        for cid, args in zip(obj["constraint_name"], obj["constraint_args"], strict=True):
            if cid in KEYWORD_FAMILIES:
                make_instance(cid, args)
                seen += 1
    assert seen > 100


def test_every_keyword_the_samplers_draw_is_accepted():
    ctx = Context(question="What is 7 + 5?")
    for family in SHIPPED:
        if family.id in KEYWORD_FAMILIES:
            for seed in range(300):
                family.validate(family.sample(random.Random(seed), ctx))
    assert all(regex_problem(w) is None and regex_problem(rf"\b{w}\b") is None for w in MATH_WORDS)


HOSTILE_TEXTS = {
    "a": "a" * 1_000_000,
    "ab": "ab" * 500_000,
    "digits": "7" * 1_000_000,
    "words": "aaaa " * 200_000,
}
# Accepted patterns chosen to make a backtracking engine work hardest on the texts above.
WORST_ACCEPTED = ["a{0,15}b", "a" * 63 + "b", "(a|aa|aaa|aaaa)(a|aa|aaa|aaaa)b", "a?a?a?a?b", r"\d{0,15}x"]


@pytest.mark.parametrize("pattern", WORST_ACCEPTED)
def test_the_worst_accepted_patterns_stay_fast(pattern):
    for relation_args in (
        ("keywords:existence", {"keywords": [pattern]}),
        ("keywords:frequency", {"keyword": pattern, "frequency": 3, "relation": "at least"}),
    ):
        inst = make_instance(*relation_args)
        for text in HOSTILE_TEXTS.values():
            start = time.perf_counter()
            inst.check(text)
            assert time.perf_counter() - start < 5.0, (pattern, relation_args[0])


def test_a_data_file_with_a_dangerous_pattern_is_refused_at_its_line():
    from curation.core import InputError, item_from_dict

    item = {
        "source": "s",
        "id": "1",
        "question": "What is 7 + 5?",
        "answer": "12",
        "constraint_desc": ["Include keywords ..."],
        "constraint_name": ["keywords:existence"],
        "constraint_args": [{"keywords": ["because", "(a+)+$"]}],
    }
    with pytest.raises(InputError) as err:
        item_from_dict(item, "data.jsonl", 7)
    line = str(err.value)
    assert line.startswith("data.jsonl:7:") and "keywords:existence" in line and "'(a+)+$'" in line
