"""The linear rewrites give exactly the verdicts of what they replace.

Each checker or witness step that was quadratic on some text was rewritten; here the
old implementation (kept verbatim, or the library it stood on: nltk's tokenizer,
langdetect on the whole text) is the oracle, compared on many seeded random strings
over alphabets chosen to hit every branch (blank runs, terminators, brackets, quotes,
Unicode whitespace, case-folding oddities).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from constraints.families import format as fmt
from constraints.families.length import _range_compose
from constraints.families.lexical import _letter_compose, letter_count
from constraints.families.maths import _ENVS, _inline, count_display_equations
from constraints.latex import closing_braces
from constraints.text import (
    _WORD,
    FILLER_SET,
    FILLER_WORDS,
    LANGDETECT_SEED,
    LANGUAGE_SAMPLES,
    _language_factory,
    count_capital_words,
    count_words,
    detect_language,
    drop_filler,
    trim_filler,
    word_tokens,
)


def strings(seed: int, alphabet: list[str], n: int, longest: int = 30):
    """``n`` random strings, each over a random part of ``alphabet`` (so runs form)."""
    rng = random.Random(seed)
    for _ in range(n):
        part = rng.sample(alphabet, rng.randint(1, len(alphabet)))
        yield "".join(rng.choice(part) for _ in range(rng.randint(0, longest)))


def differences(new: Callable, old: Callable, cases) -> list:
    return [case for case in cases if new(case) != old(case)][:5]


# MathIF's bullets -------------------------------------------------------------------

_OLD_STAR = re.compile(r"^\s*\*[^\*].*$", re.MULTILINE)
_OLD_DASH = re.compile(r"^\s*-.*$", re.MULTILINE)


def old_count_bullets(response: str) -> int:
    return len(_OLD_STAR.findall(response)) + len(_OLD_DASH.findall(response))


def test_bullets():
    alphabet = [*" \n\t*-a\r\x0b\x0c\x1c\u2028\x85\u3000", "**", "\n\n", "* ", "- ", "\n  \n", "*\n"]
    assert differences(fmt.count_bullets, old_count_bullets, strings(1, alphabet, 40_000)) == []


# title and placeholders -------------------------------------------------------------

_OLD_TITLE = re.compile(r"<<[^\n]+>>")
_OLD_PLACEHOLDER = re.compile(r"\[.*?\]")


def old_has_title(response: str) -> bool:
    return any(t.lstrip("<").rstrip(">").strip() for t in _OLD_TITLE.findall(response))


def old_count_placeholders(response: str, latex_aware: bool = False) -> int:
    found = _OLD_PLACEHOLDER.finditer(response)
    if not latex_aware:
        return sum(1 for _ in found)
    return sum(
        1
        for m in found
        if (m.start() == 0 or response[m.start() - 1] != "\\") and m.group(0)[1:-1].strip().strip("\\")
    )


def test_title_and_placeholders():
    cases = list(strings(3, [*"<>[]\\ \n\tax\r\u2028", "<<", ">>", "\\[", "\\]", "[]", "< >"], 40_000))
    assert differences(fmt.has_title, old_has_title, cases) == []
    assert differences(fmt.count_placeholders, old_count_placeholders, cases) == []
    fixed = lambda t: fmt.count_placeholders(t, latex_aware=True)  # noqa: E731
    assert differences(fixed, lambda t: old_count_placeholders(t, latex_aware=True), cases) == []


# nltk's word tokens (capital words) -------------------------------------------------

TOKEN_ALPHABET = [
    *"aAbZ '\"`«“‘„»”’.,:;@#$%&?!*()[]{}<>-\u2012\u2013\u2014\u2015\n\t\r\x0b\x0c\x1c\x1d\x85\u2028\u3000\xa0",
    *"0123456789İſßK",
    *["n't", "N'T", "'ll", "'s", "'S", "can", "not", "gon", "na", "wan", "'t", "is", "was", "d", "'ye"],
    *["more", "'n", "gim", "me", "``", "''", "...", "--", "CAN'T", "'re", "'VE", "lem", "got", "ta"],
    *[". ", ".)", ". \n", '("', " ''", "Cannot", "GONNA", " 'Tis", "wanna "],
]


def test_word_tokens_are_nltks():
    from nltk.tokenize.destructive import NLTKWordTokenizer

    nltk_tokens = NLTKWordTokenizer().tokenize
    cases = list(strings(4, TOKEN_ALPHABET, 15_000, longest=40))
    assert differences(word_tokens, nltk_tokens, cases) == []
    old_capitals = lambda t: sum(1 for tok in nltk_tokens(t) if tok.isupper())  # noqa: E731
    assert differences(count_capital_words, old_capitals, cases[:3000]) == []


# langdetect reads the same characters of a long text --------------------------------


def old_detect_language(text: str) -> str | None:
    from langdetect.lang_detect_exception import LangDetectException

    try:
        detector = _language_factory().create()
        detector.seed = LANGDETECT_SEED
        detector.append(text)
        return detector.detect()
    except LangDetectException:
        return None


def long_texts():
    rng = random.Random(5)
    samples = list(LANGUAGE_SAMPLES.values())
    url = "https://" + "a" * 2076
    pieces = [
        *samples,
        url,
        url + ".b/c?d",
        "x@" + "b" * 300,
        "mail.me@host.org",
        "a\u0300",
        "e\u0301 ",
        "  ",
        "\n",
    ]
    yield (url + " ") * 40 + LANGUAGE_SAMPLES["fr"] * 3000  # URLs well past the first 64K
    yield LANGUAGE_SAMPLES["de"] * 600 + url * 40  # a URL cut by the first prefix
    yield "a\u0300" * 70_000 + LANGUAGE_SAMPLES["vi"] * 100
    for _ in range(12):
        weights = [rng.random() for _ in pieces]
        text = "".join(rng.choices(pieces, weights, k=rng.randint(400, 3000)))
        yield text
    # The first prefix (64K) cut inside a URL or an e-mail address whose start is
    # about the 10,000th character langdetect keeps: URLs of 2,084 characters (each
    # kept as one space) fill the prefix up to the cut.
    for cut_in in ("https:/", "ab.c@d"):
        for kept in range(9_960, 10_010, 3):
            head = "ab " * (kept // 3) + "-" * (kept % 3)
            room = 65_536 - len(cut_in) - len(head)
            full, rest = divmod(room, 2084)
            short = "https://" + "a" * max(rest - 9, 1) + "," if rest >= 10 else "," * rest
            text = head + short + url * full + cut_in
            yield text + "/" + "a" * 40 + "@b.org " + LANGUAGE_SAMPLES["it"] * 50


LONG_TEXTS = list(long_texts())


@pytest.mark.parametrize("k", range(len(LONG_TEXTS)))
def test_language_detection_reads_the_same_characters(k):
    from constraints.text import _language_prefix

    text = LONG_TEXTS[k]
    assert len(text) > 64_000
    whole, prefix = _language_factory().create(), _language_factory().create()
    whole.append(text)
    prefix.append(_language_prefix(text, prefix.max_text_length))
    assert prefix.text == whole.text  # what detection reads, character for character
    assert detect_language(text) == old_detect_language(text)


# witness steps ----------------------------------------------------------------------


def old_trim_filler(text: str, max_words: int) -> str:
    excess = count_words(text) - max_words
    if excess <= 0:
        return text
    spans = [m for m in re.finditer(r"\b\w+\b", text) if m.group(0) in FILLER_SET]
    for m in reversed(spans):
        if excess <= 0:
            break
        text = text[: m.start()] + text[m.end() :]
        excess -= 1
    return re.sub(r"[ \t]{2,}", " ", text)


def old_drop_inner_words(text: str, letter: str, done) -> str:
    for m in reversed(list(_WORD.finditer(text))):
        if done(text):
            break
        word = m.group(0).lower()
        others = [w.lower() for w in _WORD.findall(text[: m.start()] + " " + text[m.end() :])]
        if letter in word and any(word in o and word != o for o in others):
            text = text[: m.start()] + text[m.end() :]
    return text


def old_letter_compose(text: str, args, rng) -> str:
    letter, n = args["letter"], args["let_frequency"]
    if args["let_relation"] == "at least":
        missing = n - letter_count(text, letter)
        return text + (" " + letter * missing if missing > 0 else "")
    done = lambda t: letter_count(t, letter) < n  # noqa: E731
    text = drop_filler(text, done, lambda w: letter in w.lower())
    return text if done(text) else old_drop_inner_words(text, letter, done)


def old_range_compose(text: str, args, rng) -> str:
    middle = (args["min_words"] + args["max_words"]) // 2
    have = count_words(text)
    if have < middle:
        return text + "".join(f" {i}" for i in range(1, middle - have + 1))
    return drop_filler(old_trim_filler(text, args["max_words"]), lambda t: count_words(t) <= middle)


def texts_of_words(seed: int, n: int):
    vocab = [*FILLER_WORDS, "We", "THE", "note", "denote", "notes", "Σ", "İ", "ok", "12", "7", "x", "e", "ee"]
    vocab += ["P.S", "e.g", "Note", "DENOTE", "ſ", "ß", "a" * 30, "...", "(", "—"]
    seps = [" ", "  ", ". ", ", ", "! ", "\t", "\n", "-", "'", "", ".\n"]
    rng = random.Random(seed)
    for _ in range(n):
        part = rng.sample(vocab, rng.randint(1, len(vocab)))
        yield rng, "".join(rng.choice(part) + rng.choice(seps) for _ in range(rng.randint(0, 40)))


def test_witness_steps():
    bad = []
    for rng, text in texts_of_words(6, 12_000):
        k = rng.randint(0, 30)
        if trim_filler(text, k) != old_trim_filler(text, k):
            bad.append(("trim_filler", text, k))
        args = {
            "letter": rng.choice("eontsaxi"),
            "let_frequency": rng.randint(1, 12),
            "let_relation": rng.choice(["less than", "at least"]),
        }
        if _letter_compose(text, args, None) != old_letter_compose(text, args, None):
            bad.append(("letters", text, args))
        low = rng.randint(1, 30)
        args = {"min_words": low, "max_words": low + rng.randint(0, 20)}
        if _range_compose(text, args, None) != old_range_compose(text, args, None):
            bad.append(("word range", text, args))
    assert bad[:5] == []


# braces -----------------------------------------------------------------------------


def old_closing_braces(text: str) -> dict[int, int]:
    stack: list[int] = []
    pairs: dict[int, int] = {}
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def test_braces():
    assert differences(closing_braces, old_closing_braces, strings(7, list("{}\\a\n "), 40_000)) == []


# display equations made inline ------------------------------------------------------

_OLD_DISPLAYS = (
    re.compile(r"\$\$(.+?)\$\$", re.DOTALL),
    re.compile(r"\\\[(.+?)\\\]", re.DOTALL),
    re.compile(rf"\\begin\{{({_ENVS})\*?\}}(.+?)\\end\{{\1\*?\}}", re.DOTALL),
)


def old_inline(text: str, args, rng) -> str:
    if count_display_equations(text) <= args["max_equations"]:
        return text
    for rx in _OLD_DISPLAYS:
        text = rx.sub(lambda m: "$" + m.group(m.lastindex or 1).strip() + "$", text)
    return text


def test_display_equations_made_inline():
    alphabet = [
        "$",
        "$$",
        "\\[",
        "\\]",
        "\\",
        "[",
        "]",
        " ",
        "x",
        "\n",
        "}",
        "*",
        "align",
        "\\begin{",
        "\\end{",
    ]
    for env in ("align", "equation", "gather", "flalign", "eqnarray"):
        alphabet += [f"\\begin{{{env}}}", f"\\end{{{env}}}", f"\\begin{{{env}*}}", f"\\end{{{env}*}}"]
    for k, text in enumerate(strings(8, alphabet, 30_000)):
        args = {"max_equations": k % 3}
        assert _inline(text, args, None) == old_inline(text, args, None), (text, args)
