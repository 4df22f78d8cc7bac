"""MathIF's exact checker semantics, quirks included, family by family."""

from __future__ import annotations

import pytest

from constraints import make_instance
from constraints.text import LANGUAGE_SAMPLES, count_capital_words, count_words, detect_language


def check(cid, args, text, fix_quirks=False):
    return make_instance(cid, args).check(text, fix_quirks=fix_quirks)


@pytest.mark.parametrize(
    "keywords,text,expected",
    [
        (["cause"], "because", True),  # substring, not word
        (["because", "problem"], "BECAUSE of the PROBLEM", True),  # case-insensitive
        (["because", "problem"], "because of it", False),
        (["a.c"], "abc", True),  # MathIF treats keywords as regular expressions
    ],
)
def test_keyword_existence(keywords, text, expected):
    assert check("keywords:existence", {"keywords": keywords}, text) is expected


def test_keyword_existence_literal_fix():
    assert check("keywords:existence", {"keywords": ["a.c"]}, "abc", fix_quirks=True) is False
    assert check("keywords:existence", {"keywords": ["a.c"]}, "a.c", fix_quirks=True) is True


@pytest.mark.parametrize(
    "relation,frequency,text,expected",
    [
        ("less than", 2, "root", True),
        ("less than", 2, "root root", False),  # strict
        ("less than", 2, "Roots and a square-ROOT", False),  # substring, case-insensitive
        ("at least", 3, "root root root", True),  # >=
        ("at least", 3, "root root", False),
        ("less than", 1, "no such word", True),
    ],
)
def test_keyword_frequency(relation, frequency, text, expected):
    args = {"keyword": "root", "frequency": frequency, "relation": relation}
    assert check("keywords:frequency", args, text) is expected


def test_keyword_frequency_strips_keyword():
    inst = make_instance("keywords:frequency", {"keyword": " root ", "frequency": 1, "relation": "at least"})
    assert inst.check("square root") is True
    assert '"root"' in inst.describe()


@pytest.mark.parametrize(
    "text,expected",
    [("the winner", True), ("We WIN.", False), ("win-win", False), ("twin", True), ("", True)],
)
def test_forbidden_words_use_word_boundaries(text, expected):
    assert check("keywords:forbidden_words", {"forbidden_words": ["win"]}, text) is expected


def test_language_detection_and_undetectable_text():
    args = {"language": "es"}
    assert check("language:response_language", args, LANGUAGE_SAMPLES["es"]) is True
    assert check("language:response_language", args, LANGUAGE_SAMPLES["en"]) is False
    assert detect_language("12345 + 678 = ?") is None
    assert check("language:response_language", args, "12345 + 678 = ?") is True  # MathIF
    assert check("language:response_language", args, "12345 + 678 = ?", fix_quirks=True) is False


def test_language_detection_is_deterministic():
    text = "ok fine yes no maybe merci danke"
    assert len({detect_language(text) for _ in range(20)}) == 1


@pytest.mark.parametrize(
    "relation,n,text,expected",
    [
        ("less than", 3, "one two", True),
        ("less than", 3, "one two three", False),
        ("less than", 3, "x^2+y", False),  # \w+ tokens: x, 2, y
        ("at least", 3, "don't stop", True),  # don, t, stop
        ("at least", 3, "well-known", False),
    ],
)
def test_number_words(relation, n, text, expected):
    assert (
        check("length_constraint_checkers:number_words", {"num_words": n, "relation": relation}, text)
        is expected
    )
    assert count_words("a_b c") == 2


@pytest.mark.parametrize(
    "text,expected,fixed",
    [
        ("* a\n* b", True, True),
        ("* a\n- b", True, True),  # dash bullets count
        ("* a\n- b\n-3 is negative", False, True),  # any line starting with '-' counts
        ("---\n* a\n* b", False, True),  # so does a horizontal rule
        ("**bold**\n* a\n* b", True, True),  # bold is no bullet
        ("* a", False, False),
        ("  * a\n\t- b", True, True),
    ],
)
def test_bullets_are_exact(text, expected, fixed):
    args = {"num_bullets": 2}
    assert check("detectable_format:number_bullet_lists", args, text) is expected
    assert check("detectable_format:number_bullet_lists", args, text, fix_quirks=True) is fixed


@pytest.mark.parametrize(
    "text,count",
    [("*a* and **b**", 2), ("**b**", 1), ("* *", 0), ("*a\nb*", 0), ("*x* *y* *z*", 3)],
)
def test_highlights(text, count):
    for n in (1, 2, 3):
        assert check("detectable_format:number_highlighted_sections", {"num_highlights": n}, text) is (
            count >= n
        )


@pytest.mark.parametrize(
    "splitter,text,expected",
    [
        ("Section", "Section 1\nfoo\nSection 2\nbar", True),
        ("Section", "SECTION 1\nfoo\nSECTION 2\nbar", False),  # case-sensitive
        ("Section", "Section1Section2", True),
        ("SECTION", "SECTION 1 only", False),
        ("SECTION", "SECTION 1 a SECTION 2 b SECTION 3 c", True),  # at least
    ],
)
def test_sections(splitter, text, expected):
    args = {"section_spliter": splitter, "num_sections": 2}
    assert check("detectable_format:multiple_sections", args, text) is expected


def test_repeat_prompt_is_case_insensitive_prefix():
    args = {"prompt_to_repeat": "What is 2+2? "}
    assert check("combination:repeat_prompt", args, "  what IS 2+2? It is 4") is True
    assert check("combination:repeat_prompt", args, "Q: What is 2+2?") is False


@pytest.mark.parametrize(
    "text,expected",
    [
        ('"Blah. Any other questions?"', True),  # quotes stripped first
        ("blah any OTHER questions?  \n", True),
        ("Any other questions? Yes.", False),
        ("", False),
    ],
)
def test_end_checker(text, expected):
    assert check("startend:end_checker", {"end_phrase": "Any other questions?"}, text) is expected


@pytest.mark.parametrize(
    "text,expected", [('"a"', True), ('""', True), ('"', False), (' "abc" \n', True), ("abc", False)]
)
def test_quotation(text, expected):
    assert check("startend:quotation", None, text) is expected


def test_capital_words_follow_nltk_tokens():
    assert count_capital_words("I CAN'T GO") == 4  # I, CA, N'T, GO
    assert count_capital_words("E-MAIL the END.") == 2
    assert count_capital_words("GONNA") == 2  # nltk splits gon|na
    args = {"capital_frequency": 3, "capital_relation": "at least"}
    assert check("change_case:capital_word_frequency", args, "I CAN'T") is True
    args = {"capital_frequency": 1, "capital_relation": "less than"}
    assert check("change_case:capital_word_frequency", args, "hello there") is True
    assert check("change_case:capital_word_frequency", args, "hello A") is False


def test_english_case():
    assert (
        check("change_case:english_capital", None, "THE ANSWER IS FOUR BECAUSE WE ADD TWO AND TWO.") is True
    )
    assert check("change_case:english_capital", None, "THE ANSWER IS four") is False
    assert check("change_case:english_capital", None, "123") is False  # no cased letter
    low = "the answer is four because we add two and two."
    assert check("change_case:english_lowercase", None, low) is True
    assert check("change_case:english_lowercase", None, "The answer is four") is False
    assert check("change_case:english_lowercase", None, "") is False
    spanish = LANGUAGE_SAMPLES["es"].lower()
    assert check("change_case:english_lowercase", None, spanish) is False


def test_no_comma():
    assert check("punctuation:no_comma", None, "1,000") is False
    assert check("punctuation:no_comma", None, "1000 and more") is True
    assert check("punctuation:no_comma", None, "fullwidth，comma") is True  # only ','
