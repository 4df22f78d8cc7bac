"""The families beyond MathIF: registration, exact semantics, conflicts, no evaluation of model text.

The contract (schema, seeded sampling, total checkers, witness and counterexample) is
tested for every registered family by test_contract.py; joint witnesses by test_joint.py.
"""

from __future__ import annotations

import builtins
import random

import pytest
import sympy

from constraints import CATEGORIES, ConstraintArgError, Context, default_registry, make_instance
from constraints.conflicts import instance_conflicts, pair_conflicts
from constraints.joint import joint_witness, meets_all
from constraints.latex import boxed_spans, final_answer, parse_fraction, parse_integer
from constraints.number_names import names_number, number_name
from constraints.registry import BUILTIN, EXTENDED, MATHIF_IDS, SHIPPED_IDS
from constraints.text import count_punkt_sentences

mk = make_instance
NEW_IDS = [f.id for f in EXTENDED]


def holds(fid: str, args, text: str, fix_quirks: bool = False) -> bool:
    return mk(fid, args).check(text, fix_quirks=fix_quirks)


# registration ---------------------------------------------------------------------


def test_at_least_fifteen_new_families_after_mathifs_fifteen():
    assert len(EXTENDED) >= 15 and len(set(NEW_IDS)) == len(NEW_IDS)
    assert tuple(f.id for f in BUILTIN) == MATHIF_IDS and len(MATHIF_IDS) == 15
    assert SHIPPED_IDS == (*MATHIF_IDS, *NEW_IDS)
    assert default_registry().ids[: len(SHIPPED_IDS)] == SHIPPED_IDS
    assert not set(NEW_IDS) & set(MATHIF_IDS)


@pytest.mark.parametrize("family", EXTENDED, ids=NEW_IDS)
def test_each_new_family_says_what_it_checks_and_where_it_comes_from(family):
    assert family.category in CATEGORIES
    assert len(family.doc) > 30 and len(family.source) > 10
    module_doc = __import__(family.compose.__module__, fromlist=["_"]).__doc__
    assert family.id in module_doc  # the module's docstring names and explains it


def test_categories_cover_the_new_maths_one():
    assert {f.category for f in EXTENDED} == {"length", "format", "affix", "lexical", "math"}
    assert all(f.id.startswith("math:") == (f.category == "math") for f in EXTENDED)


# length and layout ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "n"),
    [  # IFEval's counts (nltk's punkt); more in test_punkt_sentences.py
        ("We add. Then we check! Done?", 3),
        ("P.S. we check again.", 2),  # "p.s" is no abbreviation punkt learnt
        ("x = 3.5 so y is 2.", 1),  # decimal points do not end sentences
        ("Step 1. Add the two.", 2),
        ("... $$ !!", 2),  # nor need a sentence hold a word
        ("no final stop", 1),
        ("", 0),
    ],
)
def test_sentences(text, n):
    assert count_punkt_sentences(text) == n


def test_number_sentences_relations():
    less = {"num_sentences": 3, "relation": "less than"}
    assert holds("length_constraint_checkers:number_sentences", less, "One. Two.")
    assert not holds("length_constraint_checkers:number_sentences", less, "One. Two. Three.")
    least = {"num_sentences": 3, "relation": "at least"}
    assert holds("length_constraint_checkers:number_sentences", least, "One. Two. Three.")


def test_number_paragraphs_is_ifevals_check():
    fid, args = "length_constraint_checkers:number_paragraphs", {"num_paragraphs": 2}
    assert holds(fid, args, "First part.\n***\nSecond part.")
    assert holds(fid, args, "***\nFirst part.\n***\nSecond part.\n***")  # empty ends do not count
    assert not holds(fid, args, "First.\n***\n***\nSecond.")  # an empty inner paragraph fails
    assert not holds(fid, args, "First.\n\nSecond.")


def test_nth_paragraph_first_word_is_ifevals_check():
    fid = "length_constraint_checkers:nth_paragraph_first_word"
    args = {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "thus"}
    assert holds(fid, args, 'We add.\n\n"Thus, we are done.')  # quotes stripped, cut at the comma
    assert not holds(fid, args, "We add.\n\nTherefore we are done.")
    assert not holds(fid, args, "We add.\n\nThus we are done.\n\nMore.")  # three paragraphs
    with pytest.raises(ConstraintArgError, match="nth_paragraph"):
        mk(fid, {"num_paragraphs": 2, "nth_paragraph": 3, "first_word": "thus"})


def test_word_count_range_is_inclusive():
    args = {"min_words": 3, "max_words": 5}
    assert holds("count:word_count_range", args, "one two three")
    assert holds("count:word_count_range", args, "one two three four five")
    assert not holds("count:word_count_range", args, "one two")
    assert not holds("count:word_count_range", args, "one two three four five six")
    with pytest.raises(ConstraintArgError, match="max_words"):
        mk("count:word_count_range", {"min_words": 9, "max_words": 5})


# markup -----------------------------------------------------------------------------


def test_title_json_placeholders_postscript_sub_bullets():
    assert holds("detectable_format:title", None, "<<the sum>>\nWe add.")
    assert not holds("detectable_format:title", None, "<<  >> and <<a\nb>>")
    assert holds("detectable_format:json_format", None, '```json\n{"answer": 12}\n```')
    assert holds("detectable_format:json_format", None, "12")  # IFEval: a bare number is JSON
    assert not holds("detectable_format:json_format", None, "{answer: 12}")
    assert not holds("detectable_format:json_format", None, "[" * 100_000)  # no RecursionError
    two = {"num_placeholders": 2}
    assert holds("detectable_content:number_placeholders", two, "To [name] at [address].")
    # IFEval's pattern takes display maths for placeholders; --fix-quirks does not
    assert holds("detectable_content:number_placeholders", two, r"\[x = 1\] and \[y = 2\]")
    assert not holds("detectable_content:number_placeholders", two, r"\[x = 1\] and \[y = 2\]", True)
    ps = {"postscript_marker": "P.S."}
    assert holds("detectable_content:postscript", ps, "We add.\np.s. check again")
    assert not holds("detectable_content:postscript", ps, "We add.\nPS check again")
    assert holds("detectable_content:postscript", {"postscript_marker": "P.P.S"}, "x\nP.P.S y")
    # the project's reading of sub-bullets (--fix-quirks); IFBench's: test_borrowed_verdicts.py
    assert holds("format:sub-bullets", None, "* one\n  - detail\n* two\n\t- more", True)
    assert not holds("format:sub-bullets", None, "* one\n  - detail\n* two", True)
    assert not holds("format:sub-bullets", None, "- no star bullets\n  - sub", True)


# words ------------------------------------------------------------------------------


def test_letter_frequency_counts_both_cases():
    args = {"letter": "e", "let_frequency": 3, "let_relation": "at least"}
    assert holds("keywords:letter_frequency", args, "EeE")
    assert not holds("keywords:letter_frequency", args, "Ee")


def test_word_once_counts_whole_words_under_fix_quirks():
    args = {"keyword": "value"}
    assert holds("keywords:word_once", args, "The Value is 12.", True)
    assert not holds("keywords:word_once", args, "value and VALUE", True)
    assert not holds("keywords:word_once", args, "the values", True)
    assert holds("keywords:word_once", args, "the values")  # IFEvalG: substrings count


def test_first_last_and_start_end_words_under_fix_quirks():
    assert holds("first_word:first_word_answer", {"first_word": "thus"}, '"Thus, 12."', True)
    assert not holds("first_word:first_word_answer", {"first_word": "thus"}, "So thus 12.", True)
    assert holds("last_word:last_word_answer", {"last_word": "done"}, "It is 12. Done!", True)
    assert not holds("last_word:last_word_answer", {"last_word": "done"}, "Done. It is 12", True)
    assert holds("keywords:start_end", None, "So it is 12 so", True)
    assert not holds("keywords:start_end", None, "So it is 12 so.", True)  # nothing after the last word
    assert not holds("keywords:start_end", None, "so", True)  # two words needed


# maths ------------------------------------------------------------------------------


def test_boxes_and_final_answer():
    spans = boxed_spans(r"a \boxed{\frac{1}{2}} b \boxed{3")
    assert spans[0].content == r"\frac{1}{2}" and spans[1] is None
    assert final_answer(r"7 \boxed{12} then 13") == "12"  # a box wins over later numbers
    assert final_answer("3/4 and then 5") == "5"
    assert final_answer("we get 3/4") == "3/4"
    assert final_answer("no number") is None
    assert parse_integer("1,205") == 1205 and parse_integer("$-7$") == -7 and parse_integer("1.5") is None
    assert parse_fraction(r"-\dfrac{3}{4}") == (-3, 4) and parse_fraction(r"\frac34") == (3, 4)
    assert parse_fraction("6/8") == (6, 8) and parse_fraction("x/8") is None


def test_single_boxed_and_answer_first():
    assert holds("math:single_boxed", None, r"so \boxed{12}.")
    assert not holds("math:single_boxed", None, r"\boxed{12} and \boxed{12}")
    assert not holds("math:single_boxed", None, r"\boxed{ }")
    assert holds("math:answer_first", None, "\n" + r"\boxed{12}" + "\nbecause 7 + 5 = 12, so \\boxed{12}")
    assert not holds("math:answer_first", None, "7 + 5\n\\boxed{12}")
    assert not holds("math:answer_first", None, "\\boxed{12}\nno wait \\boxed{13}")  # not the final answer


def test_number_names():
    assert number_name(42) == "forty-two" and number_name(1205) == "one thousand two hundred five"
    assert number_name(-3) == "minus three" and number_name(0) == "zero"
    assert names_number("Forty Two", 42) and names_number("one hundred and five", 105)
    assert not names_number("two hundred twelve", 12)  # part of another number
    assert not names_number("twenty-one", 20)
    assert names_number("negative five", -5) and not names_number("five", -5)


def test_answer_in_words():
    assert holds("math:answer_in_words", None, r"so \boxed{1,205} (one thousand, two hundred and five)")
    assert not holds("math:answer_in_words", None, r"twelve but \boxed{13}")
    assert not holds("math:answer_in_words", None, r"\boxed{\frac{1}{2}} one half")


def test_max_display_equations():
    args = {"max_equations": 1}
    text = "$$a=1$$ and \\[b=2\\]"
    assert not holds("math:max_display_equations", args, text)
    assert holds("math:max_display_equations", args, "$$a=1$$ and $b=2$ inline")
    env = "\\begin{align*} a &= 1 \\\\[2pt] b &= 2 \\end{align*} \\begin{equation}c\\end{equation}"
    assert not holds("math:max_display_equations", args, env)  # two environments
    assert holds("math:max_display_equations", {"max_equations": 0}, "$$ never closed")


def test_variable_name():
    assert holds("math:variable_name", {"variable": "n"}, "Let $n$ be the number of clips.")
    assert holds("math:variable_name", {"variable": "n"}, r"LET \(n\) DENOTE the clips")
    assert not holds("math:variable_name", {"variable": "n"}, "Let $N$ be the number of clips.")
    assert not holds("math:variable_name", {"variable": "n"}, "Let $nm$ be the clips.")


def test_reduced_fraction():
    fid = "math:reduced_fraction"
    assert holds(fid, None, r"so \boxed{\frac{3}{4}}") and holds(fid, None, "it is -3/4")
    assert not holds(fid, None, r"so \boxed{\frac{6}{8}}") and not holds(fid, None, r"\boxed{3/1}")
    assert not holds(fid, None, r"\boxed{0.75}")


def test_answer_dependent_families_are_drawn_only_where_they_fit():
    words, fraction = (
        default_registry().get("math:answer_in_words"),
        default_registry().get("math:reduced_fraction"),
    )
    rng = random.Random(0)
    assert words.sample(rng, Context(answer="72")) == {}
    assert fraction.sample(rng, Context(answer=r"\frac{14}{3}")) == {}
    for family, gold in (
        (words, r"\frac{14}{3}"),
        (words, "x + 1"),
        (fraction, "72"),
        (fraction, r"\frac{6}{8}"),
    ):
        with pytest.raises(ConstraintArgError, match="gold answer"):
            family.sample(rng, Context(answer=gold))


def test_maths_checkers_never_evaluate_model_text(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("model text was evaluated")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    hostile = r"\boxed{__import__('os').system('echo pwned')} 1/0 \frac{1}{0} \boxed{2**10**10}"
    for family in EXTENDED:
        args = family.validate(family.sample(random.Random(0), Context()))
        assert family.check(hostile, args) in (True, False)
    assert not holds("math:reduced_fraction", None, hostile)


# conflicts and joint witnesses -------------------------------------------------------

IMPOSSIBLE = [
    (mk("first_word:first_word_answer", {"first_word": "now"}),
     mk("length_constraint_checkers:nth_paragraph_first_word",
        {"num_paragraphs": 2, "nth_paragraph": 1, "first_word": "thus"})),
    (mk("keywords:word_once", {"keyword": "root"}),
     mk("keywords:frequency", {"keyword": "root", "frequency": 2, "relation": "at least"})),
    (mk("keywords:word_once", {"keyword": "root"}), mk("keywords:forbidden_words", {"forbidden_words": ["root"]})),
    (mk("math:single_boxed", None), mk("keywords:letter_frequency", {"letter": "x", "let_frequency": 1, "let_relation": "less than"})),
    (mk("math:variable_name", {"variable": "x"}), mk("change_case:english_capital", None)),
    (mk("startend:end_checker", {"end_phrase": "Any other questions?"}),
     mk("length_constraint_checkers:number_sentences", {"num_sentences": 1, "relation": "less than"})),
    (mk("combination:repeat_prompt", {"prompt_to_repeat": "Find $$x$$ if $$x+1=2$$."}),
     mk("math:max_display_equations", {"max_equations": 1})),
    (mk("format:sub-bullets", None), mk("length_constraint_checkers:number_paragraphs", {"num_paragraphs": 2})),
    (mk("keywords:existence", {"keywords": ["point", "question"]}),
     mk("keywords:letter_frequency", {"letter": "i", "let_frequency": 2, "let_relation": "less than"})),
]  # fmt: skip


@pytest.mark.parametrize("pair", IMPOSSIBLE, ids=lambda p: f"{p[0].id}+{p[1].id}")
def test_argument_level_contradictions_are_found_and_have_no_witness(pair):
    assert instance_conflicts(list(pair))
    assert joint_witness(list(pair)) is None


def test_letters_of_distinct_forced_words_add_up():
    insts = [
        mk("keywords:word_once", {"keyword": "root"}),
        mk("first_word:first_word_answer", {"first_word": "now"}),
        mk("keywords:letter_frequency", {"letter": "o", "let_frequency": 3, "let_relation": "less than"}),
    ]
    assert not pair_conflicts(insts[0], insts[2]) and not pair_conflicts(insts[1], insts[2])
    assert instance_conflicts(insts)
    # words inside another word are not counted twice ("note" in "denote")
    nested = [
        mk("keywords:existence", {"keywords": ["denote", "note"]}),
        mk("keywords:letter_frequency", {"letter": "o", "let_frequency": 2, "let_relation": "less than"}),
    ]
    assert not instance_conflicts(nested)
    witness = joint_witness(nested)
    assert witness is not None and meets_all(witness, nested)


def test_type_level_conflicts_of_the_new_families():
    reg = default_registry()
    json_friends = {"keywords:existence", "keywords:forbidden_words", "detectable_format:json_format"}
    assert reg.conflicts("detectable_format:json_format") == (frozenset(SHIPPED_IDS) - json_friends) | {
        "detectable_format:json_format"
    }
    assert reg.type_conflict("format:sub-bullets", "detectable_format:number_bullet_lists")
    assert reg.type_conflict("keywords:start_end", "startend:quotation")
    assert reg.type_conflict("math:answer_in_words", "math:reduced_fraction")
    assert not reg.type_conflict("math:single_boxed", "math:answer_first")


def test_maths_families_combine():
    insts = [mk("math:single_boxed", None), mk("math:answer_first", None), mk("math:answer_in_words", None)]
    witness = joint_witness(insts, seed=1)
    assert witness is not None and meets_all(witness, insts)
    assert witness.count("\\boxed") == 1
