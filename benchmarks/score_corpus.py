"""A deterministic corpus of reasoning-model outputs with known truth, for ``score_bench.py``.

    from score_corpus import write_corpus
    stats = write_corpus(items, n, seed, Path("generations.jsonl"), Path("truth.jsonl"))

``items`` are :func:`curation.evaluation.data.eval_items` of a dataset (each with ``.key`` and
``.item``).  Response ``j`` (``0 <= j < n``) answers item ``j % len(items)`` as its sample
``j // len(items)``; its text is a pure function of ``(seed, key, sample)``, so a corpus of
``4n`` responses holds the ``n`` of the smaller one (same keys, samples and texts), and the
whole file is a pure function of ``(items, n, seed)``.

Each response is 10,000 to 60,000 characters (mean about 35,000 with the blank ones: about
106 M characters for 3,000): a ``<think>`` block of reasoning, ``</think>``, then an answer.  The mix (shares of all responses, roughly):

* 8 % truncated: ``<think>`` and reasoning cut off mid-way (no ``</think>``, no answer); half
  of them end in prose with digits (where the gold is a number, a third of those mention it);
* 4 % blank (empty or whitespace only);
* 5 % an answer inside ``<answer>...</answer>`` (a stated value, forms as below);
* the rest an answer in one of the forms of :data:`FORMS`: ``\\boxed{v}`` at the end,
  ``$\\boxed{v}$`` inside a sentence, ``The answer is v.``, ``#### v``, ``Final answer: v``, a
  box early followed by more than 4,000 characters of explanation, a wrong LaTeX value
  followed by a later ``The answer is <gold>.`` (truth: correct) and a right LaTeX value
  followed by a later wrong ``The answer is w.`` (truth: wrong), or no stated answer at all
  (prose with digits; where the gold is a number, a third of them mention it).

The stated value is the gold (65 %: verbatim, or for a ``\\frac{a}{b}`` gold ``a/b`` or an
exact short decimal, only where equal) or a wrong one (the gold with its first digit changed,
so never equal to it; a number when the gold has no digit).  About half the answers are
built from each constraint's witness (``family.witness(args, rng)``: trying to follow), the
rest are plain prose with commas, capitals and digits (ignoring the constraints).  An answer
that follows puts the statement after the repeated prompt (if asked) and before the other
witnesses, in lower case when asked for (upper case only for a number in plain words).

Truth per response (``truth.jsonl``: key, sample, truth, form, follows, tags, chars):
``correct`` (the last stated answer equals the gold), ``wrong`` (it does not) or ``none``
(no answer stated: no-answer prose, truncated, blank).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

MIN_CHARS, MAX_CHARS = 10_000, 60_000
EARLY_TAIL = 4_200  # characters after an early box (graders that read only the last 4,000 miss it)

TRUNCATED, BLANK, TAGS = 0.08, 0.04, 0.05  # shares of all responses
CORRECT_VALUE = 0.65  # share of stated values that are the gold
FOLLOW = 0.5  # share of answers built from the constraints' witnesses

# answer forms of the untruncated, non-blank responses and their weights
FORMS: dict[str, int] = {
    "boxed": 22,  # ... the final answer is \boxed{v}.
    "boxed_inline": 12,  # ... we get $\boxed{v}$ as required, ...
    "plain": 12,  # The answer is v.
    "hash": 8,  # #### v
    "final": 8,  # Final answer: v
    "boxed_early": 10,  # \boxed{v} then > 4,000 characters of explanation
    "wrong_then_gold": 8,  # a wrong LaTeX value, later "The answer is <gold>." (correct)
    "gold_then_wrong": 8,  # the gold in LaTeX, later "The answer is <wrong>." (wrong)
    "none": 12,  # prose with digits, no stated answer
}
VALUE_FORMS = ("boxed", "boxed_inline", "plain", "hash", "final", "boxed_early")
TRUTHS = ("correct", "wrong", "none")


class _Item(Protocol):
    @property
    def answer(self) -> str: ...
    @property
    def constraints(self) -> Sequence[Any]: ...


class _EvalItem(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def item(self) -> Any: ...


# text pools -----------------------------------------------------------------------------

_OPENERS = (
    "Let me think about this.",
    "Wait, let me re-check that step.",
    "Hmm, that does not look right.",
    "Okay, so far so good.",
    "Alternatively, we could try another approach.",
    "Let me verify with a small case.",
    "So, putting this together,",
    "Hold on, I made an arithmetic slip.",
)


def _reasoning_sentence(rng: random.Random) -> str:
    a, b, c = rng.randint(2, 99), rng.randint(2, 99), rng.randint(1, 9)
    kind = rng.randrange(8)
    if kind == 0:
        return f"If $x = {a}$, then $x^2 + {b}x = {a * a + b * a}$, which we keep for later."
    if kind == 1:
        return f"Dividing, $\\frac{{{a * c}}}{{{c}}} = {a}$, so the quotient is {a}."
    if kind == 2:
        return f"We need the number of ways to choose {c} of {a} objects, that is $\\binom{{{a}}}{{{c}}}$."
    if kind == 3:
        return f"Since {a} + {b} = {a + b}, and {a + b} is {'even' if (a + b) % 2 == 0 else 'odd'}, the parity fits."
    if kind == 4:
        return f"Check: {a} times {b} is {a * b}, minus {c} gives {a * b - c}."
    if kind == 5:
        return f"The area is $\\tfrac12 \\cdot {a} \\cdot {b} = {a * b / 2:g}$ square units, I think."
    if kind == 6:
        return f"Modulo {c + 1}, the residue of {a * b} is {(a * b) % (c + 1)}, as expected."
    return rng.choice(_OPENERS)


def _prose_sentence(rng: random.Random) -> str:
    """Answer prose that ignores the constraints: commas, capitals, digits, no stated answer."""
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    return rng.choice(
        (
            f"First, we set up the equation, using the {a} cases from the statement.",
            f"Next, substituting {a} for the unknown, we get {a + b} on the right-hand side.",
            "Then, we simplify both sides, and the terms cancel as expected.",
            f"Checking the edge case of {b}, the count still works out.",
            f"In Summary, the steps above combine {a} and {b} in the usual way.",
            f"Note that $y = {a}$ and $z = {b}$ satisfy both conditions, so they are consistent.",
            "This Follows from the symmetry of the problem, as noted earlier.",
        )
    )


def _plain_sentence(rng: random.Random) -> str:
    """Answer prose for answers that try to follow: lower case, no commas."""
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    return rng.choice(
        (
            f"we add {a} and {b} and check each step again.",
            "then we write down our work so it stays clear.",
            f"step {a % 9 + 1} uses the value {b} from before.",
            "each case is checked once more and nothing changes.",
            f"the count of {a} items is split into two groups.",
        )
    )


def _paragraphs(rng: random.Random, sentence: Any, count: int) -> tuple[str, ...]:
    return tuple(" ".join(sentence(rng) for _ in range(rng.randint(4, 12))) for _ in range(count))


@dataclass(frozen=True)
class Pools:
    reasoning: tuple[str, ...]
    prose: tuple[str, ...]
    plain: tuple[str, ...]


@lru_cache(maxsize=4)
def pools(seed: int) -> Pools:
    """Paragraphs that responses are joined from (a texts is a few dozen random picks)."""
    rng = random.Random(f"pools:{seed}")
    return Pools(
        _paragraphs(rng, _reasoning_sentence, 1_500),
        _paragraphs(rng, _prose_sentence, 300),
        _paragraphs(rng, _plain_sentence, 300),
    )


def _text(rng: random.Random, pool: Sequence[str], chars: int, sep: str = "\n\n") -> str:
    """About ``chars`` characters (at least ``chars``, cut there) of random paragraphs."""
    parts: list[str] = []
    n = 0
    while n < chars:
        p = pool[rng.randrange(len(pool))]
        parts.append(p)
        n += len(p) + len(sep)
    return sep.join(parts)[:chars]


def _whole(rng: random.Random, pool: Sequence[str], chars: int, sep: str = "\n\n") -> str:
    """At least ``chars`` characters of whole paragraphs (not cut mid-sentence)."""
    parts: list[str] = []
    n = 0
    while n < chars:
        p = pool[rng.randrange(len(pool))]
        parts.append(p)
        n += len(p) + len(sep)
    return sep.join(parts)


# values ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_FRAC = re.compile(r"(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}")
_DOLLAR = re.compile(r"(?<!\\)\$")


def is_number(gold: str) -> bool:
    return _NUMBER.fullmatch(gold.strip()) is not None


def boxable(gold: str) -> str:
    """The gold as a model would write it inside a box: without ``$`` delimiters."""
    return _DOLLAR.sub("", gold.strip().removesuffix(".")).strip()


def _short_decimal(value: Fraction) -> str | None:
    """``value`` as an exact decimal of at most 8 significant characters, else None."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    places = max(twos, fives)
    text = f"{float(value):.{places}f}" if places else str(value.numerator)
    return text if len(text) <= 8 and Fraction(text) == value else None


def equal_forms(gold: str) -> list[str]:
    """Other ways to write the gold's value, each equal to it: for ``\\frac{a}{b}``, ``a/b``
    and an exact short decimal; none for other golds."""
    m = _FRAC.fullmatch(gold.strip())
    if m is None:
        return []
    sign, num, den = m.group(1), int(m.group(2)), int(m.group(3))
    if den == 0:
        return []
    value = Fraction(num, den) * (-1 if sign else 1)
    forms = [f"{sign}{num}/{den}"]
    dec = _short_decimal(value)
    if dec is not None:
        forms.append(dec)
    return forms


def wrong_value(gold: str, rng: random.Random) -> str:
    """A value that is not the gold: its first digit changed (so the value differs), or a
    number that appears nowhere in a gold without digits."""
    text = boxable(gold)
    for i, ch in enumerate(text):
        if ch.isdigit():
            d = int(ch)
            return text[:i] + str(d + 1 if d < 9 else 8) + text[i + 1 :]
    while True:
        w = str(rng.randint(2, 999))
        if w not in text:
            return w


def _math(value: str) -> str:
    """A value for running text: a number as it is, anything else between ``$``."""
    return value if is_number(value) else f"${value}$"


# responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    output: str
    truth: str  # correct | wrong | none
    form: str  # a key of FORMS, or truncated / blank
    follows: bool  # the answer was built from the constraints' witnesses
    tags: bool  # the answer is inside <answer> tags


def _length(rng: random.Random) -> int:
    return MIN_CHARS + int((MAX_CHARS - MIN_CHARS) * rng.betavariate(1.2, 1.0))


def _statement(form: str, value: str, follows: bool) -> str:
    """The sentence that states ``value`` in ``form`` (lower case, no commas when following)."""
    if form == "boxed":
        return (
            f"so the final answer is \\boxed{{{value}}}."
            if follows
            else f"Therefore, the final answer is \\boxed{{{value}}}."
        )
    if form == "boxed_inline":
        return (
            f"putting it together we get $\\boxed{{{value}}}$ as required and we are done."
            if follows
            else f"Putting it together, we get $\\boxed{{{value}}}$ as required, and we are done."
        )
    if form == "plain":
        return f"The answer is {_math(value)}."
    if form == "hash":
        return f"#### {value}"
    if form == "final":
        return f"Final answer: {_math(value)}"
    raise ValueError(form)


def _none_tail(rng: random.Random, gold: str) -> str:
    """Prose with digits that states no answer (a third of them mention a numeric gold)."""
    a, b = rng.randint(2, 99), rng.randint(2, 99)
    mention = is_number(gold) and rng.random() < 1 / 3
    extra = f" and {boxable(gold)} of them are still open" if mention else ""
    return rng.choice(
        (
            f"I could not finish the computation: so far {a} + {b} = {a + b}{extra}, and the remaining cases need more work.",
            f"We have reduced the problem to {a} cases{extra}; checking them all is left for later.",
            f"The count so far is {a * b}{extra}, but I am not sure this is complete.",
        )
    )


def _answer_block(
    form: str, gold: str, value: str, wrong: str, follows: bool, rng: random.Random, p: Pools
) -> str:
    """The part of the answer that states (or does not state) a value."""
    filler = p.plain if follows else p.prose
    if form in ("boxed", "boxed_inline", "plain", "hash", "final"):
        return _statement(form, value, follows)
    if form == "boxed_early":
        lead = "we find \\boxed{" if follows else "We find \\boxed{"
        return f"{lead}{value}}} and explain why below.\n\n{_whole(rng, filler, EARLY_TAIL, ' ')}"
    gold_v = boxable(gold)
    if form == "wrong_then_gold":
        first = f"$\\boxed{{{wrong}}}$" if rng.random() < 0.5 else f"${wrong}$"
        return (
            f"A first attempt gives {first}. Wait, that misses a case.\n\n"
            f"{_whole(rng, filler, 600, ' ')}\n\nThe answer is {_math(gold_v)}."
        )
    if form == "gold_then_wrong":
        first = f"$\\boxed{{{gold_v}}}$" if rng.random() < 0.5 else f"${gold_v}$"
        return (
            f"A first attempt gives {first}. Wait, that misses a case.\n\n"
            f"{_whole(rng, filler, 600, ' ')}\n\nThe answer is {_math(wrong)}."
        )
    if form == "none":
        return f"{_whole(rng, filler, 400, ' ')} {_none_tail(rng, gold)}"
    raise ValueError(form)


def _adapt_case(block: str, gold: str, ids: Sequence[str], form: str) -> str:
    """Following answers: the statement in the case the constraints ask, where that keeps
    the value intact (lower case when the gold has no capitals; upper case only for a
    numeric gold stated in plain words)."""
    if "change_case:english_lowercase" in ids and gold == gold.lower():
        return block.lower()
    if "change_case:english_capital" in ids and is_number(gold) and form in ("plain", "hash", "final"):
        return block.upper()
    return block


def make_response(item: _Item, key: str, sample: int, seed: int) -> Response:
    """One output for ``item`` (its sample ``sample``), a pure function of (seed, key, sample)."""
    rng = random.Random(f"{seed}:{key}:{sample}")
    p = pools(seed)
    length = _length(rng)
    gold = item.answer
    kind = rng.random()
    if kind < BLANK:
        return Response(rng.choice(("", " ", "\n\n", "  \n")), "none", "blank", False, False)
    if kind < BLANK + TRUNCATED:
        body = _text(rng, p.reasoning, length - 7)
        if rng.random() < 0.5:  # ends in prose with digits, no answer
            tail = _none_tail(rng, gold)
            body = body[: max(0, len(body) - len(tail) - 1)] + " " + tail[: rng.randint(20, len(tail))]
        return Response("<think>" + body, "none", "truncated", False, False)
    tags = kind < BLANK + TRUNCATED + TAGS
    follows = rng.random() < FOLLOW
    forms = VALUE_FORMS if tags else tuple(FORMS)
    form = rng.choices(forms, weights=[FORMS[f] for f in forms])[0]
    correct_value = rng.random() < CORRECT_VALUE
    wrong = wrong_value(gold, rng)
    if correct_value:
        alternatives = equal_forms(gold)
        value = rng.choice(alternatives) if alternatives and rng.random() < 0.5 else boxable(gold)
    else:
        value = wrong
    if form == "none":
        truth = "none"
    elif form == "wrong_then_gold":
        truth = "correct"
    elif form == "gold_then_wrong":
        truth = "wrong"
    else:
        truth = "correct" if correct_value else "wrong"
    block = _answer_block(form, gold, value, wrong, follows, rng, p)
    if follows:
        constraints = list(item.constraints)
        ids = [c.id for c in constraints]
        block = _adapt_case(block, gold, ids, form)
        first = [c for c in constraints if c.id == "combination:repeat_prompt"]
        rest = [c for c in constraints if c.id != "combination:repeat_prompt"]
        parts = [c.family.witness(c.args, rng) for c in first]
        parts.append(block)
        parts += [c.family.witness(c.args, rng) for c in rest]
        answer = "\n\n".join(parts)
    else:
        answer = _whole(rng, p.prose, rng.randint(300, 1_500), " ") + "\n\n" + block
    if tags:
        answer = f"<answer>{answer}</answer>"
    reasoning = _text(rng, p.reasoning, max(2_000, length - len(answer) - 20))
    return Response(f"<think>{reasoning}</think>\n\n{answer}", truth, form, follows, tags)


# files ----------------------------------------------------------------------------------


@dataclass
class CorpusStats:
    responses: int = 0
    chars: int = 0
    bytes: int = 0
    sha256: str = ""
    truths: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)
    follows: int = 0
    tags: int = 0


def position(j: int, items: Sequence[_EvalItem]) -> tuple[_EvalItem, int]:
    """Response ``j`` answers item ``j % len(items)`` as its sample ``j // len(items)``."""
    return items[j % len(items)], j // len(items)


def write_corpus(
    items: Sequence[_EvalItem], n: int, seed: int, generations: Path, truth: Path
) -> CorpusStats:
    """Write ``n`` responses as keyed generation lines and their truth; nothing is held in memory."""
    if not items:
        raise ValueError("no items")
    stats = CorpusStats()
    digest = hashlib.sha256()
    with generations.open("wb", buffering=1 << 20) as fg, truth.open("wb", buffering=1 << 20) as ft:
        for j in range(n):
            e, sample = position(j, items)
            r = make_response(e.item, e.key, sample, seed)
            line = (
                json.dumps({"key": e.key, "sample": sample, "output": r.output}, ensure_ascii=False) + "\n"
            ).encode("utf-8")
            fg.write(line)
            digest.update(line)
            record = {
                "key": e.key,
                "sample": sample,
                "truth": r.truth,
                "form": r.form,
                "follows": r.follows,
                "tags": r.tags,
                "chars": len(r.output),
            }
            ft.write((json.dumps(record) + "\n").encode("utf-8"))
            stats.responses += 1
            stats.chars += len(r.output)
            stats.bytes += len(line)
            stats.truths[r.truth] += 1
            stats.forms[r.form] += 1
            stats.follows += r.follows
            stats.tags += r.tags
    stats.sha256 = digest.hexdigest()
    return stats


def read_truth(path: Path) -> dict[tuple[str, int], dict[str, Any]]:
    """(key, sample) -> the truth record of ``write_corpus``."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out[(rec["key"], rec["sample"])] = rec
    return out
