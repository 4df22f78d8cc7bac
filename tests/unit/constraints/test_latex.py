"""The one brace matcher: shared by the maths families and the raw sources' answer rules."""

from __future__ import annotations

import pytest

from constraints.latex import Span, boxed_spans, closing_braces
from curation.raw.answer_rules import AnswerRuleError, last_boxed


def test_a_backslash_escapes_the_next_character_only():
    assert closing_braces("{a\\}b}") == {0: 5}  # \} is text
    assert closing_braces("{a\\\\}b}") == {0: 4}  # \\ is an escaped backslash: the brace counts
    assert closing_braces("\\{a}") == {}  # the stray closing brace has no partner
    assert closing_braces("{{}") == {1: 2}


def test_boxed_spans_with_and_without_fbox():
    text = "x \\boxed {1} y \\fbox{\\frac{2}{3}} \\boxed{4"
    assert boxed_spans(text) == [Span(2, 12, "1"), None]
    assert [s.content if s else None for s in boxed_spans(text, fbox=True)] == ["1", "\\frac{2}{3}", None]
    assert boxed_spans("\\boxedfoo{1} \\fboxsep{2}", fbox=True) == []


def test_gold_answers_and_checkers_read_boxes_alike():
    solution = "So $x = \\boxed{\\{1, 2\\}}$ and then \\boxed{a\\\\}."
    assert last_boxed(solution) == "a\\\\"
    assert [s.content for s in boxed_spans(solution) if s] == ["\\{1, 2\\}", "a\\\\"]
    with pytest.raises(AnswerRuleError, match="unbalanced braces after box 1 of 1"):
        last_boxed("\\boxed{\\frac{1}{2}")


def test_the_matcher_takes_deep_nesting_in_one_pass():
    text = "{" * 200_000 + "}" * 200_000
    pairs = closing_braces(text)
    assert len(pairs) == 200_000 and pairs[0] == len(text) - 1
