"""Length constraints: how long the response is, in words, sentences or paragraphs.

Families (category "length"):
- length_constraint_checkers:number_words -- MathIF's length family, from
  IFEval (Zhou et al., 2023).  Words are ``\\w+`` tokens, so "x^2" is two
  words and "don't" is two; "less than" is strict, "at least" is >=;
- length_constraint_checkers:number_sentences -- IFEval's number of sentences
  ("less than" or "at least" N).  IFEval splits sentences with nltk's punkt
  model; here a sentence ends at ., ! or ? followed by whitespace (a few
  abbreviations such as "P.S." and "e.g." excepted), see ``text.split_sentences``;
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

import itertools
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
from ..text import _WORD as WORD
from ..text import (
    FILLER_SET,
    count_sentences,
    count_words,
    drop_filler_counted,
    filler,
    sentence_ends,
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
    n, few = args["num_sentences"], args["relation"] == "less than"
    size = n - 1 if few == satisfy else n
    return " ".join(filler(5) for _ in range(size)) if size > 0 else "..."


_LAST_WORD = re.compile(r"(\w+)\W*\Z")


def _mergeable(before: str) -> bool:
    """A sentence end whose 40 characters ``before`` it end with a filler word or a
    number (safe to delete)."""
    m = _LAST_WORD.search(before[-40:])
    return m is not None and (m.group(1).lower() in FILLER_SET or m.group(1).isdigit())


def _more_sentences(text: str, n: int) -> str:
    """Append " 1.", " 2.", ... until ``text`` has at least ``n`` sentences (at most n + 1).

    After the first one, each addition is one more sentence: the period before
    it now meets a space and stays a sentence end, and " k." is a segment with a
    word (a number is never an abbreviation).  So only the first needs counting.
    """
    count, parts = count_sentences(text), [text]
    for i in range(1, n + 2):
        if count >= n:
            break
        parts.append(f" {i}.")
        count = count_sentences("".join(parts)) if i == 1 else count + 1
    return "".join(parts)


def _fewer_sentences(text: str, n: int) -> str:
    """Delete the first mergeable sentence end, again and again, while ``text`` has
    ``n`` sentences or more (or none is left): in one pass.

    A sentence end is a whole run of terminators between a non-terminator and a
    blank, so deleting one makes or unmakes no other end and changes no other's
    abbreviation test; the ends before it were not mergeable and, their 40
    characters before unchanged, stay so.  The next candidate is thus the next
    end, judged on the text as it is by then (its 40 characters before may have
    lost a deleted end), and the count drops by one exactly when the segments on
    both sides of the deleted end hold a word.
    """
    ends = sentence_ends(text)
    bounds = [0, *(m.end() for m in ends), len(text)]
    has_word = [WORD.search(text, a, b) is not None for a, b in itertools.pairwise(bounds)]
    count = sum(has_word)
    out: list[str] = []
    cursor, tail, merged_word = 0, "", False
    for i, m in enumerate(ends):
        if count < n:
            break
        word_before = merged_word or has_word[i]
        before = (tail + text[max(cursor, m.start() - 40) : m.start()])[-40:]
        if not _mergeable(before):
            merged_word = False
            continue
        if word_before and has_word[i + 1]:
            count -= 1
        kept = text[cursor : m.start()]
        out.append(kept)
        tail = (tail + kept[-40:])[-40:]
        cursor, merged_word = m.end(), word_before
    out.append(text[cursor:])
    return "".join(out)


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
    check=lambda r, a: compare(count_sentences(r), a["relation"], a["num_sentences"]),
    witness=lambda a, rng: _sentences_text(a, satisfy=True),
    counterexample=lambda a, rng: _sentences_text(a, satisfy=False),
    compose=_sentences_compose,
    phase=lambda a: PHASE_ADD if a["relation"] == "at least" else PHASE_TRIM,
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=IFEVAL,
    doc="How many sentences the response has: 'less than' N (strict) or 'at least' N. "
    "IFEval's length_constraints:number_sentences; sentences are split with a regular "
    "expression instead of nltk's punkt model (no data download).",
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
