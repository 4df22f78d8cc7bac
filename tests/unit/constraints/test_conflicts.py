"""Type-level and argument-level conflicts."""

from __future__ import annotations

import pytest

from constraints import default_registry, make_instance
from constraints.conflicts import instance_conflicts, pair_conflicts
from constraints.registry import MATHIF_CONFLICTS
from curation.core.items import item_from_dict


def test_type_table_is_symmetric_and_contains_mathif():
    reg = default_registry()
    for a in reg.ids:
        assert a in reg.conflicts(a)
        for b in reg.conflicts(a):
            assert a in reg.conflicts(b)
    for a, others in MATHIF_CONFLICTS.items():
        for b in others:
            assert reg.type_conflict(a, b) and reg.type_conflict(b, a)
    assert reg.type_conflict("keywords:existence", "language:response_language")
    assert reg.type_conflict("startend:quotation", "combination:repeat_prompt")
    assert not reg.type_conflict("combination:repeat_prompt", "punctuation:no_comma")


mk = make_instance
PROMPT = "Tom has 3 apples, and Ann has 2. How many apples do they have?"

IMPOSSIBLE = [
    # contradictions of the instructions (a contrived "a winner" would slip through)
    (
        mk("keywords:existence", {"keywords": ["win"]}),
        mk("keywords:forbidden_words", {"forbidden_words": ["WIN"]}),
    ),
    (
        mk("keywords:frequency", {"keyword": "root", "frequency": 2, "relation": "at least"}),
        mk("keywords:forbidden_words", {"forbidden_words": ["root", "yield"]}),
    ),
    (
        mk("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 3}),
        mk("change_case:capital_word_frequency", {"capital_frequency": 3, "capital_relation": "less than"}),
    ),
    (
        mk("keywords:existence", {"keywords": ["a win b"]}),
        mk("keywords:forbidden_words", {"forbidden_words": ["win"]}),
    ),
    (
        mk("keywords:existence", {"keywords": ["root"]}),
        mk("keywords:frequency", {"keyword": "root", "frequency": 1, "relation": "less than"}),
    ),
    (
        mk("keywords:frequency", {"keyword": "root", "frequency": 3, "relation": "at least"}),
        mk("keywords:frequency", {"keyword": "root", "frequency": 3, "relation": "less than"}),
    ),
    (mk("combination:repeat_prompt", {"prompt_to_repeat": PROMPT}), mk("punctuation:no_comma", None)),
    (
        mk("combination:repeat_prompt", {"prompt_to_repeat": PROMPT}),
        mk("keywords:forbidden_words", {"forbidden_words": ["apples"]}),
    ),
    (
        mk("combination:repeat_prompt", {"prompt_to_repeat": PROMPT}),
        mk("length_constraint_checkers:number_words", {"num_words": 5, "relation": "less than"}),
    ),
    (mk("combination:repeat_prompt", {"prompt_to_repeat": PROMPT}), mk("startend:quotation", None)),
    (mk("startend:end_checker", {"end_phrase": "Done, thanks"}), mk("punctuation:no_comma", None)),
    (
        mk("detectable_format:multiple_sections", {"section_spliter": "SECTION", "num_sections": 2}),
        mk("change_case:english_lowercase", None),
    ),
    (
        mk("detectable_format:multiple_sections", {"section_spliter": "Section", "num_sections": 2}),
        mk("change_case:english_capital", None),
    ),
    (mk("change_case:english_capital", None), mk("change_case:english_lowercase", None)),
    (mk("language:response_language", {"language": "fr"}), mk("change_case:english_lowercase", None)),
    (
        mk("language:response_language", {"language": "fr"}),
        mk("language:response_language", {"language": "de"}),
    ),
    (
        mk("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "at least"}),
        mk("change_case:english_lowercase", None),
    ),
    (
        mk("change_case:capital_word_frequency", {"capital_frequency": 1, "capital_relation": "less than"}),
        mk("change_case:english_capital", None),
    ),
    (
        mk("length_constraint_checkers:number_words", {"num_words": 100, "relation": "at least"}),
        mk("length_constraint_checkers:number_words", {"num_words": 50, "relation": "less than"}),
    ),
    (
        mk("length_constraint_checkers:number_words", {"num_words": 1, "relation": "less than"}),
        mk("change_case:english_lowercase", None),
    ),
    (
        mk("startend:end_checker", {"end_phrase": "Any other questions?"}),
        mk("startend:end_checker", {"end_phrase": "Bye."}),
    ),
]


@pytest.mark.parametrize("x,y", IMPOSSIBLE, ids=[f"{x.id}|{y.id}" for x, y in IMPOSSIBLE])
def test_impossible_pairs_are_found_both_ways(x, y):
    assert pair_conflicts(x, y)
    assert pair_conflicts(y, x)


# Pairs that look alike but can be met: each comes with a response meeting both.
SATISFIABLE = [
    (
        mk("keywords:existence", {"keywords": ["root"]}),
        mk("keywords:frequency", {"keyword": "root", "frequency": 2, "relation": "less than"}),
        "one root",
    ),
    (
        mk("combination:repeat_prompt", {"prompt_to_repeat": "What is 2+2?"}),
        mk("punctuation:no_comma", None),
        "What is 2+2? It is 4.",
    ),
    (
        mk("combination:repeat_prompt", {"prompt_to_repeat": "What is 2+2?"}),
        mk("change_case:english_capital", None),
        "WHAT IS 2+2? THE ANSWER IS FOUR BECAUSE WE ADD TWO AND TWO.",
    ),
    (
        mk("startend:end_checker", {"end_phrase": "Any other questions?"}),
        mk("startend:quotation", None),
        '"Four. Any other questions?"',
    ),
    (
        mk("change_case:capital_word_frequency", {"capital_frequency": 2, "capital_relation": "less than"}),
        mk("change_case:english_capital", None),
        "OK.",
    ),
    (
        mk("startend:end_checker", {"end_phrase": "other questions?"}),
        mk("startend:end_checker", {"end_phrase": "Any other questions?"}),
        "Any other questions?",
    ),
]


@pytest.mark.parametrize("x,y,response", SATISFIABLE, ids=[f"{x.id}|{y.id}" for x, y, _ in SATISFIABLE])
def test_satisfiable_pairs_are_not_flagged(x, y, response):
    assert x.check(response) and y.check(response), "the proof response must meet both"
    assert pair_conflicts(x, y) == []


def test_release_conflicts_are_the_repeat_prompt_comma_items(reference):
    flagged = []
    for name, line, obj in reference:
        item = item_from_dict(obj, name, line)
        if instance_conflicts(item.constraints):
            flagged.append((name, line))
            assert set(item.constraint_ids) == {"combination:repeat_prompt", "punctuation:no_comma"}
            assert (
                ","
                in item.constraints[item.constraint_ids.index("combination:repeat_prompt")].args[
                    "prompt_to_repeat"
                ]
            )
    assert len(flagged) == 4
