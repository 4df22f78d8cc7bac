"""The families borrowed from IFEvalG (open-instruct) and IFBench give their source's verdicts
by default, and the project's readings under ``--fix-quirks``.

Each source check is written out here from the source's code (an oracle of this file's own,
not the family's code) and compared on the issue's cases, on boundaries (punctuation, unicode,
CRLF, blanks) and on generated texts.  nltk's word tokens for keywords:start_end come from
nltk's own classes: punkt with the trained English parameters (with the rules of the nltk
IFEval's code runs on: see test_punkt_sentences.py), then ``NLTKWordTokenizer``, which is
what ``nltk.word_tokenize`` does.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import ConstraintArgError, make_instance
from tests.unit.constraints.test_punkt_sentences import ORACLE as PUNKT

mk = make_instance


def holds(fid: str, args, text: str, fix_quirks: bool = False) -> bool:
    return mk(fid, args).check(text, fix_quirks=fix_quirks)


# the sources' checks, as their code reads ------------------------------------------------


def src_first_word(value: str, word: str) -> bool:  # IFEvalG FirstWordAnswerChecker
    try:
        return value.split()[0].strip().lower() == word.strip().lower()
    except IndexError:  # IFEvalG raises on an empty response: not followed
        return False


def src_last_word(value: str, word: str) -> bool:  # IFEvalG LastWordAnswerChecker
    try:
        last = value.split()[-1].strip()
    except IndexError:
        return False
    return re.sub(r"[^\w\s]", "", last).lower() == word.strip().lower()


def src_word_once(value: str, keyword: str) -> bool:  # IFEvalG KeywordFrequencyOnceChecker
    return len(re.findall(keyword, value, flags=re.IGNORECASE)) == 1


def _nltk_word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize``: punkt's sentences (IFEval's tokenizer, the oracle of
    test_punkt_sentences.py), then ``NLTKWordTokenizer`` on each."""
    from nltk.tokenize.destructive import NLTKWordTokenizer

    words = NLTKWordTokenizer()
    return [t for s in PUNKT.tokenize(text) for t in words.tokenize(s)]


def src_start_end(value: str) -> bool:  # IFEvalG StartEndChecker
    words = _nltk_word_tokenize(value)
    return len(words) >= 2 and words[0].lower() == words[-1].lower()


def src_sub_bullets(value: str) -> bool:  # IFBench SubBulletPointsChecker
    return all("-" in bullet for bullet in value.split("*")[1:])


# the cases and boundaries ----------------------------------------------------------

FIRST = [  # (text, word, source verdict, the project's reading)
    ("Okay, so we add.", "okay", False, True),
    ("1, 2 and 3", "1", False, True),
    ('"(Verse 1) the sum', "verse", False, True),
    ("okay so", "okay", True, True),
    ("OKAY so", "okay", True, True),
    ("  \r\n\tokay so", "okay", True, True),  # leading blanks and CRLF
    ("okay\r\nso", "okay", True, True),
    ("Ça va", "ça", True, True),  # unicode case
    ("okay-dokey so", "okay", False, True),
    ("", "okay", False, False),
    ("   ", "okay", False, False),
    ("so okay", "okay", False, False),
]

LAST = [
    ("the answer is XML-tree!", "xmltree", True, False),
    ('values: "2023","92"', "202392", True, False),
    ('the end "', "end", False, True),  # a closing quote alone: the empty word
    ("we are done 🎉", "done", False, True),  # an emoji alone
    ("we are done.", "done", True, True),
    ("We are DONE!!", "done", True, True),
    ("x done\r\n", "done", True, True),
    ("done, and more", "done", False, False),
    ("", "done", False, False),
    ("résumé.", "résumé", True, True),
]

ONCE = [
    ("now I know", "now", False, True),  # "now" in "know"
    ("Clean... Cleanup", "clean", False, True),
    ("a clean sum", "clean", True, True),
    ("NOW", "now", True, True),
    ("the values", "value", True, False),
    ("value and VALUE", "value", False, False),
    ("", "value", False, False),
]

START_END = [  # (text, source verdict, the project's reading)
    ('"so it goes so"', False, False),  # an opening quote is `` and the closing one ''
    ("so it goes so", True, True),
    ("so it goes so.", False, False),  # the period is the last token
    ("... it goes ...", True, False),  # the same punctuation at both ends
    ("* a list *", True, False),
    ("Hello. World hello", True, True),
    ("so\r\nit goes\r\nso", True, True),
    ("So", False, False),
    ("", False, False),
    ("Là-bas it is là-bas", True, False),  # nltk keeps "Là-bas" whole; \w+ words do not end alike
]

SUB_BULLETS = [  # (text, IFBench's verdict, the project's reading)
    ("no bullets at all", True, False),  # IFBench passes a text without any *
    ("", True, False),
    ("**bold**\n* a\n  - b", False, True),  # ** leaves an empty piece; bold is no bullet
    ("* a\n  - b\n* c\n  - d", True, True),
    ("* a\n- b", True, False),  # an unindented sub-bullet
    ("  * a\n    - b", True, False),  # an indented top bullet
    ("* a\n\n  - b", True, False),  # a blank line before the sub-bullet
    ("* a\r\n  - b", True, True),  # CRLF
    ("* α\n  - β", True, True),
    ("* a\n  - b\n* c", False, False),
    ("x = a*b - c", True, False),
    ("*“quoted” - x", True, False),
]


# (family, its argument's name or None, the source's check, the cases)
FAMILIES = [
    ("first_word:first_word_answer", "first_word", src_first_word, FIRST),
    ("last_word:last_word_answer", "last_word", src_last_word, LAST),
    ("keywords:word_once", "keyword", src_word_once, ONCE),
    ("keywords:start_end", None, src_start_end, [(t, None, s, f) for t, s, f in START_END]),
    ("format:sub-bullets", None, src_sub_bullets, [(t, None, s, f) for t, s, f in SUB_BULLETS]),
]
CASES = [(fid, arg, src, *case) for fid, arg, src, cases in FAMILIES for case in cases]


@pytest.mark.parametrize(("fid", "arg", "src", "text", "word", "source", "fixed"), CASES)
def test_the_sources_verdict_by_default_and_mathifs_under_fix_quirks(
    fid, arg, src, text, word, source, fixed
):
    args = {arg: word} if arg else None
    assert (src(text, word) if arg else src(text)) is source  # the oracle reads the case as the issue does
    assert holds(fid, args, text) is source
    assert holds(fid, args, text, fix_quirks=True) is fixed


# generated texts: the same verdict as the source on anything --------------------------------

_PIECES = st.sampled_from(
    ["so", "So", "now", "know", "Now,", "done", "done.", "DONE!", '"', "``", "*", "**", "-", "- x",
     "...", "XML-tree!", "é", "🎉", "1.", "U.S.", "Mr.", "J.", "\n", "\r\n", "\n\n", "  ", "\t", "(", ")"]
)  # fmt: skip
TEXTS = st.lists(_PIECES, max_size=14).map(" ".join) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from(["so", "now", "done", "xmltree"]))
def test_generated_texts_get_the_sources_verdicts(text, word):
    assert holds("first_word:first_word_answer", {"first_word": word}, text) is src_first_word(text, word)
    assert holds("last_word:last_word_answer", {"last_word": word}, text) is src_last_word(text, word)
    assert holds("keywords:word_once", {"keyword": word}, text) is src_word_once(text, word)
    assert holds("keywords:start_end", None, text) is src_start_end(text)
    assert holds("format:sub-bullets", None, text) is src_sub_bullets(text)


# IFEval's section splitters ------------------------------------------------------------------


@pytest.mark.parametrize("splitter", ["Section", "SECTION", "PARAGRAPH", "Day", "Audience"])
def test_ifevals_section_splitters_are_accepted_and_counted(splitter):
    fid = "detectable_format:multiple_sections"
    args = {"section_spliter": splitter, "num_sections": 3}
    inst = mk(fid, args)
    texts = {n: "\n".join(f"{splitter} {i}\nWe add {i}." for i in range(1, n + 1)) for n in (2, 3, 4)}
    assert not inst.check(texts[2]) and inst.check(texts[3]) and inst.check(texts[4])  # N-1, N, N+1
    assert not inst.check(texts[3].replace(splitter, splitter.lower()))  # IFEval's split is case-sensitive


def test_other_splitters_are_still_refused():
    with pytest.raises(ConstraintArgError, match="section_spliter"):
        mk("detectable_format:multiple_sections", {"section_spliter": "Chapter", "num_sections": 2})


def test_builds_draw_only_mathifs_splitters():
    import random

    from constraints import Context, default_registry

    family = default_registry().get("detectable_format:multiple_sections")
    drawn = {family.sample(random.Random(seed), Context())["section_spliter"] for seed in range(200)}
    assert drawn == {"Section", "SECTION"}


def test_word_once_is_not_paired_with_a_text_that_holds_the_word_inside_another():
    from constraints.conflicts import instance_conflicts, self_conflicts

    once = mk("keywords:word_once", {"keyword": "question"})
    end = mk("startend:end_checker", {"end_phrase": "Any other questions?"})
    assert any("already holds 'question'" in r for r in instance_conflicts([once, end]))
    twice = mk("startend:end_checker", {"end_phrase": "A question, questions?"})
    assert any("2 times, once allowed" in r for r in instance_conflicts([once, twice]))
    assert not instance_conflicts([once, mk("startend:end_checker", {"end_phrase": "Any other doubts?"})])
    assert self_conflicts(once) == []
