"""Lexical constraints: which words, which letters, which language, which letter case.

Families (category "lexical"):
- keywords:existence, keywords:frequency, keywords:forbidden_words,
  language:response_language, change_case:capital_word_frequency,
  change_case:english_capital, change_case:english_lowercase -- MathIF's
  lexical category, all from IFEval (Zhou et al., 2023) as MathIF uses them;
- keywords:letter_frequency -- IFEval: a letter appears "less than" or "at
  least" N times, case-insensitively (IFEval's check counts the lower-cased
  response's characters); one of the IFEval families MathIF left out;
- keywords:word_once -- the word appears exactly once; from the IFEval-like
  constraints of Tülu 3 (open-instruct's IFEvalG, Lambert et al. 2024), also in
  IFBench's training set (Pyatkin et al. 2025).  The id is theirs and so is the
  verdict: IFEvalG counts ``re.findall(keyword, response, re.I)``, substrings
  included ("now" is found in "know"; "clean" twice in "Clean... Cleanup");
  ``--fix-quirks`` counts whole words only.

MathIF semantics kept on purpose:
- keywords are regular expressions matched case-insensitively as substrings
  (``re.search(keyword, response, re.I)``): "cause" is found in "because";
- forbidden words are matched with word boundaries (``\\bword\\b``);
- a text whose language cannot be detected counts as following the language
  and case constraints.
``--fix-quirks`` matches keywords literally and counts an undetectable
language as not followed.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter

from ..base import (
    MAX_COUNT,
    MAX_LETTERS,
    MAX_WORD_LENGTH,
    PHASE_ADD,
    PHASE_BASE,
    PHASE_CASE,
    PHASE_REMOVE,
    PHASE_TRIM,
    RELATIONS,
    Args,
    Family,
    Param,
    compare,
    pick,
)
from ..keywords import KEYWORD_LENGTH, compile_keyword, compile_keywords, one_word_validator, strip_matches
from ..provenance import IFEVAL, MATHIF, TULU
from ..text import _WORD as WORD
from ..text import (
    LANGUAGE_NAMES,
    LANGUAGE_SAMPLES,
    MATH_WORDS,
    count_capital_words,
    detect_language,
    drop_filler_counted,
    filler,
)


def _count(pattern: str, response: str, literal: bool = False) -> int:
    pattern = re.escape(pattern) if literal else pattern
    return len(re.findall(pattern, response, flags=re.IGNORECASE))


def _contains(pattern: str, response: str, literal: bool = False) -> bool:
    pattern = re.escape(pattern) if literal else pattern
    return re.search(pattern, response, flags=re.IGNORECASE) is not None


def _without(patterns: list[str], rng: random.Random) -> str:
    text = filler(12)
    for p in patterns:
        text = strip_matches(text, p)
    return text if text.strip() else "..."


# keywords:existence ---------------------------------------------------------


def _existence_validate(args: Args) -> None:
    compile_keywords("keywords:existence", "keywords", args["keywords"])


def _existence_check(response: str, args: Args, literal: bool = False) -> bool:
    return all(_contains(k, response, literal) for k in args["keywords"])


EXISTENCE = Family(
    id="keywords:existence",
    category="lexical",
    params=(
        Param(
            "keywords",
            "str_list",
            doc="words that must appear (regex, case-insensitive)",
            max_length=KEYWORD_LENGTH,
        ),
    ),
    sample=lambda rng, ctx: {"keywords": sorted(rng.sample(MATH_WORDS, 2))},
    describe=lambda a: f'Include keywords "{sorted(a["keywords"])}" in the response.',
    check=_existence_check,
    check_fixed=lambda r, a: _existence_check(r, a, literal=True),
    witness=lambda a, rng: filler(8) + " " + " ".join(a["keywords"]) + ".",
    counterexample=lambda a, rng: _without(a["keywords"][:1], rng),
    compose=lambda t, a, rng: t + " " + " ".join(a["keywords"]),
    validate_extra=_existence_validate,
    source=MATHIF,
)


# keywords:frequency ---------------------------------------------------------


def _frequency_validate(args: Args) -> None:
    compile_keyword("keywords:frequency", "keyword", args["keyword"].strip())


def _frequency_check(response: str, args: Args, literal: bool = False) -> bool:
    n = _count(args["keyword"].strip(), response, literal)
    return compare(n, args["relation"], args["frequency"])


def _frequency_text(args: Args, rng: random.Random, satisfy: bool) -> str:
    many = args["relation"] == "at least"
    if many == satisfy:
        k = args["keyword"].strip()
        return filler(6) + "".join(f" {k} and" for _ in range(args["frequency"])) + " done."
    return _without([args["keyword"].strip()], rng)


def _frequency_compose(text: str, args: Args, rng: random.Random) -> str:
    k = args["keyword"].strip()
    if args["relation"] == "at least":
        missing = args["frequency"] - _count(k, text)
        return text + "".join(f" {k}" for _ in range(max(missing, 0)))
    return strip_matches(text, k) if _count(k, text) >= args["frequency"] else text


def _grow_or_shrink(args: Args, relation_key: str, shrink_phase: int) -> int:
    return PHASE_ADD if args[relation_key] == "at least" else shrink_phase


FREQUENCY = Family(
    id="keywords:frequency",
    category="lexical",
    params=(
        Param("keyword", "str", doc="the word to count (regex, case-insensitive)", max_length=KEYWORD_LENGTH),
        Param("frequency", "int", minimum=1, maximum=MAX_COUNT, doc="threshold"),
        Param("relation", "choice", choices=RELATIONS),
    ),
    sample=lambda rng, ctx: {
        "keyword": pick(rng, MATH_WORDS),
        "frequency": rng.randint(1, 3),
        "relation": pick(rng, RELATIONS),
    },
    describe=lambda a: (
        f'In your response, the word "{a["keyword"].strip()}" should appear '
        f"{a['relation']} {a['frequency']} times."
    ),
    check=_frequency_check,
    check_fixed=lambda r, a: _frequency_check(r, a, literal=True),
    witness=lambda a, rng: _frequency_text(a, rng, satisfy=True),
    counterexample=lambda a, rng: _frequency_text(a, rng, satisfy=False),
    compose=_frequency_compose,
    phase=lambda a: _grow_or_shrink(a, "relation", PHASE_REMOVE),
    validate_extra=_frequency_validate,
    source=MATHIF,
)


# keywords:forbidden_words ---------------------------------------------------


def _forbidden_validate(args: Args) -> None:
    compile_keywords(
        "keywords:forbidden_words", "forbidden_words", [rf"\b{w}\b" for w in args["forbidden_words"]]
    )


def _forbidden_check(response: str, args: Args, literal: bool = False) -> bool:
    for w in args["forbidden_words"]:
        w = re.escape(w) if literal else w
        if re.search(rf"\b{w}\b", response, flags=re.IGNORECASE):
            return False
    return True


FORBIDDEN = Family(
    id="keywords:forbidden_words",
    category="lexical",
    params=(
        Param(
            "forbidden_words",
            "str_list",
            doc="words that must not appear as words",
            max_length=KEYWORD_LENGTH,
        ),
    ),
    sample=lambda rng, ctx: {"forbidden_words": sorted(rng.sample(MATH_WORDS, 2))},
    describe=lambda a: f'Do not include keywords "{sorted(set(a["forbidden_words"]))}" in the response.',
    check=_forbidden_check,
    check_fixed=lambda r, a: _forbidden_check(r, a, literal=True),
    witness=lambda a, rng: _without([rf"\b{w}\b" for w in a["forbidden_words"]], rng),
    counterexample=lambda a, rng: filler(14) + " " + a["forbidden_words"][0] + " here.",
    compose=lambda t, a, rng: strip_matches(t, "|".join(rf"\b{w}\b" for w in a["forbidden_words"])),
    phase=PHASE_REMOVE,
    validate_extra=_forbidden_validate,
    source=MATHIF,
)


# language:response_language -------------------------------------------------


def _language_check(response: str, args: Args, undetectable: bool = True) -> bool:
    found = detect_language(response)
    return undetectable if found is None else found == args["language"]


def _other_language(code: str) -> str:
    return LANGUAGE_SAMPLES["es" if code == "en" else "en"]


LANGUAGE = Family(
    id="language:response_language",
    category="lexical",
    params=(Param("language", "choice", choices=tuple(LANGUAGE_NAMES)),),
    sample=lambda rng, ctx: {"language": pick(rng, tuple(LANGUAGE_NAMES))},
    describe=lambda a: (
        f"Your answer should be in {LANGUAGE_NAMES[a['language']]} language, no other language is allowed. "
    ),
    check=_language_check,
    check_fixed=lambda r, a: _language_check(r, a, undetectable=False),
    witness=lambda a, rng: LANGUAGE_SAMPLES[a["language"]],
    counterexample=lambda a, rng: _other_language(a["language"]),
    compose=lambda t, a, rng: LANGUAGE_SAMPLES[a["language"]],
    phase=PHASE_BASE,
    source=MATHIF,
)


# change_case:capital_word_frequency -----------------------------------------


def _capital_text(args: Args, satisfy: bool) -> str:
    many = args["capital_relation"] == "at least"
    if many == satisfy:
        return filler(6) + "".join(" NOTE" for _ in range(args["capital_frequency"])) + " done."
    return filler(12)


CAPITAL_WORDS = ("OK", "YES", "SO", "NOTE")


def _capital_compose(text: str, args: Args, rng: random.Random) -> str:
    have = count_capital_words(text)
    if args["capital_relation"] == "at least":
        word = pick(rng, CAPITAL_WORDS)
        return text + "".join(f" {word}" for _ in range(max(args["capital_frequency"] - have, 0)))
    return text.lower() if have >= args["capital_frequency"] else text


CAPITAL_WORD_FREQUENCY = Family(
    id="change_case:capital_word_frequency",
    category="lexical",
    params=(
        Param("capital_frequency", "int", minimum=1, maximum=MAX_COUNT),
        Param("capital_relation", "choice", choices=RELATIONS),
    ),
    sample=lambda rng, ctx: {
        "capital_frequency": rng.randint(1, 20),
        "capital_relation": pick(rng, RELATIONS),
    },
    describe=lambda a: (
        "In your response, words with all capital letters should appear "
        f"{a['capital_relation']} {a['capital_frequency']} times."
    ),
    check=lambda r, a: compare(count_capital_words(r), a["capital_relation"], a["capital_frequency"]),
    witness=lambda a, rng: _capital_text(a, satisfy=True),
    counterexample=lambda a, rng: _capital_text(a, satisfy=False),
    compose=_capital_compose,
    phase=lambda a: _grow_or_shrink(a, "capital_relation", PHASE_REMOVE),
    source=MATHIF,
)


# change_case:english_capital / english_lowercase ----------------------------


def _english_case_check(response: str, upper: bool, undetectable: bool = True) -> bool:
    if not (response.isupper() if upper else response.islower()):
        return False
    found = detect_language(response)
    return undetectable if found is None else found == "en"


ENGLISH_CAPITAL = Family(
    id="change_case:english_capital",
    category="lexical",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "Your entire response should be in English, and in all capital letters.",
    check=lambda r, a: _english_case_check(r, upper=True),
    check_fixed=lambda r, a: _english_case_check(r, upper=True, undetectable=False),
    witness=lambda a, rng: LANGUAGE_SAMPLES["en"].upper(),
    counterexample=lambda a, rng: LANGUAGE_SAMPLES["en"],
    compose=lambda t, a, rng: t.upper(),
    phase=PHASE_CASE,
    source=MATHIF,
)

ENGLISH_LOWERCASE = Family(
    id="change_case:english_lowercase",
    category="lexical",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Your entire response should be in English, and in all lowercase letters. "
        "No capital letters are allowed."
    ),
    check=lambda r, a: _english_case_check(r, upper=False),
    check_fixed=lambda r, a: _english_case_check(r, upper=False, undetectable=False),
    witness=lambda a, rng: LANGUAGE_SAMPLES["en"].lower(),
    counterexample=lambda a, rng: LANGUAGE_SAMPLES["en"],
    compose=lambda t, a, rng: t.lower(),
    phase=PHASE_CASE,
    source=MATHIF,
)

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
    # the letter count adds up over words (only a capital sigma lower-cases by context)
    weight = lambda word: word.lower().count(letter)  # noqa: E731
    enough = lambda count: count < n  # noqa: E731
    text = drop_filler_counted(
        text, letter_count(text, letter), enough, weight, lambda w: letter in w.lower()
    )
    count = letter_count(text, letter)
    return text if enough(count) else _drop_inner_words(text, letter, count, n)


def _drop_inner_words(text: str, letter: str, count: int, n: int) -> str:
    """Drop words with the letter that also occur inside a longer word of the
    text ("note" beside "denote"): substring matches still find them.  From the
    last word backwards, while the letter appears ``n`` times or more (``count``:
    how often it does now); a word goes when another, different word of the
    text as it is by then holds it."""
    words = list(WORD.finditer(text))
    lowered = [m.group(0).lower() for m in words]
    with_letter = sorted({w for w in lowered if letter in w})
    occurrences = Counter(w for w in lowered if letter in w)
    # how many occurrences of other words hold each word (a word holding one with
    # the letter has the letter too)
    holders = {w: sum(occurrences[o] for o in with_letter if o != w and w in o) for w in with_letter}
    dropped: list[re.Match[str]] = []
    for k in range(len(words) - 1, -1, -1):
        if count < n:
            break
        word = lowered[k]
        if letter in word and holders[word] > 0:
            dropped.append(words[k])
            count -= word.count(letter)
            for w in with_letter:
                if w != word and w in word:
                    holders[w] -= 1
    pieces, cursor = [], 0
    for m in reversed(dropped):
        pieces.append(text[cursor : m.start()])
        cursor = m.end()
    pieces.append(text[cursor:])
    return "".join(pieces)


LETTER_FREQUENCY = Family(
    id="keywords:letter_frequency",
    category="lexical",
    params=(
        Param("letter", "choice", choices=tuple(string.ascii_lowercase), doc="a letter a-z"),
        Param("let_frequency", "int", minimum=1, maximum=MAX_LETTERS, doc="threshold"),
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
    """Whole-word occurrences, in any case (``--fix-quirks``)."""
    return len(re.findall(rf"\b{re.escape(word)}\b", response, flags=re.IGNORECASE))


def substring_occurrences(response: str, word: str) -> int:
    """IFEvalG's count: non-overlapping matches anywhere, in any case (the keyword is one
    ``\\w+`` word, so as a pattern it is the literal word)."""
    return len(re.findall(re.escape(word), response, flags=re.IGNORECASE))


def _once_compose(text: str, args: Args, rng: random.Random) -> str:
    word = args["keyword"]
    text = strip_matches(text, re.escape(word))  # inside other words too, as IFEvalG counts
    return text + " " + word


def _once_witness(args: Args, rng: random.Random) -> str:
    return strip_matches(filler(6), re.escape(args["keyword"])) + " " + args["keyword"] + "."


WORD_ONCE = Family(
    id="keywords:word_once",
    category="lexical",
    params=(Param("keyword", "str", doc="the word to use exactly once", max_length=MAX_WORD_LENGTH),),
    sample=lambda rng, ctx: {"keyword": pick(rng, MATH_WORDS)},
    describe=lambda a: f'In your response, the word "{a["keyword"]}" should appear exactly once.',
    check=lambda r, a: substring_occurrences(r, a["keyword"]) == 1,
    check_fixed=lambda r, a: word_occurrences(r, a["keyword"]) == 1,
    witness=_once_witness,
    counterexample=lambda a, rng: filler(6) + f" {a['keyword']} and {a['keyword']}.",
    compose=_once_compose,
    phase=PHASE_ADD,
    validate_extra=one_word_validator("keywords:word_once", "keyword"),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=TULU + " (keywords:word_once)",
    doc="IFEvalG's check: the given word occurs exactly once in any case, inside other words "
    "too ('now' is found in 'know'). --fix-quirks: exactly once as a whole word.",
)

MATHIF_FAMILIES = (
    EXISTENCE,
    FREQUENCY,
    FORBIDDEN,
    LANGUAGE,
    CAPITAL_WORD_FREQUENCY,
    ENGLISH_CAPITAL,
    ENGLISH_LOWERCASE,
)
EXTENDED_FAMILIES = (LETTER_FREQUENCY, WORD_ONCE)
FAMILIES = (*MATHIF_FAMILIES, *EXTENDED_FAMILIES)
