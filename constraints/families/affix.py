"""Affix constraints: what the response starts or ends with.

Families (category "affix"):
- combination:repeat_prompt, startend:end_checker, startend:quotation --
  MathIF's affix category, from IFEval (Zhou et al., 2023) as MathIF uses them;
- detectable_content:postscript -- IFEval: a postscript starting with "P.S."
  or "P.P.S" (IFEval's check: the marker appears somewhere, in any case; it
  need not be at the end of the response); one of the IFEval families MathIF
  left out;
- first_word:first_word_answer -- the response's first word is the given word;
- last_word:last_word_answer -- its last word is the given word;
- keywords:start_end -- it starts and ends with the same word.
The last three come from the IFEval-like constraints of Tülu 3 (open-instruct's
IFEvalG, Lambert et al. 2024), also in IFBench's training set (Pyatkin et al.
2025); ids are theirs, and so are the verdicts (IFEvalG's checks):
- first word: the first whitespace-separated token, lower-cased, equals the
  word lower-cased, so "Okay," or ``"(Verse`` is not "okay" or "verse";
- last word: the last whitespace-separated token with every character that is
  neither ``\\w`` nor whitespace deleted, lower-cased ("XML-tree!" is
  "xmltree"; a closing quote or an emoji standing alone as the last token is
  the empty word, which fails);
- start and end: the first and the last of nltk's word tokens
  (``nltk.word_tokenize``: punkt sentences, then Treebank tokens), compared
  lower-cased, with at least two tokens; punctuation tokens count, so a
  response that opens with a quote (``\\`\\```) always fails and one that
  starts and ends with the same punctuation passes.
An empty response follows none of them (IFEvalG's first- and last-word checks
raise an IndexError on it).  ``--fix-quirks`` reads words as ``\\w+`` tokens,
as MathIF counts them: the first ``\\w+`` word, the last ``\\w+`` word
(punctuation may follow it), and for start and end the first and last ``\\w+``
words, at least two, with nothing after the last word, not even punctuation.

MathIF semantics kept on purpose: the repeated prompt is compared case
insensitively after stripping whitespace; the end phrase is compared case
insensitively after stripping whitespace and then any double quotes from the
end of the response (so it combines with quotation); quotation needs at least
two characters after stripping, the first and last being '"'.
"""

from __future__ import annotations

import random
import re

from ..base import (
    MAX_PHRASE_LENGTH,
    MAX_STR_LENGTH,
    MAX_WORD_LENGTH,
    PHASE_AFFIX,
    PHASE_WRAP,
    Args,
    ConstraintArgError,
    Context,
    Family,
    Param,
    pick,
)
from ..keywords import one_word_validator
from ..provenance import IFEVAL, MATHIF, TULU
from ..text import _WORD as WORD
from ..text import filler, word_tokens

# combination:repeat_prompt --------------------------------------------------

REPEAT_DESCRIPTION = (
    "First repeat the request word for word without change, then give your answer "
    "(1. do not say any words or characters before repeating the request; "
    "2. the request you need to repeat does not include this sentence)"
)


def _repeat_sample(rng, ctx: Context) -> Args:
    if not ctx.question.strip():
        raise ConstraintArgError("combination:repeat_prompt", "prompt_to_repeat", "needs a question")
    return {"prompt_to_repeat": ctx.question}


def _maybe_lower(text: str, rng: random.Random) -> str:
    """Affixes are matched case-insensitively: half the attempts use lower case,
    which lets them meet a limit on capital words."""
    return text.lower() if rng.random() < 0.5 else text


def _repeat_check(response: str, args: Args) -> bool:
    return response.strip().lower().startswith(args["prompt_to_repeat"].strip().lower())


REPEAT_PROMPT = Family(
    id="combination:repeat_prompt",
    category="affix",
    params=(
        Param(
            "prompt_to_repeat",
            "str",
            doc="the request to repeat first (the question)",
            max_length=MAX_STR_LENGTH,
        ),
    ),
    sample=_repeat_sample,
    describe=lambda a: REPEAT_DESCRIPTION,
    check=_repeat_check,
    witness=lambda a, rng: a["prompt_to_repeat"].strip() + "\n" + filler(8),
    counterexample=lambda a, rng: "sure. " + a["prompt_to_repeat"].strip(),
    compose=lambda t, a, rng: _maybe_lower(a["prompt_to_repeat"].strip(), rng) + "\n" + t,
    phase=PHASE_AFFIX,
    source=MATHIF,
)

# startend:end_checker -------------------------------------------------------

END_PHRASES = ("Any other questions?", "Is there anything else I can help with?")


def _end_check(response: str, args: Args) -> bool:
    return response.strip().strip('"').lower().endswith(args["end_phrase"].strip().lower())


END_CHECKER = Family(
    id="startend:end_checker",
    category="affix",
    params=(
        Param(
            "end_phrase",
            "str",
            doc="the exact phrase the response must end with",
            max_length=MAX_PHRASE_LENGTH,
        ),
    ),
    sample=lambda rng, ctx: {"end_phrase": pick(rng, END_PHRASES)},
    describe=lambda a: (
        f'Finish your response with this exact phrase "{a["end_phrase"].strip()}". '
        "No other words should follow this phrase."
    ),
    check=_end_check,
    witness=lambda a, rng: filler(8) + " " + a["end_phrase"].strip(),
    counterexample=lambda a, rng: a["end_phrase"].strip() + " " + filler(8) + " ok",
    compose=lambda t, a, rng: t + " " + _maybe_lower(a["end_phrase"].strip(), rng),
    phase=PHASE_AFFIX,
    source=MATHIF,
)

# startend:quotation ---------------------------------------------------------


def _quoted(response: str) -> bool:
    value = response.strip()
    return len(value) > 1 and value[0] == '"' and value[-1] == '"'


QUOTATION = Family(
    id="startend:quotation",
    category="affix",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: "Wrap your entire response with double quotation marks. ",
    check=lambda r, a: _quoted(r),
    witness=lambda a, rng: '"' + filler(10) + '"',
    counterexample=lambda a, rng: filler(10),
    compose=lambda t, a, rng: '"' + t + '"',
    phase=PHASE_WRAP,
    source=MATHIF,
)

# detectable_content:postscript -----------------------------------------------

# IFEval's patterns start with \s*, which changes nothing for a search (and is
# quadratic on long runs of blanks), so it is left out.
_POSTSCRIPT = {"P.P.S": r"p\.\s?p\.\s?s", "P.S.": r"p\.\s?s\."}


def has_postscript(response: str, marker: str) -> bool:
    pattern = _POSTSCRIPT.get(marker, re.escape(marker.lower()))
    return re.search(pattern, response.lower()) is not None


POSTSCRIPT = Family(
    id="detectable_content:postscript",
    category="affix",
    params=(
        Param("postscript_marker", "choice", choices=("P.S.", "P.P.S"), doc="how the postscript starts"),
    ),
    sample=lambda rng, ctx: {"postscript_marker": pick(rng, ("P.S.", "P.P.S"))},
    describe=lambda a: (
        f"At the end of your response, please explicitly add a postscript starting with {a['postscript_marker']}"
    ),
    check=lambda r, a: has_postscript(r, a["postscript_marker"]),
    witness=lambda a, rng: filler(8) + f"\n{a['postscript_marker']} we check again.",
    counterexample=lambda a, rng: filler(8) + "\nPS we check again.",
    # the marker is matched in any case: half the attempts write it in lower case,
    # which lets it meet a limit on capital words
    compose=lambda t, a, rng: (
        t + f"\n{pick(rng, (a['postscript_marker'], a['postscript_marker'].lower()))} we check again."
    ),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language"}),
    source=IFEVAL,
    doc="A postscript starting with P.S. or P.P.S. IFEval's detectable_content:postscript with "
    "its exact check (the marker may appear anywhere, in any case).",
)

# the first and the last word (first_word, last_word, start_end) ------------

FIRST_WORDS = ("now", "thus", "hence", "here", "next", "well", "okay", "right")
LAST_WORDS = ("done", "indeed", "finished", "complete", "qed", "solved")


def first_token(text: str) -> str | None:
    m = WORD.search(text)
    return None if m is None else m.group(0)


def last_token(text: str) -> str | None:
    found = None
    for found in WORD.finditer(text):  # noqa: B007 - the last one is wanted
        pass
    return None if found is None else found.group(0)


# first_word:first_word_answer ------------------------------------------------


def first_whitespace_token(text: str) -> str | None:
    """IFEvalG's ``value.split()[0]`` (None for a blank text), reading only the start."""
    parts = text.split(maxsplit=1)
    return parts[0] if parts else None


def last_whitespace_token(text: str) -> str | None:
    """IFEvalG's ``value.split()[-1]`` (None for a blank text), reading only the end."""
    parts = text.rsplit(maxsplit=1)
    return parts[-1] if parts else None


_NOT_WORD_OR_SPACE = re.compile(r"[^\w\s]")


def _first_check(response: str, args: Args) -> bool:
    token = first_whitespace_token(response)
    return token is not None and token.lower() == args["first_word"].lower()


def _first_check_words(response: str, args: Args) -> bool:
    token = first_token(response)
    return token is not None and token.lower() == args["first_word"].lower()


FIRST_WORD = Family(
    id="first_word:first_word_answer",
    category="affix",
    params=(Param("first_word", "str", doc="the word the response starts with", max_length=MAX_WORD_LENGTH),),
    sample=lambda rng, ctx: {"first_word": pick(rng, FIRST_WORDS)},
    describe=lambda a: f"The first word of your response should be the word {a['first_word']}.",
    check=_first_check,
    check_fixed=_first_check_words,
    witness=lambda a, rng: f"{a['first_word'].capitalize()} {filler(6)}",
    counterexample=lambda a, rng: f"{filler(3)} {a['first_word']} {filler(3)}",
    compose=lambda t, a, rng: a["first_word"] + " " + t,
    phase=PHASE_AFFIX,
    validate_extra=one_word_validator("first_word:first_word_answer", "first_word"),
    conflicts=frozenset({"combination:repeat_prompt", "language:response_language", "startend:quotation"}),
    source=TULU + " (first_word:first_word_answer)",
    doc="IFEvalG's check: the first whitespace-separated token of the response, in any case, is "
    "the given word (so 'Okay,' is not 'okay'). --fix-quirks: the first \\w+ word.",
)

# last_word:last_word_answer --------------------------------------------------


def _last_check(response: str, args: Args) -> bool:
    token = last_whitespace_token(response)
    return token is not None and _NOT_WORD_OR_SPACE.sub("", token).lower() == args["last_word"].lower()


def _last_check_words(response: str, args: Args) -> bool:
    token = last_token(response)
    return token is not None and token.lower() == args["last_word"].lower()


LAST_WORD = Family(
    id="last_word:last_word_answer",
    category="affix",
    params=(Param("last_word", "str", doc="the word the response ends with", max_length=MAX_WORD_LENGTH),),
    sample=lambda rng, ctx: {"last_word": pick(rng, LAST_WORDS)},
    describe=lambda a: f"The last word of your response should be the word {a['last_word']}.",
    check=_last_check,
    check_fixed=_last_check_words,
    witness=lambda a, rng: f"{filler(6)} {a['last_word']}.",
    counterexample=lambda a, rng: f"{a['last_word']} {filler(6)}",
    compose=lambda t, a, rng: t + " " + a["last_word"] + ".",
    phase=PHASE_AFFIX,
    validate_extra=one_word_validator("last_word:last_word_answer", "last_word"),
    conflicts=frozenset({"startend:end_checker", "language:response_language", "keywords:start_end"}),
    source=TULU + " (last_word:last_word_answer)",
    doc="IFEvalG's check: the last whitespace-separated token of the response, with every "
    "character that is neither \\w nor whitespace deleted, in any case, is the given word "
    "('XML-tree!' reads 'xmltree'; a lone closing quote fails). --fix-quirks: the last \\w+ "
    "word (punctuation may follow it).",
)

# keywords:start_end ----------------------------------------------------------


def nltk_end_tokens(response: str) -> tuple[str, str] | None:
    """The first and the last of ``nltk.word_tokenize(response)`` (punkt sentences, then
    Treebank tokens per sentence), or None when it has fewer than two tokens.  Only the
    first and the last sentence are tokenized: the tokens in between change neither."""
    from .. import text  # punkt's sentences (IFEval's splitter), loaded on first use

    sentences = text.punkt_sentences(response)
    if not sentences:
        return None
    first = word_tokens(sentences[0])
    last = first if len(sentences) == 1 else word_tokens(sentences[-1])
    if len(sentences) == 1 and len(first) < 2 or not first or not last:
        return None
    return first[0], last[-1]


def ifevalg_start_end(response: str) -> bool:
    """IFEvalG's check: at least two nltk word tokens, the first and the last alike in any case."""
    ends = nltk_end_tokens(response)
    return ends is not None and ends[0].lower() == ends[1].lower()


def starts_and_ends_alike(response: str) -> bool:
    """``--fix-quirks``: the first and last \\w+ words alike (at least two), nothing after the last."""
    tokens = WORD.findall(response)
    if len(tokens) < 2 or tokens[0].lower() != tokens[-1].lower():
        return False
    return bool(re.search(r"\w\Z", response.rstrip()))


def _start_end_compose(text: str, args: Args, rng: random.Random) -> str:
    """End the text with its first nltk token; a text that opens with punctuation (a quote
    becomes a different token at each end) first gets a word in front."""
    ends = nltk_end_tokens(text)
    if ends is None or not WORD.fullmatch(ends[0]):
        text = "so " + text
        ends = nltk_end_tokens(text)
    word = ends[0] if ends is not None else "so"
    return text.rstrip() + " " + word


START_END = Family(
    id="keywords:start_end",
    category="affix",
    params=(),
    sample=lambda rng, ctx: {},
    describe=lambda a: (
        "Start and end your response with the same word (do not write anything after the "
        "last word, not even punctuation)."
    ),
    check=lambda r, a: ifevalg_start_end(r),
    check_fixed=lambda r, a: starts_and_ends_alike(r),
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
    doc="IFEvalG's check: the first and the last of nltk's word tokens (nltk.word_tokenize) "
    "are the same in any case, with at least two tokens; punctuation tokens count (an opening "
    "quote always fails). --fix-quirks: the first and last \\w+ words are the same, there are "
    "at least two, and nothing follows the last word, not even punctuation.",
)

MATHIF_FAMILIES = (REPEAT_PROMPT, END_CHECKER, QUOTATION)
EXTENDED_FAMILIES = (POSTSCRIPT, FIRST_WORD, LAST_WORD, START_END)
FAMILIES = (*MATHIF_FAMILIES, *EXTENDED_FAMILIES)
