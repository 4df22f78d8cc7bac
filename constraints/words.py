"""Words and letters beyond MathIF: letter counts, a word used once, the first
and the last word.

Families:
- keywords:letter_frequency (lexical) -- IFEval: a letter appears "less
  than" or "at least" N times, case-insensitively (IFEval's check counts the
  lower-cased response's characters); one of the IFEval families MathIF left out;
- keywords:word_once (lexical) -- the word appears exactly once, as a whole
  word, case-insensitively;
- first_word:first_word_answer (affix) -- the response's first word (first
  ``\\w+`` token) is the given word, case-insensitively;
- last_word:last_word_answer (affix) -- its last word is the given word
  (punctuation may follow);
- keywords:start_end (affix) -- it starts and ends with the same word, and
  nothing follows that last word, not even punctuation.

The last four come from the IFEval-like constraints of Tülu 3 (open-instruct's
IFEvalG, Lambert et al. 2024), also in IFBench's training set (Pyatkin et al.
2025); ids are theirs.  Words here are ``\\w+`` tokens, as MathIF counts them,
where those sets split on whitespace or use nltk.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter

from .base import (
    PHASE_ADD,
    PHASE_AFFIX,
    PHASE_TRIM,
    RELATIONS,
    Args,
    ConstraintArgError,
    Family,
    Param,
    compare,
    pick,
)
from .provenance import IFEVAL, TULU
from .text import _WORD as WORD
from .text import MATH_WORDS, drop_filler, filler

FIRST_WORDS = ("now", "thus", "hence", "here", "next", "well", "okay", "right")
LAST_WORDS = ("done", "indeed", "finished", "complete", "qed", "solved")


def _one_word(family_id: str, arg: str):
    def validate(args: Args) -> None:
        if not re.fullmatch(r"\w+", args[arg]):
            raise ConstraintArgError(
                family_id, arg, f"must be one word (letters, digits, _), got {args[arg]!r}"
            )

    return validate


def first_token(text: str) -> str | None:
    m = WORD.search(text)
    return None if m is None else m.group(0)


def last_token(text: str) -> str | None:
    found = None
    for found in WORD.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return None if found is None else found.group(0)


# keywords:letter_frequency ---------------------------------------------------


def letter_count(response: str, letter: str) -> int:
    return Counter(response.lower())[letter.lower()]


def _letter_text(args: Args, satisfy: bool) -> str:
    many = args["let_relation"] == "at least"
    if many == satisfy:
        return "7 + 5 = 12 and " + args["letter"] * args["let_frequency"]
    return "7 + 5 = 12."


# A cap on a common letter ("e less than 3 times") rules out ordinary English,
# so "less than" is drawn for rare letters only; "at least" for any letter.
RARE_LETTERS = ("j", "q", "x", "z")


def _letter_sample(rng: random.Random, ctx) -> Args:
    relation = pick(rng, RELATIONS)
    letters = RARE_LETTERS if relation == "less than" else string.ascii_lowercase
    return {"letter": pick(rng, letters), "let_frequency": rng.randint(1, 10), "let_relation": relation}


def _letter_compose(text: str, args: Args, rng: random.Random) -> str:
    letter, n = args["letter"], args["let_frequency"]
    if args["let_relation"] == "at least":
        missing = n - letter_count(text, letter)
        return text + (" " + letter * missing if missing > 0 else "")
    done = lambda t: letter_count(t, letter) < n  # noqa: E731
    text = drop_filler(text, done, lambda w: letter in w.lower())
    return text if done(text) else _drop_inner_words(text, letter, done)


def _drop_inner_words(text: str, letter: str, done) -> str:
    """Drop words with the letter that also occur inside a longer word of the
    text ("note" beside "denote"): substring matches still find them."""
    for m in reversed(list(WORD.finditer(text))):
        if done(text):
            break
        word = m.group(0).lower()
        others = [w.lower() for w in WORD.findall(text[: m.start()] + " " + text[m.end() :])]
        if letter in word and any(word in o and word != o for o in others):
            text = text[: m.start()] + text[m.end() :]
    return text


LETTER_FREQUENCY = Family(
    id="keywords:letter_frequency",
    category="lexical",
    params=(
        Param("letter", "choice", choices=tuple(string.ascii_lowercase), doc="a letter a-z"),
        Param("let_frequency", "int", minimum=1, doc="threshold"),
        Param("let_relation", "choice", choices=RELATIONS),
    ),
    sample=_letter_sample,
    describe=lambda a: (
        f"In your response, the letter {a['letter']} should appear {a['let_relation']} "
        f"{a['let_frequency']} times."
    ),
    check=lambda r, a: compare(letter_count(r, a["letter"]), a["let_relation"], a["let_frequency"]),
    witness=lambda a, rng: _letter_text(a, satisfy=True),
    counterexample=lambda a, rng: _letter_text(a, satisfy=False),
    compose=_letter_compose,
    phase=lambda a: PHASE_ADD if a["let_relation"] == "at least" else PHASE_TRIM,
    # the other languages' texts hold letters of their own (a fixed sample in witnesses)
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=IFEVAL,
    doc="How often one letter appears, in any case: 'less than' N (strict) or 'at least' N. "
    "IFEval's keywords:letter_frequency with its exact check.",
)

# keywords:word_once ----------------------------------------------------------


def word_occurrences(response: str, word: str) -> int:
    return len(re.findall(rf"\b{re.escape(word)}\b", response, flags=re.IGNORECASE))


def _once_compose(text: str, args: Args, rng: random.Random) -> str:
    word = args["keyword"]
    text = re.sub(rf"\b{re.escape(word)}\b", " ", text, flags=re.IGNORECASE)
    return text + " " + word


WORD_ONCE = Family(
    id="keywords:word_once",
    category="lexical",
    params=(Param("keyword", "str", doc="the word to use exactly once"),),
    sample=lambda rng, ctx: {"keyword": pick(rng, MATH_WORDS)},
    describe=lambda a: f'In your response, the word "{a["keyword"]}" should appear exactly once.',
    check=lambda r, a: word_occurrences(r, a["keyword"]) == 1,
    witness=lambda a, rng: filler(6) + " " + a["keyword"] + ".",
    counterexample=lambda a, rng: filler(6) + f" {a['keyword']} and {a['keyword']}.",
    compose=_once_compose,
    phase=PHASE_ADD,
    validate_extra=_one_word("keywords:word_once", "keyword"),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=TULU + " (keywords:word_once)",
    doc="One given word appears exactly once as a whole word, in any case.",
)

# first_word:first_word_answer ------------------------------------------------


def _first_check(response: str, args: Args) -> bool:
    token = first_token(response)
    return token is not None and token.lower() == args["first_word"].lower()


FIRST_WORD = Family(
    id="first_word:first_word_answer",
    category="affix",
    params=(Param("first_word", "str", doc="the word the response starts with"),),
    sample=lambda rng, ctx: {"first_word": pick(rng, FIRST_WORDS)},
    describe=lambda a: f"The first word of your response should be the word {a['first_word']}.",
    check=_first_check,
    witness=lambda a, rng: f"{a['first_word'].capitalize()}, {filler(6)}",
    counterexample=lambda a, rng: f"{filler(3)} {a['first_word']} {filler(3)}",
    compose=lambda t, a, rng: a["first_word"] + " " + t,
    phase=PHASE_AFFIX,
    validate_extra=_one_word("first_word:first_word_answer", "first_word"),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=TULU + " (first_word:first_word_answer)",
    doc="The first \\w+ word of the response is the given word, in any case.",
)

# last_word:last_word_answer --------------------------------------------------


def _last_check(response: str, args: Args) -> bool:
    token = last_token(response)
    return token is not None and token.lower() == args["last_word"].lower()


LAST_WORD = Family(
    id="last_word:last_word_answer",
    category="affix",
    params=(Param("last_word", "str", doc="the word the response ends with"),),
    sample=lambda rng, ctx: {"last_word": pick(rng, LAST_WORDS)},
    describe=lambda a: f"The last word of your response should be the word {a['last_word']}.",
    check=_last_check,
    witness=lambda a, rng: f"{filler(6)} {a['last_word']}.",
    counterexample=lambda a, rng: f"{a['last_word']} {filler(6)}",
    compose=lambda t, a, rng: t + " " + a["last_word"] + ".",
    phase=PHASE_AFFIX,
    validate_extra=_one_word("last_word:last_word_answer", "last_word"),
    conflicts=frozenset({"startend:end_checker", "language:response_language", "keywords:start_end"}),
    source=TULU + " (last_word:last_word_answer)",
    doc="The last \\w+ word of the response is the given word, in any case; punctuation may follow it.",
)

# keywords:start_end ----------------------------------------------------------


def starts_and_ends_alike(response: str) -> bool:
    tokens = WORD.findall(response)
    if len(tokens) < 2 or tokens[0].lower() != tokens[-1].lower():
        return False
    return bool(re.search(r"\w\Z", response.rstrip()))


def _start_end_compose(text: str, args: Args, rng: random.Random) -> str:
    word = first_token(text)
    return text if word is None else text.rstrip() + " " + word


START_END = Family(
    id="keywords:start_end",
    category="affix",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Start and end your response with the same word (do not write anything after the "
        "last word, not even punctuation)."
    ),
    check=lambda r, a: starts_and_ends_alike(r),
    witness=lambda a, rng: "so " + filler(6).rstrip(".") + " so",
    counterexample=lambda a, rng: "so " + filler(6).rstrip(".") + " so.",
    compose=_start_end_compose,
    phase=PHASE_AFFIX,
    conflicts=frozenset(
        {
            "combination:repeat_prompt",
            "startend:end_checker",
            "startend:quotation",
            "last_word:last_word_answer",
            "language:response_language",
        }
    ),
    source=TULU + " (keywords:start_end)",
    doc="The first and last \\w+ words are the same (in any case), there are at least two "
    "words, and nothing follows the last word, not even punctuation.",
)

FAMILIES = (LETTER_FREQUENCY, WORD_ONCE, FIRST_WORD, LAST_WORD, START_END)
