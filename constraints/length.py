"""Length constraints: how long the answer is.

Family (MathIF's length category): length_constraint_checkers:number_words,
from IFEval (Zhou et al., 2023).  Words are ``\\w+`` tokens, so "x^2" is two
words and "don't" is two; "less than" is strict, "at least" is >=.
"""

from __future__ import annotations

import random

from .base import PHASE_ADD, PHASE_TRIM, RELATIONS, Args, Family, Param, compare, pick
from .provenance import MATHIF as SOURCE
from .text import count_words, filler, trim_filler


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
        Param("num_words", "int", minimum=1, doc="threshold on the number of \\w+ words"),
        Param("relation", "choice", choices=RELATIONS),
    ),
    sample=lambda rng, ctx: {"num_words": rng.randint(128, 1024), "relation": pick(rng, RELATIONS)},
    describe=lambda a: f"Answer with {a['relation']} {a['num_words']} words.",
    check=lambda r, a: compare(count_words(r), a["relation"], a["num_words"]),
    witness=lambda a, rng: _words_text(a, satisfy=True),
    counterexample=lambda a, rng: _words_text(a, satisfy=False),
    compose=_words_compose,
    phase=lambda a: PHASE_ADD if a["relation"] == "at least" else PHASE_TRIM,
    source=SOURCE,
)

FAMILIES = (NUMBER_WORDS,)
